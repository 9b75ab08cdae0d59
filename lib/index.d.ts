// clawpay-native — public API. Hand-written; kept in step with lib/*.js.

export type Hex = `0x${string}`;
export type Address = `0x${string}`;
export type ByteArray = Uint8Array;

/** viem's SignableMessage: a string (its UTF-8 bytes are signed) or raw bytes. */
export type SignableMessage = string | { raw: Hex | ByteArray };

export interface TypedDataField {
  name: string;
  type: string;
}

export interface TypedDataDomain {
  name?: string;
  version?: string;
  chainId?: number | bigint | string;
  verifyingContract?: Address;
  salt?: Hex;
}

/**
 * EIP-712 typed data, as viem takes it. Integers may be bigint, number (an
 * integer) or a decimal / 0x-hex string; bytes may be hex or Uint8Array.
 */
export interface TypedDataDefinition {
  domain?: TypedDataDomain;
  types: Record<string, readonly TypedDataField[]>;
  primaryType: string;
  message?: Record<string, unknown>;
}

/**
 * Errors thrown by this package carry a stable `code`, e.g.
 * ERR_INVALID_ARG_TYPE, ERR_INVALID_ARG_VALUE, ERR_INVALID_HEX,
 * ERR_INVALID_LENGTH, ERR_ILLEGAL_CONSTRUCTOR, ERR_INVALID_THIS, ERR_INVALID_PRIVATE_KEY,
 * ERR_DESTROYED, ERR_RANDOM_FAILED, ERR_SECP256K1, ERR_BAD_V, ERR_HIGH_S,
 * ERR_INVALID_SIGNATURE, ERR_RECOVERY_FAILED, ERR_INVALID_ADDRESS,
 * ERR_BAD_CHECKSUM, ERR_EIP712_TYPE, ERR_EIP712_VALUE, ERR_EIP712_RANGE,
 * ERR_EIP712_DEPTH, ERR_MALFORMED_TOKEN, ERR_INVALID_SESSION_PAYLOAD,
 * ERR_INVALID_SESSION_RECORD, ERR_DUPLICATE_SESSION, ERR_JOURNAL_CORRUPT,
 * ERR_JOURNAL_VERSION, ERR_UNSAFE_JOURNAL (symlink, hard link or another user's file at
 * the cache path), ERR_INVALID_ARGUMENT (empty cache path), ERR_IO, ERR_CLOSED,
 * ERR_INTERNAL, ERR_NATIVE_LOAD, ERR_INVALID_ARG (receipt ledger: a payment unknown or
 * not pending, a transaction already recorded for another payment), ERR_STORE_BUSY
 * (a RecordStore called from inside one of its own update callbacks).
 */
export interface ClawpayError extends Error {
  code: string;
}

/** A secp256k1 key held in native memory; JS never sees the key. */
export declare class Signer {
  private constructor();
  /** From "0x" + 64 hex digits. Throws ERR_INVALID_PRIVATE_KEY (the key is never echoed). */
  static fromPrivateKey(privateKey: Hex): Signer;
  /** A fresh key from OpenSSL's CSPRNG. */
  static generate(): Signer;
  /** EIP-55 checksummed address. */
  readonly address: Address;
  readonly destroyed: boolean;
  /** 65-byte signature (v = 27/28), byte-identical to viem's signMessage. */
  signMessage(message: SignableMessage): Promise<Hex>;
  /** 65-byte signature, byte-identical to viem's signTypedData. */
  signTypedData(typedData: TypedDataDefinition): Promise<Hex>;
  /** Signs a 32-byte digest as is (RFC 6979, low s). */
  signHash(hash: Hex | ByteArray): Promise<Hex>;
  signMessageSync(message: SignableMessage): Hex;
  signTypedDataSync(typedData: TypedDataDefinition): Hex;
  signHashSync(hash: Hex | ByteArray): Hex;
  /** Wipes the key; later signing throws ERR_DESTROYED. */
  destroy(): void;
  toJSON(): { address: Address };
}

