// Paid MCP tools, bought by the paying fetch: an official MCP Client (SDK 2.x
// or 1.x) whose tool calls, when answered "payment required" (x402 over
// MCP), are paid under the spend policy and retried once with the payment
// (mcp_exchange.js carries the call; payment_flow.js decides and signs).
//
// Never pay twice: the call's key is (server URL, tool, canonical
// arguments), or the caller's idempotencyKey. An identical call after an
// ambiguous outcome (no answer, a crash after the seller settled) resends the
// same authorization, which the seller replays without charging again; an
// identical call after a settled and answered one buys again, as over HTTP.
import { argError, expectObject, expectString } from '../validate.js';
import { payError } from './errors.js';
import { DEFAULT_TIMEOUT_MS } from '../limits.js';
import { onlyKnownKeys } from './fetch_request.js';
import { PAYMENT_RESPONSE_META_KEY } from '../x402_mcp.js';
import { toolCallBody, toolCallUrl, toolTransport } from './mcp_exchange.js';
import { noAnswer } from './response.js';

const CALL_OPTIONS = new Set(['maxPayment', 'timeoutMs', 'idempotencyKey', 'pay', 'toolDefinition']);

export function checkServerUrl(url) {
  expectString(url, 'options.url');
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    parsed = null;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || parsed.username || parsed.password || parsed.hash) {
    throw argError(TypeError, 'ERR_INVALID_ARG_VALUE',
      'Expected the http(s) URL of the MCP server (no user info, no fragment) for options.url: it names the server in the payment ledger');
  }
  return parsed.href;
}

/** The CallToolResult an exchange's body holds. */
function toolResultOf(result, what) {
  if (result.truncated) throw payError('ERR_MCP_RESULT_TOO_LARGE', `${what}: the tool result is larger than the payer's maxBodyBytes`, { payment: result.payment });
  try {
    return JSON.parse(result.body);
  } catch {
    throw payError('ERR_MCP_BAD_RESULT', `${what}: the tool result could not be read`, { payment: result.payment });
  }
}

/**
 * Pays tool calls through `paying` (lib/pay/payer.js's createPayer).
 * Returns callTool(client, serverUrl, params, options) → {result, payment,
 * settlement}: the server's CallToolResult unchanged, the payment as
 * `paymentOf` shapes it (null when nothing was paid), and the settlement the
 * server returned in _meta["x402/payment-response"] (or null).
 * Rejects with PayError (ERR_TIMEOUT, ERR_FETCH_FAILED, ... with .payment)
 * when no answer came, and PolicyError / PayError when the terms are refused
 * before signing (the unpaid result as error.result).
 */
export function createMcpPayments({ paying, paymentOf = (payment) => payment }) {
  const dialects = new WeakMap();

  return async function callTool(client, serverUrl, params, options = {}) {
    expectObject(params, 'params');
    const name = expectString(params.name, 'params.name');
    if (params.arguments !== undefined && (params.arguments === null || typeof params.arguments !== 'object' || Array.isArray(params.arguments))) {
      throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected an object for params.arguments');
    }
    const { toolDefinition, ...request } = onlyKnownKeys(options ?? {}, CALL_OPTIONS, 'callTool options');
    if (!dialects.has(client)) dialects.set(client, new Map());
    const url = toolCallUrl(serverUrl, name);
    const transport = toolTransport({
      client, name, args: params.arguments, dialects: dialects.get(client), timeoutMs: request.timeoutMs ?? DEFAULT_TIMEOUT_MS, toolDefinition,
    });
    let result;
    try {
      result = await paying.fetch(url, { ...request, method: 'POST', body: toolCallBody(params.arguments), purpose: 'call', transport });
    } catch (error) {
      // A refusal before signing: the unpaid answer is the server's tool result.
      if (error?.response?.body !== undefined) {
        try {
          error.result = JSON.parse(error.response.body);
        } catch {
          error.result = null;
        }
      }
      throw error;
    }
    if (result.status === null) {
      const error = noAnswer(result);
      if (result.payment) error.payment = paymentOf(result.payment);
      throw error;
    }
    const toolResult = toolResultOf(result, `${name} at ${serverUrl}`);
    return {
      result: toolResult,
      payment: result.payment ? paymentOf(result.payment) : null,
      // Only for a payment made: an unpaid result's "settlement" is the server's word about nothing.
      settlement: result.payment ? toolResult?._meta?.[PAYMENT_RESPONSE_META_KEY] ?? null : null,
    };
  };
}

/**
 * `client` with payments: {client, url, callTool(params, options), listTools(params, options)}.
 * listTools is the client's own; callTool pays (see createMcpPayments).
 */
export function payingMcpClient(callTool, client, options) {
  expectObject(options, 'options');
  onlyKnownKeys(options, new Set(['url']), 'mcpClient options');
  if (typeof client?.callTool !== 'function' || typeof client?.listTools !== 'function') {
    throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected an MCP Client (@modelcontextprotocol/client or @modelcontextprotocol/sdk) for client');
  }
  const url = checkServerUrl(options.url);
  return Object.freeze({
    client,
    url,
    callTool: (params, callOptions) => callTool(client, url, params, callOptions),
    listTools: (...args) => client.listTools(...args),
  });
}
