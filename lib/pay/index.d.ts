// clawpay-native/lib/pay — the buyer side's building blocks (internal; the product is
// clawpay-native/pay, lib/pay/public.d.ts). Hand-written; kept in step with lib/pay/*.js.
import type { Address, Hex, Signer } from '../index.js';

// ---- config.js ------------------------------------------------------------

export interface AssetConfig {
  address: Address;
  /** EIP-712 domain name, e.g. "USD Coin". */
  name: string;
  /** EIP-712 domain version, e.g. "2". */
  version: string;
  decimals: number;
  /** For messages: "USDC" for the known defaults, else CLAWPAY_ASSET_SYMBOL or the name. */
  symbol: string;
}

/** Amounts are base units of the configured asset. */
export interface PolicyConfig {
  maxPerCall: bigint;
  maxPerSession: bigint;
  maxPerDay: bigint;
  /** null: any payee. */
  allowedPayees: readonly Address[] | null;
  allowedAssets: readonly Address[];
  /** CAIP-2 ids ("eip155:8453"). */
  allowedNetworks: readonly string[];
  /** Key-mode wallet: the most one send of the asset moves without approval (CLAWPAY_MAX_PER_SEND). */
  maxPerSend: bigint;
  /** Wei: the most one ETH send moves without approval (CLAWPAY_MAX_ETH_PER_SEND). */
  maxEthPerSend: bigint;
  /** Wei: the most ETH sends total per UTC day (CLAWPAY_MAX_ETH_PER_DAY). */
  maxEthPerDay: bigint;
}

export interface PayConfig {
  /** Non-enumerable: absent from JSON.stringify, console.log and spreads. */
  readonly privateKey: Hex;
  /** AGENT_WALLET_ADDRESS, EIP-55: the AgentAccountV2 the key operates, or (absent) the key's own address. */
  readonly walletAddress: Address;
  /** "contract" when walletAddress is not the key's own address, else "key". */
  readonly walletMode: 'key' | 'contract';
  /** The key's own address: x402 payments (EIP-3009) come from here. */
  readonly agentAddress: Address;
  readonly chainId: number;
  /** "eip155:<chainId>" */
  readonly network: string;
  /** x402 v1 name of the chain ("base", "base-sepolia", "devnet-31337"), or null. */
  readonly v1Network: string | null;
  /** May embed an API key: never shown in messages. */
  readonly rpcUrl: string;
  readonly factoryAddress: Address | null;
  readonly nftContractAddress: Address | null;
  readonly sessionTtlSeconds: number;
  /**
   * CLAWPAY_MAX_AUTHORIZATION_SECONDS (default 300, 10..86400): a signed EIP-3009 authorization's
   * validBefore is at most this many seconds after signing, whatever maxTimeoutSeconds the seller asks.
   */
  readonly maxAuthorizationSeconds: number;
  readonly asset: Readonly<AssetConfig>;
  readonly stateDir: string;
  readonly policy: Readonly<PolicyConfig>;
  /** describeConfig(this). */
  toJSON(): ConfigDescription;
}

export interface ConfigProblem {
  variable: string;
  message: string;
}

/** code ERR_CONFIG; one problem per bad variable; secrets never shown. */
export declare class ConfigError extends Error {
  readonly code: 'ERR_CONFIG';
  readonly problems: ConfigProblem[];
  /** The first bad variable. */
  readonly variable: string;
}

export declare const KNOWN_CHAINS: Readonly<Record<number, { rpcUrl: string; v1Network: string; asset: Readonly<AssetConfig> }>>;
/** "1.00", "5.00", "20.00", "1.00" (asset units); "0", "0" (ETH). */
export declare const DEFAULT_LIMITS: Readonly<{
  maxPerCall: string; maxPerSession: string; maxPerDay: string; maxPerSend: string; maxEthPerSend: string; maxEthPerDay: string;
}>;

/** CLAWPAY_MAX_AUTHORIZATION_SECONDS: default and bounds. */
export declare const DEFAULT_MAX_AUTHORIZATION_SECONDS: 300;
export declare const MIN_AUTHORIZATION_SECONDS: 10;
export declare const MAX_AUTHORIZATION_SECONDS: 86400;

