// Hand-written declarations for clawpay-native/paywall.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Address, Hex, Receipt, ReceiptIntent, ReceiptLedger } from '../index.js';

export { ReceiptLedger, formatReceipts } from '../index.js';

/**
 * Where and in what a route is paid. Amounts are base units (USDC: 10000n = 0.01 USDC),
 * or dollars (`'$0.01'`) on a network whose USDC is known (eip155:8453, eip155:84532).
 */
export interface PriceConfig {
  amount: bigint | number | string | `$${string}`;
  /** The EIP-3009 token; default the network's USDC where it is known (Base, Base Sepolia). */
  asset?: Address;
  /** CAIP-2, e.g. "eip155:8453". */
  network: `eip155:${number}`;
  payTo: Address;
  /** The token's EIP-712 domain name and version; default "USD Coin" and "2". */
  name?: string;
  version?: string;
  /** Default 6. */
  decimals?: number;
  /** How long a signed payment stays valid; default 300. */
  maxTimeoutSeconds?: number;
}

export interface SessionConfig {
  /** What a session costs, in the route's asset; must differ from the per-call amount. */
  price: bigint | number | string;
  /** 60 s to 30 days. */
  maxTtlSeconds: number;
}

export interface RouteConfig {
  /**
   * 'exact' (default): one EIP-3009 payment per call. 'batch-settlement': the price per call is
   * paid by cumulative voucher on a payment channel the buyer deposits into once (x402 v2 only;
   * needs `price`, sells no session; the paywall needs `channels`).
   */
  scheme?: 'exact' | 'batch-settlement';
  /** What one call costs. Omit for a route that only sells sessions (then `session` names the asset fields). */
  price?: PriceConfig;
  /** batch-settlement only. withdrawDelaySeconds: 900 (default) to 30 days; minDeposit: base units, default one call. */
  channel?: { withdrawDelaySeconds?: number; minDeposit?: bigint | number | string };
  session?: SessionConfig | (SessionConfig & Omit<PriceConfig, 'amount'>);
  description?: string;
  mimeType?: string;
}

export interface Route {
  readonly id: string;
  readonly scheme: 'exact' | 'batch-settlement';
  readonly channel: { readonly withdrawDelaySeconds: number; readonly minDeposit: bigint } | null;
  readonly terms: Readonly<Required<Omit<PriceConfig, 'amount'>>> & { readonly usdc: boolean };
  readonly callPrice: bigint | null;
  readonly session: { readonly price: bigint; readonly maxTtlSeconds: number } | null;
  readonly description: string;
  readonly mimeType: string;
}

export declare function normalizeRoute(config: RouteConfig, id: string): Route;

/** The key under a session offer's `extra` that states the session terms. */
export declare const SESSION_EXTRA: 'clawpaySession';
export declare const SESSION_HEADER: 'x-session-token';
/** How stale a cached receipt may be before the session gate reads the ledger again. */
export declare const RECEIPT_MAX_AGE_MS: number;

export interface SessionInfo {
  sessionId: string;
  payer: Address;
  transaction: Hex;
  endpoint: string;
  scope: 'prefix' | 'exact';
  /** Milliseconds since the epoch: the earlier of the token's and the purchase's end. */
  expiresAt: number;
}

export type GateRefusal = { ok: false; status: 400 | 401 | 402 | 503; error: string; message: string };

type Maybe<T> = T | Promise<T>;

/**
 * Where the paywall keeps claims, settlements, receipts, revocations,
 * single-use nonces and replay outcomes (lib/paywall/store.js). Each
 * operation answers directly (the journal) or with a promise (Redis); one
 * that cannot reach its storage throws code ERR_STORE_UNAVAILABLE, which the
 * paywall answers with 503 store_unavailable.
 */
export interface PaywallStore {
  /** true when replicas on other machines share it: revocations are read per request, replays are shared. */
  readonly sharedByReplicas: boolean;
  begin(intent: ReceiptIntent): Maybe<boolean>;
  settle(paymentId: Hex, options: { transaction: Hex; settledAt: number; replay?: { outcome: string; expiresAt: number } }): Maybe<Receipt>;
  fail(paymentId: Hex, options: { reason: string; at: number }): Maybe<void>;
  get(paymentId: Hex): Maybe<Receipt | null>;
  byTransaction(transaction: Hex): Maybe<Receipt | null>;
  paidBy(payer: Address): Maybe<Receipt[]>;
  list(): Maybe<Receipt[]>;
  revoke(transaction: Hex, options: { at: number }): Maybe<'revoked' | 'already_revoked' | 'not_found'>;
  revokedAt(transaction: Hex): Maybe<number | null>;
  useNonce(nonce: string, options: { expiresAt: number; now: number }): Maybe<boolean>;
  replayOf(paymentId: Hex): Maybe<string | null>;
  close(): Maybe<void>;
}

