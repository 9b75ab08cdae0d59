// A paid MCP tool call carried as one exchange of the paying fetch, so that
// x402 over MCP is paid by the same steps as HTTP (payment_flow.js: terms
// checked, budget reserved, intent recorded before signing, the same
// authorization resent after an ambiguous outcome, the ledger's keys).
//
// The tool call is a POST to the server's URL with the tool in the fragment
// (as the seller names it, lib/x402_mcp.js toolResourceUrl) and the
// arguments, canonical JSON, as the body: that is the call's ledger key. The
// transport below answers it as HTTP would:
//   - an isError result carrying a PaymentRequired (_meta["x402/payment-required"],
//     _meta["x402/error"] as Cloudflare's agents sends it, structuredContent,
//     or content[0].text) → 402 with PAYMENT-REQUIRED (x402 v2 over MCP only)
//   - _meta["x402/payment-response"] → PAYMENT-RESPONSE, the settlement
//   - any other result → 200; a protocol error or a dead connection → a
//     rejected fetch (no answer), so a paid call stays open, never paid anew
// A session's headers, which the paying fetch hands the transport as it would
// put them on an HTTP request, ride on the MCP client's own HTTP requests
// (mcp_session_fetch.js).
// The body is the whole CallToolResult as JSON; mcp_payments.js reads it back.
import {
  AGENTS_ERROR_META_KEY, PAYMENT_META_KEY, PAYMENT_REQUIRED_META_KEY, PAYMENT_RESPONSE_META_KEY, canonicalJson, toolResourceUrl,
} from '../x402_mcp.js';
import { withSessionHeaders } from './mcp_session_fetch.js';
import { SESSION_HEADERS } from './request.js';
import { fetchTransport } from './transport.js';

/** The URL naming tool `name` of the MCP server at `serverUrl`: the call's place in the ledger. */
export const toolCallUrl = (serverUrl, name) => toolResourceUrl(name, serverUrl);

/** The arguments as the request body: the same arguments give the same ledger key in any key order. */
export function toolCallBody(args) {
  return canonicalJson(args ?? {});
}

const isPaymentRequired = (value) => value !== null && typeof value === 'object' && !Array.isArray(value) &&
  value.x402Version !== undefined && Array.isArray(value.accepts);

/** The PaymentRequired an isError result carries, and where; null when it carries none. */
export function paymentRequiredOf(result) {
  if (result?.isError !== true) return null;
  const meta = result._meta ?? {};
  if (isPaymentRequired(meta[PAYMENT_REQUIRED_META_KEY])) return { paymentRequired: meta[PAYMENT_REQUIRED_META_KEY], dialect: 'x402' };
  if (isPaymentRequired(meta[AGENTS_ERROR_META_KEY])) return { paymentRequired: meta[AGENTS_ERROR_META_KEY], dialect: 'agents' };
  if (isPaymentRequired(result.structuredContent)) return { paymentRequired: result.structuredContent, dialect: 'x402' };
  const text = Array.isArray(result.content) && result.content[0]?.type === 'text' ? result.content[0].text : null;
  // Within the 402 limits (payment_required.js) before it is parsed at all.
  if (typeof text === 'string' && text.length <= 256 * 1024 && text.trimStart().startsWith('{')) {
    try {
      const parsed = JSON.parse(text);
      if (isPaymentRequired(parsed)) return { paymentRequired: parsed, dialect: 'x402' };
    } catch {
      // text, not terms
    }
  }
  return null;
}

const base64Json = (value) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64');

function decodePayment(headers) {
  const value = headers['payment-signature'] ?? headers['x-payment'];
  if (!value) return null;
  return { header: value, payload: JSON.parse(Buffer.from(value, 'base64').toString('utf8')) };
}

/** The SDK generation's callTool: v2 takes (params, options), 1.x (params, resultSchema, options). */
function callToolOf(client) {
  if (typeof client?.callTool !== 'function') throw new TypeError('Expected an MCP Client (with callTool) for client');
  if (typeof client.getProtocolEra === 'function') return (params, options) => client.callTool(params, options);
  return (params, options) => client.callTool(params, undefined, options);
}

/**
 * The transport (transport.js) that carries tool `name` with `args` over `client`.
 * `dialects` (a Map of tool name → 'x402' | 'agents') remembers how each
 * tool's server wants its payment; a resend after a restart that meets the
 * other dialect's refusal is sent once more in it (the same authorization).
 * `toolDefinition` (optional) is passed to a v2 client's callTool.
 * `sessionUse` (optional, {scope, sent}): the session whose headers, when
 * the paying fetch gives them, the client's HTTP requests show.
 */
export function toolTransport({ client, name, args, dialects, timeoutMs, toolDefinition, sessionUse = null }) {
  const callTool = callToolOf(client);
  const sendCall = (meta, signal) => callTool(
    { name, arguments: args ?? {}, ...(meta ? { _meta: meta } : {}) },
    { signal, timeout: timeoutMs, ...(toolDefinition ? { toolDefinition } : {}) },
  );

  return fetchTransport(async (url, { headers = {}, signal } = {}) => {
    const payment = decodePayment(headers);
    // Only the unpaid call shows the session; a paid one needs none.
    const shown = sessionUse && !payment ? sessionHeadersIn(headers) : null;
    const send = (meta, signal) => (shown ? withSessionHeaders(Object.assign(sessionUse, { headers: shown }), () => sendCall(meta, signal)) : sendCall(meta, signal));
    const metaFor = (dialect) => (payment
      ? { [PAYMENT_META_KEY]: dialect === 'agents' ? payment.header : payment.payload }
      : null);
    let result;
    try {
      const dialect = dialects.get(name) ?? 'x402';
      result = await send(metaFor(dialect), signal);
      const asked = paymentRequiredOf(result);
      if (asked) dialects.set(name, asked.dialect);
      if (payment && asked && asked.dialect !== dialect) result = await send(metaFor(asked.dialect), signal);
    } catch (error) {
      // The SDK's own timeout, or the call's signal: the fetch's TimeoutError.
      if (signal?.aborted) throw signal.reason ?? error;
      throw error;
    }
    return toResponse(result);
  });
}

function sessionHeadersIn(headers) {
  const shown = Object.entries(headers).filter(([name]) => SESSION_HEADERS.includes(name.toLowerCase()));
  return shown.length > 0 ? Object.fromEntries(shown) : null;
}

function toResponse(result) {
  const headers = new Headers({ 'content-type': 'application/json' });
  const settlement = result?._meta?.[PAYMENT_RESPONSE_META_KEY];
  if (settlement && typeof settlement === 'object') headers.set('payment-response', base64Json(settlement));
  const asked = paymentRequiredOf(result);
  if (asked) headers.set('payment-required', base64Json(asked.paymentRequired));
  return new Response(JSON.stringify(result ?? null), { status: asked ? 402 : 200, headers });
}
