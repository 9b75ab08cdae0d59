// ClawPay 1.1 sessions, as data: buying one (the purchase's outcome, the TTL,
// the token payload, the 15-field record, the signed token, persistence in
// the SessionCache), calls within one (scope, never paid, a 402 not counted),
// its state, and ending it (here first, then revoked on the server when it
// offered a URL on its own origin). The MCP tools x402_session_* and the
// clawpay-native/pay Session render these results; neither holds the rules.
import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { isAbsolute, join } from 'node:path';

import { safeErrorMessage, showInput } from '../secret_text.js';
import { buildSessionToken } from '../session_token.js';
import { scopeCovers } from '../url_scope.js';
import { sameOrigin, sessionHeaders, whyNotCovered } from './session_wire.js';

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

/**
 * The sessions of one wallet.
 * @param {object} options
 * @param {object} options.payer the paying fetch (lib/pay/payer.js)
 * @param {object} options.cache a SessionCache (lib/session_cache.js)
 * @param {object} options.signer signs the tokens (a native Signer)
 * @param {string} options.walletAddress claimed in the token (config.walletAddress)
 * @param {string|null} [options.assetAddress] recorded when the payment names none
 * @param {() => number} [options.now] milliseconds since the epoch
 */
export function createSessions({ payer, cache, signer, walletAddress, assetAddress = null, now = Date.now }) {
  const seconds = () => Math.floor(now() / 1000);

  function stateOf(record) {
    if (record.endedAt !== undefined) return 'ended';
    return seconds() >= record.expiresAt ? 'expired' : 'active';
  }

  /**
   * Makes and keeps the session a settled purchase bought. `startedAt` (ms) is
   * when the purchase began: the server counts from its settlement, later,
   * so counting from the start never outlives it. Throws when the token
   * cannot be signed or the record kept (the payment is then made all the same).
   */
  async function establish({ endpoint, scope, label, ttlSeconds, startedAt, result }) {
    const payment = result.payment;
    const terms = result.sessionTerms ?? null;
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
    const { token, signature } = await buildSessionToken(payload, signer);
    const record = {
      sessionId,
      endpoint,
      scope,
      walletAddress,
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

  /** Why a session cannot be used now: {reason: 'session_not_found'|'session_ended'|'session_expired', record}, or null. */
  function unusable(sessionId, record = cache.get(sessionId)) {
    if (!record) return { reason: 'session_not_found', record: null };
    if (record.endedAt !== undefined) return { reason: 'session_ended', record };
    if (seconds() >= record.expiresAt) return { reason: 'session_expired', record };
    return null;
  }

  /** One more call counted on a session; the updated record. */
  function recordCall(record) {
    cache.recordCall(record.sessionId, { now: seconds() });
    return cache.get(record.sessionId) ?? record;
  }

  /**
   * After a paid-fetch that sent a covering session's token first: the
   * session was used (and this call is counted) only when the answer came,
   * was not a 402, and nothing was paid or signed in instead. The updated
   * record, or null when it was not used.
   */
  function countIfUsed(record, result) {
    if (!record || result.status === null || result.status === 402 || result.payment || result.signedIn) return null;
    return recordCall(record);
  }

  /**
   * A request within a usable session that covers `url` (check with
   * unusable() and whyNotCovered() first): its headers go along, nothing is
   * ever paid, and a 402 is not counted. {result, counted, record}.
   */
  async function call(record, url, request) {
    // pay: false keeps it apart from any paid call to the same URL (no key, no ledger).
    const result = await payer.fetch(url, {
      ...request,
      maxPayment: null,
      purpose: 'call',
      pay: false,
      sessionHeaders: sessionHeaders(record),
      sessionScope: { endpoint: record.endpoint, scope: record.scope },
    });
    if (result.status === null || result.status === 402) return { result, counted: false, record };
    return { result, counted: true, record: recordCall(record) };
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
   * Ends a session: here first (unusable here whatever the server says), then
   * on the server when it offered a revocation URL and the session had not
   * expired. {found: false} for an unknown id; else {alreadyEnded, expired,
   * record (as it was), ended (as it is now), revocation}.
   */
  async function end(sessionId) {
    const record = cache.get(sessionId);
    if (!record) return { found: false };
    if (record.endedAt !== undefined) return { found: true, alreadyEnded: true, expired: false, record, ended: record, revocation: null };
    const expired = seconds() >= record.expiresAt;
    cache.end(record.sessionId, { now: seconds() });
    const ended = cache.get(record.sessionId) ?? record;
    const revocation = record.revokeUrl && !expired ? { url: record.revokeUrl, ...(await revoke(record)) } : null;
    return { found: true, alreadyEnded: false, expired, record, ended, revocation };
  }

  return {
    cache, seconds, stateOf, establish, covering, unusable, whyNotCovered, recordCall, countIfUsed, call, end,
    get: (sessionId) => cache.get(sessionId),
    /** The active sessions. */
    list: () => cache.list({ now: seconds() }),
  };
}
