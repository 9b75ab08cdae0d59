// Paid MCP tools: the x402 MCP transport's tool-result binding on the
// official MCP TypeScript SDK (2.x), with the payment engine behind it.
//
// A call without payment gets a tool result {isError: true, structuredContent:
// PaymentRequired, content: [JSON text of the same]}; for a tool with an
// outputSchema, structuredContent is left out (see paymentRequiredResult). The
// PaymentRequired is also in result._meta["x402/payment-required"]. The client retries with
// its PaymentPayload in params._meta["x402/payment"]; the engine verifies and
// claims it, the tool runs, and only a successful result is settled and
// returned with the SettlementResponse in result._meta["x402/payment-response"].
// A tool that fails (isError or throws) is not charged; a settlement that
// fails returns only the payment error, never the tool's content. A session
// token (X-Session-Token) on the HTTP request carrying the call, bought on
// this tool and covering the MCP endpoint, runs the tool without a payment.
//
// The SDK serves HTTP with a fresh McpServer per request (createMcpHandler),
// so nothing here keeps state between calls: repeats of one payment (a client
// that gave up waiting and retried) are recognised by the engine, which hands
// back the stored paid result.
//
// The experimental "extension binding" (resultType "payment_required") is
// not offered: the SDK refuses any tools/call resultType but "complete".
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

import { createMcpHandler, isCallToolResult, isInputRequiredResult } from '@modelcontextprotocol/server';

import { keccak256 } from '../hashing.js';
import {
  AGENTS_ERROR_META_KEY, PAYMENT_META_KEY, PAYMENT_REQUIRED_META_KEY, PAYMENT_RESPONSE_META_KEY, canonicalJson, toolResourceUrl,
} from '../x402_mcp.js';
import { argError, expectObject, expectString, invalidArg } from '../validate.js';
import { normalizeRoute } from './route.js';
import { SessionGate } from './session_gate.js';

export { PAYMENT_META_KEY, PAYMENT_REQUIRED_META_KEY, PAYMENT_RESPONSE_META_KEY, toolResourceUrl } from '../x402_mcp.js';

/** The route id a paid tool has in the engine and the receipt ledger. */
export function toolRouteId(name) {
  return `tools/call ${name}`;
}

function isPlainObject(value) {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The tool-result binding's "payment required": the terms as text (which
 * every x402 MCP client reads), in _meta, and as structuredContent unless the
 * tool declares an outputSchema. MCP SDK 1.x clients check any
 * structuredContent against the tool's outputSchema even when isError is set,
 * so a PaymentRequired there makes them throw -32602 before anyone can pay.
 */
function paymentRequiredResult(paymentRequired, { hasOutputSchema }) {
  return {
    isError: true,
    ...(hasOutputSchema ? {} : { structuredContent: paymentRequired }),
    content: [{ type: 'text', text: JSON.stringify(paymentRequired) }],
    // Also where Cloudflare's agents/x402 client looks for it.
    _meta: { [PAYMENT_REQUIRED_META_KEY]: paymentRequired, [AGENTS_ERROR_META_KEY]: paymentRequired },
  };
}

// The spec's client sends the PaymentPayload object; Cloudflare's agents/x402
// sends it as base64 JSON (a PAYMENT-SIGNATURE header's value). Anything else
// is left for the caller to refuse.
function paymentPayloadOf(value) {
  if (typeof value !== 'string' || value.length > 64 * 1024) return value;
  try {
    return JSON.parse(Buffer.from(value, 'base64').toString('utf8'));
  } catch {
    return value;
  }
}

function toolError(message) {
  return { isError: true, content: [{ type: 'text', text: message }] };
}

function withSettlement(result, settlement) {
  return { ...result, _meta: { ...result._meta, [PAYMENT_RESPONSE_META_KEY]: settlement } };
}

// The SettlementResponse as the spec shapes it; the facilitator's answer may
// carry more (extensions), which passes through.
function settlementResponse(settlement) {
  const { success, transaction, network, payer, ...rest } = settlement;
  return JSON.parse(JSON.stringify({ success, transaction, network, payer, ...rest }));
}

// What the SDK would reject after the handler returns must be caught before
// the payment is settled, or the payer is charged for an error. Returns the
// reason a result cannot be delivered, or null.
async function undeliverable(result, outputSchema) {
  if (!isPlainObject(result)) return 'the tool returned no result object';
  if (isInputRequiredResult(result)) return 'a paid tool cannot ask for input (input_required); it must answer in one call';
  const normalized = result.content === undefined ? { ...result, content: [] } : result;
  if (!isCallToolResult(normalized)) return 'the tool returned an invalid CallToolResult';
  try {
    JSON.stringify(normalized);
  } catch (error) {
    return `the tool result is not JSON: ${error.message}`;
  }
  if (outputSchema && normalized.isError !== true) {
    if (normalized.structuredContent === undefined) return 'the tool has an output schema but returned no structured content';
    const checked = await outputSchema['~standard'].validate(normalized.structuredContent);
    if (checked.issues) {
      return `the structured content does not match the output schema: ${checked.issues.map((i) => i.message).join('; ')}`;
    }
  }
  return null;
}

