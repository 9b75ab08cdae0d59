// How the payer's requests reach a server, one hop at a time (request.js
// follows redirects and decides which headers go): by default over the
// payer's own kept-alive connections, or through a `fetch` the caller gave.
// Both answer in one shape — {status, header(name), headers(), read(maxBytes),
// discard()} — so the rules in request.js are written once.
//
// The pool (undici Agent) keeps one bounded set of connections per origin:
// a connection carries only requests to the origin it was opened to, so a
// token sent on it cannot reach another host. It is closed by payer.close().
// undici.request on it costs about a third of what Node's fetch does per round
// trip (no WHATWG Request/Response/Headers objects, no web streams); it takes
// the exchange's Deadline as its signal as it is (deadline.js).
import { Agent } from 'undici';

import { rememberLast } from '../remember_last.js';
import { abortSignalOf } from './deadline.js';

/** Connections kept per origin; more concurrent requests to one origin wait for one. */
export const MAX_CONNECTIONS_PER_ORIGIN = 16;
const KEEP_ALIVE_MS = 10_000;
const DISCARD_BYTES = 64 << 10;

function joined(value) {
  return Array.isArray(value) ? value.join(', ') : value;
}

const decode = (chunks) => new TextDecoder().decode(Buffer.concat(chunks));

/**
 * At most maxBytes of a response body stream, as text; {text, truncated}.
 * Read by its events rather than an async iterator: no promise and iterator
 * step per chunk, on the path of every session call. A body cut short is
 * destroyed (its connection cannot be reused mid-body); a stream error
 * (the deadline, a reset) rejects.
 */
function readStream(stream, maxBytes) {
  return new Promise((resolve, reject) => {
    const kept = [];
    let size = 0;
    const onData = (chunk) => {
      if (size + chunk.byteLength > maxBytes) {
        kept.push(chunk.subarray(0, maxBytes - size));
        stream.off('data', onData);
        stream.off('end', onEnd);
        stream.destroy();
        resolve({ text: decode(kept), truncated: true });
        return;
      }
      kept.push(chunk);
      size += chunk.byteLength;
    };
    const onEnd = () => resolve({ text: decode(kept), truncated: false });
    // Left on: an error after the end is then no uncaught exception.
    stream.on('error', reject);
    stream.on('data', onData);
    stream.once('end', onEnd);
  });
}

/** At most maxBytes of an async iterable of byte chunks, as text; {text, truncated}. */
async function readChunks(chunks, maxBytes, stop) {
  const kept = [];
  let size = 0;
  for await (const chunk of chunks) {
    if (size + chunk.byteLength > maxBytes) {
      kept.push(chunk.subarray(0, maxBytes - size));
      await stop();
      return { text: decode(kept), truncated: true };
    }
    kept.push(chunk);
    size += chunk.byteLength;
  }
  return { text: decode(kept), truncated: false };
}

/** The payer's own connections (the default). */
export function createConnectionPool({ connections = MAX_CONNECTIONS_PER_ORIGIN } = {}) {
  // Every request carries its own deadline (the call's timeoutMs, up to 10
  // minutes); undici's 300 s header and body timeouts would cut one short.
  const agent = new Agent({ connections, keepAliveTimeout: KEEP_ALIVE_MS, headersTimeout: 0, bodyTimeout: 0 });
  let closing = null;
  // The URL's origin and path, the last one kept (remember_last.js).
  const targetOf = rememberLast((url) => {
    const { origin, pathname, search } = new URL(url);
    return Object.freeze({ origin, path: `${pathname}${search}` });
  });
  return {
    async send(url, { method, headers, body, signal }) {
      // The pool's own request(): undici.request(url) would check and parse the URL again and copy the options.
      const { origin, path } = targetOf(url);
      const res = await agent.request({ origin, path, method, headers, body: body ?? undefined, signal });
      const stream = res.body;
      return {
        status: res.statusCode,
        header: (name) => (res.headers[name] === undefined ? null : joined(res.headers[name])),
        headers() {
          const out = {};
          for (const [name, value] of Object.entries(res.headers)) out[name] = joined(value);
          return out;
        },
        // A body cut short closes its connection (it cannot be reused mid-body).
        read: (maxBytes) => readStream(stream, maxBytes),
        // A redirect's body: read and dropped (up to DISCARD_BYTES) so the connection is reused.
        discard: () => stream.dump({ limit: DISCARD_BYTES }).catch(() => {}),
      };
    },
    /** Closes every connection once the requests in flight have ended; later requests fail. */
    close() {
      closing ??= agent.close();
      return closing;
    },
    get closed() {
      return closing !== null;
    },
  };
}

/** Requests through a caller's fetch (redirect: 'manual'; the same answer shape). */
export function fetchTransport(fetch) {
  return {
    async send(url, { method, headers, body, signal }) {
      const res = await fetch(url, { method, headers, body: body ?? undefined, redirect: 'manual', signal: abortSignalOf(signal) });
      return {
        status: res.status,
        header: (name) => res.headers.get(name),
        headers() {
          const out = {};
          for (const [name, value] of res.headers) out[name] = value;
          return out;
        },
        async read(maxBytes) {
          if (!res.body) return { text: '', truncated: false };
          const reader = res.body.getReader();
          const chunks = { async* [Symbol.asyncIterator]() { for (;;) { const { done, value } = await reader.read(); if (done) return; yield value; } } };
          return readChunks(chunks, maxBytes, () => reader.cancel().catch(() => {}));
        },
        discard: async () => { await res.body?.cancel().catch(() => {}); },
      };
    },
    close: () => Promise.resolve(),
    closed: false,
  };
}
