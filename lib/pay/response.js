// A paying fetch's answer as a WHATWG Response (what fetch() callers expect),
// with what the payment layer knows about it alongside: payment, session,
// signedIn, and the redirects followed.
import { PayError } from './errors.js';

const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/** `result` from payer.js's fetch (an answer came: status is a number). */
export function toResponse(result, extras) {
  const headers = new Headers();
  for (const [name, value] of Object.entries(result.headers ?? {})) {
    try {
      headers.append(name, value);
    } catch {
      // a header the WHATWG rules cannot carry is left out
    }
  }
  // Response only carries 200..599; an informational or odd status still answers.
  const status = result.status >= 200 && result.status <= 599 ? result.status : 502;
  const response = new Response(NULL_BODY.has(status) ? null : result.body, { status, headers });
  // Defined one by one, not gathered in a literal that starts with a spread
  // (microseconds on Node 20: see plainResult in fetch_result.js).
  const define = (name, value) => Object.defineProperty(response, name, { value, enumerable: true });
  for (const name of Object.keys(extras ?? {})) {
    if (name !== 'finalUrl' && name !== 'redirects' && name !== 'truncated') define(name, extras[name]);
  }
  /** The final URL, after redirects. */
  define('finalUrl', result.url);
  define('redirects', result.redirects ?? []);
  /** The body was cut at the payer's maxBodyBytes. */
  define('truncated', result.truncated === true);
  return response;
}

/** A request that got no answer (timeout, reset, refused connection), as the rejection fetch() gives: the code says which. */
export function noAnswer(result) {
  return new PayError(result.error?.code ?? 'ERR_FETCH_FAILED', result.error?.message ?? 'no answer', {
    payment: result.payment ?? null, timedOut: result.timedOut === true,
  });
}