/**
 * A viem LocalAccount (signMessage, signTypedData, signTransaction, sign,
 * signAuthorization) backed by the native Signer.
 */
export declare function toViemAccount(signer: Signer): import('viem').LocalAccount;

export declare function keccak256(value: Hex | ByteArray, to?: 'hex'): Hex;
export declare function keccak256(value: Hex | ByteArray, to: 'bytes'): ByteArray;
export declare function hashMessage(message: SignableMessage, to?: 'hex'): Hex;
export declare function hashMessage(message: SignableMessage, to: 'bytes'): ByteArray;
export declare function hashTypedData(typedData: TypedDataDefinition): Hex;

export type SignatureLike = Hex | ByteArray | { r: Hex; s: Hex; v?: bigint | number; yParity?: number };

/** Throws ERR_HIGH_S for malleable signatures (viem would recover another address). */
export declare function recoverAddress(parameters: { hash: Hex | ByteArray; signature: SignatureLike }): Promise<Address>;
export declare function recoverAddress(hash: Hex | ByteArray, signature: SignatureLike): Promise<Address>;
export declare function recoverMessageAddress(parameters: { message: SignableMessage; signature: SignatureLike }): Promise<Address>;
export declare function recoverTypedDataAddress(parameters: TypedDataDefinition & { signature: SignatureLike }): Promise<Address>;
/** EIP-55 form; throws ERR_INVALID_ADDRESS or ERR_BAD_CHECKSUM. */
export declare function getAddress(address: string): Address;

/** ClawPay 1.1 session token payload (all fields required, no others). */
export interface SessionTokenPayload {
  version: 'clawpay/1.1' | string;
  sessionId: string;
  walletAddress: string;
  endpoint: string;
  scope: 'prefix' | 'exact';
  /** Unix seconds. */
  createdAt: number;
  /** Unix seconds. */
  expiresAt: number;
  paymentTxHash: string;
  /** Base units as a decimal string (a bigint is accepted and converted). */
  paymentAmount: string | bigint;
}

export interface SessionToken {
  /** base64url(canonicalJson) + "." + signature */
  token: string;
  /** Keys sorted, no spaces, JSON.stringify escaping. */
  canonicalJson: string;
  /** EIP-191 signature of canonicalJson: 0x + 130 lowercase hex. */
  signature: Hex;
}

export declare function buildSessionToken(payload: SessionTokenPayload, signer: Signer): Promise<SessionToken>;
/** Throws ERR_MALFORMED_TOKEN, naming what is wrong. */
export declare function decodeSessionToken(token: string): { payload: SessionTokenPayload & { paymentAmount: string }; signature: Hex };

/**
 * Why a token was refused, in the order checks run:
 * - `malformed`: not `<base64url>.<0x + 130 lowercase hex>`, longer than 16 KiB, or a
 *   payload that is not exactly the canonical JSON of the nine ClawPay 1.1 fields;
 * - `unsupported_version`: version is not "clawpay/1.1";
 * - `bad_signature`: v not 0x1b/0x1c, r/s out of range, high s (malleable), or no key recovers;
 * - `wrong_signer`: recovers, but not to `options.wallet`;
 * - `expired`: `now >= expiresAt`;
 * - `out_of_scope`: `options.url` is not within the token's endpoint and scope.
 */
export type TokenReason = 'malformed' | 'unsupported_version' | 'bad_signature' | 'wrong_signer' | 'expired' | 'out_of_scope';
export declare const TOKEN_REASONS: readonly TokenReason[];

export interface VerifyOptions {
  /** Unix seconds or a Date; defaults to the clock. */
  now?: number | Date;
  /**
   * When set, the token must be signed by this address. Without it, `valid`
   * means only that *some* key signed a well-formed, unexpired, in-scope
   * token (`signer` says which): the payload's `walletAddress` is the
   * client's own claim and proves nothing. A server granting access should
   * always pass the address it expects.
   */
  wallet?: string;
  /** When set, the URL must be within the token's endpoint and scope. */
  url?: string;
}

