// x402_session_end: end a session here, and, for a clawpay session, revoke
// it on the server when it offered a way; a channel session asks for the
// cooperative refund and waits for it on chain; a siwx session has nothing
// to revoke, and the answer says the server may still admit the wallet. A
// channel session its seller refused: each call takes the next step of the
// timed withdrawal of its unused deposit (channel_withdrawal_view.js).
import { formatUnits } from '../../pay/amount.js';
import { channelLines, withdrawHint } from '../channel_view.js';
import { continueWithdrawal, withdrawable, withdrawalBlock } from '../channel_withdrawal_view.js';
import { isoTime } from '../format.js';
import { sessionEndOutput } from '../output_schemas.js';
import { sessionEndInput } from '../schemas.js';
import { errorMessage, failure, ok } from '../tool_result.js';

export function sessionEndTool({ paySessions, log, settings, sessionBlock, guarded }) {
  async function sessionEnd(args) {
    const { found, kind, alreadyEnded, refusal, expired, record, ended, revocation, refund } = await paySessions.end(args.session_id);
    if (!found) return failure(`x402_session_end failed: Session not found: "${args.session_id}"`, { error: 'session_not_found', sessionId: args.session_id });
    if (alreadyEnded) {
      const how = refusal ? `refused by the server at ${isoTime(refusal.at)} (${refusal.reason ?? 'no reason given'})` : `ended at ${isoTime(record.endedAt)}`;
      let out = `Session ${record.sessionId} was already ${how}.\nEndpoint: ${record.endpoint}`;
      // A channel refused for its seller's lie still holds the unused deposit: its withdrawal, a step further.
      const channel = kind === 'channel' ? paySessions.channels?.get(record.channelId) : null;
      if (!withdrawable(channel)) {
        return ok(out, { ended: true, alreadyEnded: true, kind, serverMayAdmit: false, session: sessionBlock(record), revocation: null });
      }
      const step = await continueWithdrawal(paySessions.channels, channel, settings, errorMessage);
      out += `\n\nRefund: none from this seller.\n${step.text}\n${channelLines(paySessions.channels.get(record.channelId), settings)}`;
      const structured = { ended: true, alreadyEnded: true, kind, serverMayAdmit: false, session: sessionBlock(record), revocation: null, withdrawal: step.block };
      return step.failed
        ? failure(`x402_session_end: the withdrawal step failed.\n\n${out}`, { ...structured, error: step.block.error, message: step.block.message })
        : ok(out, structured);
    }
    // Ended here first, whatever the server says (lib/pay/sessions.js).
    if (revocation && !revocation.ok) {
      log(`x402_session_end: revoking ${record.sessionId} at ${record.revokeUrl} failed: ${revocation.error}`);
    }

    let out = `Session Closed\n\n`;
    out += `  Session ID: ${record.sessionId}\n`;
    out += `  Kind:       ${kind}\n`;
    out += `  Endpoint:   ${record.endpoint}\n`;
    out += `  Calls made: ${record.callCount}\n`;
    if (expired) out += `  Note:       it had already expired at ${isoTime(record.expiresAt)}\n`;
    out += '\n';
    if (kind === 'channel') {
      const channel = paySessions.channels?.get(record.channelId);
      if (channel) out += channelLines(channel, settings);
      if (refund?.transaction && !refund.error) {
        out += `\nRefund: ${formatUnits(refund.refunded, settings.decimals)} ${settings.assetName} back to the wallet (tx ${refund.transaction}, mined); ` +
          'it is back in the day\'s budget.\n';
      } else if (refund?.error) {
        out += `\nRefund: NOT made (${refund.error}). The unused deposit stays in the channel and counted as spent: ${withdrawHint(channel)}.\n`;
      } else {
        out += '\nRefund: nothing was left to refund.\n';
      }
    } else if (kind === 'siwx') {
      if (!expired) {
        out += 'Forgotten here: this wallet no longer signs in for it. The server keeps its own record of the payment, ' +
          'which may still admit the wallet (by Sign-In-With-X, e.g. from x402_pay) until the server\'s own expiry.\n';
      }
    } else if (revocation) {
      const answer = typeof revocation.answer === 'string' ? revocation.answer : JSON.stringify(revocation.answer);
      out += revocation.ok
        ? `Server revocation: done (HTTP ${revocation.status}${answer ? `: ${answer.slice(0, 500)}` : ''})\n`
        : `Server revocation: FAILED (${revocation.error}${answer ? `: ${answer.slice(0, 500)}` : ''}). ` +
          'The session is ended here, but the server may still accept its token until it expires.\n';
    } else if (!expired) {
      out += `Server revocation: the server offered no revocation URL; its token stays valid there until ${isoTime(record.expiresAt)}.\n`;
    }
    out += `\nThe session can no longer be used from here. Use x402_session_start to establish a new one.`;
    const serverMayAdmit = kind !== 'channel' && !expired && !revocation?.ok;
    const refundBlock = refund ? { asked: refund.asked, refunded: refund.refunded.toString(), transaction: refund.transaction, error: refund.error } : null;
    return ok(out, { ended: true, alreadyEnded: false, kind, serverMayAdmit, session: sessionBlock(ended), revocation, refund: refundBlock });
  }

  return {
    title: 'End a session',
    description: 'End a session before it expires: here at once (kept as "ended" across restarts), and for a ' +
      '"clawpay" session on the server too when it offered a revocation URL (its answer is reported). A "siwx" ' +
      'session is forgotten here; the server\'s record of the payment may still admit the wallet until its expiry. ' +
      'Later x402_session_fetch calls with it fail. A "channel" session gets the rest of its deposit back by the ' +
      'seller\'s refund; one whose seller was refused (it claimed more than this wallet signed) gets it back by the ' +
      'contract\'s timed withdrawal instead, a step per call: the first starts it (a transaction; the wallet pays the ' +
      'gas), later ones say when it can be collected, the first after that collects it (`withdrawal` in the result).',
    inputSchema: sessionEndInput,
    outputSchema: sessionEndOutput.extend({ withdrawal: withdrawalBlock }),
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    handler: guarded('x402_session_end', sessionEnd),
  };
}
