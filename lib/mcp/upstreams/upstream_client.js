// One upstream MCP server, reached over Streamable HTTP with the official
// client (SDK 2.x): connected at start and, while it cannot be reached, again
// in the background; its tool list read (bounded) and re-read when it sends
// notifications/tools/list_changed. Every request is bounded in time
// (timeoutMs) and every HTTP response in size (maxResponseBytes): a slow or
// flooding upstream costs a clear error, never a hung or swollen process.
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

export const MAX_UPSTREAM_TOOLS = 128;
export const MAX_RESPONSE_BYTES = 4 << 20;
const RETRY_MS = 15_000;
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * `fetch` whose responses are at most `maxBytes`: a JSON answer is read
 * whole first and refused (the request rejects) past the bound; an event
 * stream, which may rightly stay open, errors once it has carried more.
 */
export function boundedFetch(fetch, maxBytes, onOverflow = () => {}) {
  const tooLarge = () => new Error(`the upstream's response is larger than ${maxBytes} bytes`);
  return async (input, init) => {
    const response = await fetch(input, init);
    if (!response.body) return response;
    const { status, statusText, headers } = response;
    if (!String(headers.get('content-type')).includes('text/event-stream')) {
      if (Number(headers.get('content-length')) > maxBytes) {
        await response.body.cancel().catch(() => {});
        throw tooLarge();
      }
      const reader = response.body.getReader();
      const chunks = [];
      let size = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > maxBytes) {
          await reader.cancel().catch(() => {});
          throw tooLarge();
        }
        chunks.push(value);
      }
      return new Response(status === 204 || status === 202 ? null : Buffer.concat(chunks), { status, statusText, headers });
    }
    let seen = 0;
    const limit = new TransformStream({
      transform(chunk, controller) {
        seen += chunk.byteLength;
        if (seen > maxBytes) {
          // The SDK takes a broken stream for a reason to resume, and its
          // request would wait for its timeout: the calls are failed now.
          const error = tooLarge();
          onOverflow(error);
          controller.error(error);
        } else {
          controller.enqueue(chunk);
        }
      },
    });
    return new Response(response.body.pipeThrough(limit), { status, statusText, headers });
  };
}

/** The tools of a tools/list answer we can offer: named plainly, with an object input schema. */
function usableTools(tools, log, name) {
  const out = [];
  for (const tool of Array.isArray(tools) ? tools : []) {
    if (out.length >= MAX_UPSTREAM_TOOLS) {
      log(`upstream ${name}: more than ${MAX_UPSTREAM_TOOLS} tools; the rest are not offered`);
      break;
    }
    if (typeof tool?.name !== 'string' || !TOOL_NAME.test(tool.name)) {
      log(`upstream ${name}: a tool with a name that is not 1 to 64 of A-Z a-z 0-9 _ . - is not offered`);
      continue;
    }
    if (tool.inputSchema?.type !== 'object') {
      log(`upstream ${name}: tool ${tool.name} has no object inputSchema; not offered`);
      continue;
    }
    out.push(tool);
  }
  return out;
}

/**
 * @param {object} o
 * @param {string} o.name
 * @param {string} o.url
 * @param {number} o.timeoutMs
 * @param {string} o.version  clawpay-mcp's version, as the client's
 * @param {(line: string) => void} o.log
 * @param {() => void} o.onToolsChanged  after the tool list changed (or first arrived)
 * @param {typeof fetch} [o.fetch]
 */
export function createUpstream({ name, url, timeoutMs, version, log, onToolsChanged, fetch = globalThis.fetch, maxResponseBytes = MAX_RESPONSE_BYTES }) {
  let client = null;
  let tools = [];
  let connecting = null;
  let retry = null;
  let closed = false;
  const inflight = new Set(); // the rejecters of calls under way

  const setTools = (list) => {
    tools = usableTools(list, log, name);
    onToolsChanged();
  };

  async function open() {
    // 'auto': a 2026-07-28 server is spoken to in its era, where change
    // notices travel on the subscriptions/listen stream the client opens; the
    // SDK's default ('legacy') never opens one, and a stateless server (the
    // SDK's createMcpHandler) has no other way to send list_changed. A
    // 2025-era server is still reached, after the probe falls back.
    const next = new Client({ name: 'clawpay-mcp', version }, {
      versionNegotiation: { mode: 'auto' },
      listChanged: {
        tools: {
          onChanged: (error, list) => {
            if (error) log(`upstream ${name}: could not re-read its tools after list_changed: ${error.message}`);
            else {
              setTools(list);
              log(`upstream ${name}: its tool list changed; ${tools.length} tool(s) now`);
            }
          },
        },
      },
    });
    const overflow = (error) => {
      for (const reject of inflight) reject(error);
    };
    const transport = new StreamableHTTPClientTransport(new URL(url), { fetch: boundedFetch(fetch, maxResponseBytes, overflow) });
    try {
      await next.connect(transport, { timeout: timeoutMs });
      const listed = await next.listTools(undefined, { timeout: timeoutMs });
      client = guarded(next);
      setTools(listed.tools);
      log(`upstream ${name} (${url}): ${tools.length} tool(s)`);
      return next;
    } catch (error) {
      await next.close().catch(() => {});
      throw error;
    }
  }

  // The client as the paying transport calls it (SDK 2.x's callTool), with
  // its calls failed at once when a response overflows the bound.
  const guarded = (sdkClient) => ({
    getProtocolEra: () => sdkClient.getProtocolEra(),
    listTools: (...args) => sdkClient.listTools(...args),
    callTool: (params, options) => new Promise((resolve, reject) => {
      inflight.add(reject);
      sdkClient.callTool(params, options).then(resolve, reject).finally(() => inflight.delete(reject));
    }),
    close: () => sdkClient.close(),
  });

  /** The connected client; connects (once at a time) when there is none. Rejects when unreachable. */
  function connected() {
    if (closed) return Promise.reject(new Error('clawpay-mcp is shutting down'));
    if (client) return Promise.resolve(client);
    connecting ??= open().finally(() => {
      connecting = null;
    });
    return connecting;
  }

  /** Connects; while the upstream cannot be reached, tries again every RETRY_MS in the background. */
  async function start() {
    try {
      await connected();
    } catch (error) {
      log(`upstream ${name} (${url}) cannot be reached: ${error.message}; its tools are offered once it answers (retried every ${RETRY_MS / 1000} s)`);
      retry = setInterval(() => {
        connected().then(() => {
          clearInterval(retry);
          retry = null;
        }, () => {});
      }, RETRY_MS);
      retry.unref();
    }
  }

  return {
    name,
    url,
    timeoutMs,
    /** The upstream's tools as last listed (empty until it answered). */
    tools: () => tools,
    connected,
    start,
    /** After a failed call: the next call connects afresh. */
    reset() {
      const old = client;
      client = null;
      old?.close().catch(() => {});
    },
    async close() {
      closed = true;
      if (retry) clearInterval(retry);
      await client?.close().catch(() => {});
      client = null;
    },
  };
}