/** A token that checked out: decoded, signed by the expected wallet, in time, covering the URL. */
export interface ValidTokenVerification {
  valid: true;
  reason: null;
  /** Human-readable note, usually null. */
  detail: string | null;
  payload: SessionTokenPayload & { paymentAmount: string };
  signer: Address;
}

/** A token refused for `reason`. */
export interface InvalidTokenVerification {
  valid: false;
  reason: TokenReason;
  /** Human-readable explanation of `reason`. */
  detail: string | null;
  /** Set whenever the token decoded, even when it is invalid for another reason. */
  payload: (SessionTokenPayload & { paymentAmount: string }) | null;
  /** Set whenever the signature recovered. */
  signer: Address | null;
}

/** Narrows on `valid`: when true, `payload` and `signer` are set and `reason` is null. */
export type TokenVerification = ValidTokenVerification | InvalidTokenVerification;

/** Never throws for a bad token; throws only for bad options. */
export declare function verifySessionToken(token: string, options?: VerifyOptions): Promise<TokenVerification>;
/**
 * The half of verifySessionToken that depends on the token alone (shape,
 * version, signature -> signer), synchronous: the costly half, for a caller
 * that keeps it per token and checks time, scope and payer per request.
 * Its reasons are 'malformed', 'unsupported_version' and 'bad_signature'.
 */
export declare function recoverSessionToken(token: string): TokenVerification;
/** Off the main thread, spread over all cores (or `threads`). */
export declare function verifySessionTokens(tokens: string[], options?: VerifyOptions & { threads?: number }): Promise<TokenVerification[]>;

export interface NormalizedUrl {
  origin: string;
  path: string;
  query: string | null;
  prefixKey: string;
  exactKey: string;
}

/** null for anything that is not an unambiguous absolute http(s) URL. */
export declare function normalizeUrl(url: string): NormalizedUrl | null;
/**
 * Whether a session for (endpoint, scope) covers url: same scheme, host and
 * port, no userinfo, and the normalized path equal to the endpoint's or
 * continuing it at a "/" (prefix), or the same normalized URL with its query
 * (exact).
 */
export declare function scopeCovers(endpoint: string, scope: 'prefix' | 'exact', url: string): boolean;

/** ClawPay 1.1's session record. Times are Unix seconds. */
export interface SessionRecord {
  sessionId: string;
  endpoint: string;
  scope: 'prefix' | 'exact';
  walletAddress: string;
  createdAt: number;
  expiresAt: number;
  paymentTxHash: string;
  paymentAmount: string;
  paymentToken: string;
  paymentRecipient: string;
  sessionToken: string;
  signature: string;
  label?: string;
  callCount: number;
  lastUsedAt: number;
  /** Set by end(). */
  endedAt?: number;
  [extra: string]: unknown;
}

export interface Clock {
  /** Unix seconds or a Date; defaults to the clock. */
  now?: number | Date;
}

/**
 * Where and how a journaled store opens its file (see src/journal.h). With a
 * path, the directory's manifest (clawpay.manifest) records the journal, and
 * a listed journal that is missing, emptied or cut short is refused
 * (ERR_JOURNAL_CORRUPT) instead of started afresh.
 */
export interface JournalOptions {
  path?: string;
  /** Open without creating, cutting or writing anything (clawpay state verify). */
  readOnly?: boolean;
  /** Told of a torn final record cut off (file, byte offset); default: a line on stderr. */
  onNotice?: (line: string) => void;
}

