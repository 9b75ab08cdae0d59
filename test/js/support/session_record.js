// A ClawPay session record as the SessionStore keeps it, for the store's
// tests: fixed times around NOW, a fresh id each, fields overridable.
export const NOW = 1_800_000_000;

export function sessionRecord(overrides = {}) {
  return {
    sessionId: crypto.randomUUID(),
    endpoint: 'https://api.example.com/v1',
    scope: 'prefix',
    walletAddress: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed',
    createdAt: NOW - 10,
    expiresAt: NOW + 3600,
    paymentTxHash: `0x${'ab'.repeat(32)}`,
    paymentAmount: '10000',
    paymentToken: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
    paymentRecipient: '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
    sessionToken: 'eyJ.0x00',
    signature: '0x00',
    callCount: 0,
    lastUsedAt: NOW - 10,
    ...overrides,
  };
}
