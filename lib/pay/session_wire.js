// ClawPay 1.1 sessions on the wire: the three session headers, which URLs a
// session covers (and why not), and the one-origin rule for a revocation URL.
// The requests themselves go through the payer, which sends session headers
// only to URLs the session covers, redirects included.
import { normalizeUrl, scopeCovers } from '../url_scope.js';

/** ClawPay 1.1's three session headers. */
export function sessionHeaders(record) {
  return {
    'X-Session-Token': record.sessionToken,
    'X-Session-Wallet': record.walletAddress,
    'PAYMENT-SESSION': record.sessionId,
  };
}

/** Why `url` is outside a session for (endpoint, scope), in words; null when covered. */
export function whyNotCovered(endpoint, scope, url) {
  if (scopeCovers(endpoint, scope, url)) return null;
  const target = normalizeUrl(url);
  if (!target) {
    return 'the URL is not a plain absolute http(s) URL (user info, dot segments such as "..", encoded slashes ' +
      'and backslashes are never covered)';
  }
  const base = normalizeUrl(endpoint);
  if (!base) return 'the session endpoint is not a usable http(s) URL';
  if (target.origin !== base.origin) return `it is on another origin (${target.origin}; the session is for ${base.origin})`;
  if (scope === 'exact') return `the session's scope is "exact": it covers ${endpoint} only`;
  return `its path ${target.path} is neither ${base.path} nor below it (prefix scope)`;
}

/** Whether two URLs share scheme, host and port. */
export function sameOrigin(a, b) {
  const left = normalizeUrl(a);
  const right = normalizeUrl(b);
  return Boolean(left && right && left.origin === right.origin);
}