export declare class SessionStore {
  /** In memory; or journaled at `path` (every change fsync'ed before returning). */
  constructor(options?: JournalOptions);
  /** Throws ERR_INVALID_SESSION_RECORD (naming the field) or ERR_DUPLICATE_SESSION. */
  add(record: SessionRecord): void;
  get(sessionId: string): SessionRecord | null;
  /** Exact beats prefix, the longest prefix wins; never an expired or ended session. */
  findForUrl(url: string, options?: Clock): SessionRecord | null;
  /**
   * callCount += calls (default 1), lastUsedAt = now, in one journal record.
   * calls: an integer from 1 to 1e9 (ERR_OUT_OF_RANGE beyond).
   */
  recordCall(sessionId: string, options?: Clock & { calls?: number }): boolean;
  end(sessionId: string, options?: Clock): boolean;
  list(options?: Clock & { includeExpired?: boolean }): SessionRecord[];
  /** Removes expired and ended sessions; returns how many. */
  prune(options?: Clock): number;
  readonly size: number;
  close(): void;
}

/** @deprecated Renamed SessionStore (the same class). */
export declare const SessionCache: typeof SessionStore;
/** @deprecated Renamed SessionStore. */
export type SessionCache = SessionStore;

/** The fields a receipt keeps from the intent that began it. */
export interface ReceiptTerms {
  /** 0x + 64 lowercase hex: the payment's own id (one claim per id). */
  paymentId: Hex;
  kind: 'call' | 'session';
  /** 1–256 characters. */
  route: string;
  /** 1–4096 characters. */
  resource: string;
  /** 1–16 characters. */
  method: string;
  /** 1–64 characters, e.g. "eip155:8453" or "base". */
  network: string;
  asset: Address;
  /** 0–36. */
  decimals: number;
  /** Kept as given (compared in any case). */
  payer: Address;
  payTo: Address;
  x402Version: 1 | 2;
  /** 1–2592000; kind "session" only. */
  sessionTtlSeconds?: number;
}

/** What a paid request is about to settle: ReceiptLedger.begin's argument. */
export interface ReceiptIntent extends ReceiptTerms {
  /** Base units: a bigint or a decimal string without leading zeros, below 2^256. */
  amount: bigint | string;
  /** Unix milliseconds or a Date; defaults to the clock. */
  startedAt?: number | Date;
}

export type ReceiptStatus = 'pending' | 'settled' | 'failed';

/** A receipt: the intent as begun plus its state. Times are Unix milliseconds. */
export interface Receipt extends ReceiptTerms {
  /** Base units, decimal. */
  amount: string;
  startedAt: number;
  status: ReceiptStatus;
  /** Settled: 0x + 64 lowercase hex. */
  transaction?: Hex;
  settledAt?: number;
  /** Set once by revoke(). */
  revokedAt?: number;
  /** Failed: why (≤ 512 characters). */
  failure?: string;
  failedAt?: number;
}

export type RevokeResult = 'revoked' | 'already_revoked' | 'not_found';

/** Unix milliseconds or a Date. */
export type Millis = number | Date;

/**
 * The paid side's durable record of x402 payments and single-use nonces.
 * Validation errors are TypeError / RangeError with code ERR_INVALID_ARG_TYPE
 * or ERR_INVALID_ARG_VALUE naming the parameter; state errors have code
 * ERR_INVALID_ARG. A file of another kind (e.g. a SessionStore journal) is
 * refused with ERR_JOURNAL_CORRUPT.
 */
export declare class ReceiptLedger {
  /** In memory; or journaled at `path` (every change fdatasync'ed before returning, shareable by processes). */
  constructor(options?: JournalOptions);
  /** Claims the payment: false (nothing written) when it is already pending or settled; a failed one may be claimed again. */
  begin(intent: ReceiptIntent): boolean;
  /** pending -> settled. Throws ERR_INVALID_ARG when not pending or the transaction paid for another payment. */
  settle(paymentId: Hex, options: { transaction: Hex; settledAt?: Millis }): Receipt;
  /** pending -> failed. */
  fail(paymentId: Hex, options: { reason: string; at?: Millis }): void;
  get(paymentId: Hex): Receipt | null;
  /** Any case of the hash. */
  byTransaction(transaction: Hex): Receipt | null;
  revoke(transaction: Hex, options?: { at?: Millis }): RevokeResult;
  /** true the first time; false while the nonce is recorded and unexpired. `expiresAt` must be after `now`. */
  useNonce(nonce: string, options: { expiresAt: Millis; now?: Millis }): boolean;
  /** In the order payments were first begun. */
  list(): Receipt[];
  /** Settled receipts (revoked ones included) of this payer, in any case. */
  paidBy(payer: Address): Receipt[];
  /** Receipts held (nonces not counted). */
  readonly size: number;
  close(): void;
}

