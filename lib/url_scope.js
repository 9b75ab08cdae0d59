// The native URL scope rules (see src/url_scope.h): what a session for an
// endpoint covers. Anything unparsable or ambiguous is covered by nothing.
import { native } from './native.js';
import { expectString } from './validate.js';

/** {origin, path, query, prefixKey, exactKey}, or null when not a usable http(s) URL. */
export function normalizeUrl(url) {
  return native.normalizeUrl(expectString(url, 'url'));
}

/** Whether a session for (endpoint, scope) may be used for `url`. */
export function scopeCovers(endpoint, scope, url) {
  return native.scopeCovers(expectString(endpoint, 'endpoint'), expectString(scope, 'scope'), expectString(url, 'url'));
}
