// A session (kind clawpay, channel or siwx) as clawpay-native/pay hands it out: fetch
// within it, its status, end it. The rules are in sessions.js; this shapes the data
// (amounts as bigint base units and formatted) and turns refusals into codes.
import { formatAmount } from './amount.js';
import { channelAmounts, shortChannelId } from './channel_state.js';
import { PayError } from './errors.js';
import { onlyKnownKeys } from './fetch_request.js';
import { noAnswer, toResponse } from './response.js';
import { paymentInfo } from './spend_report.js';

// Never paid: no cap, key or session choice to make.
const SESSION_INIT = new Set(['method', 'headers', 'body', 'timeoutMs']);

const REFUSALS = {
  session_not_found: 'ERR_SESSION_NOT_FOUND',
  session_refused: 'ERR_SESSION_REFUSED',
  session_ended: 'ERR_SESSION_ENDED',
  session_expired: 'ERR_SESSION_EXPIRED',
};

/**
 * A channel session's channel as data: {id (cut to 8 hex digits), fullId,
 * state, deposit (what it holds for us), charged (the seller's total),
 * signed, remaining (deposit − charged), price, refunded}, amounts bigint.
 */
export function channelInfo(channel, asset) {
  const { deposit, charged, signed, remaining, refunded } = channelAmounts(channel);
  return {
    id: shortChannelId(channel.channelId),
    fullId: channel.channelId,
    state: channel.state,
    deposit,
    charged,
    signed,
    remaining,
    price: BigInt(channel.price),
    refunded,
    formatted: { deposit: formatAmount(deposit, asset), charged: formatAmount(charged, asset), remaining: formatAmount(remaining, asset), refunded: formatAmount(refunded, asset) },
  };
}

/** A session record as data (SessionInfo in index.d.ts). */
export function sessionInfo(record, sessions, asset) {
  const amount = BigInt(record.paymentAmount);
  const channel = record.channelId ? sessions.channels?.get(record.channelId) : null;
  return {
    id: record.sessionId,
    kind: sessions.kindOf(record),
    label: record.label ?? null,
    endpoint: record.endpoint,
    scope: record.scope,
    state: sessions.stateOf(record),
    refusal: sessions.refusalOf(record),
    callCount: record.callCount,
    createdAt: record.createdAt,
    expiresAt: record.expiresAt,
    ttlSeconds: Math.max(0, record.expiresAt - sessions.seconds()),
    lastUsedAt: record.lastUsedAt,
    endedAt: record.endedAt ?? null,
    walletAddress: record.walletAddress,
    revokeUrl: record.revokeUrl ?? null,
    tool: record.tool ?? null,
    payment: {
      transaction: record.paymentTxHash,
      amount,
      formatted: formatAmount(amount, asset),
      payTo: record.paymentRecipient,
      asset: record.paymentToken,
      network: record.network ?? null,
    },
    channel: channel ? channelInfo(channel, asset) : null,
  };
}

export function createSessionHandle({ record: first, sessions, asset, open, start = null }) {
  const id = first.sessionId;
  const current = () => sessions.get(id) ?? first;

  return {
    id,
    kind: sessions.kindOf(first),
    endpoint: first.endpoint,
    scope: first.scope,
    /** startSession's answer (a Response) and payment; null for a session looked up later. */
    response: start?.response ?? null,
    payment: start?.payment ?? null,

    /**
     * A request within the session, never paid: a clawpay session sends its
     * token, a siwx one signs the server's challenge. Resolves to a Response
     * with `session` (after the call), `counted` (false for a 402: the server
     * did not honour the session) and `refused` (why a siwx session is now
     * refused by the server, or null). Rejects with ERR_SESSION_NOT_FOUND /
     * _REFUSED / _ENDED / _EXPIRED, ERR_OUT_OF_SCOPE (nothing sent), or no-answer codes.
     */
    async fetch(url, init = {}) {
      open();
      // One read of the session's state per call (a read of the journal).
      const record = sessions.get(id);
      const refusal = sessions.unusable(id, record);
      if (refusal) {
        throw new PayError(REFUSALS[refusal.reason], `session ${id}: ${refusal.reason.replace('session_', '').replace('_', ' ')}`,
          { session: refusal.record ? sessionInfo(refusal.record, sessions, asset) : null });
      }
      const why = sessions.whyNotCovered(record.endpoint, record.scope, String(url));
      if (why) throw new PayError('ERR_OUT_OF_SCOPE', `URL not covered by session ${id}: ${why}; nothing was sent`, { session: sessionInfo(record, sessions, asset) });
      const { method, headers, body, timeoutMs } = onlyKnownKeys(init ?? {}, SESSION_INIT, 'session.fetch init');
      const { result, counted, record: after, refused, payment } = await sessions.call(record, String(url), { method, headers, body, timeoutMs });
      if (result.status === null) throw noAnswer(result);
      return toResponse(result, {
        payment: payment ? paymentInfo(payment, asset) : null, session: sessionInfo(after, sessions, asset), counted, refused, signedIn: result.signedIn ?? null,
      });
    },

    /** SessionInfo now. */
    status() {
      return sessionInfo(current(), sessions, asset);
    },

    /**
     * Ends it here, then (clawpay) on the server when it offered a revocation
     * URL: {ended: true, kind, alreadyEnded, expired, revocation: {url, ok,
     * status, answer, error} | null, serverMayAdmit, session}. serverMayAdmit:
     * the server's own record may still let the wallet in (a siwx session, or
     * a clawpay one not revoked there) until the server's expiry. A channel
     * session asks for the cooperative refund and waits for it on chain:
     * refund {asked, refunded (bigint), transaction, error}; what came back
     * is back in the day's budget.
     */
    async end() {
      open();
      const ended = await sessions.end(id);
      if (!ended.found) throw new PayError('ERR_SESSION_NOT_FOUND', `session ${id}: not found`);
      return {
        ended: true,
        kind: ended.kind,
        alreadyEnded: ended.alreadyEnded,
        serverMayAdmit: !ended.alreadyEnded && !ended.expired && !ended.revocation?.ok,
        expired: ended.expired,
        revocation: ended.revocation,
        refund: ended.refund ?? null,
        session: sessionInfo(ended.ended, sessions, asset),
      };
    },
  };
}
