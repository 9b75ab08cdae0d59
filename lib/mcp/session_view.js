// A ClawPay session record in a tool result.

export { ZERO_ADDRESS } from '../pay/sessions.js';

/** sessionBlock(record), its remaining time counted at `seconds()` (Unix seconds). */
export function createSessionView(seconds) {
  function sessionBlock(record) {
    return {
      sessionId: record.sessionId,
      label: record.label ?? null,
      endpoint: record.endpoint,
      scope: record.scope,
      callCount: record.callCount,
      createdAt: record.createdAt,
      expiresAt: record.expiresAt,
      ttlSeconds: Math.max(0, record.expiresAt - seconds()),
      lastUsedAt: record.lastUsedAt,
      endedAt: record.endedAt ?? null,
      paymentTxHash: record.paymentTxHash,
      paymentAmount: record.paymentAmount,
      paymentToken: record.paymentToken,
      paymentRecipient: record.paymentRecipient,
      revokeUrl: record.revokeUrl ?? null,
    };
  }

  return { sessionBlock };
}