/**
 * Reads the environment (see lib/pay/config.js for every variable). Throws ConfigError.
 * With `signer`, the key is that Signer's: AGENT_PRIVATE_KEY must be unset, and config.privateKey is undefined.
 */
export declare function loadConfig(env?: Record<string, string | undefined>, options?: { signer?: Signer | null }): PayConfig;

export interface ConfigDescription {
  agentAddress: Address;
  walletAddress: Address;
  chainId: number;
  network: string;
  v1Network: string | null;
  asset: AssetConfig;
  stateDir: string;
  sessionTtlSeconds: number;
  maxAuthorizationSeconds: number;
  /** Amounts as "1.00 (1000000 base units)"; payees "*" when any. */
  policy: Record<string, string | string[]>;
}
export declare function describeConfig(config: PayConfig): ConfigDescription;

// ---- amount.js ------------------------------------------------------------

/** "0.10" → 100000n for 6 decimals; refuses more decimals than the asset has. Never throws. */
export declare function parseDecimalUnits(value: string | number, decimals: number): { units: bigint; error?: undefined } | { units?: undefined; error: string };
export declare function parseBaseUnits(value: string | number | bigint): { units: bigint; error?: undefined } | { units?: undefined; error: string };
/** 10000n, 6 → "0.01"; at least two decimals when the asset has them. */
export declare function formatUnits(units: bigint, decimals: number): string;

// ---- policy.js ------------------------------------------------------------

export type PolicyRule = 'per_call' | 'per_session' | 'per_day' | 'payee' | 'asset' | 'network';
export declare const RULES: readonly PolicyRule[];

export interface PaymentTerms {
  /** CAIP-2. */
  network: string;
  asset: string;
  payTo: string;
  /** Base units. */
  amount: bigint;
}

/** code ERR_POLICY_REFUSED; the message names the rule, the limit and the amount in asset units and base units. */
export declare class PolicyError extends Error {
  readonly code: 'ERR_POLICY_REFUSED';
  readonly rule: PolicyRule;
  /** Base units; null for payee/asset/network. */
  readonly limit: bigint | null;
  readonly amount: bigint | null;
  readonly terms: PaymentTerms | null;
  /** Set by payer.fetch: the unpaid 402 it refused to pay. */
  response?: PayResult;
}

export interface CheckOptions {
  kind?: 'call' | 'session';
  /** The call's own cap (base units); the smaller of it and the policy limit applies. */
  cap?: bigint | null;
}

export declare class Reservation {
  readonly id: string;
  /** UTC "YYYY-MM-DD". */
  readonly day: string;
  readonly amount: bigint;
  readonly released: boolean;
  /** Only when the payment definitely did not happen. true the first time. */
  release(): boolean;
  toJSON(): { id: string; day: string; amount: string };
}

export declare class SpendPolicy {
  constructor(options: { policy: PolicyConfig; asset: Pick<AssetConfig, 'decimals' | 'symbol'>; store: RecordStoreLike; now?: () => number });
  static fromConfig(config: PayConfig, store: RecordStoreLike, options?: { now?: () => number }): SpendPolicy;
  readonly limits: PolicyConfig;
  /** Throws PolicyError. */
  check(terms: PaymentTerms, options?: CheckOptions): { amount: bigint; limit: bigint; spentToday: bigint; remainingToday: bigint };
  /** Check + atomic add to the UTC day's total (cross-process via the store's lock). Throws PolicyError. */
  reserve(terms: PaymentTerms, options?: CheckOptions & { id?: string }): Reservation;
  /**
   * A key-mode wallet send of the asset: atomic add to the same daily total,
   * checked against maxPerDay only (enforce: false adds without the check).
   * Idempotent by id within a day. Throws PolicyError (per_day).
   */
  reserveForSend(amount: bigint, options?: { id?: string; enforce?: boolean }): Reservation;
  /** By record, from any process; exactly once. */
  release(reservation: { id: string; day: string }): boolean;
  /** Base units spent or reserved on a UTC day (default today). */
  spent(day?: string): bigint;
  /** The day's total split for views: `pending` (PaymentLedger.pendingAmount) is held by open authorizations, the rest spent; both count against `limit`. */
  daySpend(pending?: bigint, day?: string): DaySpend;
}

