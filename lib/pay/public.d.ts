// clawpay-native/pay — what a Node agent imports to pay with x402 and buy ClawPay
// sessions. Hand-written; kept in step with lib/pay/agent_payer.js and its step files.
import type { Address, Hex, Signer } from '../index.js';
import type { AssetConfig, DaySpend, PaymentView, PaymentState } from './index.js';

export { ConfigError, PayError, PolicyError, loadConfig, formatUnits, parseDecimalUnits } from './index.js';
export type { AssetConfig, ConfigProblem, PayConfig, PaymentView, PolicyRule } from './index.js';

/**
 * Spend limits: text or numbers in asset units ("1.00" = 1 USDC), as clawpay-mcp's
 * CLAWPAY_MAX_* variables, or bigints of base units.
 */
export interface PayerPolicyOptions {
  maxPerCall?: string | number | bigint;
  maxPerSession?: string | number | bigint;
  maxPerDay?: string | number | bigint;
  /** Addresses, or "*" for any (the default). */
  allowedPayees?: readonly string[] | '*';
  allowedAssets?: readonly string[];
  /** CAIP-2 ids or x402 v1 names. */
  allowedNetworks?: readonly string[];
  maxPerSend?: string | number | bigint;
}

interface PayerOptionsBase {
  /** Default 8453 (Base). */
  chainId?: number;
  /** Required for chains other than 8453 and 84532. Never shown in messages. */
  rpcUrl?: string;
  /** Required for chains other than 8453 and 84532: the token's EIP-712 domain and decimals. */
  asset?: { address: Address | string; name: string; version: string; decimals: number; symbol?: string };
  /** Absolute; the payments ledger and sessions journal live here (shared with clawpay-mcp). Required unless memory. */
  stateDir?: string;
  policy?: PayerPolicyOptions;
  /** Default session TTL, 60..2592000 (default 3600). */
  sessionTtlSeconds?: number;
  /** Claimed in session tokens (AGENT_WALLET_ADDRESS); default the key's own address. */
  walletAddress?: Address | string;
  maxAuthorizationSeconds?: number;
  /** x402 v1 name of the chain (CLAWPAY_V1_NETWORK). */
  v1Network?: string;
  /** Keep nothing on disk. */
  memory?: boolean;
  fetch?: typeof fetch;
  now?: () => number;
}

/** One key: a private key (loaded into native memory, then owned and wiped by the payer) or a Signer (stays its owner's). */
export type PayerOptions =
  | (PayerOptionsBase & { privateKey: Hex | string; signer?: undefined })
  | (PayerOptionsBase & { signer: Signer; privateKey?: undefined });

/** A payment as data: `amount` in base units, `formatted` with the asset's symbol ("0.01 USDC"). */
export interface PaymentInfo extends Omit<PaymentView, 'amount'> {
  amount: bigint;
  formatted: string;
  /** From payer.payments(): the URL paid for, and Unix ms times. */
  url?: string;
  createdAt?: number;
  updatedAt?: number;
}

/** 'refused': refused by the server (a siwx sign-in answered 402, or a token x402_pay saw refused). Kept across restarts. */
export type SessionState = 'active' | 'expired' | 'ended' | 'refused';

/**
 * The kind of a buyer session, from the seller's 402 (preferred first):
 * 'clawpay' — the seller offers extra.clawpaySession: a token bound to the settlement;
 * 'channel' — an offer of scheme batch-settlement (x402 payment channels): a deposit, counted whole
 *   against the limits, then each fetch signs the next cumulative voucher; end() asks for the rest back;
 * 'siwx' — the 402 declares sign-in-with-x: paid once, each fetch signs the server's challenge.
 */
export type SessionKind = 'clawpay' | 'channel' | 'siwx';

interface SessionInfoBase {
  id: string;
  kind: SessionKind;
  label: string | null;
  endpoint: string;
  scope: 'prefix' | 'exact';
  state: SessionState;
  /** Set when state is 'refused': when (Unix seconds) and why. */
  refusal: { at: number; reason: string | null } | null;
  callCount: number;
  /** Unix seconds. */
  createdAt: number;
  expiresAt: number;
  ttlSeconds: number;
  lastUsedAt: number;
  endedAt: number | null;
  walletAddress: Address;
  revokeUrl: string | null;
  /** The MCP tool it was bought on (mcpClient().startSession): it opens that tool only; null otherwise. */
  tool: string | null;
  payment: { transaction: Hex; amount: bigint; formatted: string; payTo: Address; asset: Address; network: string | null };
  /** A channel session's channel; null for the other kinds. */
  channel: ChannelInfo | null;
}

