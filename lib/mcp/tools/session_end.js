// x402_session_end: end a session here, and revoke it on the server when it
// offered a way.
import { randomUUID } from 'node:crypto';

import { isoTime } from '../format.js';
import { statusLine } from '../response_view.js';
import { sessionEndInput } from '../schemas.js';
import { sessionHeaders } from '../session_http.js';
import { errorMessage, failure, ok } from '../tool_result.js';

const REVOKE_TIMEOUT_MS = 10_000;
// How much of a revocation answer a result keeps.
const MAX_ANSWER_CHARS = 4000;

export function sessionEndTool({ payer, sessions, log, seconds, sessionBlock, guarded }) {
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
      return { ok: false, status: null, answer: null, error: errorMessage(error) };
    }
    if (result.status === null) return { ok: false, status: null, answer: null, error: result.error?.message ?? 'no answer' };
    let answer = result.body.length > MAX_ANSWER_CHARS ? `${result.body.slice(0, MAX_ANSWER_CHARS)}…` : result.body;
    try {
      answer = JSON.parse(result.body.length > MAX_ANSWER_CHARS ? '' : result.body);
    } catch {
      // keep the text
    }
    const ok2xx = result.status >= 200 && result.status < 300;
    return { ok: ok2xx, status: result.status, answer, error: ok2xx ? null : `HTTP ${statusLine(result)}` };
  }

  async function sessionEnd(args) {
    const record = sessions.get(args.session_id);
    if (!record) return failure(`x402_session_end failed: Session not found: "${args.session_id}"`, { error: 'session_not_found', sessionId: args.session_id });
    if (record.endedAt !== undefined) {
      return ok(`Session ${record.sessionId} was already ended at ${isoTime(record.endedAt)}.\nEndpoint: ${record.endpoint}`,
        { ended: true, alreadyEnded: true, session: sessionBlock(record), revocation: null });
    }
    const expired = seconds() >= record.expiresAt;
    // Locally first: the session is unusable here whatever the server says.
    sessions.end(record.sessionId, { now: seconds() });
    const ended = sessions.get(record.sessionId) ?? record;
    let revocation = null;
    if (record.revokeUrl && !expired) {
      revocation = { url: record.revokeUrl, ...(await revoke(record)) };
      if (!revocation.ok) log(`x402_session_end: revoking ${record.sessionId} at ${record.revokeUrl} failed: ${revocation.error}`);
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
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
    handler: guarded('x402_session_end', sessionEnd),
  };
}