/**
 * A tool call's cap in base units, or null. max_payment_eth is read in the
 * ASSET's units (0.01 = 0.01 USDC) — not ETH, not scaled by 1e18 as ClawPay
 * 1.1 did. Also max_payment (asset units) and max_payment_units (base units);
 * the smallest given applies. Throws ERR_INVALID_ARG_VALUE naming the field.
 */
export declare function parseCallCap(
  args: { max_payment_eth?: string | number | null; max_payment?: string | number | null; max_payment_units?: string | number | bigint | null },
  asset: Pick<AssetConfig, 'decimals'> & { symbol?: string },
): bigint | null;
export declare function utcDay(ms: number): string;

// ---- store.js ------------------------------------------------------------------

/** The RecordStore API (lib/record_store.js), journaled or in memory. */
export interface RecordStoreLike {
  get(id: string): Record<string, unknown> | null;
  list(prefix?: string): { id: string; value: Record<string, unknown> }[];
  update(id: string, fn: (current: Record<string, any> | null) => Record<string, unknown> | null | undefined): Record<string, unknown> | null;
  put(id: string, value: Record<string, unknown>): void;
  delete(id: string): boolean;
  readonly size: number;
  close(): void;
}
export declare const RECORDS_FILE: 'pay.records';
/** `${config.stateDir}/pay.records` on the durable RecordStore (dir created 0700), or one in memory. */
export declare function openPayStore(config: PayConfig, options?: { memory?: boolean; path?: string }): Promise<RecordStoreLike>;

// ---- payment_ledger.js ----------------------------------------------------------

/**
 * 'refused': the server refused the paid request, but the signed authorization may still settle
 * until validBefore; its reservation is kept (spent-pending) until the chain shows it used
 * (settled, settledAfterRefusal), cancelled or expired unused (failed).
 */
export type PaymentState = 'intent' | 'signed' | 'sent' | 'refused' | 'settled' | 'failed';

export interface DaySpend {
  day: string;
  limit: bigint;
  /** spent + pending: what counts against the limit. */
  total: bigint;
  /** Known paid (or reserved by an in-flight wallet send). */
  spent: bigint;
  /** Held by payments not yet known to be paid: open authorizations and intents. */
  pending: bigint;
  remaining: bigint;
}

/** One payment as stored (JSON; amounts decimal strings; times Unix ms). */
export interface PaymentRecord {
  paymentId: string;
  key: string;
  explicitKey: boolean;
  requestHash: string;
  state: PaymentState;
  kind: 'call' | 'session';
  url: string;
  /** Where the 402 came from and the payment is sent (same origin as url). */
  payUrl: string;
  method: string;
  payMethod: string;
  payBodyKept: boolean;
  x402Version: 1 | 2;
  offer: Record<string, unknown>;
  sessionTerms: Record<string, unknown> | null;
  network: string;
  asset: Address;
  payTo: Address;
  amount: string;
  decimals: number;
  reservation: { id: string; day: string; amount: string } | null;
  createdAt: number;
  updatedAt: number;
  header: string | null;
  headerName: 'payment-signature' | 'x-payment' | null;
  nonce: Hex | null;
  /** Unix seconds, decimal string. */
  validBefore: string | null;
  payer: Address | null;
  attempts: number;
  transaction: Hex | null;
  settledNetwork: string | null;
  failure: string | null;
  /** Why the server refused it (state 'refused', and kept after). */
  refusal?: string;
  /** The seller refused the payment and then settled it on chain. */
  settledAfterRefusal?: { payTo: Address; origin: string; refusal: string | null };
  /** Cancelled on chain (AuthorizationCanceled). */
  cancelled?: boolean;
  cancelTransaction?: Hex | null;
}

