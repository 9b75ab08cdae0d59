// Compiled (never run) by test/js/types.test.js: proves that the hand-written
// lib/index.d.ts is valid TypeScript and that typical use type-checks —
// and that misuse does not (the @ts-expect-error lines must stay errors).
import {
  Signer, toViemAccount, keccak256, hashMessage, hashTypedData, recoverAddress,
  recoverMessageAddress, recoverTypedDataAddress, getAddress, buildSessionToken,
  decodeSessionToken, verifySessionToken, recoverSessionToken, verifySessionTokens, normalizeUrl, scopeCovers,
  SessionStore, SessionCache, TOKEN_REASONS, ReceiptLedger, formatReceipts, RecordStore,
  type Hex, type Address, type SessionRecord, type TokenReason, type TypedDataDefinition,
  type Receipt, type ReceiptIntent, type RevokeResult, type RecordEntry, type JsonObject,
} from 'clawpay-native';
import type { LocalAccount } from 'viem';

async function usage(): Promise<void> {
  const signer: Signer = Signer.fromPrivateKey('0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318');
  const address: Address = signer.address;
  const account: LocalAccount = toViemAccount(signer);
  const signature: Hex = await signer.signMessage('hello');
  await signer.signMessage({ raw: new Uint8Array([1, 2]) });
  const typed: TypedDataDefinition = {
    domain: { name: 'USD Coin', version: '2', chainId: 8453n, verifyingContract: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913' },
    types: { T: [{ name: 'v', type: 'uint256' }] },
    primaryType: 'T',
    message: { v: 1n },
  };
  const typedSignature: Hex = signer.signTypedDataSync(typed);
  const digest: Hex = hashTypedData(typed);
  const bytes: Uint8Array = keccak256('0x00', 'bytes');
  const hex: Hex = keccak256(bytes);
  const messageHash: Hex = hashMessage('x');
  const recovered: Address = await recoverAddress({ hash: digest, signature: typedSignature });
  await recoverAddress(digest, typedSignature);
  await recoverMessageAddress({ message: 'hello', signature });
  await recoverTypedDataAddress({ ...typed, signature: typedSignature });
  const checksummed: Address = getAddress(address.toLowerCase());

  const token = await buildSessionToken({
    version: 'clawpay/1.1', sessionId: 'id', walletAddress: address, endpoint: 'https://a.example/v1',
    scope: 'prefix', createdAt: 1, expiresAt: 2, paymentTxHash: '0x', paymentAmount: 10000n,
  }, signer);
  const { payload } = decodeSessionToken(token.token);
  const amount: string = payload.paymentAmount;
  const result = await verifySessionToken(token.token, { now: new Date(), wallet: address, url: 'https://a.example/v1/x' });
  const reason: TokenReason | null = result.reason;
  const reasons: readonly TokenReason[] = TOKEN_REASONS;
  const batch = await verifySessionTokens([token.token], { threads: 2 });
  const valid: boolean = batch[0]!.valid;
  const recoveredToken = recoverSessionToken(token.token);
  if (recoveredToken.valid) { const signerOfToken: Address = recoveredToken.signer; void signerOfToken; }
  const legacy: SessionCache = new SessionCache();
  legacy.close();

  const normalized = normalizeUrl('https://a.example/v1');
  const origin: string | undefined = normalized?.origin;
  const covered: boolean = scopeCovers('https://a.example/v1', 'prefix', 'https://a.example/v1/x');

  const cache = new SessionStore({ path: '/tmp/sessions.journal' });
  const found: SessionRecord | null = cache.findForUrl('https://a.example/v1/x', { now: 1 });
  const all: SessionRecord[] = cache.list({ includeExpired: true });
  const count: number = cache.size;
  cache.close();

  const ledger = new ReceiptLedger({ path: '/tmp/receipts.journal' });
  const intent: ReceiptIntent = {
    paymentId: `0x${'a'.repeat(64)}`, kind: 'session', route: 'GET /weather', resource: 'https://a.example/weather',
    method: 'GET', network: 'eip155:8453', asset: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913', amount: 10000n,
    decimals: 6, payer: address, payTo: address, x402Version: 2, sessionTtlSeconds: 3600,
  };
  const claimed: boolean = ledger.begin(intent);
  const receipt: Receipt = ledger.settle(intent.paymentId, { transaction: `0x${'b'.repeat(64)}`, settledAt: new Date() });
  ledger.fail(intent.paymentId, { reason: 'timeout' });
  const settledAt: number | undefined = ledger.byTransaction(`0x${'b'.repeat(64)}`)?.settledAt;
  const revoked: RevokeResult = ledger.revoke(`0x${'b'.repeat(64)}`, { at: 1 });
  const fresh: boolean = ledger.useNonce('nonce', { expiresAt: Date.now() + 60_000 });
  const paid: Receipt[] = ledger.paidBy(address);
  const csv: string = formatReceipts(ledger.list());
  const jsonl: string = formatReceipts(paid, 'jsonl');
  const receipts: number = ledger.size;
  ledger.close();

  interface Payment { status: 'intent' | 'signed'; amount: string; authorization?: { nonce: Hex } }
  const payments = new RecordStore<Payment>({ path: '/tmp/records.journal' });
  payments.put('pay/1', { status: 'intent', amount: '10000' });
  const signed: Payment | null = payments.update('pay/1', (current) =>
    current === null ? null : { ...current, status: 'signed', authorization: { nonce: `0x${'0'.repeat(64)}` } });
  payments.update('pay/1', () => undefined);
  const pending: RecordEntry<Payment>[] = payments.list('pay/');
  const gone: boolean = payments.delete('pay/1');
  const held: number = payments.size;
  payments.close();
  const counters = new RecordStore();
  const spent: JsonObject | null = counters.update('spend/2026-01-01', (current) => ({ total: String(Number(current?.total ?? 0) + 1) }));
  const any: JsonObject | null = counters.get('spend/2026-01-01');
  signer.destroy();

  // @ts-expect-error Signer has no public constructor
  new Signer();
  // @ts-expect-error the scope is 'prefix' | 'exact'
  scopeCovers('https://a.example', 'wide', 'https://a.example');
  // @ts-expect-error keccak256 takes hex or bytes, not a number
  keccak256(42);
  // @ts-expect-error the private key never leaves native memory
  signer.privateKey;
  // @ts-expect-error receipts export as csv or jsonl only
  formatReceipts([], 'xlsx');
  // @ts-expect-error settle needs the transaction
  ledger.settle(intent.paymentId, { settledAt: 1 });
  // @ts-expect-error update callbacks are synchronous: no Promise
  payments.update('pay/1', async (current) => current);
  // @ts-expect-error bigint is not JSON: store amounts as decimal strings
  counters.put('spend', { total: 10n });
  // @ts-expect-error values are objects
  counters.put('spend', 'text');
  void [account, hex, messageHash, recovered, checksummed, amount, reason, reasons, valid, origin, covered, found, all, count, bytes,
    claimed, receipt, settledAt, revoked, fresh, paid, csv, jsonl, receipts, signed, pending, gone, held, spent, any];
}
void usage;
