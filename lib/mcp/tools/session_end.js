// x402_session_end: end a session here, and revoke it on the server when it
// offered a way.
import { isoTime } from '../format.js';
import { sessionEndOutput } from '../output_schemas.js';
import { sessionEndInput } from '../schemas.js';
import { failure, ok } from '../tool_result.js';

export function sessionEndTool({ paySessions, log, sessionBlock, guarded }) {
  async function sessionEnd(args) {
    const { found, alreadyEnded, expired, record, ended, revocation } = await paySessions.end(args.session_id);
    if (!found) return failure(`x402_session_end failed: Session not found: "${args.session_id}"`, { error: 'session_not_found', sessionId: args.session_id });
    if (alreadyEnded) {
      return ok(`Session ${record.sessionId} was already ended at ${isoTime(record.endedAt)}.\nEndpoint: ${record.endpoint}`,
        { ended: true, alreadyEnded: true, session: sessionBlock(record), revocation: null });
    }
    // Ended here first, whatever the server says (lib/pay/sessions.js).
    if (revocation && !revocation.ok) {
      log(`x402_session_end: revoking ${record.sessionId} at ${record.revokeUrl} failed: ${revocation.error}`);
    }

    let out = `Session Closed\n\n`;
    out += `  Session ID: ${record.sessionId}\n`;
    out += `  Endpoint:   ${record.endpoint}\n`;
    out += `  Calls made: ${record.callCount}\n`;
    if (expired) out += `  Note:       it had already expired at ${isoTime(record.expiresAt)}\n`;
    out += '\n';
    if (revocation) {
      const answer = typeof revocation.answer === 'string' ? revocation.answer : JSON.stringify(revocation.answer);
      out += revocation.ok
        ? `Server revocation: done (HTTP ${revocation.status}${answer ? `: ${answer.slice(0, 500)}` : ''})\n`
        : `Server revocation: FAILED (${revocation.error}${answer ? `: ${answer.slice(0, 500)}` : ''}). ` +
          'The session is ended here, but the server may still accept its token until it expires.\n';
    } else if (!expired) {
      out += `Server revocation: the server offered no revocation URL; its token stays valid there until ${isoTime(record.expiresAt)}.\n`;
    }
    out += `\nThe session can no longer be used from here. Use x402_session_start to establish a new one.`;
    return ok(out, { ended: true, alreadyEnded: false, session: sessionBlock(ended), revocation });
  }

  return {
    title: 'End a session',
    description: 'End a session before it expires: here at once, and on the server too when it offered a ' +
      'revocation URL (its answer is reported). Later x402_session_fetch calls with it fail.',
    inputSchema: sessionEndInput,
    outputSchema: sessionEndOutput,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    handler: guarded('x402_session_end', sessionEnd),
  };
}