/**
 * Receipts as export text with the columns settledAt (ISO 8601 UTC), status,
 * kind, transaction, network, asset, amount, amountDecimal (exact, `decimals`
 * places), decimals, payer, payTo, resource, method, route, x402Version,
 * paymentId, revokedAt, failure, symbol (from `symbols`: lowercase asset
 * address -> symbol; empty when unknown), paid (true only for a settled
 * receipt: a sum of the paid rows is the revenue). 'csv' (default): RFC 4180
 * with a header row and CRLF; fields that a spreadsheet would run as a formula
 * get a leading apostrophe. 'jsonl': one object per line, absent values null.
 */
export declare function formatReceipts(records: readonly Receipt[], format?: 'csv' | 'jsonl', options?: { symbols?: Record<string, string> }): string;

/** A value JSON writes and reads back as itself. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** One record as RecordStore.list() returns it. */
export interface RecordEntry<V extends object = JsonObject> {
  id: string;
  value: V;
}

/**
 * A durable map of id -> JSON object that threads and processes may share
 * (journal format "clawpay-records"). Ids: 1-256 printable ASCII characters.
 * Values: plain objects as JSON.stringify writes them, at most 65536 bytes
 * (UTF-8) and 64 levels deep; bigint is refused (store amounts as decimal
 * strings). Values come back as fresh objects.
 */
export declare class RecordStore<V extends object = JsonObject> {
  /** In memory; or journaled at `path` (every change fdatasync'ed before returning, shareable by processes). */
  constructor(options?: JournalOptions);
  get(id: string): V | null;
  /** Records whose id starts with `prefix`, in the order their ids were first written. */
  list(prefix?: string): RecordEntry<V>[];
  /**
   * Atomic read-modify-write across threads and processes: `fn` runs
   * synchronously under the store's lock with the current value (or null)
   * and returns the new value, null to delete, or undefined to leave it.
   * Returns the resulting value. If `fn` throws, nothing is written and its
   * error propagates; calling this store (or another on the same file) from
   * inside `fn` throws ERR_STORE_BUSY.
   */
  update(id: string, fn: (current: V | null) => V | null | undefined): V | null;
  /** Writes the record, replacing any value it had. */
  put(id: string, value: V): void;
  /** false (nothing written) when there was no such record. */
  delete(id: string): boolean;
  readonly size: number;
  close(): void;
}

// --- x402 batch-settlement vouchers (lib/channels/) -------------------------

/** The x402BatchSettlement contract where @x402/evm expects it (its BATCH_SETTLEMENT_ADDRESS). */
export declare const BATCH_SETTLEMENT_ADDRESS: Address;

/** The EIP-712 domain of vouchers and channel ids: {name "x402 Batch Settlement", version "1", chainId, verifyingContract}. */
export interface VoucherDomainOptions {
  /** A safe integer above 0. */
  chainId: number;
  /** Default BATCH_SETTLEMENT_ADDRESS. */
  verifyingContract?: Address;
}

/** A cumulative voucher: "up to maxClaimableAmount base units in total from this channel". */
export interface Voucher {
  /** 0x + 64 hex. */
  channelId: Hex;
  /** A uint128: a bigint, or decimal digits without sign or leading zeros. Throws ERR_VOUCHER_AMOUNT otherwise. */
  maxClaimableAmount: string | bigint;
}

export interface SignedVoucher extends Voucher {
  /** 0x + 130 hex: r || s || v. */
  signature: Hex;
}