/** The HTTP request carrying this MCP message (a web Request), when served over HTTP. */
function httpRequestOf(ctx) {
  return ctx?.http?.req;
}

function absoluteUrl(value, name) {
  try {
    const url = new URL(expectString(value, name));
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError('not http(s)');
    return `${url.origin}${url.pathname}`;
  } catch (cause) {
    throw argError(TypeError, 'ERR_INVALID_ARG_VALUE',
      `Expected the http(s) URL of the MCP endpoint for ${name} but received ${JSON.stringify(value)}`, { cause });
  }
}

function checkEngine(engine) {
  expectObject(engine, 'options.engine');
  for (const method of ['pay', 'paymentRequired']) {
    if (typeof engine[method] !== 'function') throw invalidArg(`an engine with a ${method}() method`, 'options.engine', engine);
  }
  return engine;
}

// The SDK builds a server per HTTP request, so paidTool runs per request; the
// session gate (which caches token signature checks) is kept per engine.
const gates = new WeakMap();
function sessionGateFor(engine) {
  if (!engine.store) return null;
  let gate = gates.get(engine);
  if (!gate) {
    gate = new SessionGate({ store: engine.store });
    gates.set(engine, gate);
  }
  return gate;
}

// What a payment pays for: this tool, these arguments, this exact payload.
// The payload is part of it so that a repeat gets the stored result only when
// it is byte-for-byte the payment that was settled, not a copy with another
// signature rebuilt from the on-chain authorization.
function requestKeyOf(name, args, payload) {
  const digest = keccak256(new TextEncoder().encode(canonicalJson({ args: args ?? null, payload })));
  return `tools/call ${name} ${digest}`;
}

const TOOL_CONFIG_KEYS = ['title', 'description', 'inputSchema', 'outputSchema', 'annotations', 'icons', '_meta'];

/**
 * Registers a paid tool on an McpServer.
 *
 * @param {import('@modelcontextprotocol/server').McpServer} server
 * @param {string} name
 * @param {object} config  the SDK's tool config (title, description, inputSchema,
 *   outputSchema, annotations, icons, _meta) plus the route's terms:
 *   price {amount, asset, network, payTo, name?, version?, decimals?, maxTimeoutSeconds?},
 *   session? {price, maxTtlSeconds}, mimeType?
 * @param {Function} handler  as for registerTool: (args, ctx) or, without an
 *   inputSchema, (ctx); called with one more argument, `paid`:
 *   {via: 'payment', payment: {id, kind, payer, amount}} or {via: 'session', session}
 * @param {object} options
 * @param {import('./engine.js').PaymentEngine} options.engine
 * @param {string | (() => string)} [options.endpoint]  the public URL of the MCP
 *   endpoint ("https://api.example.com/mcp"). Resources are named after it and
 *   sessions are checked against it; never taken from the Host header, which
 *   the client controls. Without it tools are "mcp://tool/<name>" and sessions
 *   are not honoured.
 * @param {SessionGate} [options.sessions]  defaults to one per engine, on its store
 * @returns the SDK's RegisteredTool
 */
export function paidTool(server, name, config, handler, { engine, endpoint, sessions } = {}) {
  if (typeof server?.registerTool !== 'function') throw invalidArg('an McpServer', 'server', server);
  expectString(name, 'name');
  expectObject(config, 'config');
  if (typeof handler !== 'function') throw invalidArg('a function', 'handler', handler);
  checkEngine(engine);
  let endpointOf = () => undefined;
  if (typeof endpoint === 'function') endpointOf = () => absoluteUrl(endpoint(), 'options.endpoint()');
  else if (endpoint !== undefined) {
    const fixed = absoluteUrl(endpoint, 'options.endpoint');
    endpointOf = () => fixed;
  }
  const gate = sessions ?? sessionGateFor(engine);

  const route = normalizeRoute({
    price: config.price,
    session: config.session,
    description: config.description,
    mimeType: config.mimeType,
  }, toolRouteId(name));
  const toolConfig = Object.fromEntries(TOOL_CONFIG_KEYS.filter((k) => config[k] !== undefined).map((k) => [k, config[k]]));
  const hasInput = config.inputSchema !== undefined;
  const invoke = (args, ctx, paid) => (hasInput ? handler(args, ctx, paid) : handler(ctx, paid));

  // A session shown in the headers of the HTTP request carrying the call:
  // null when none was shown, else the gate's verdict.
  async function sessionOf(ctx, where) {
    const request = httpRequestOf(ctx);
    if (!request || !where || !gate || !route.session) return null;
    return gate.check(Object.fromEntries(request.headers), where, route);
  }

  async function call(args, ctx) {
    const where = endpointOf();
    const resource = { url: toolResourceUrl(name, where), description: route.description, mimeType: route.mimeType };
    const sessionInfo = where && route.session ? { endpoint: where } : undefined;
    const required = async (error) => {
      const { v2 } = await engine.paymentRequired(route, resource, { error, sessionInfo });
      return paymentRequiredResult(v2, { hasOutputSchema: config.outputSchema !== undefined });
    };

    const payload = paymentPayloadOf(ctx.mcpReq._meta?.[PAYMENT_META_KEY]);
    if (payload === undefined) {
      const session = await sessionOf(ctx, where);
      if (session?.ok) return invoke(args, ctx, { via: 'session', session: session.session });
      return required(session ? session.error : 'payment_required');
    }
    if (!isPlainObject(payload)) return required('invalid_payment');

    const outcome = await engine.pay({
      route,
      resource,
      payload,
      method: 'tools/call',
      requestKey: requestKeyOf(name, args, payload),
      sessionInfo,
      serve: async (payment) => {
        let result;
        try {
          result = await invoke(args, ctx, { via: 'payment', payment });
        } catch (error) {
          result = toolError(error instanceof Error ? error.message : String(error));
        }
        const problem = await undeliverable(result, config.outputSchema);
        if (problem) result = toolError(`Tool ${name}: ${problem}`);
        if (result.isError === true) return { ok: false, response: result };
        return { ok: true, response: result, bytes: Buffer.byteLength(JSON.stringify(result)) };
      },
    });
    switch (outcome.kind) {
      case 'served':
        return withSettlement(outcome.response, settlementResponse(outcome.settlement));
      case 'unsettled':
        return outcome.response;
      default:
        return required(outcome.error);
    }
  }

  return server.registerTool(name, toolConfig, hasInput ? call : (ctx) => call(undefined, ctx));
}

