// The native URL scope rules (see src/url_scope.h): what a session for an
// endpoint covers. Anything unparsable or ambiguous is covered by nothing.
import { native } from './native.js';
import { expectString } from './validate.js';

/** {origin, path, query, prefixKey, exactKey}, or null when not a usable http(s) URL. */
export function normalizeUrl(url) {
  return native.normalizeUrl(expectString(url, 'url'));
}

// The last answer, kept: a session call asks the same question twice on its
// way (the tool before sending, the payer's guard on the hop), and the rule
// is a pure function of its three strings.
let lastEndpoint = null;
let lastScope = null;
let lastUrl = null;
let lastCovered = false;

/** Whether a session for (endpoint, scope) may be used for `url`. */
export function scopeCovers(endpoint, scope, url) {
  if (url === lastUrl && endpoint === lastEndpoint && scope === lastScope) return lastCovered;
  const covered = native.scopeCovers(expectString(endpoint, 'endpoint'), expectString(scope, 'scope'), expectString(url, 'url'));
  lastEndpoint = endpoint;
  lastScope = scope;
  lastUrl = url;
  lastCovered = covered;
  return covered;
}