/** The operations every PaywallStore has. */
export declare const STORE_OPERATIONS: readonly string[];
/** The journal backend (default): a ReceiptLedger; one machine. */
export declare function journalStore(ledger: ReceiptLedger): PaywallStore & { readonly ledger: ReceiptLedger };
/**
 * The Redis backend, for replicas sharing one Redis (standalone or primary).
 * Run Redis with `appendonly yes` and `appendfsync always` so acknowledged
 * receipts survive a crash. `ready` resolves on the first connection.
 */
export declare function redisStore(options: { url: string; prefix?: string }): PaywallStore & { readonly ready: Promise<void> };

export declare class SessionGate {
  constructor(options: { store?: PaywallStore; ledger?: ReceiptLedger; now?: () => number });
  /** null without an X-Session-Token header (or on a route that sells no sessions). */
  check(headers: Record<string, string | string[] | undefined>, url: string, route: Route):
    | null | { ok: true; session: SessionInfo } | GateRefusal
    | Promise<null | { ok: true; session: SessionInfo } | GateRefusal>;
  /** A value with the journal store, a promise with Redis. */
  hasSession(payer: string, route: Route): boolean | Promise<boolean>;
  revoke(token: string): Promise<{ ok: true; result: 'revoked' | 'already_revoked' | 'not_found'; transaction: Hex } | GateRefusal>;
}

/**
 * x402's payment-identifier extension: true (declared, optional), 'required'
 * (a v2 payment without an id gets 400 payment_identifier_required), or false
 * (not declared, ids ignored).
 */
export type PaymentIdentifierMode = boolean | 'required';

/** Default `replayTtlSeconds`: how long a served response is given back to a replay, at most. */
export declare const DEFAULT_REPLAY_TTL_SECONDS: 300;
/** How long a claimed payment identifier keeps naming its payment (24 h). */
export declare const PAYMENT_IDENTIFIER_MEMORY_MS: number;

export interface ReplayOptions {
  /**
   * How long a replay of a served payment gets the stored response, at most;
   * never past the authorization's validBefore. After it: 409
   * payment_already_used with the original settlement. 0 to 86400; default 300.
   */
  replayTtlSeconds?: number;
  /** Default true. */
  paymentIdentifier?: PaymentIdentifierMode;
  /** Called with each settled receipt (after it is recorded; a channel settlement's too); a throw is caught, the response still goes out. */
  onSettled?: (receipt: Receipt) => void;
  /** One line per settlement: kind, route, amount in base units, payer, tx hash. */
  log?: (line: string) => void;
}

export declare class PaymentEngine {
  /**
   * Rejects with code ERR_FACILITATOR_UNSUPPORTED when the facilitator's
   * /supported lacks the exact scheme on a route's network in a version it offers.
   */
  static create(options: ReplayOptions & {
    facilitatorUrl?: string;
    facilitatorClient?: unknown;
    /** The routes whose scheme, network and versions the facilitator must support. */
    routes?: Route[];
    /** Networks to register; default the routes' networks. */
    networks?: string[];
    /** A store, or a ledger (the journal store). */
    store?: PaywallStore;
    ledger?: ReceiptLedger;
    /** v1 names for CAIP-2 networks @x402/evm has none for (a local chain). */
    v1Names?: Record<string, string>;
    now?: () => number;
  }): Promise<PaymentEngine>;
  readonly store: PaywallStore;
  /** The journal store's ledger; undefined with another store. */
  readonly ledger: ReceiptLedger | undefined;
  paymentRequired(route: Route, resource: { url: string; description: string; mimeType: string },
    options?: { error?: string; sessionInfo?: Record<string, unknown>; extensions?: Record<string, unknown> }):
    Promise<{ v2: Record<string, unknown>; v1: { x402Version: 1; error: string; accepts: unknown[] } }>;
  paymentId(route: Route, authorization: { from: string; nonce: string }): Hex;
  pay<R>(request: {
    route: Route;
    resource: { url: string; description: string; mimeType: string };
    payload: Record<string, unknown>;
    method?: string;
    requestKey: string;
    sessionInfo?: Record<string, unknown>;
    serve: (payment: { id: Hex; kind: 'call' | 'session'; payer: Address; amount: bigint }) =>
      Promise<{ ok: boolean; response: R; bytes?: number }>;
  }): Promise<
    | { kind: 'served'; response: R; settlement: { success: true; transaction: Hex; network: string; payer: Address }; replayed: boolean }
    | { kind: 'unsettled'; response: R }
    | { kind: 'refused'; status: number; error: string; message: string }
  >;
}

