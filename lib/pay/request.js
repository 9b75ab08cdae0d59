// One HTTP exchange of the payer, redirects followed by hand so that
// credentials never travel to another origin.
//
// "Guarded" headers — the payment (PAYMENT-SIGNATURE, X-PAYMENT) and session
// (X-Session-Token, X-Session-Wallet, PAYMENT-SESSION) headers — are sent
// only to the origin (scheme, host and port) they were meant for, and, when
// a session scope is given, only to URLs that scope covers. On any hop to
// another origin they are left off, as are Authorization, Cookie,
// Proxy-Authorization (as browsers do) and a caller's SIGN-IN-WITH-X. At most `maxRedirects` hops.
import { scopeCovers } from '../url_scope.js';
import { payError } from './errors.js';

export const PAYMENT_HEADERS = Object.freeze(['payment-signature', 'x-payment']);
export const SESSION_HEADERS = Object.freeze(['x-session-token', 'x-session-wallet', 'payment-session']);
// SIGN-IN-WITH-X is a signed credential for one origin, like the others.
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization', 'sign-in-with-x'];
const SETTLEMENT_HEADERS = ['payment-response', 'x-payment-response'];
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];

export function originOf(url) {
  return new URL(url).origin;
}

/**
 * Sends `method url` and follows redirects.
 * @param {object} o
 * @param {{send: Function}} o.transport how each hop is sent (transport.js)
 * @param {string} o.url
 * @param {string} o.method
 * @param {Record<string,string>} o.headers lower-case names; no guarded ones
 * @param {string | Uint8Array | null} o.body
 * @param {{origin: string, headers: Record<string,string>, scope?: {endpoint: string, scope: string}}[]} o.guards
 * @param {() => {signal: import('./deadline.js').Deadline, clear: () => void}} o.deadline the exchange's
 *   deadline (fetch_request.js), made when it starts and cleared when it ends
 * @param {string} [o.startOrigin] url's origin, when the caller parsed it already
 * @param {number} o.maxRedirects
 * @param {number} o.maxBodyBytes
 * @returns {Promise<{status, headers, body, truncated, url, method, bodyKept, hops, settlementHeader}>}
 *   hops: [{status, from, to, crossOrigin}]; settlementHeader: the first PAYMENT-RESPONSE /
 *   X-PAYMENT-RESPONSE from `settlementOrigin` on any hop, or null
 */
export async function exchange({
  transport, url, method, headers, body, guards = [], deadline, maxRedirects = 5, maxBodyBytes, settlementOrigin = null,
  startOrigin = originOf(url),
}) {
  const { signal, clear } = deadline();
  try {
    return await follow({ transport, url, method, headers, body, guards, signal, maxRedirects, maxBodyBytes, settlementOrigin, startOrigin });
  } finally {
    clear();
  }
}

async function follow({ transport, url, method, headers, body, guards, signal, maxRedirects, maxBodyBytes, settlementOrigin, startOrigin }) {
  let current = url;
  let origin = startOrigin;
  let currentMethod = method;
  let currentBody = body;
  let bodyKept = true;
  const hops = [];
  let settlementHeader = null;
  for (;;) {
    const sent = {};
    for (const [name, value] of Object.entries(headers)) {
      if (origin !== startOrigin && CREDENTIAL_HEADERS.includes(name)) continue;
      if (!bodyKept && BODY_HEADERS.includes(name)) continue;
      sent[name] = value;
    }
    for (const guard of guards) {
      if (origin !== guard.origin) continue;
      if (guard.scope && !scopeCovers(guard.scope.endpoint, guard.scope.scope, current)) continue;
      Object.assign(sent, guard.headers);
    }
    const response = await transport.send(current, { method: currentMethod, headers: sent, body: currentBody, signal });
    if (settlementHeader === null && origin === settlementOrigin) {
      for (const name of SETTLEMENT_HEADERS) {
        const value = response.header(name);
        if (value) {
          settlementHeader = { name, value };
          break;
        }
      }
    }
    const location = response.header('location');
    if (response.status >= 300 && response.status < 400 && location !== null && response.status !== 304) {
      await response.discard();
      let next;
      try {
        next = new URL(location, current);
      } catch {
        throw payError('ERR_BAD_REDIRECT', `${current} redirected to an invalid location`, { hops });
      }
      if (next.protocol !== 'http:' && next.protocol !== 'https:') {
        throw payError('ERR_BAD_REDIRECT', `${current} redirected to a ${next.protocol} URL; only http(s) is followed`, { hops });
      }
      hops.push({ status: response.status, from: current, to: next.href, crossOrigin: next.origin !== origin });
      if (hops.length > maxRedirects) {
        throw payError('ERR_TOO_MANY_REDIRECTS', `More than ${maxRedirects} redirects starting at ${url}`, { hops });
      }
      // As browsers do: 303 makes any method but HEAD a GET; 301/302 turn a POST into a GET.
      if ((response.status === 303 && currentMethod !== 'HEAD') ||
          ((response.status === 301 || response.status === 302) && currentMethod === 'POST')) {
        currentMethod = currentMethod === 'HEAD' ? 'HEAD' : 'GET';
        currentBody = null;
        bodyKept = false;
      }
      current = next.href;
      origin = next.origin;
      continue;
    }
    const { text, truncated } = await response.read(maxBodyBytes);
    return {
      status: response.status,
      headers: response.headers(),
      body: text,
      truncated,
      url: current,
      method: currentMethod,
      bodyKept,
      hops,
      settlementHeader,
    };
  }
}
