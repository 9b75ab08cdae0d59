// x402_session_status: the active sessions and the recently closed ones, or
// one session in full.
import { formatUnits } from '../../pay/amount.js';
import { maybeSecret, showInput } from '../../secret_text.js';
import { channelLines } from '../channel_view.js';
import { formatTtl, isoTime } from '../format.js';
import { sessionStatusOutput } from '../output_schemas.js';
import { sessionStatusInput } from '../schemas.js';
import { ZERO_ADDRESS } from '../../pay/sessions.js';
import { STATE_TEXT } from '../session_view.js';
import { failure, ok } from '../tool_result.js';

/** Closed sessions listed without an id, newest first. */
const MAX_CLOSED_LISTED = 20;

export function sessionStatusTool({ paySessions, settings, seconds, sessionBlock, guarded }) {
  const { stateOf } = paySessions;

  async function sessionStatus(args) {
    const at = seconds();
    if (args.session_id !== undefined && args.session_id !== '') {
      const record = paySessions.get(args.session_id);
      if (!record) {
        // The id is input: quoted through showInput, and kept out of structuredContent when it could be a key.
        return failure(`Session not found: ${showInput(args.session_id, 100)}\n\nUse x402_session_status with no arguments to list active sessions.`,
          { error: 'session_not_found', sessionId: maybeSecret(args.session_id) ? null : args.session_id });
      }
      const state = stateOf(record);
      const kind = paySessions.kindOf(record);
      const refusal = paySessions.refusalOf(record);
      let out = `Session Details\n\n`;
      out += `  Session ID:    ${record.sessionId}\n`;
      out += `  Kind:          ${kind}\n`;
      if (record.label) out += `  Label:         ${record.label}\n`;
      out += `  Status:        ${STATE_TEXT[state]}${state === 'ended' ? ` (${isoTime(record.endedAt)})` : ''}` +
        `${refusal ? ` (${isoTime(refusal.at)}: ${refusal.reason ?? 'no reason given'})` : ''}\n`;
      out += `  Endpoint:      ${record.endpoint}\n`;
      out += `  Scope:         ${record.scope}\n`;
      out += `  Wallet:        ${record.walletAddress}\n\n`;
      out += `Timing\n`;
      out += `  Created:       ${isoTime(record.createdAt)}\n`;
      out += `  Expires:       ${isoTime(record.expiresAt)}\n`;
      if (state === 'active') out += `  TTL Remaining: ${formatTtl(record.expiresAt - at)}\n`;
      out += `  Last Used:     ${record.lastUsedAt > 0 ? isoTime(record.lastUsedAt) : 'never'}\n`;
      out += `  Call Count:    ${record.callCount}\n\n`;
      out += `Session Payment\n`;
      out += `  TX Hash:       ${record.paymentTxHash}\n`;
      out += `  Amount:        ${formatUnits(BigInt(record.paymentAmount), settings.decimals)} ${settings.assetName} (${record.paymentAmount} base units)\n`;
      out += `  Recipient:     ${record.paymentRecipient}\n`;
      out += `  Token:         ${record.paymentToken === ZERO_ADDRESS ? 'ETH (native)' : record.paymentToken}\n`;
      if (record.network) out += `  Network:       ${record.network}\n`;
      const channel = kind === 'channel' ? paySessions.channels?.get(record.channelId) : null;
      if (channel) {
        out += `\nPayment Channel (batch-settlement)\n${channelLines(channel, settings)}`;
      } else if (kind === 'siwx') {
        out += `\nRe-entry\n`;
        out += `  Protocol:      Sign-In-With-X (an EIP-191 signature of the server's challenge on each call, by ${record.walletAddress})\n`;
      } else {
        out += `\nToken Info\n`;
        out += `  Protocol:      clawpay/1.1\n`;
        out += `  Signature:     ${record.signature.slice(0, 20)}...${record.signature.slice(-8)}\n`;
        out += `  Revocation:    ${record.revokeUrl ?? 'the server offered none'}\n`;
      }
      return ok(out, { session: { ...sessionBlock(record), state, walletAddress: record.walletAddress } });
    }

    const active = paySessions.list();
    // Closed ones too (ClawPay 1.1 listed only active ones): an agent must see
    // that a session it bought was ended, expired or refused by the server.
    const closed = paySessions.listClosed().slice(0, MAX_CLOSED_LISTED);
    let out;
    if (active.length === 0) {
      out = `Active Sessions\n\nNo active sessions. Use x402_session_start to establish one.\n\n` +
        `Sessions are kept on disk and survive restarts. Default TTL: ${settings.sessionTtlSeconds} seconds (SESSION_TTL_SECONDS).`;
    } else {
      out = `Active x402 Sessions (${active.length})\n\n`;
      for (const record of active) {
        out += `-------------------------------------\n`;
        out += `  ID:       ${record.sessionId}\n`;
        out += `  Kind:     ${paySessions.kindOf(record)}\n`;
        if (record.label) out += `  Label:    ${record.label}\n`;
        out += `  Endpoint: ${record.endpoint}\n`;
        out += `  Scope:    ${record.scope}\n`;
        out += `  TTL:      ${formatTtl(record.expiresAt - at)}\n`;
        out += `  Calls:    ${record.callCount}\n`;
        out += `  Payment:  ${record.paymentAmount} base units, TX ${record.paymentTxHash}\n\n`;
      }
      out += `Use x402_session_fetch with a session_id to make calls within a session without paying.\n`;
      out += `Use x402_session_status with session_id="..." for full details.`;
    }
    if (closed.length > 0) {
      out += `\n\nClosed Sessions (${closed.length}${closed.length === MAX_CLOSED_LISTED ? ', the newest' : ''}; not usable)\n\n`;
      for (const { state, at: closedAt, reason, record } of closed) {
        out += `  ${record.sessionId}  ${paySessions.kindOf(record)}  ${STATE_TEXT[state]} ${isoTime(closedAt)}` +
          `${reason ? ` (${reason})` : ''}  ${record.endpoint}  calls ${record.callCount}\n`;
      }
    }
    return ok(out, {
      count: active.length,
      sessions: active.map(sessionBlock),
      closed: closed.map(({ state, record }) => ({ ...sessionBlock(record), state })),
    });
  }

  return {
    title: 'Session status',
    description: 'Without arguments, list the active sessions with their kind, remaining time and call counts. With a ' +
      'session_id, show that session in full: kind (clawpay | siwx), state (active, expired, ended, refused by the ' +
      'server; kept across restarts), timing, calls, payment and revocation.',
    inputSchema: sessionStatusInput,
    outputSchema: sessionStatusOutput,
    annotations: { readOnlyHint: true, openWorldHint: false },
    handler: guarded('x402_session_status', sessionStatus),
  };
}