export interface Paywall {
  /** node:http or Express middleware. Without `next`, unpaid-route requests are left unanswered. */
  middleware(req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void;
  readonly engine: PaymentEngine;
  readonly store: PaywallStore;
  /** The journal store's ledger; undefined with another store. */
  readonly ledger: ReceiptLedger | undefined;
  readonly sessions: SessionGate;
  readonly routes: Route[];
  revokeSession(token: string): ReturnType<SessionGate['revoke']>;
  /** The batch-settlement side; null without a channel route. */
  readonly channels: ChannelSeller | null;
  /** Claims and settles what channels owe (a last batch), then stops the claim timer: that run, or null without channels. */
  close(): Promise<ChannelClaimRun | null>;
}

/** The official @x402/evm server ChannelStorage: get, list, updateChannel. */
export interface ChannelStorage {
  get(channelId: string): Promise<Record<string, unknown> | undefined>;
  list(): Promise<Record<string, unknown>[]>;
  updateChannel(channelId: string, update: (current: any) => any): Promise<{ channel?: unknown; status: string }>;
}

/**
 * Channel state in files under `directory` (a log per channel in `channel-logs/`): the
 * default of `channels.directory`. Each update is an atomic read-modify-write across the
 * processes sharing the directory, under a flock the kernel releases when its holder dies,
 * and in the channel's log (surviving kill -9; no fsync) before it resolves. The official
 * FileChannelStorage's channels found in the directory are imported once. Opened on first
 * use; close() when done.
 */
export declare class FileChannels implements ChannelStorage {
  constructor(options: { directory: string });
  get(channelId: string): Promise<Record<string, unknown> | undefined>;
  list(): Promise<Record<string, unknown>[]>;
  updateChannel(channelId: string, update: (current: any) => any): Promise<{ channel?: unknown; status: string }>;
  close(): void;
}

/**
 * Channel state in Redis, for replicas selling the same channel routes: the official
 * RedisChannelStorage (Lua compare-and-set per channel) over the paywall's Redis client.
 * Pass as `channels.storage`; close() it after the paywall.
 */
export declare class RedisChannels implements ChannelStorage {
  constructor(options: { url: string; prefix?: string });
  readonly ready: Promise<void>;
  get(channelId: string): Promise<Record<string, unknown> | undefined>;
  list(): Promise<Record<string, unknown>[]>;
  updateChannel(channelId: string, update: (current: any) => any): Promise<{ channel?: unknown; status: string }>;
  close(): Promise<void>;
}

export interface ChannelClaimRun {
  claims: { vouchers: number; transaction: Hex }[];
  /**
   * Each settlement to the payee, with its receipt in the paywall's store (one per settlement
   * transaction: the amount the chain's Settled event states, the channel contract as payer);
   * receipt null while a store that is away is still being written to.
   */
  settlements: { transaction: Hex; receipt: Receipt | null }[];
}

export interface ChannelSeller {
  readonly storage: ChannelStorage;
  /** Claims every channel's latest unclaimed voucher (batched) and settles to the payee, now. */
  claim(): Promise<ChannelClaimRun>;
  /** Books every settlement to the payee the receipts lack (with `channels.rpcUrl`): the receipts written. */
  reconcile(): Promise<Receipt[]>;
  /** Where each stored channel stands, most unclaimed first; amounts in base units. */
  statement(): Promise<ChannelStatement>;
  close(): Promise<ChannelClaimRun>;
}

export interface ChannelStatement {
  channels: {
    channelId: Hex; payer: Address | null; deposit: string; charged: string; claimed: string;
    /** charged − claimed: served, not yet claimed on chain. */
    unclaimed: string;
    /** deposit − charged: what the payer may take back. */
    refundable: string;
    /** A request holds the channel now. */
    reserved: boolean;
    lastRequestAt: number | null;
  }[];
  totals: { deposit: string; charged: string; claimed: string; unclaimed: string; refundable: string };
}

export interface ChannelOptions {
  /** Where channel state is kept (a FileChannels there, closed with the paywall); or `storage`. */
  directory?: string;
  storage?: ChannelStorage;
  /** Signs claims and refunds (the channels' receiverAuthorizer); needed unless the facilitator offers one. */
  receiverAuthorizer?: import('../index.js').Signer;
  /** Claim and settle every this many ms (default 60000; 0: only on claim() and close()). */
  claimIntervalMs?: number;
  /** A failed timed run (retried at the next); default a process warning. */
  onClaimError?: (error: Error) => void;
  /**
   * The chain's JSON-RPC (http/https; one URL, or one per network): the books are reconciled
   * with the contract's Settled events at start and after each claim run, so a settlement a
   * crash left unbooked is booked once. Without it, a receipt's amount is the facilitator's word
   * and the paywall warns once at start (CLAWPAY_CHANNEL_BOOKS_OFF); `false` says no books are wanted.
   */
  rpcUrl?: string | Record<string, string> | false;
}

/** Rejects with code ERR_FACILITATOR_UNSUPPORTED when the facilitator cannot settle what a route offers. */
export declare function createPaywall(options: ReplayOptions & {
  facilitatorUrl?: string;
  facilitatorClient?: unknown;
  /** Keys: "GET /path", "/path", or "/prefix/*". */
  routes: Record<string, RouteConfig>;
  /** redisStore({url}) for replicas; or `ledger` (the journal store). One of the two. */
  store?: PaywallStore;
  ledger?: ReceiptLedger;
  /** The origin clients use (never taken from the Host header). */
  publicUrl: string | (() => string);
  /** Default "/x402/session/revoke". */
  revokePath?: string;
  v1Names?: Record<string, string>;
  now?: () => number;
  /** Offer Sign-In-With-X on session routes. */
  siwx?: boolean | { nonceKey?: Uint8Array; statement?: string; expirationSeconds?: number };
  /** Needed by batch-settlement routes. */
  channels?: ChannelOptions;
}): Promise<Paywall>;

export declare const SIWX_HEADER: 'SIGN-IN-WITH-X';
export declare const SIWX_ERRORS: Readonly<Record<string, number>>;
export declare function createSiwxGate(options: {
  ledger: { useNonce(nonce: string, o: { expiresAt: number; now: number }): boolean | Promise<boolean> };
  hasPaid: (address: Address, o: { resourceUrl: string; routeId: string }) => Promise<boolean>;
  statement?: string;
  expirationSeconds?: number;
  now?: () => number;
  nonceKey?: Uint8Array;
}): {
  headerName: 'SIGN-IN-WITH-X';
  extensionKey: 'sign-in-with-x';
  declare(o: { resourceUrl: string; routeId: string; networks: string[] }): Record<string, unknown>;
  check(header: string, o: { resourceUrl: string; routeId: string; networks?: string[] }):
    Promise<{ ok: true; address: Address } | GateRefusal>;
};

export declare const PAYMENT_META_KEY: 'x402/payment';
export declare const PAYMENT_RESPONSE_META_KEY: 'x402/payment-response';
/** Also carries the PaymentRequired of a payment error (the only structured copy for a tool with an outputSchema). */
export declare const PAYMENT_REQUIRED_META_KEY: 'x402/payment-required';
/** Registers a paid tool on an McpServer (@modelcontextprotocol/server). */
export declare function paidTool(
  server: { registerTool: (...args: any[]) => unknown },
  name: string,
  config: Record<string, unknown> & { price: PriceConfig; session?: SessionConfig; mimeType?: string },
  handler: (...args: any[]) => unknown,
  options: { engine: PaymentEngine; endpoint?: string | (() => string); sessions?: SessionGate },
): unknown;
/** A node:http listener serving McpServers made by `createServer` over Streamable HTTP. */
export declare function createPaidMcpHttpHandler(options: {
  createServer: () => unknown;
  responseMode?: string;
  legacy?: boolean;
  maxRequestBodySize?: number;
  onerror?: (error: unknown) => void;
}): ((req: IncomingMessage, res: ServerResponse) => void) & {
  close(): Promise<void>;
  /** Tells clients holding a subscription that the tool (prompt, resource) list changed. */
  notify: { toolsChanged(): void; promptsChanged(): void; resourcesChanged(): void; resourceUpdated(uri: string): void };
};
