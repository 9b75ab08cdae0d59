// Compiled (never run) by test/js/types.test.js: proves that the hand-written
// lib/index.d.ts is valid TypeScript and that typical use type-checks —
// and that misuse does not (the @ts-expect-error lines must stay errors).
import {
  Signer, toViemAccount, keccak256, hashMessage, hashTypedData, recoverAddress,
  recoverMessageAddress, recoverTypedDataAddress, getAddress, buildSessionToken,
  decodeSessionToken, verifySessionToken, verifySessionTokens, normalizeUrl, scopeCovers,
  SessionCache, TOKEN_REASONS,
  type Hex, type Address, type SessionRecord, type TokenReason, type TypedDataDefinition,
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

  const normalized = normalizeUrl('https://a.example/v1');
  const origin: string | undefined = normalized?.origin;
  const covered: boolean = scopeCovers('https://a.example/v1', 'prefix', 'https://a.example/v1/x');

  const cache = new SessionCache({ path: '/tmp/sessions.journal' });
  const found: SessionRecord | null = cache.findForUrl('https://a.example/v1/x', { now: 1 });
  const all: SessionRecord[] = cache.list({ includeExpired: true });
  const count: number = cache.size;
  cache.close();
  signer.destroy();

  // @ts-expect-error Signer has no public constructor
  new Signer();
  // @ts-expect-error the scope is 'prefix' | 'exact'
  scopeCovers('https://a.example', 'wide', 'https://a.example');
  // @ts-expect-error keccak256 takes hex or bytes, not a number
  keccak256(42);
  // @ts-expect-error the private key never leaves native memory
  signer.privateKey;
  void [account, hex, messageHash, recovered, checksummed, amount, reason, reasons, valid, origin, covered, found, all, count, bytes];
}
void usage;