export declare function callKey(request: { idempotencyKey?: string | null; purpose?: 'call' | 'session'; method?: string; url: string; body?: string | Uint8Array | null }): { key: string; explicit: boolean; requestHash: string };

export declare class PaymentLedger {
  constructor(options: { store: RecordStoreLike; now?: () => number });
  get(paymentId: string): PaymentRecord | null;
  list(): PaymentRecord[];
  current(key: string): PaymentRecord | null;
  begin(intent: Record<string, unknown>, options?: { previous?: string | null }): PaymentRecord;
  signed(paymentId: string, fields: { header: string; headerName: string; nonce: string; validBefore: string | number; payer: string }): PaymentRecord;
  sent(paymentId: string): PaymentRecord;
  settled(paymentId: string, receipt?: { transaction?: string | null; network?: string | null; payer?: string | null; answered?: boolean;
    settledAfterRefusal?: { payTo: Address; origin: string; refusal: string | null } | null }): PaymentRecord;
  /** Signed or sent → refused (open). */
  refused(paymentId: string, reason: string): PaymentRecord;
  cancelSent(paymentId: string, fields: { transaction: Hex }): PaymentRecord;
  failed(paymentId: string, reason: string, fields?: Record<string, unknown>): PaymentRecord;
  pending(): PaymentRecord[];
  /** Signed, sent or refused: authorizations that may still move money. */
  open(): PaymentRecord[];
  /** Base units of the day's reservations held by open authorizations and intents. */
  pendingAmount(day: string): bigint;
  prune(options?: { retentionMs?: number }): number;
}

// ---- payer.js -------------------------------------------------------------------

export interface PayOptions {
  /** GET (default), HEAD, POST, PUT, PATCH, DELETE. */
  method?: string;
  headers?: Record<string, string> | Headers;
  /** Refused (ERR_INVALID_ARG_VALUE) on GET/HEAD; '' counts as none. */
  body?: string | Uint8Array | null;
  /** Each request chain (the unpaid one, the signed-in one, the paid retry), redirects and body included. 1..600000, default 30000. */
  timeoutMs?: number;
  /** This call's cap in base units (see parseCallCap); null: the policy only. */
  maxPayment?: bigint | null;
  /**
   * 'call' (default; never buys a session offer; answers a Sign-In-With-X challenge first, see signedIn)
   * or 'session' (the clawpaySession offer when there is one; never signs in).
   */
  purpose?: 'call' | 'session';
  /**
   * Omit for the default: the key is (purpose, method, url, body), so an identical call after an
   * ambiguous outcome resends the pending authorization, and after a settled one pays again.
   * Give a key to make the call strictly idempotent: once settled under it, never paid again.
   */
  idempotencyKey?: string;
  /** X-Session-Token, X-Session-Wallet, PAYMENT-SESSION: sent only to url's origin (and within sessionScope). */
  sessionHeaders?: Record<string, string>;
  sessionScope?: { endpoint: string; scope: 'prefix' | 'exact' } | null;
  /** false: answer a 402 without paying or signing in (its offers in paymentRequired). Default true. */
  pay?: boolean;
  /** With pay: false, a call's 402 with a SIWX challenge is still signed in to (once, within sessionScope): a siwx session call. */
  signInOnly?: boolean;
  /**
   * Called with a readable, same-origin 402 before anything is signed; a non-null answer declines it: the result
   * is the unpaid 402 with `declined` set to that answer (a session start refusing a seller that sells no session,
   * or handing a batch-settlement seller to the channel opener: `{channel: true, paymentRequired}`).
   */
  beforePaying?: ((paymentRequired: PayResult['paymentRequired'], sessionTerms: PayResult['sessionTerms']) => object | null) | null;
  signal?: AbortSignal;
}

