// x402_session_start: pay an endpoint once for a session of the kind its 402
// sells (lib/pay/session_kind.js): a ClawPay 1.1 token signed by the agent
// key, a batch-settlement channel (a deposit, then a voucher per call), or
// Sign-In-With-X re-entry; a seller that sells none is refused before
// anything is paid.
import { parseDecimalUnits } from '../../pay/amount.js';
import { createKindChoice, offeredTerms } from '../../pay/session_kind.js';
import { purchaseOutcome } from '../../pay/sessions.js';
import { maybeSecret } from '../../secret_text.js';
import { normalizeUrl } from '../../url_scope.js';
import { channelLines } from '../channel_view.js';
import { bodySection, describeRefusal, formatTtl, isoTime, paymentRefusalOf } from '../format.js';
import { responseOf, statusLine } from '../response_view.js';
import { sessionStartOutput } from '../output_schemas.js';
import { sessionStartInput } from '../schemas.js';
import { errorMessage, failure, ok } from '../tool_result.js';

export function sessionStartTool({
  config, paySessions, now, log, settings, network, maxPaymentOf, checkRequest, requestOf, paymentBlock, paymentSection, sessionBlock, guarded, send, noAnswer,
}) {
  async function sessionStart(args) {
    const startedAt = now();
    const problem = checkRequest(args);
    if (problem) return failure(`x402_session_start failed: ${problem}`, { error: 'invalid_input', message: problem });
    if (!normalizeUrl(args.endpoint)) {
      const message = 'the endpoint is not a plain absolute http(s) URL (no user info, dot segments, encoded slashes or backslashes), so no session could be scoped to it';
      return failure(`x402_session_start failed: ${message}`, { error: 'invalid_input', message });
    }
    // The label is kept in the journal and shown back in every status.
    if (args.label !== undefined && maybeSecret(args.label)) {
      const message = 'the label holds what looks like a private key (a run of 64 hex digits); a label is kept and shown, so it is refused';
      return failure(`x402_session_start failed: ${message}`, { error: 'invalid_input', message });
    }
    maxPaymentOf(args);
    const amounts = {};
    for (const name of ['deposit', 'top_up']) {
      amounts[name] = null;
      if (args[name] === undefined) continue;
      const { units, error } = parseDecimalUnits(args[name], config.asset.decimals);
      if (error || units === 0n) {
        const message = `${name} (in ${settings.assetName} units) ${error ?? 'must be above 0'}`;
        return failure(`x402_session_start failed: ${message}`, { error: 'invalid_input', message });
      }
      amounts[name] = units;
    }
    const { deposit, top_up: topUp } = amounts;
    const ttlWanted = args.ttl_seconds ?? settings.sessionTtlSeconds;

    // No explicit idempotency key: the payer keys the call on the request, so
    // a retry after a lost answer resends the same authorization, never a new one.
    const choice = createKindChoice(config.policy.allowedNetworks, paySessions.channels?.offered ?? null);
    let result = await send(args.endpoint, args, { purpose: 'session', beforePaying: choice.beforePaying });
    if (result.status === null) return noAnswer('x402_session_start', result, args, ' No session was created.');
    let channelId = null;
    if (result.declined?.channel) {
      // The deposit and first voucher (lib/pay/channel_sessions.js); PolicyError before anything is signed.
      ({ result, channelId } = await paySessions.channels.open({
        url: result.url, paymentRequired: result.declined.paymentRequired, request: requestOf(args), deposit, topUp, cap: maxPaymentOf(args),
        live: (sessionId) => paySessions.unusable(sessionId) === null,
      }));
      if (result.status === null) return noAnswer('x402_session_start', result, args, ' No session was created.');
    }
    if (result.declined) return notOffered(args, result, startedAt);
    const payment = paymentBlock(result.payment);
    if (payment?.transaction) log(`x402_session_start: paid ${payment.amount} base units to ${payment.payTo} for ${args.endpoint} (tx ${payment.transaction})`, [payment.transaction]);
    const { shown, block } = responseOf(result);
    // A 409 replaying this purchase's settlement bought it too (see purchaseOutcome).
    const { success, settled } = purchaseOutcome(result);
    const base = {
      endpoint: args.endpoint,
      method: args.method,
      network: settings.network,
      elapsedMs: now() - startedAt,
      ...block,
      payment,
      session: null,
    };

    if (!payment) {
      if (success) {
        let out = `No Payment Required\n\n`;
        out += `  Endpoint: ${args.endpoint}\n`;
        out += `  Status:   ${statusLine(result)}\n\n`;
        out += `The endpoint answered without asking for payment, so no session was created.\n`;
        out += `Use x402_pay for free endpoints.\n\n`;
        out += bodySection(shown);
        return ok(out, base);
      }
      const refusal = result.status === 402 ? paymentRefusalOf(result.body) : null;
      let out = `x402_session_start failed: ${result.status === 402
        ? `payment required and not made (${describeRefusal(refusal)})`
        : `the endpoint answered ${statusLine(result)}`}. Nothing was paid and no session was created.\n\n`;
      out += bodySection(shown);
      return failure(out, { ...base, error: refusal?.error ?? `http_${result.status}` });
    }
    if (!success || !settled) {
      const why = !success ? `answered ${statusLine(result)}`
        : result.payment.status === 'pending' ? 'was sent but its settlement is not known yet' : 'was not settled';
      const charged = result.payment.status === 'failed' ? ' Nothing was charged.'
        : result.payment.status === 'refused'
          ? ' Nothing was charged so far, but the server holds the signed authorization, which could still settle: it counts as spent (pending) until it expires or is cancelled.'
          : '';
      let out = `x402_session_start failed: the paid request ${why}, so no session was created.${charged}\n\n`;
      out += paymentSection(payment, settled ? 'Payment Made' : 'Payment Attempted');
      if (result.payment.status === 'pending') {
        out += `\nCalling x402_session_start again with the same arguments resends the same authorization (it settles at most once).\n`;
      }
      out += `\n${bodySection(shown)}`;
      return failure(out, { ...base, error: !success ? `http_${result.status}` : 'not_settled' });
    }

    // A settled payment for a successful response: the session exists.
    let established;
    try {
      established = await paySessions.establish({
        endpoint: args.endpoint, scope: args.scope, label: args.label, ttlSeconds: ttlWanted, startedAt, result,
        kind: channelId ? 'channel' : choice.kindAfter(result), channelId,
      });
      if (channelId) paySessions.channels.attach(channelId, established.record.sessionId);
    } catch (error) {
      return paidButNoSession(error, payment, base);
    }
    const { record, ttl, serverTtl, terms, revokeIgnored } = established;
    const { sessionId, expiresAt } = record;

    const siwx = record.kind === 'siwx';
    const channel = channelId ? paySessions.channels.get(channelId) : null;
    const kindText = channel ? 'channel (batch-settlement: a deposit, then a voucher per call; the rest refunded at x402_session_end)'
      : siwx ? 'siwx (Sign-In-With-X: each call signs the server\'s challenge, no payment)' : 'clawpay (a session token bound to the payment)';
    let out = `x402 Session Established\n\n`;
    out += `  Session ID:    ${sessionId}\n`;
    out += `  Kind:          ${kindText}\n`;
    out += `  Endpoint:      ${args.endpoint}\n`;
    out += `  Scope:         ${args.scope}\n`;
    if (args.label !== undefined) out += `  Label:         ${args.label}\n`;
    out += `  Network:       ${network}\n`;
    out += `  TTL:           ${formatTtl(ttl)} (expires ${isoTime(expiresAt)})`;
    out += serverTtl !== null && serverTtl < ttlWanted ? `; the server sells at most ${serverTtl}s\n` : '\n';
    if (channel) out += channelLines(channel, settings);
    else if (!terms && !siwx) out += `  Note:          the server did not advertise ClawPay sessions; it may not honour the token\n`;
    else if (revokeIgnored) out += `  Note:          the server's revocation URL is on another origin and is ignored\n`;
    out += `\n${paymentSection(payment, 'Session Payment')}`;
    out += `\nNext Steps\n`;
    out += `  Use x402_session_fetch with session_id="${sessionId}" for requests to ${args.endpoint}`;
    out += args.scope === 'prefix' ? ' and the paths below it' : '';
    out += channel ? ' - each request is paid by a voucher on the deposit; nothing more goes on chain until the refund.\n'
      : ` - no further payments are made during the session.\n`;
    out += `  x402_pay also uses it for URLs it covers. Check it with x402_session_status; end it with x402_session_end.\n\n`;
    out += bodySection(shown, `Initial Response (${statusLine(result)})`);
    return ok(out, { ...base, sessionId, session: sessionBlock(record) });
  }

  // The seller sells no session this wallet can use: nothing was paid.
  function notOffered(args, result, startedAt) {
    const offered = offeredTerms(result.declined.paymentRequired, config.asset);
    const { offers, schemes, siwxDeclared } = offered;
    let out = `x402_session_start refused: ${args.endpoint} sells no session - ${offered.text}.\n`;
    out += `Nothing was paid and no session was created. Use x402_pay to pay it per call`;
    out += offers.length > 0 ? ` (${offers[0].price} each).\n` : '.\n';
    return failure(out, {
      error: 'session_not_offered',
      message: `the server offers ${offered.text.replace(/^it offers /, '')}`,
      endpoint: args.endpoint,
      method: args.method,
      status: result.status,
      elapsedMs: now() - startedAt,
      payment: null,
      session: null,
      offered: { offers, schemes, siwxDeclared },
    });
  }

  // The payment went through but the session could not be made or kept.
  function paidButNoSession(error, payment, base) {
    log(`x402_session_start: paid (tx ${payment.transaction}) but the session could not be kept: ${error?.stack ?? error}`, [payment.transaction]);
    let out = `x402_session_start failed after paying: ${errorMessage(error)}. The session could not be kept.\n\n`;
    out += paymentSection(payment, 'Payment Made');
    return failure(out, { ...base, error: error?.code ?? 'session_not_kept', message: errorMessage(error) });
  }

  return {
    title: 'Pay once for a session',
    description: 'Establish a session: pay the endpoint once and make later calls to URLs the session covers ' +
      'with x402_session_fetch (or x402_pay) without paying until it expires. The kind follows what the server ' +
      'sells: "clawpay" (its ClawPay session price; a token signed by the agent key) when it offers one, else ' +
      '"channel" (it sells batch-settlement: a deposit, the `deposit` argument or 100 requests\' worth, counted whole ' +
      'against the limits, then a signed voucher per call; x402_session_end asks for the rest back), else ' +
      '"siwx" (it declares Sign-In-With-X: pay once, then sign its challenge per call). A server that sells ' +
      'none is refused before paying (error session_not_offered, naming its per-call price; use x402_pay). ' +
      'Returns a session_id. The session is kept on disk.',
    inputSchema: sessionStartInput,
    outputSchema: sessionStartOutput,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
    handler: guarded('x402_session_start', sessionStart),
  };
}
