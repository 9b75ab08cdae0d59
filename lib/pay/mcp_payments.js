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
//
// Sessions (sessions.js): a live clawpay session covering the server's URL
// (an MCP server behind our paywall takes X-Session-Token at the HTTP layer)
// is shown on the call, as payer.fetch shows it, when the client's transport
// fetches through mcpSessionFetch; a call it opened is counted and nothing is
// paid; a call it did not open (the server asked to be paid) closes it as
// refused and is paid under the policy. startSession buys one from a tool
// whose server sells them (payment_required.js: extra.clawpaySession).
import { argError, expectObject, expectString } from '../validate.js';
import { payError } from './errors.js';
import { DEFAULT_TIMEOUT_MS } from '../limits.js';
import { onlyKnownKeys } from './fetch_request.js';
import { PAYMENT_RESPONSE_META_KEY } from '../x402_mcp.js';
import { toolCallBody, toolCallUrl, toolTransport } from './mcp_exchange.js';
import { noAnswer } from './response.js';
import { sessionHeaders } from './session_wire.js';

const CALL_OPTIONS = new Set(['maxPayment', 'timeoutMs', 'idempotencyKey', 'pay', 'toolDefinition', 'useSession']);
const SESSION_OPTIONS = new Set(['scope', 'ttlSeconds', 'maxPayment', 'label', 'timeoutMs', 'idempotencyKey']);

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
 * before signing (the unpaid result as error.result). With `sessions`
 * (createSessions), `session` is the covering session the call was made in
 * (as `sessionOf` shapes it), or null.
 */
export function createMcpPayments({ paying, paymentOf = (payment) => payment, sessions = null, sessionOf = (record) => record }) {
  const dialects = new WeakMap();

  function checkParams(params) {
    expectObject(params, 'params');
    const name = expectString(params.name, 'params.name');
    if (params.arguments !== undefined && (params.arguments === null || typeof params.arguments !== 'object' || Array.isArray(params.arguments))) {
      throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected an object for params.arguments');
    }
    return name;
  }

  /** How tool `name` is carried as one exchange of the paying fetch: {url, method, body, transport}. */
  function carrierOf(client, serverUrl, name, args, { timeoutMs, toolDefinition, sessionUse } = {}) {
    if (!dialects.has(client)) dialects.set(client, new Map());
    const transport = toolTransport({
      client, name, args, dialects: dialects.get(client), timeoutMs: timeoutMs ?? DEFAULT_TIMEOUT_MS, toolDefinition, sessionUse,
    });
    return { url: toolCallUrl(serverUrl, name), method: 'POST', body: toolCallBody(args), transport };
  }

  async function callTool(client, serverUrl, params, options = {}) {
    const name = checkParams(params);
    const { toolDefinition, useSession = true, ...request } = onlyKnownKeys(options ?? {}, CALL_OPTIONS, 'callTool options');
    const covering = sessions && useSession !== false ? sessions.covering(toolCallUrl(serverUrl, name)) : null;
    // A session bought on another tool of the server does not open this one.
    const record = covering && sessions.kindOf(covering) === 'clawpay' && (covering.tool ?? name) === name ? covering : null;
    const sessionUse = record ? { scope: { endpoint: record.endpoint, scope: record.scope }, sent: false } : null;
    const { url, ...carrier } = carrierOf(client, serverUrl, name, params.arguments, { timeoutMs: request.timeoutMs, toolDefinition, sessionUse });
    // Judged only when the token was shown: a transport that does not fetch
    // through mcpSessionFetch leaves the session as it was.
    const judge = (result) => {
      if (!sessionUse?.sent) return null;
      const used = sessions.countIfUsed(record, result);
      if (!used) sessions.dropIfRefused(record, result);
      return used;
    };
    let result;
    try {
      result = await paying.fetch(url, {
        ...request, ...carrier, purpose: 'call',
        ...(record ? { sessionHeaders: sessionHeaders(record), sessionScope: sessionUse.scope } : {}),
      });
    } catch (error) {
      if (error?.response?.status === 402) judge(error.response);
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
    const used = judge(result);
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
      ...(sessions ? { session: used ? sessionOf(used) : null } : {}),
    };
  }

  /**
   * Buys a session from tool `params.name` (its server's session offer),
   * through `purchase` (session_purchase.js) with the call as the carrier:
   * {record, response, payment, result} with the tool's paid result.
   */
  async function startSession(purchase, client, serverUrl, params, options = {}) {
    const name = checkParams(params);
    const checked = onlyKnownKeys(options ?? {}, SESSION_OPTIONS, 'startSession options');
    const carrier = { ...carrierOf(client, serverUrl, name, params.arguments, { timeoutMs: checked.timeoutMs }), tool: name };
    const bought = await purchase(serverUrl, checked, carrier);
    return { ...bought, result: toolResultOf(bought.answer, `${name} at ${serverUrl}`) };
  }

  return Object.assign(callTool, { callTool, startSession });
}

/**
 * `client` with payments: {client, url, callTool(params, options), listTools(params, options),
 * startSession(params, options) when `startSession` is given}.
 * listTools is the client's own; callTool pays (see createMcpPayments).
 */
export function payingMcpClient(callTool, client, options, startSession = null) {
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
    ...(startSession ? { startSession: (params, sessionOptions) => startSession(client, url, params, sessionOptions) } : {}),
  });
}
