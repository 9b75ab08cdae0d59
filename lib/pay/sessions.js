// Buyer sessions, as data, of three kinds (session_kind.js chooses from the
// seller's 402): `clawpay` — ClawPay 1.1's token bound to the settlement —,
// `channel` — a batch-settlement deposit, a voucher per call, the rest
// refunded at the end (channel_sessions.js) — and `siwx` — paid once, then
// each call signs the server's fresh Sign-In-With-X challenge and pays nothing. Here: buying one (the
// purchase's outcome, the TTL, the record, the signed token, persistence in
// the SessionStore), calls within one (scope, never paid, a 402 not counted),
// its state (active, expired, ended, refused by the server: durable through
// session_states.js), and ending it (here first, then revoked on the server
// when a clawpay seller offered a URL on its own origin). The MCP tools
// x402_session_* and the clawpay-native/pay Session render these results;
// neither holds the rules.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { isAbsolute, join } from 'node:path';

import { safeErrorMessage, showInput } from '../secret_text.js';
import { buildSessionToken } from '../session_token.js';
import { scopeCovers } from '../url_scope.js';
import { sameOrigin, sessionHeaders, whyNotCovered } from './session_wire.js';
import { createSessionStates } from './session_states.js';

export const SESSION_PROTOCOL = 'clawpay/1.1';
/** The token address ClawPay 1.1 records for a payment in ETH. */
export const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';
export const SESSION_SCOPES = Object.freeze(['prefix', 'exact']);

/** Where the sessions journal is kept: CLAWPAY_SESSIONS_PATH, else <stateDir>/sessions.journal. */
export const SESSIONS_FILE = 'sessions.journal';
export function sessionsPathOf(config, env = {}) {
  const path = env.CLAWPAY_SESSIONS_PATH?.trim() || join(config.stateDir, SESSIONS_FILE);
  if (!isAbsolute(path)) {
    const error = new Error(`CLAWPAY_SESSIONS_PATH must be an absolute path; got ${showInput(path, 100)}`);
    error.code = 'ERR_CONFIG';
    throw error;
  }
  return path;
}

const REVOKE_TIMEOUT_MS = 10_000;
// How much of a revocation answer is kept.
const MAX_ANSWER_CHARS = 4000;

/**
 * Whether a session purchase's answer bought a session: `success` (a 2xx, or
 * a resent purchase the seller settled but no longer holds the response for:
 * 409 with this payment's settlement — the seller honours a token by its
 * settlement) and `settled` (the payment settled with a transaction).
 */
export function purchaseOutcome(result) {
  const boughtEarlier = result.status === 409 && result.payment?.replayed === true && result.payment.kind === 'session' &&
    result.payment.status === 'settled';
  const success = (result.status >= 200 && result.status < 300) || boughtEarlier;
  const settled = result.payment?.status === 'settled' && typeof result.payment.transaction === 'string';
  return { success, settled };
}

/** A record's kind; records written before kinds existed are clawpay sessions. */
export const kindOf = (record) => record.kind ?? 'clawpay';

/**
 * The sessions of one wallet.
 * @param {object} options
 * @param {object} options.payer the paying fetch (lib/pay/payer.js)
 * @param {object} options.cache a SessionStore (lib/session_store.js)
 * @param {object} options.signer signs the tokens (a native Signer)
 * @param {string} options.walletAddress claimed in the token (config.walletAddress)
 * @param {string|null} [options.assetAddress] recorded when the payment names none
 * @param {() => number} [options.now] milliseconds since the epoch
 * @param {object|null} [options.store] the payer's durable store: keeps closed sessions' states (session_states.js)
 * @param {object|null} [options.channels] createChannelSessions(): channel sessions' calls and refunds
 */
