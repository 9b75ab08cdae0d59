// x402 over MCP (the tool-result binding): the names both sides use — the
// seller (lib/paywall/mcp.js) and the buyer (lib/pay/mcp_exchange.js).

/** Where the client puts its PaymentPayload: params._meta[PAYMENT_META_KEY]. */
export const PAYMENT_META_KEY = 'x402/payment';
/** Where the server puts the SettlementResponse: result._meta[PAYMENT_RESPONSE_META_KEY]. */
export const PAYMENT_RESPONSE_META_KEY = 'x402/payment-response';
/** Where the server also puts the PaymentRequired of a payment error: result._meta[PAYMENT_REQUIRED_META_KEY]. */
export const PAYMENT_REQUIRED_META_KEY = 'x402/payment-required';
/**
 * Cloudflare's agents/x402 dialect: its PaymentRequired is in
 * result._meta["x402/error"], and its payment in _meta["x402/payment"] is the
 * base64 JSON of the PaymentPayload (a PAYMENT-SIGNATURE header's value).
 */
export const AGENTS_ERROR_META_KEY = 'x402/error';

/**
 * The URL naming a tool as an x402 resource. Over HTTP it is the MCP
 * endpoint with the tool in the fragment: the endpoint is what a session
 * covers (and what the client connected to), the fragment never travels in
 * a request and only tells the tools apart. Without an endpoint (stdio,
 * in-memory) it is the spec's "mcp://tool/<name>".
 */
export function toolResourceUrl(name, endpoint) {
  const tool = encodeURIComponent(name);
  return endpoint ? `${endpoint}#tool=${tool}` : `mcp://tool/${tool}`;
}

/**
 * JSON with object keys sorted, so the same arguments always give the same
 * request key however the client ordered them.
 */
export function canonicalJson(value) {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
}