export interface PaymentView {
  /**
   * 'pending': sent, outcome unknown — the same call again resends the same authorization.
   * 'refused': the server refused it, but the authorization may still settle until validBefore;
   * it counts as spent-pending (see `cancel`). A new call pays anew.
   */
  status: 'settled' | 'pending' | 'refused' | 'failed';
  paymentId: string;
  kind: 'call' | 'session';
  /** Base units, decimal string. */
  amount: string;
  /** Asset units, exact ("0.01"). */
  amountDecimal: string;
  asset: Address;
  /** CAIP-2, also for v1 payments. */
  network: string;
  payTo: Address;
  transaction: Hex | null;
  payer: Address | null;
  x402Version: 1 | 2;
  nonce: Hex | null;
  /** Unix seconds. */
  validBefore: number | null;
  attempts: number;
  /** This call resent an authorization signed by an earlier call. */
  replayed: boolean;
  failure: string | null;
  refusal: string | null;
  /** Set when the seller refused this payment and then settled it on chain. */
  settledAfterRefusal: { payTo: Address; origin: string; refusal: string | null } | null;
  cancelled: boolean;
  /** For an open authorization: the command that cancels it on chain ("clawpay payments cancel <id>"). */
  cancel: string | null;
}

export interface PayResult {
  /** null when no answer came (timedOut or error). */
  status: number | null;
  /** Lower-case names. */
  headers: Record<string, string>;
  body: string;
  /** The body was cut at maxBodyBytes. */
  truncated: boolean;
  /** The URL that answered (after redirects). */
  url: string;
  redirects: { status: number; from: string; to: string; crossOrigin: boolean }[];
  timedOut: boolean;
  /** Set when no answer came: ERR_TIMEOUT, ERR_ABORTED, ERR_FETCH_FAILED, ERR_TOO_MANY_REDIRECTS (after paying). */
  error: { code: string; message: string } | null;
  payment: PaymentView | null;
  /** The chosen requirement, as the server sent it. */
  offer: Record<string, any> | null;
  /** extra.clawpaySession of the server's session offer, if it made one. */
  sessionTerms: { maxTtlSeconds?: number; scope?: string; endpoint?: string; revokeUrl?: string; [k: string]: unknown } | null;
  /** The 402's PaymentRequired (v2 or v1) when one was seen: the one paid (after a refused sign-in, the fresh one), or the one signed in to. */
  paymentRequired: { x402Version: 1 | 2; accepts: Record<string, any>[]; [k: string]: unknown } | null;
  /**
   * Set when a call's 402 offered Sign-In-With-X and the server let the payer's address in
   * (a 2xx to the signed request): payment is then null and nothing was reserved.
   */
  signedIn: { address: Address; /** CAIP-2 ("eip155:8453"), the chain of the signed message. */ chainId: string } | null;
  /** What beforePaying answered when it declined the 402 (nothing was paid). */
  declined?: object;
  /** signInOnly: the signed request was sent (its answer is this result). */
  signInTried?: boolean;
}

/** Codes of PayError: ERR_CROSS_ORIGIN_402, ERR_MALFORMED_402, ERR_NO_PAYABLE_OFFER, ERR_SIGNING_FAILED,
 * ERR_IDEMPOTENCY_CONFLICT, ERR_PAYMENT_IN_PROGRESS, ERR_PAYMENT_UNRESOLVED, ERR_TOO_MANY_REDIRECTS, ERR_BAD_REDIRECT.
 * Before anything is reserved or signed: ERR_MALFORMED_402 (not x402, or beyond PAYMENT_REQUIRED_LIMITS:
 * too large, too deep, too many offers); ERR_NO_PAYABLE_OFFER (each offer's reason, e.g. an EIP-712
 * domain — extra.name, extra.version, asset, chain — that is not the configured asset's nor a known
 * USDC deployment's, naming the field and both values). ERR_SIGNING_FAILED also when a signed
 * authorization would outlive maxAuthorizationSeconds (never sent). */
export declare class PayError extends Error {
  readonly code: string;
  /** The unpaid 402, when there was one. */
  response?: PayResult;
  payment?: PaymentView;
  paymentId?: string;
}