// --- Serving over node:http -------------------------------------------------

// The web Request the SDK serves, from a Node request. The body streams (the
// SDK applies its own size limit); `signal` aborts when the client goes away,
// which ends the exchange but not a payment already under way.
function toWebRequest(req, signal) {
  const protocol = req.socket.encrypted ? 'https' : 'http';
  const url = new URL(req.url ?? '/', `${protocol}://${req.headers.host ?? 'localhost'}`);
  const headers = new Headers();
  for (let i = 0; i < req.rawHeaders.length; i += 2) headers.append(req.rawHeaders[i], req.rawHeaders[i + 1]);
  const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
  return new Request(url, {
    method: req.method,
    headers,
    body: hasBody ? Readable.toWeb(req) : undefined,
    duplex: 'half',
    signal,
  });
}

async function sendWebResponse(res, response) {
  const headers = [];
  response.headers.forEach((value, key) => {
    if (key !== 'set-cookie') headers.push([key, value]);
  });
  for (const cookie of response.headers.getSetCookie()) headers.push(['set-cookie', cookie]);
  res.writeHead(response.status, headers.flat());
  if (!response.body) {
    res.end();
    return;
  }
  // An SSE stream ends when the exchange does, or when the client leaves.
  await pipeline(Readable.fromWeb(response.body), res).catch(() => {});
}

/**
 * A node:http listener serving MCP over Streamable HTTP, for mounting at
 * the MCP endpoint (e.g. "/mcp"). `createServer(ctx)` is called for each
 * request (the SDK's McpServerFactory) and registers the tools, paid ones
 * with paidTool(). Both protocol eras are served: 2026-07-28 (per-request
 * envelope) and 2025-era traffic through the SDK's stateless fallback.
 *
 * @param {object} options
 * @param {Function} options.createServer  (ctx) => McpServer
 * @param {'auto'|'sse'|'json'} [options.responseMode]
 * @param {'stateless'|'reject'} [options.legacy]
 * @param {number} [options.maxRequestBodySize]
 * @param {(error: Error) => void} [options.onerror]
 * @returns {((req, res) => Promise<void>) & {close: () => Promise<void>, notify: {toolsChanged(): void}}}
 */
export function createPaidMcpHttpHandler({ createServer, responseMode, legacy, maxRequestBodySize, onerror } = {}) {
  if (typeof createServer !== 'function') throw invalidArg('a function', 'options.createServer', createServer);
  const sdkOptions = Object.fromEntries(Object.entries({ responseMode, legacy, maxRequestBodySize, onerror })
    .filter(([, v]) => v !== undefined));
  const handler = createMcpHandler(createServer, sdkOptions);

  const listener = async (req, res) => {
    const aborted = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) aborted.abort();
    });
    let response;
    try {
      response = await handler.fetch(toWebRequest(req, aborted.signal));
    } catch (error) {
      if (aborted.signal.aborted) return;
      onerror?.(error);
      if (!res.headersSent) {
        const body = JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32603, message: 'Internal error' } });
        res.writeHead(500, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      }
      res.end();
      return;
    }
    await sendWebResponse(res, response);
  };
  listener.close = () => handler.close();
  // The SDK's change notices (notify.toolsChanged() and the others), for a server whose tools change.
  listener.notify = handler.notify;
  return listener;
}
