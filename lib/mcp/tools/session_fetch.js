// x402_session_fetch: a request within a session, never paid: a clawpay
// session sends its token, a siwx one signs the server's challenge. A 402 in
// answer is reported, not counted as a call; one to a siwx session closes it
// as refused by the server.
import { channelLines, withdrawHint } from '../channel_view.js';
import { bodySection, describeRefusal, formatTtl, isoTime, paymentRefusalOf } from '../format.js';
import { redirectLines, responseOf, statusLine } from '../response_view.js';
import { sessionFetchOutput } from '../output_schemas.js';
import { sessionFetchInput } from '../schemas.js';
import { whyNotCovered } from '../session_http.js';
import { failure, ok } from '../tool_result.js';

const stripNulls = (object) => Object.fromEntries(Object.entries(object).filter(([, v]) => v !== null));

export function sessionFetchTool({ paySessions, now, log, seconds, settings, checkRequest, requestOf, sessionBlock, paymentBlock, paymentSection, guarded, noAnswer }) {
  // How the call was paid, in words: a channel's voucher, or nothing.
  const paidBy = (record) => {
    const channel = record.channelId ? paySessions.channels?.get(record.channelId) : null;
    if (channel) return `  Paid by a voucher on the channel's deposit\n${channelLines(channel, settings)}\n`;
    return record.kind === 'siwx' ? `  No payment - signed in with SIWX\n\n` : `  No payment - session token used\n\n`;
  };

  function unusable(tool, id, found) {
    const { reason, record } = paySessions.unusable(id, found) ?? {};
    if (reason === undefined) return null;
    if (reason === 'session_not_found') {
      return failure(`${tool} failed: Session not found: "${id}"\n\nCreate a session with x402_session_start first.`,
        { error: 'session_not_found', sessionId: id });
    }
    if (reason === 'session_refused') {
      const refusal = paySessions.refusalOf(record);
      return failure(`${tool} failed: Session ${id} was refused by the server at ${isoTime(refusal.at)}: ${refusal.reason ?? 'no reason given'}.\n\n` +
        'Nothing was paid. Use x402_pay to pay per call, or x402_session_start for a new session.',
      { error: 'session_refused', message: refusal.reason ?? undefined, session: sessionBlock(record) });
    }
    if (reason === 'session_ended') {
      return failure(`${tool} failed: Session ${id} was ended at ${isoTime(record.endedAt)}.\n\nStart a new one with x402_session_start.`,
        { error: 'session_ended', session: sessionBlock(record) });
    }
    return failure(`${tool} failed: Session ${id} expired at ${isoTime(record.expiresAt)} (endpoint ${record.endpoint}).\n\n` +
        'Call x402_session_start to establish a new session.', { error: 'session_expired', session: sessionBlock(record) });
  }

  async function sessionFetch(args) {
    const startedAt = now();
    // One read of the session's state per call (a read of the journal).
    const record = paySessions.get(args.session_id);
    const refusal = unusable('x402_session_fetch', args.session_id, record);
    if (refusal) return refusal;
    const problem = checkRequest(args);
    if (problem) return failure(`x402_session_fetch failed: ${problem}`, { error: 'invalid_input', message: problem });
    const why = whyNotCovered(record.endpoint, record.scope, args.url);
    if (why) {
      let out = `x402_session_fetch failed: URL not covered by this session: ${why}.\n\n`;
      out += `  Session endpoint: ${record.endpoint}\n`;
      out += `  Session scope:    ${record.scope}\n`;
      out += `  Requested URL:    ${args.url}\n\n`;
      out += 'Nothing was sent. Start a session for this URL with x402_session_start, or use x402_pay for a one-time request.';
      return failure(out, { error: 'out_of_scope', reason: why, session: sessionBlock(record) });
    }

    // Never pays, and a 402 is not counted (lib/pay/sessions.js).
    // `payment`: null, unless the call carried a channel's top-up deposit (x402_session_start's top_up).
    const { result, record: updated, refused, payment = null } = await paySessions.call(record, args.url, requestOf(args));
    if (result.status === null) return noAnswer('x402_session_fetch', result, args, ` (session ${record.sessionId}; the call was not counted)`);
    if (refused) {
      log(`x402_session_fetch: ${paySessions.kindOf(record)} session ${record.sessionId} refused by the server: ${refused}`);
      const { shown, block } = responseOf(result);
      let out = `x402_session_fetch: the server refused the session - ${refused}\n\n`;
      out += `  URL:        ${args.url}\n`;
      out += `  Session ID: ${record.sessionId} (kind ${paySessions.kindOf(record)})\n`;
      out += `  State:      refused by the server (calls made: ${record.callCount}; this one was not counted)\n\n`;
      const channel = paySessions.kindOf(record) === 'channel' ? paySessions.channels?.get(record.channelId) : null;
      out += channel
        // The seller's lie closed its channel: no more vouchers, and the deposit is not lost.
        ? `Nothing more was signed. The session and its channel are closed; the unused deposit stays in the channel: ${withdrawHint(channel)}.\n\n`
        : 'Nothing was paid. The session is closed; use x402_pay to pay per call, or x402_session_start for a new session.\n\n';
      out += bodySection(shown);
      return failure(out, {
        error: 'session_refused', message: refused, refused, url: args.url, ...block, payment: paymentBlock(payment), session: sessionBlock(updated),
      });
    }
    if (result.status === 402) {
      const reason = { error: result.paymentRequired?.error ?? null, message: null, ...stripNulls(paymentRefusalOf(result.body)) };
      const { shown, block } = responseOf(result);
      let out = `x402_session_fetch: the server answered 402 - session not accepted (${describeRefusal(reason)})\n\n`;
      out += `  URL:        ${args.url}\n`;
      out += `  Session ID: ${record.sessionId}\n`;
      out += `  Calls:      ${record.callCount} (this one was not counted)\n\n`;
      out += 'The server does not honour this session token (revoked, expired on its side, or it does not support ClawPay sessions).\n';
      out += 'Nothing was paid. Use x402_pay for a one-time payment, or x402_session_start for a new session.\n\n';
      out += bodySection(shown);
      return failure(out, { error: reason.error ?? 'payment_required', serverMessage: reason.message, ...block, session: sessionBlock(record) });
    }
    const { shown, block } = responseOf(result);
    const ttl = Math.max(0, updated.expiresAt - seconds());
    let out = `x402 Session Fetch (call #${updated.callCount})\n\n`;
    out += `  Session ID:  ${updated.sessionId}\n`;
    if (updated.label) out += `  Label:       ${updated.label}\n`;
    out += `  URL:         ${args.url}\n`;
    out += `  Method:      ${args.method}\n`;
    out += `  Status:      ${statusLine(result)}\n`;
    out += `  Time:        ${now() - startedAt} ms\n`;
    out += redirectLines(result, '    ');
    out += `  Session TTL: ${formatTtl(ttl)} remaining\n`;
    out += paidBy(updated);
    if (payment) out += `${paymentSection(payment, 'Top-up deposit (the channel ran low)')}\n`;
    out += bodySection(shown);
    return ok(out, {
      url: args.url,
      finalUrl: result.url,
      method: args.method,
      elapsedMs: now() - startedAt,
      ...block,
      payment: paymentBlock(payment),
      callCount: updated.callCount,
      session: sessionBlock(updated),
      refused: null,
    });
  }

  return {
    title: 'Fetch within a session',
    description: 'Make an HTTP request within a session from x402_session_start - no payment. A "clawpay" session ' +
      'adds its headers (X-Session-Token, X-Session-Wallet, PAYMENT-SESSION); a "siwx" session signs the server\'s ' +
      'Sign-In-With-X challenge once. The URL must be covered by the session\'s endpoint and scope. A 402 answer is ' +
      'reported and not counted as a call; to a siwx session it means the server refused it (state "refused").',
    inputSchema: sessionFetchInput,
    outputSchema: sessionFetchOutput,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    handler: guarded('x402_session_fetch', sessionFetch),
  };
}