/** A batch-settlement channel as the buyer keeps it (its state directory); amounts in base units. */
export interface ChannelInfo {
  /** The channel id cut to 8 hex digits, for showing. */
  id: string;
  fullId: Hex;
  /**
   * 'opening': a deposit's outcome is not known yet (the next start or call asks the chain first: resumed if it
   * landed, released if it provably did not, else ERR_CHANNEL_DEPOSIT_UNKNOWN); 'refused': its seller lied about
   * what we signed — nothing more is signed; 'withdrawing': a timed withdrawal is pending (payer.channels.withdraw).
   */
  state: 'opening' | 'open' | 'closed' | 'refused' | 'withdrawing';
  /** What the channel holds for the wallet: deposits less refunds. */
  deposit: bigint;
  /** The seller's running total, as last confirmed. */
  charged: bigint;
  /** The highest cumulative voucher ever given (recorded before it was sent). */
  signed: bigint;
  /** deposit − charged. */
  remaining: bigint;
  /** Per request. */
  price: bigint;
  /** Refunded, as the chain shows it. */
  refunded: bigint;
  formatted: { deposit: string; charged: string; remaining: string; refunded: string };
}

export interface ClawpaySessionInfo extends SessionInfoBase {
  kind: 'clawpay';
}

export interface ChannelSessionInfo extends SessionInfoBase {
  kind: 'channel';
  /** payment: the deposit. */
  channel: ChannelInfo;
  revokeUrl: null;
}

export interface SiwxSessionInfo extends SessionInfoBase {
  kind: 'siwx';
  /** The address that paid and signs in. */
  walletAddress: Address;
  /** Nothing to revoke: always null. */
  revokeUrl: null;
}

export type SessionInfo = ClawpaySessionInfo | ChannelSessionInfo | SiwxSessionInfo;

/** A Response plus what the payment layer knows of it. */
export interface PaidResponse extends Response {
  /** null when nothing was paid for this request. */
  readonly payment: PaymentInfo | null;
  /** The session whose token was used (after this call), or null. */
  readonly session: SessionInfo | null;
  /** Signed in with Sign-In-With-X instead of paying. */
  readonly signedIn: { address: Address; chainId: string } | null;
  readonly finalUrl: string;
  readonly redirects: readonly unknown[];
  /** The body was cut at the payer's limit. */
  readonly truncated: boolean;
}

export interface SessionResponse extends PaidResponse {
  /**
   * null: the session's payment covered it. A channel session's request that carried a top-up deposit (startSession's
   * `topUp`): that deposit, as payer.payments() lists it ('settled', or 'refused' with its authorization open).
   */
  readonly payment: PaymentInfo | null;
  readonly session: SessionInfo;
  /** false for a 402: the server did not honour the session; nothing was paid. */
  readonly counted: boolean;
  /**
   * Why the server just refused the session, which is now 'refused': a siwx sign-in answered 402, or a
   * channel seller's corrective 402 claiming more than the wallet signed (nothing more is signed).
   */
  readonly refused: string | null;
}

export interface PayFetchInit {
  /** GET (default), HEAD, POST, PUT, PATCH, DELETE. */
  method?: string;
  headers?: Record<string, string> | Headers;
  body?: string | Uint8Array | null;
  /** 1..600000, default 30000. */
  timeoutMs?: number;
}

export interface PayerFetchInit extends PayFetchInit {
  /** This call's cap, base units; null: the policy only. */
  maxPayment?: bigint | null;
  /** Never paid twice under the same key. */
  idempotencyKey?: string;
  /** Use a live session covering the URL (default true). */
  useSession?: boolean;
}

export interface StartSessionOptions extends PayFetchInit {
  /** "prefix" (default): the endpoint and the paths below it; "exact": the endpoint only. */
  scope?: 'prefix' | 'exact';
  /** 60..2592000; default the payer's sessionTtlSeconds. The server's maximum, when it sells less, wins. */
  ttlSeconds?: number;
  /** Cap, base units (for a channel: on the deposit). */
  maxPayment?: bigint | null;
  /**
   * A channel seller (batch-settlement): the deposit, base units. Default: 100 requests' worth or the seller's
   * minDeposit when larger, within maxPerSession, maxPayment and what is left of the day. It counts whole
   * against the limits when made; what end() gets refunded comes back once the refund is mined.
   */
  deposit?: bigint | null;
  /**
   * A channel seller only, opt-in (default null: off — the session's fetch rejects with ERR_CHANNEL_EXHAUSTED when
   * the deposit runs out): base units deposited more on the same channel each time the next voucher would pass
   * the deposit. Each top-up is reserved when made (the day's budget), and all the session's deposits together
   * stay within maxPerSession (PolicyError per_session before anything is signed).
   */
  topUp?: bigint | null;
  /** Up to 100 characters; kept and shown. */
  label?: string;
  idempotencyKey?: string;
}