/** @x402/evm's ChannelConfig; the channel id is its EIP-712 hash. */
export interface ChannelConfig {
  payer: Address;
  /** The EOA that signs vouchers; zero when the payer signs them (EIP-1271 possible). */
  payerAuthorizer: Address;
  receiver: Address;
  receiverAuthorizer: Address;
  token: Address;
  /** Seconds, a uint40 (ERR_WITHDRAW_DELAY beyond). */
  withdrawDelay: number;
  /** 0x + 64 hex. */
  salt: Hex;
}

/** The digest the payer signs; equals viem's hashTypedData of the Voucher. */
export declare function voucherDigest(voucher: Voucher, where: VoucherDomainOptions): Hex;
/** v 27/28, low s; byte-identical to viem's signTypedData (RFC 6979). */
export declare function signVoucher(signer: Signer, voucher: Voucher, where: VoucherDomainOptions): Hex;
/**
 * The signer's address. Stricter than viem, as the channel contract is at
 * claim time: v 0/1 throws ERR_BAD_V, a high s ERR_HIGH_S.
 */
export declare function recoverVoucherSigner(voucher: SignedVoucher, where: VoucherDomainOptions): Address;
/** Equals @x402/evm's computeChannelId(config, chainId). */
export declare function channelIdOf(config: ChannelConfig, where: VoucherDomainOptions): Hex;

/**
 * Why a voucher was refused, in the order checks run:
 * - `malformed`: no voucher of strings, channelId not 0x + 64 hex, amount not a decimal uint128,
 *   signature not 0x + 130 hex, or a payload channelConfig with fields of the wrong type;
 * - `no_payer_authorizer`: the channel's payerAuthorizer is zero (EIP-1271: the facilitator checks those);
 * - `channel_mismatch`: the voucher is for another channel, or the payload's config does not hash to its id;
 * - `above_deposit`: maxClaimableAmount > channel.balance;
 * - `below_claimed`: maxClaimableAmount <= channel.totalClaimed;
 * - `not_above_total`: no price given, and maxClaimableAmount <= chargedCumulativeAmount;
 * - `cumulative_mismatch`: maxClaimableAmount != chargedCumulativeAmount + price;
 * - `bad_signature`: v not 27/28, r/s out of range, high s, or nothing recovers;
 * - `wrong_signer`: recovers to another address than the channel's payerAuthorizer.
 */
export type VoucherReason = 'malformed' | 'no_payer_authorizer' | 'channel_mismatch' | 'above_deposit'
  | 'below_claimed' | 'not_above_total' | 'cumulative_mismatch' | 'bad_signature' | 'wrong_signer';
export declare const VOUCHER_REASONS: readonly VoucherReason[];
/** The @x402/evm error code (a verify response's invalidReason) for each reason. */
export declare const VOUCHER_INVALID_REASONS: Readonly<Record<VoucherReason, string>>;

/** The seller's channel, as @x402/evm's ChannelStorage holds it (other fields are ignored). */
export interface VoucherChannel {
  channelId: Hex;
  channelConfig: ChannelConfig;
  /** Deposited, as the chain last said. */
  balance: string | bigint;
  totalClaimed: string | bigint;
  /** The highest cumulative amount accepted so far. */
  chargedCumulativeAmount: string | bigint;
}

export type VoucherVerdict =
  | { valid: true; reason: null; detail: null; signer: Address; invalidReason: null; maxClaimableAmount: string }
  | { valid: false; reason: VoucherReason; detail: string; signer: Address | null; invalidReason: string };

export declare class VoucherVerifier {
  /** maxChannels (default 100000) bounds the channel id -> signer cache. */
  constructor(options: VoucherDomainOptions & { maxChannels?: number });
  readonly cachedChannels: number;
  forget(channelId: string): void;
  /**
   * Never throws for a bad payload (a verdict says why); throws
   * ERR_INVALID_CHANNEL_STATE when the channel's config does not hash to its id
   * or an amount of it is not a uint128.
   */
  check(payload: { channelConfig?: ChannelConfig; voucher: SignedVoucher } | unknown, channel: VoucherChannel,
    options?: { price?: string | bigint }): VoucherVerdict;
}