export function createSessions({ payer, cache, signer, walletAddress, assetAddress = null, now = Date.now, store = null, channels = null }) {
  const seconds = () => Math.floor(now() / 1000);
  const states = createSessionStates({ store, cache, seconds });

  /** A closed session's refusal ({at, reason}), or null. Only ended records are looked up. */
  function refusalOf(record) {
    if (record.endedAt === undefined) return null;
    const closed = states.closed(record.sessionId);
    return closed?.state === 'refused' ? { at: closed.at, reason: closed.reason } : null;
  }

  /** 'active' | 'expired' | 'ended' | 'refused' (by the server). */
  function stateOf(record) {
    if (record.endedAt !== undefined) return refusalOf(record) ? 'refused' : 'ended';
    return seconds() >= record.expiresAt ? 'expired' : 'active';
  }

  /** The record of a session in any state, kept or closed, or null. */
  function get(sessionId) {
    return cache.get(sessionId) ?? states.closed(sessionId)?.record ?? null;
  }

  /** The server refused the session: it is closed here, and says why. */
  function refuse(record, reason) {
    states.close(record, 'refused', reason);
    return get(record.sessionId) ?? record;
  }

  /**
   * Makes and keeps the session a settled purchase bought. `startedAt` (ms) is
   * when the purchase began: the server counts from its settlement, later,
   * so counting from the start never outlives it. Throws when the token
   * cannot be signed or the record kept (the payment is then made all the same).
   */
  async function establish({ endpoint, scope, label, ttlSeconds, startedAt, result, kind = 'clawpay', tool, channelId = null }) {
    const payment = result.payment;
    const terms = kind === 'clawpay' ? result.sessionTerms ?? null : null;
    const serverTtl = Number.isSafeInteger(terms?.maxTtlSeconds) && terms.maxTtlSeconds > 0 ? terms.maxTtlSeconds : null;
    const ttl = serverTtl === null ? ttlSeconds : Math.min(ttlSeconds, serverTtl);
    const createdAt = Math.floor(startedAt / 1000);
    const expiresAt = createdAt + ttl;
    const sessionId = randomUUID();
    const amount = String(payment.amount);
    const payload = {
      version: SESSION_PROTOCOL,
      sessionId,
      walletAddress,
      endpoint,
      scope,
      createdAt,
      expiresAt,
      paymentTxHash: payment.transaction,
      paymentAmount: amount,
    };
    const revokeUrl = typeof terms?.revokeUrl === 'string' && sameOrigin(terms.revokeUrl, endpoint) ? terms.revokeUrl : null;
    // A siwx session has no token: the wallet that paid signs in on each call.
    const { token, signature } = kind === 'clawpay' ? await buildSessionToken(payload, signer) : { token: '', signature: '' };
    const record = {
      sessionId,
      kind,
      endpoint,
      scope,
      walletAddress: kind === 'clawpay' ? walletAddress : payment.payer ?? payer.address,
      createdAt,
      expiresAt,
      paymentTxHash: payment.transaction,
      paymentAmount: amount,
      paymentToken: payment.asset ?? assetAddress ?? ZERO_ADDRESS,
      paymentRecipient: payment.payTo ?? '',
      sessionToken: token,
      signature,
      ...(label !== undefined ? { label } : {}),
      callCount: 0,
      lastUsedAt: 0,
      // Beyond ClawPay 1.1's record: where the server revokes it, and what it sold.
      ...(revokeUrl ? { revokeUrl } : {}),
      ...(payment.network ? { network: payment.network } : {}),
      ...(typeof terms?.endpoint === 'string' ? { serverEndpoint: terms.endpoint } : {}),
      ...(serverTtl !== null ? { serverMaxTtlSeconds: serverTtl } : {}),
      // Bought on an MCP tool: the server opens that tool with it, no other.
      ...(typeof tool === 'string' ? { tool } : {}),
      // A channel session pays each call with a voucher on this channel (its state: channel_state.js).
      ...(channelId ? { channelId } : {}),
    };
    cache.add(record);
    return {
      record, ttl, serverTtl, terms,
      /** The server named a revocation URL on another origin: it is ignored. */
      revokeIgnored: Boolean(terms?.revokeUrl) && !revokeUrl,
    };
  }

  /** The best live session covering `url` (exact, then the longest prefix), or null. */
  function covering(url) {
    const record = cache.findForUrl(url, { now: seconds() });
    return record && scopeCovers(record.endpoint, record.scope, url) ? record : null;
  }

  /** Why a session cannot be used now: {reason: 'session_not_found'|'session_refused'|'session_ended'|'session_expired', record}, or null. */
  function unusable(sessionId, record = get(sessionId)) {
    if (!record) return { reason: 'session_not_found', record: null };
    if (record.endedAt !== undefined) return { reason: refusalOf(record) ? 'session_refused' : 'session_ended', record };
    if (seconds() >= record.expiresAt) return { reason: 'session_expired', record };
    return null;
  }

  /** One more call counted on a session; the updated record. */
  function recordCall(record) {
    // The batched cache (call_counts.js) answers with the updated record; a plain SessionStore is read again.
    const updated = cache.recordCall(record.sessionId, { now: seconds() });
    return typeof updated === 'object' && updated !== null ? updated : cache.get(record.sessionId) ?? record;
  }

  /**
   * After a paid-fetch under a covering session (a clawpay one's token sent
   * first; a siwx one signs in on the server's challenge): the session was
   * used, and this call is counted, only when the answer came, was not a
   * 402, nothing was paid, and — clawpay — nobody signed in instead, or —
   * siwx — the wallet signed in. The updated record, or null.
   */
  function countIfUsed(record, result) {
    // A channel session is used only through call() (its voucher); a fetch without one leaves it alone.
    if (!record || kindOf(record) === 'channel' || result.status === null || result.status === 402 || result.payment) return null;
    if (kindOf(record) === 'siwx' ? !result.signedIn : result.signedIn) return null;
    return recordCall(record);
  }

  /**
   * After the same fetch, when the session was not used: a server that
   * asked to be paid (a 402, or a payment made instead) refused it, so it is
   * closed as refused and never sent again. The updated record, or null.
   */
  function dropIfRefused(record, result) {
    if (!record || kindOf(record) === 'channel' || result.status === null) return null;
    if (result.status !== 402 && !result.payment && !(kindOf(record) === 'clawpay' && result.signedIn)) return null;
    const error = result.paymentRequired?.error ?? null;
    return refuse(record, kindOf(record) === 'siwx'
      ? `the server did not let the wallet in by Sign-In-With-X${error ? ` (${error})` : ''}`
      : `the server did not accept the session token${error ? ` (${error})` : ''}`);
  }

  /**
   * A request within a usable session that covers `url` (check with
   * unusable() and whyNotCovered() first). Nothing is ever paid, and a 402 is
   * not counted. clawpay: the token's headers go along. siwx: the server's
   * fresh challenge is signed once (same origin, within the endpoint and
   * scope); a 402 after that, or one without a challenge this wallet can
   * answer, closes the session as refused by the server. `request`:
   * {method, headers, body, timeoutMs}.
   * {result, counted, record, refused: reason | null}.
   */
  async function call(record, url, request) {
    if (kindOf(record) === 'channel') return channelCall(record, url, request);
    const siwx = kindOf(record) === 'siwx';
    // pay: false keeps it apart from any paid call to the same URL (no key, no ledger).
    // The request's fields are named, not spread: see plainResult in fetch_result.js.
    const result = await payer.fetch(url, {
      method: request.method,
      headers: request.headers,
      body: request.body,
      timeoutMs: request.timeoutMs,
      maxPayment: null,
      purpose: 'call',
      pay: false,
      signInOnly: siwx,
      sessionHeaders: siwx ? undefined : sessionHeaders(record),
      sessionScope: { endpoint: record.endpoint, scope: record.scope },
    });
    if (result.status === null) return { result, counted: false, record, refused: null };
    if (result.status === 402) {
      if (!siwx) return { result, counted: false, record, refused: null };
      const error = result.paymentRequired?.error ?? null;
      const reason = result.signInTried
        ? `the server answered 402 to the signed-in wallet${error ? ` (${error})` : ''}`
        : 'the server\'s 402 carries no Sign-In-With-X challenge this wallet can answer for this URL';
      return { result, counted: false, record: refuse(record, reason), refused: reason };
    }
    // Signed in and answered other than 2xx (a server error): not a call made.
    if (siwx && result.signInTried) return { result, counted: false, record, refused: null };
    return { result, counted: true, record: recordCall(record), refused: null };
  }

  /**
   * A call paid by the channel's next voucher (channel_sessions.js), or with
   * a top-up deposit (`payment`: its paymentView, else null); a seller
   * whose corrective 402 claims more than was signed closes the session as
   * refused. Not counted when the server did not charge it.
   */
  async function channelCall(record, url, request) {
    const { result, counted, refused, payment = null } = await channels.call(record, url, request);
    if (refused) return { result, counted: false, record: refuse(record, refused), refused, payment };
    return { result, counted, record: counted ? recordCall(record) : record, refused: null, payment };
  }

  /** POSTs the token to the server's revocation URL; {ok, status, answer, error}. */
  async function revoke(record) {
    let result;
    try {
      result = await payer.fetch(record.revokeUrl, {
        method: 'POST',
        headers: { accept: 'application/json' },
        sessionHeaders: sessionHeaders(record),
        timeoutMs: REVOKE_TIMEOUT_MS,
        pay: false,
        idempotencyKey: `session-revoke:${randomUUID()}`,
      });
    } catch (error) {
      return { ok: false, status: null, answer: null, error: safeErrorMessage(error) };
    }
    if (result.status === null) return { ok: false, status: null, answer: null, error: result.error?.message ?? 'no answer' };
    const long = result.body.length > MAX_ANSWER_CHARS;
    let answer = long ? `${result.body.slice(0, MAX_ANSWER_CHARS)}…` : result.body;
    try {
      answer = JSON.parse(long ? '' : result.body);
    } catch {
      // keep the text
    }
    const ok2xx = result.status >= 200 && result.status < 300;
    const statusText = STATUS_CODES[result.status] ? ` ${STATUS_CODES[result.status]}` : '';
    return { ok: ok2xx, status: result.status, answer, error: ok2xx ? null : `HTTP ${result.status}${statusText}` };
  }

  /**
   * Ends a session: here first (unusable here whatever the server says),
   * then, for a clawpay session, on the server when it offered a revocation
   * URL and the session had not expired. A siwx session has nothing to
   * revoke: the server's own record of the payment may still admit the
   * wallet. A channel session asks for the cooperative refund (refund:
   * {asked, refunded, transaction, error}). {found: false} for an unknown id; else {kind, alreadyEnded,
   * refusal, expired, record (as it was), ended (as it is now), revocation, refund}.
   */
  async function end(sessionId) {
    const record = get(sessionId);
    if (!record) return { found: false };
    const kind = kindOf(record);
    if (record.endedAt !== undefined) {
      return { found: true, kind, alreadyEnded: true, refusal: refusalOf(record), expired: false, record, ended: record, revocation: null, refund: null };
    }
    const expired = seconds() >= record.expiresAt;
    states.close(record, 'ended');
    const ended = get(record.sessionId) ?? record;
    const revocation = kind === 'clawpay' && record.revokeUrl && !expired ? { url: record.revokeUrl, ...(await revoke(record)) } : null;
    // A channel's unused deposit is asked back, and counted back only once mined.
    const refund = kind === 'channel' && channels ? await channels.refund(record.channelId) : null;
    return { found: true, kind, alreadyEnded: false, refusal: null, expired, record, ended, revocation, refund };
  }

  return {
    cache, seconds, stateOf, refusalOf, kindOf, establish, covering, unusable, whyNotCovered, recordCall, countIfUsed, dropIfRefused,
    refuse, call, end, get, channels,
    /** Prunes the cache at start, keeping closed sessions' states (session_states.js). */
    prune: () => states.prune(),
    /** The active sessions. */
    list: () => cache.list({ now: seconds() }),
    /** Closed sessions (ended, refused, expired), newest first: {state, at, reason, record}. */
    listClosed: () => states.listClosed(),
  };
}