export interface Revocation {
  url: string;
  ok: boolean;
  status: number | null;
  answer: unknown;
  error: string | null;
}

export interface SessionEnd<K extends SessionKind = SessionKind> {
  ended: true;
  kind: K;
  alreadyEnded: boolean;
  expired: boolean;
  /** clawpay only: the server's answer to the revocation; null when none was made (always for siwx). */
  revocation: K extends 'siwx' ? null : Revocation | null;
  /** The server's own record may still admit the wallet until its expiry (siwx; clawpay not revoked there). */
  serverMayAdmit: boolean;
  /**
   * channel only: the cooperative refund, waited for on chain. `refunded`: what came back (mined), now back in
   * the day's budget; `error`: why none was made (the deposit stays counted; the contract's timed withdrawal
   * returns it without the seller). null for the other kinds.
   */
  refund: K extends 'channel' ? { asked: boolean; refunded: bigint; transaction: Hex | null; error: string | null } | null : null;
  session: Extract<SessionInfo, { kind: K }>;
}

interface SessionBase<K extends SessionKind> {
  readonly id: string;
  readonly kind: K;
  readonly endpoint: string;
  readonly scope: 'prefix' | 'exact';
  /** startSession's initial answer and payment; null for payer.session(id). */
  readonly response: PaidResponse | null;
  readonly payment: PaymentInfo | null;
  /**
   * Never pays: clawpay sends the token, siwx signs the server's challenge (once, same origin, within scope).
   * channel: pays with the next cumulative voucher, recorded before it is sent (a corrective 402 is checked against
   * what was signed; one within it is resynced to, once); with `topUp`, the request that tops the channel up
   * carries that deposit as its `payment`.
   * Rejects: ERR_SESSION_NOT_FOUND, ERR_SESSION_REFUSED, ERR_SESSION_ENDED, ERR_SESSION_EXPIRED, ERR_OUT_OF_SCOPE (nothing sent),
   * ERR_CHANNEL_EXHAUSTED (the next voucher would pass the deposit; nothing signed), no-answer codes.
   */
  fetch(url: string | URL, init?: PayFetchInit): Promise<SessionResponse>;
  status(): Extract<SessionInfo, { kind: K }>;
  /**
   * Here first (kept as 'ended'), then — clawpay — revoked on the server when it offered a URL, or — channel — the
   * cooperative refund asked for and waited for on chain.
   */
  end(): Promise<SessionEnd<K>>;
}

export type Session = SessionBase<'clawpay'> | SessionBase<'channel'> | SessionBase<'siwx'>;

export interface SpendGroup {
  total: bigint;
  formatted: string;
  count: number;
}

export interface SpendReport {
  /** Unix ms, or null for all. */
  since: number | null;
  /** Settled payments since `since`, net of refunds (a channel deposit counts what it kept). */
  total: bigint;
  /** "0.06 USDC" */
  formatted: string;
  count: number;
  /** By UTC "YYYY-MM-DD". */
  byDay: Record<string, SpendGroup>;
  /** By payee address. */
  byPayee: Record<string, SpendGroup>;
  /** By the route paid for: the URL without query or fragment. */
  byRoute: Record<string, SpendGroup>;
  /** Open authorizations that may still move money. */
  pending: bigint;
  pendingFormatted: string;
  /** Today's budget as the spend policy counts it. */
  today: DaySpend & { formatted: string; open: PaymentInfo[] };
}

/** An MCP Client of either SDK line: what mcpClient() wraps (structurally; no SDK types needed). */
export interface McpToolClient {
  callTool(params: { name: string; arguments?: Record<string, unknown>; _meta?: Record<string, unknown> }, ...rest: any[]): Promise<unknown>;
  listTools(...args: any[]): Promise<unknown>;
}

