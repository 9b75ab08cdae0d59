// A session's token on the HTTP requests that carry an MCP tool call. The
// MCP client's transport makes those requests, not the payer, so the tool
// call (mcp_exchange.js) runs inside an async context holding the session
// headers, and the transport's fetch — this one, given to
// StreamableHTTPClientTransport as its `fetch` — adds them. They go only to
// URLs the session covers and never follow a redirect; whether they went at
// all is noted, so a session a transport never showed is not judged refused.
import { AsyncLocalStorage } from 'node:async_hooks';

import { argError } from '../validate.js';
import { scopeCovers } from '../url_scope.js';

const context = new AsyncLocalStorage();

/**
 * Runs `fn` with `use` ({headers, scope: {endpoint, scope}, sent: false}) as
 * the session the transport's requests show; `use.sent` is set once one did.
 */
export function withSessionHeaders(use, fn) {
  return context.run(use, fn);
}

/** `fetch` that adds the current tool call's session headers to the requests its session covers. */
export function mcpSessionFetch(fetch = globalThis.fetch) {
  if (typeof fetch !== 'function') throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected a fetch function for fetch');
  return (input, init = {}) => {
    const use = context.getStore();
    const url = input instanceof Request ? input.url : String(input);
    if (!use || !scopeCovers(use.scope.endpoint, use.scope.scope, url)) return fetch(input, init);
    const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
    for (const [name, value] of Object.entries(use.headers)) headers.set(name, value);
    use.sent = true;
    // A redirect would carry the token to wherever it points: refused instead.
    return fetch(input, { ...init, headers, redirect: 'error' });
  };
}
