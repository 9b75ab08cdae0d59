// x402_pay: one request, paid with x402 when the server asks — or, when an
// active session covers the URL, within it (a clawpay session's token sent
// first; a siwx session signs in; a channel session pays by its next voucher); or, when the server offers Sign-In-With-X
// to a wallet that already paid there, signed in instead (the payer does it;
// the result says signedIn). A session the server refuses is closed as
// refused, so its token is never sent again.
import { channelLines } from '../channel_view.js';
import { bodySection, describeRefusal, formatTtl, paymentRefusalOf } from '../format.js';
import { redirectLines, responseOf, statusLine } from '../response_view.js';
import { x402PayOutput } from '../output_schemas.js';
import { x402PayInput } from '../schemas.js';
import { failure, ok } from '../tool_result.js';

export function x402PayTool({
  paySessions, now, log, settings, seconds, network, maxPaymentOf, checkRequest, requestOf, paymentBlock, paymentSection, sessionBlock, guarded, send, noAnswer,
}) {
  // What both kinds of result say about the exchange itself, measured once
  // so the text and the structured result show the same time.
  function exchangeFacts(args, result, startedAt) {
    const { shown, block } = responseOf(result);
    const facts = {
      url: args.url, finalUrl: result.url, method: args.method, network: settings.network, elapsedMs: now() - startedAt, ...block,
    };
    return { shown, facts };
  }

  function sessionUsedResult(args, record, result, startedAt) {
    const { shown, facts } = exchangeFacts(args, result, startedAt);
    const ttl = Math.max(0, record.expiresAt - seconds());
    let out = `x402 Fetch Result (session)\n\n`;
    out += `  URL:        ${args.url}\n`;
    out += `  Method:     ${args.method}\n`;
    out += `  Status:     ${statusLine(result)}\n`;
    out += `  Network:    ${network}\n`;
    out += `  Time:       ${facts.elapsedMs} ms\n`;
    out += redirectLines(result, '   ');
    const channel = record.kind === 'channel' ? paySessions.channels?.get(record.channelId) : null;
    out += channel ? `\nSession Used (paid by a voucher on the channel's deposit; no new payment)\n` : `\nSession Used (no payment)\n`;
    out += `  Session ID: ${record.sessionId}\n`;
    out += `  Kind:       ${channel ? 'channel (batch-settlement voucher)' : record.kind === 'siwx' ? `siwx (signed in as ${result.signedIn.address})` : 'clawpay (session token)'}\n`;
    if (record.label) out += `  Label:      ${record.label}\n`;
    out += `  Endpoint:   ${record.endpoint} (${record.scope})\n`;
    out += `  TTL:        ${formatTtl(ttl)} remaining\n`;
    out += `  Calls:      ${record.callCount}\n\n`;
    if (channel) out += `${channelLines(channel, settings)}\n`;
    out += bodySection(shown);
    return ok(out, {
      ...facts,
      payment: null,
      signedIn: result.signedIn ?? null,
      session: sessionBlock(record),
      callCount: record.callCount,
    });
  }

  async function x402Pay(args) {
    const startedAt = now();
    const problem = checkRequest(args);
    if (problem) return failure(`x402_pay failed: ${problem}`, { error: 'invalid_input', message: problem });
    maxPaymentOf(args); // a bad cap is refused before any request

    // The best live session covering the URL (exact, then the longest prefix).
    const record = args.skip_session_check ? null : paySessions.covering(args.url);
    if (record && paySessions.kindOf(record) === 'channel') return channelPay(args, record, startedAt);

    // With a session, its headers go first; a 402 in spite of them is paid
    // in the same call, and not counted as a session call.
    const result = await send(args.url, args, { purpose: 'call', session: record });
    if (result.status === null) return noAnswer('x402_pay', result, args);
    const payment = paymentBlock(result.payment);
    const signedIn = result.signedIn ?? null;
    const used = paySessions.countIfUsed(record, result);
    if (used) return sessionUsedResult(args, used, result, startedAt);
    // A session the server did not honour is closed as refused: never sent again.
    const dropped = paySessions.dropIfRefused(record, result);
    const sessionRefusal = dropped
      ? { sessionId: record.sessionId, kind: paySessions.kindOf(record), error: result.paymentRequired?.error ?? null }
      : null;
    if (sessionRefusal) log(`x402_pay: session ${record.sessionId} refused by the server (${sessionRefusal.error ?? 'no reason given'}); it is closed`);
    if (signedIn) log(`x402_pay: signed in with SIWX as ${signedIn.address} for ${args.url}; nothing paid`);
    if (payment?.transaction) log(`x402_pay: paid ${payment.amount} base units to ${payment.payTo} for ${args.url} (tx ${payment.transaction})`, [payment.transaction]);
    if (payment?.settledAfterRefusal) log(`x402_pay: the seller ${payment.settledAfterRefusal.origin} (payTo ${payment.payTo}) refused payment ${payment.paymentId} and settled it anyway`);
    if (payment?.status === 'refused') log(`x402_pay: payment ${payment.paymentId} refused by ${args.url} but may still settle; counted as spent until it expires or is cancelled (${payment.cancel})`);

    const { shown, facts } = exchangeFacts(args, result, startedAt);
    const structured = {
      ...facts,
      payment,
      signedIn,
      session: null,
      sessionRefused: sessionRefusal,
    };
    let out = `x402 Fetch Result\n\n`;
    out += `  URL:     ${args.url}\n`;
    out += `  Method:  ${args.method}\n`;
    out += `  Status:  ${statusLine(result)}\n`;
    out += `  Network: ${network}\n`;
    out += `  Time:    ${structured.elapsedMs} ms\n`;
    out += redirectLines(result, '');
    if (sessionRefusal) {
      out += `\nSession ${sessionRefusal.sessionId} was not accepted by the server (${sessionRefusal.error ?? 'no reason given'}); ` +
        `${signedIn ? 'signed in' : payment ? 'paid' : 'not paid'} instead. The session is closed as refused by the server.\n`;
    }
    if (result.status === 402) {
      const refusal = paymentRefusalOf(result.body);
      out += `\nPayment Required, and the payment was not accepted: ${describeRefusal(refusal)}\n`;
      if (payment) out += `\n${paymentSection(payment, 'Payment Attempted')}`;
      out += `\n${bodySection(shown)}`;
      return failure(out, { ...structured, error: refusal.error ?? 'payment_required' });
    }
    if (payment) {
      out += `\n${paymentSection(payment, payment.status === 'refused' ? 'Payment Refused (the authorization may still settle)' : undefined)}`;
      out += `\nTip: use x402_session_start to pay once for a session and skip per-call payments.\n`;
    } else if (signedIn) {
      out += `\nSigned in with SIWX as ${signedIn.address}; no payment\n`;
      out += `  Chain:   ${signedIn.chainId} (an EIP-191 signature of the server's Sign-In-With-X challenge; it moves no money)\n`;
    } else {
      out += `\nNo payment required\n`;
    }
    out += `\n${bodySection(shown)}`;
    return ok(out, structured);
  }

  // A channel session pays with its next voucher, as x402_session_fetch and payer.fetch do;
  // a call it did not pay is reported, never paid per call behind the session's back.
  async function channelPay(args, record, startedAt) {
    const { result, counted, record: after, refused } = await paySessions.call(record, args.url, requestOf(args));
    if (result.status === null) return noAnswer('x402_pay', result, args, ` (channel session ${record.sessionId}; the call was not counted)`);
    if (counted) return sessionUsedResult(args, after, result, startedAt);
    const { shown, facts } = exchangeFacts(args, result, startedAt);
    if (refused) log(`x402_pay: channel session ${record.sessionId} refused by the server: ${refused}`);
    let out = `x402_pay: channel session ${record.sessionId} covers ${args.url}, and the request was not paid by it: ${refused ?? `HTTP ${statusLine(result)}`}\n\n`;
    out += refused ? 'Nothing more is signed on the channel; the session is closed as refused.\n\n' : 'Not counted as a call; nothing new was paid.\n\n';
    out += bodySection(shown);
    return failure(out, {
      ...facts, payment: null, signedIn: null, session: sessionBlock(after),
      sessionRefused: refused ? { sessionId: record.sessionId, kind: 'channel', error: refused } : null, error: refused ? 'session_refused' : 'payment_required',
    });
  }

  return {
    title: 'Fetch a URL, paying with x402 if asked',
    description: 'Fetch a URL and handle HTTP 402 Payment Required: pays the x402 price (a USDC authorization, settled ' +
      'on chain by the server) and retries. If an active session covers the URL, it is used instead (a clawpay ' +
      'session\'s token, or a siwx session\'s sign-in) and nothing is paid; if the server refuses the session, ' +
      'the request is paid and the session closed as refused. If the server offers ' +
      'Sign-In-With-X and this wallet already paid for access (e.g. bought a session there), the wallet signs in ' +
      'and nothing is paid. Refuses to pay more than ' +
      'max_payment_eth / max_payment (in the asset\'s units) or the configured spend limits. ' +
      'Tip: use x402_session_start to pay once for many calls.',
    inputSchema: x402PayInput,
    outputSchema: x402PayOutput,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    handler: guarded('x402_pay', x402Pay),
  };
}
