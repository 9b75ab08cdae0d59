// A tool's result as the MCP SDK takes it: text content, with the same facts
// as structuredContent. Failures are results with isError, never protocol errors.
// A failure echoes input (a URL, an id, an error about an argument), so its
// text and structured content never show a run of 64 hex digits but the tx
// hashes and nonces it reports as its own: a payment's, a session's, a
// transaction's (lib/secret_text.js has the rule).
import { ownHexValues, redactDeep, redactSecrets, safeErrorMessage } from '../secret_text.js';

function text(value) {
  return { type: 'text', text: value };
}

export function ok(textValue, structured) {
  return { content: [text(textValue)], structuredContent: structured };
}

export function failure(textValue, structured) {
  const keep = { keep: ownHexValues(structured) };
  const shown = redactSecrets(textValue, keep);
  return structured === undefined
    ? { isError: true, content: [text(shown)] }
    : { isError: true, content: [text(shown)], structuredContent: redactDeep(structured, keep) };
}

/** An error's message for a result: never a key, its own tx hashes kept. */
export const errorMessage = (error) => safeErrorMessage(error);
