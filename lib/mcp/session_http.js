// The headers of a tool's request; the session headers and coverage rules
// live in lib/pay/session_wire.js (re-exported here for the tools).
export { sameOrigin, sessionHeaders, whyNotCovered } from '../pay/session_wire.js';

const DEFAULT_ACCEPT = 'application/json, text/plain, */*';

/**
 * The caller's headers plus ClawPay 1.1's defaults: an Accept header, and a
 * JSON Content-Type when there is a body and none was given.
 */
export function requestHeaders(userHeaders = {}, { body } = {}) {
  const out = { ...userHeaders };
  const has = (name) => Object.keys(out).some((k) => k.toLowerCase() === name);
  if (!has('accept')) out.Accept = DEFAULT_ACCEPT;
  if (body !== undefined && !has('content-type')) out['Content-Type'] = 'application/json';
  return out;
}