/** A CallToolResult as the server sent it. */
export interface McpToolResult {
  content?: unknown[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
  _meta?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface PaidToolCallOptions {
  /** This call's cap, base units; null: the policy only. */
  maxPayment?: bigint | null;
  /** 1..600000, default 30000: each tool call (unpaid, then paid) within it. */
  timeoutMs?: number;
  /** Never paid twice under the same key; default key: server URL, tool, canonical arguments. */
  idempotencyKey?: string;
  /** false: never pay; a payment-required result is returned as it came. */
  pay?: boolean;
  /** Passed to an SDK 2.x client's callTool (output-schema checks without a tools/list). */
  toolDefinition?: unknown;
  /**
   * Default true: a live clawpay session covering the server's URL, bought on this tool, is shown
   * (X-Session-Token, through mcpSessionFetch) and nothing is paid; a server that asks to be paid
   * instead is paid under the policy and the session closed as refused.
   */
  useSession?: boolean;
}

export interface StartToolSessionOptions {
  scope?: 'prefix' | 'exact';
  ttlSeconds?: number;
  maxPayment?: bigint | null;
  label?: string;
  timeoutMs?: number;
  idempotencyKey?: string;
}

export interface PaidToolCall<C = McpToolResult> {
  /** The server's result, unchanged (a payment-required result when nothing was paid). */
  result: C;
  /** null when nothing was paid. `status` "pending": sent, outcome unknown; the identical call resends the same authorization. */
  payment: PaymentInfo | null;
  /** result._meta["x402/payment-response"], or null. */
  settlement: { success: boolean; transaction?: string; network?: string; payer?: string; [key: string]: unknown } | null;
  /** The session the call was made in (nothing paid), or null. */
  session: SessionInfo | null;
}

export interface PayingMcpClient<T extends McpToolClient = McpToolClient> {
  readonly client: T;
  /** The server's URL as the ledger names it. */
  readonly url: string;
  /**
   * Calls a tool; a payment-required result (x402 over MCP) is paid under the policy and
   * the call retried once with the payment. Rejects: PolicyError / PayError
   * (ERR_NO_PAYABLE_OFFER, ERR_MALFORMED_402, ... with `.result`, the unpaid result) when
   * refused before signing; PayError ERR_TIMEOUT / ERR_FETCH_FAILED (with `.payment`) when
   * no answer came; ERR_MCP_BAD_RESULT, ERR_MCP_RESULT_TOO_LARGE.
   */
  callTool(params: { name: string; arguments?: Record<string, unknown> }, options?: PaidToolCallOptions): Promise<PaidToolCall>;
  /** The client's own listTools. */
  listTools: T['listTools'];
  /**
   * Buys a session from the tool's server (its session offer; a call of the tool, paid with
   * purpose "session" under maxPerSession), kept for the server's URL and this tool. Rejects as
   * Payer.startSession does.
   */
  startSession(params: { name: string; arguments?: Record<string, unknown> }, options?: StartToolSessionOptions):
    Promise<{ session: Session; result: McpToolResult; payment: PaymentInfo }>;
}

/**
 * fetch for an MCP client's StreamableHTTPClientTransport (`{ fetch: mcpSessionFetch() }`): shows
 * the session of the paying call under way on the requests it covers (never across a redirect).
 */
export declare function mcpSessionFetch(fetch?: typeof globalThis.fetch): typeof globalThis.fetch;

export interface Payer {
  /** The address payments come from. */
  readonly address: Address;
  readonly walletAddress: Address;
  /** CAIP-2. */
  readonly network: string;
  readonly asset: Readonly<AssetConfig>;
  /**
   * Pays under the policy when answered 402; a live session covering the URL is used first.
   * Rejects with PayError (ERR_TIMEOUT, ERR_FETCH_FAILED, ...) when no answer came, PolicyError when refused.
   */
  fetch(url: string | URL, init?: PayerFetchInit): Promise<PaidResponse>;
  /**
   * The kind follows the seller's 402 (clawpay, else channel, else siwx). Channel: ERR_CHANNEL_REFUSED (its seller
   * was caught lying), ERR_CHANNEL_IN_USE (another live session holds it), ERR_CHANNEL_WITHDRAWING (a timed
   * withdrawal is pending), ERR_CHANNEL_DEPOSIT_UNKNOWN (an earlier deposit's outcome is not known yet: nothing
   * signed; retry after its validBefore, or cancel it). Rejects with PayError: ERR_SESSION_NOT_OFFERED (it sells
   * neither; nothing paid; `offered` lists its per-call offers), ERR_SESSION_NOT_SOLD, ERR_SESSION_NOT_PAID,
   * ERR_SESSION_NOT_SETTLED, ERR_SESSION_NOT_KEPT; or PolicyError.
   */
  startSession(endpoint: string, options?: StartSessionOptions): Promise<Session>;
  /** `client` (connected, SDK 2.x or 1.x) paying its paid tools; `url`: the MCP endpoint, the server's name in the ledger. */
  mcpClient<T extends McpToolClient>(client: T, options: { url: string }): PayingMcpClient<T>;
  /** Any state, kept across restarts (ended and refused ones too). */
  session(sessionId: string): Session | null;
  /** The active sessions. */
  sessions(): SessionInfo[];
  payments(options?: { since?: Date | number }): PaymentInfo[];
  spend(options?: { since?: Date | number }): Promise<SpendReport>;
  cancel(paymentId: string): Promise<{ payment: PaymentView; cancelled: boolean; transaction: Hex | null }>;
  /** The wallet's payment channels, and the timed withdrawal out of one without its seller. */
  readonly channels: {
    /**
     * As the state directory records them, oldest first; then this wallet's channels only the chain knows (a lost
     * state directory: its ChannelCreated events, newest first, `source: 'chain'`), read over the last `blocks`
     * blocks (default 100,000). `scan.complete` false: older blocks were not read. `scan` null without an RPC URL.
     */
    list(options?: { blocks?: number }): Promise<ChannelList>;
    /**
     * `id`: the listing's short id (0x + 8 hex digits) or more of the id; a channel not in the state directory is
     * looked for on chain as list() does, and withdrawn the same way (its deposit was counted by the state directory
     * that made it: nothing returns to this one's budget). Sent from the payer's key (it pays the
     * gas). Rejects with PayError: ERR_NOTHING_TO_WITHDRAW (nothing unclaimed, nothing pending: nothing sent, nothing
     * released), ERR_NO_GAS, ERR_CHANNEL_NOT_FOUND, ERR_CHANNEL_AMBIGUOUS, ERR_CHANNEL_OPENING, ERR_WITHDRAW_UNAVAILABLE,
     * ERR_TX_REVERTED, or the transaction sender's codes (ERR_TX_UNCERTAIN: run it again to resume).
     */
    withdraw(id: string): Promise<ChannelWithdrawal>;
  };
  close(): Promise<void>;
}

export interface ChannelList {
  channels: ChannelListing[];
  /**
   * The blocks whose ChannelCreated events were read; complete: back to the chain's first block; error: the chain
   * could not be read (the blocks null, only the state directory's channels listed).
   */
  scan: { fromBlock: bigint | null; toBlock: bigint | null; complete: boolean; error: string | null } | null;
}

/**
 * A channel in payer.channels.list(); amounts in base units. A channel found on chain ('found': it holds money and
 * no withdrawal is pending) has no endpoint and no signed amount; `charged` is what its seller claimed on chain.
 */
export interface ChannelListing {
  /** The channel id cut to 8 hex digits (what withdraw takes). */
  id: string;
  state: ChannelInfo['state'] | 'found';
  /** 'local': recorded in the state directory by a session; 'chain': found in the contract's events. */
  source: 'local' | 'chain';
  endpoint: string | null;
  payTo: Address;
  deposit: bigint;
  charged: bigint;
  signed: bigint | null;
  remaining: bigint;
  sessionId: string | null;
  /** A pending timed withdrawal: the amount announced, when it can be finalized (Unix seconds, chain time). */
  withdrawal: { amount: bigint; finalizeAfter: number; transaction: Hex | null } | null;
  /** Why the seller's channel was refused, or null. */
  refusal: string | null;
}

/**
 * payer.channels.withdraw's answer. 'initiated': initiateWithdraw of everything unclaimed was mined (no more vouchers
 * on the channel; the seller may still claim what it holds vouchers for until finalizeAfter); 'waiting': pending,
 * the delay not passed on the chain's clock (nothing sent); 'finalized': finalizeWithdraw mined, `amount` paid back
 * and returned to the day's budget, once.
 */
export interface ChannelWithdrawal {
  action: 'initiated' | 'waiting' | 'finalized';
  amount: bigint;
  /** Unix seconds (chain time); null once finalized. */
  finalizeAfter: number | null;
  transaction: Hex | null;
  channel: ChannelListing;
}

export interface CreatePayer {
  (options: PayerOptions): Promise<Payer>;
  /** From clawpay-mcp's variables (AGENT_PRIVATE_KEY, CHAIN_ID, RPC_URL, CLAWPAY_*); default process.env. */
  fromEnv(env?: Record<string, string | undefined>, options?: { fetch?: typeof fetch; now?: () => number }): Promise<Payer>;
}
export declare const createPayer: CreatePayer;

export type { PaymentState };