export interface Payer {
  /** The address payments come from (config.agentAddress unless an account was given). */
  readonly address: Address;
  readonly policy: SpendPolicy;
  readonly ledger: PaymentLedger;
  /** Throws PolicyError, PayError, or TypeError/RangeError (bad arguments); returns for any HTTP answer and for no answer. */
  fetch(url: string, options?: PayOptions): Promise<PayResult>;
  /** Settles open payments from the chain, frees expired unused ones and abandoned intents; prunes. Call at startup. */
  reconcile(): Promise<{ settled: number; failed: number; open: number; settledAfterRefusal?: number }>;
  /** Asks the chain about open authorizations (at most 16, oldest first); nothing when none is open. Returns the records it finished. */
  reconcileOpen(): Promise<PaymentRecord[]>;
  /** Today's spend after reconcileOpen(), and the open payments. */
  spend(): Promise<DaySpend & { open: PaymentView[] }>;
  /**
   * Cancels an open authorization on chain (EIP-3009 cancelAuthorization, sent and paid for by the
   * payer's key). cancelled: true once the chain shows it cancelled (the reservation is then
   * released); a payment the chain shows used comes back settled. Codes: ERR_PAYMENT_NOT_FOUND,
   * ERR_NOT_CANCELLABLE, ERR_CANCEL_UNAVAILABLE, or the sender's (ERR_TX_UNCERTAIN: call again).
   */
  cancel(paymentId: string): Promise<{ payment: PaymentView; cancelled: boolean; transaction: Hex | null }>;
  /** Wipes the key the payer owns. The store stays open. */
  close(): void;
}

export interface ChainReader {
  /** CAIP-2: the only network it answers for. */
  network: string;
  authorizationUsed(q: { asset: string; authorizer: string; nonce: string }): Promise<boolean>;
  findTransaction(q: { asset: string; authorizer: string; nonce: string }): Promise<Hex | null>;
  /** The log that spent the nonce: a transfer ('used') or a cancel ('canceled'). Without it, a spent nonce counts as used. */
  authorizationEvent?(q: { asset: string; authorizer: string; nonce: string }): Promise<{ event: 'used' | 'canceled'; transaction: Hex } | null>;
}
export declare function createChainReader(options: { rpcUrl: string; network: string; timeoutMs?: number }): ChainReader;

export declare function createPayer(options: {
  config: PayConfig;
  store: RecordStoreLike;
  fetch?: typeof fetch;
  now?: () => number;
  /** A native Signer to sign with instead of config.privateKey, shared with its owner: close() leaves it alive. Not with `account`. */
  signer?: Signer | null;
  /** A viem-style account to sign with instead of config.privateKey. */
  account?: { address: Address; signTypedData(typedData: any): Promise<Hex> } & Record<string, any>;
  /** Default: one on config.rpcUrl; null: never ask the chain. */
  chainReader?: ChainReader | null;
  maxBodyBytes?: number;
  /**
   * A signed authorization is valid for at most this many seconds (10..86400), whatever the
   * seller's maxTimeoutSeconds; `accepted` still echoes the seller's offer unchanged.
   * Default: config.maxAuthorizationSeconds. Out of range: RangeError, code ERR_INVALID_ARG_VALUE.
   */
  maxAuthorizationSeconds?: number;
  /** A createTxSender() for the account's key (cancel); default: one on config.rpcUrl when the payer owns its key. */
  sender?: object | null;
}): Payer;

export declare const DEFAULT_TIMEOUT_MS: 30000;
export declare const METHODS: readonly ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

// ---- payment_required.js --------------------------------------------------------------------
export declare const SESSION_EXTRA: 'clawpaySession';
export declare function isSessionOffer(offer: unknown): boolean;
/**
 * How much of a 402 is read: the JSON of the decoded PAYMENT-REQUIRED header or of the v1 body
 * (maxBytes), its nesting (maxDepth) and its offers (maxOffers). Beyond them: ERR_MALFORMED_402.
 */
export declare const PAYMENT_REQUIRED_LIMITS: Readonly<{ maxBytes: 262144; maxDepth: 32; maxOffers: 32 }>;
/** Within PAYMENT_REQUIRED_LIMITS, else {invalid, error}. */
export declare function parsePaymentRequired(response: { headers: Record<string, string>; body: string }):
  { x402Version: 1 | 2; accepts: Record<string, any>[]; [k: string]: unknown } | { invalid: true; error: string };
