// The paying fetch's arguments, all checked before anything is sent, and its
// limits.
//
// A GET or HEAD with a body is refused (ERR_INVALID_ARG_VALUE): HTTP gives such
// a body no meaning and fetch cannot send it (ClawPay 1.1 crashed on it); it
// is not dropped silently because the caller evidently meant something by it.
import { DEFAULT_TIMEOUT_MS } from '../limits.js';
import { argError } from '../validate.js';
import { rememberLast } from '../remember_last.js';
import { redactSecrets, showInput } from '../secret_text.js';
import { Deadline } from './deadline.js';
import { callKey } from './payment_ledger.js';
import { PAYMENT_HEADERS, SESSION_HEADERS } from './request.js';

export const METHODS = Object.freeze(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
export const MAX_TIMEOUT_MS = 600_000;
export const MAX_REDIRECTS = 5;
export const DEFAULT_MAX_BODY_BYTES = 10 << 20;
export const MAX_URL_LENGTH = 8192;

const invalid = (message) => argError(TypeError, 'ERR_INVALID_ARG_VALUE', message);

/**
 * The URL, checked: {href, origin} of its WHATWG parse (the one parse a call
 * makes of it), the last one kept (remember_last.js).
 */
const checkUrl = rememberLast((url) => {
  if (typeof url !== 'string') throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', `Expected a string for url but received ${typeof url}`);
  if (url.length > MAX_URL_LENGTH) throw invalid(`Expected a URL of at most ${MAX_URL_LENGTH} characters for url`);
  let parsed;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(`Expected an absolute http(s) URL for url but received ${showInput(url, 100)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw invalid(`Expected an http(s) URL for url but received a ${parsed.protocol} URL`);
  if (parsed.username || parsed.password) throw invalid('The url must not carry a user name or password');
  return Object.freeze({ href: parsed.href, origin: parsed.origin });
});

/** One exchange's deadline, made when it starts (deadline.js); the exchange clears it when it ends. */
const deadlineOf = (timeoutMs, callerSignal) => () => {
  const deadline = new Deadline(timeoutMs, callerSignal);
  return { signal: deadline, clear: () => deadline.clear() };
};

// A header name (an RFC 9110 token) and a value the platform's Headers keeps
// unchanged (no surrounding whitespace, no control characters, Latin-1).
const PLAIN_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const PLAIN_VALUE = /^(?:[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?$/;

/**
 * A plain object of string values that Headers would only lower-case, as
 * Headers would give it (without building one: that was most of a session
 * call's argument checking), or null to let Headers decide.
 */
function simpleHeaders(headers) {
  const proto = Object.getPrototypeOf(headers);
  if ((proto !== Object.prototype && proto !== null) || Object.getOwnPropertySymbols(headers).length > 0) return null;
  const out = {};
  for (const key of Object.keys(headers)) {
    const value = headers[key];
    if (typeof value !== 'string' || !PLAIN_NAME.test(key) || !PLAIN_VALUE.test(value)) return null;
    const lower = key.toLowerCase();
    if (Object.hasOwn(out, lower)) return null; // Headers joins the two
    out[lower] = value;
  }
  return out;
}

function plainHeaders(headers, name) {
  if (headers === undefined || headers === null) return {};
  const simple = typeof headers === 'object' ? simpleHeaders(headers) : null;
  if (simple !== null) return simple;
  let checked;
  try {
    checked = new Headers(headers);
  } catch (cause) {
    // The platform's message quotes the bad name or value.
    throw argError(TypeError, 'ERR_INVALID_ARG_VALUE', `Invalid ${name}: ${redactSecrets(cause.message)}`);
  }
  const out = {};
  for (const [key, value] of checked) out[key] = value;
  return out;
}

function checkBody(body, method) {
  if (body === undefined || body === null || body === '') return null;
  if (typeof body !== 'string' && !(body instanceof Uint8Array)) {
    throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected a string or a Uint8Array for body');
  }
  if (method === 'GET' || method === 'HEAD') {
    throw invalid(`A ${method} request cannot carry a body; send it with POST (or PUT/PATCH), or leave the body out`);
  }
  return body;
}

/**
 * `object` with none but the `allowed` keys: an option this layer does not
 * know (an AbortSignal, a redirect mode, a typo) is refused, never ignored.
 */
export function onlyKnownKeys(object, allowed, what) {
  const unknown = Object.keys(object).filter((key) => !allowed.has(key));
  if (unknown.length > 0) {
    throw argError(TypeError, 'ERR_INVALID_ARG_VALUE', `${what}: unsupported field(s) ${unknown.map((k) => showInput(k, 40)).join(', ')}; ` +
      `it takes ${[...allowed].join(', ')}`);
  }
  return object;
}

/** Checks a call's arguments; the request as pay() takes it. */
export function normalize(url, options) {
  const parsed = checkUrl(url);
  const { href } = parsed;
  const method = String(options.method ?? 'GET').toUpperCase();
  if (!METHODS.includes(method)) throw invalid(`Expected one of ${METHODS.join(', ')} for method but received ${showInput(options.method)}`);
  const body = checkBody(options.body, method);
  const purpose = options.purpose ?? 'call';
  if (purpose !== 'call' && purpose !== 'session') throw invalid(`Expected "call" or "session" for purpose but received ${showInput(purpose)}`);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > MAX_TIMEOUT_MS) {
    throw invalid(`Expected an integer from 1 to ${MAX_TIMEOUT_MS} for timeoutMs but received ${timeoutMs}`);
  }
  const cap = options.maxPayment ?? null;
  if (cap !== null && (typeof cap !== 'bigint' || cap < 0n)) {
    throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected a non-negative bigint of base units (or null) for maxPayment');
  }
  const scope = options.sessionScope ?? null;
  if (scope !== null && (typeof scope?.endpoint !== 'string' || (scope.scope !== 'prefix' && scope.scope !== 'exact'))) {
    throw invalid('Expected {endpoint, scope: "prefix" | "exact"} for sessionScope');
  }

  // Payment and session headers among the caller's headers are guarded like sessionHeaders.
  const headers = plainHeaders(options.headers, 'headers');
  const guarded = {};
  for (const name of [...PAYMENT_HEADERS, ...SESSION_HEADERS]) {
    if (headers[name] !== undefined) {
      guarded[name] = headers[name];
      delete headers[name];
    }
  }
  Object.assign(guarded, plainHeaders(options.sessionHeaders, 'sessionHeaders'));
  const startOrigin = parsed.origin;
  const guards = Object.keys(guarded).length > 0 ? [{ origin: startOrigin, headers: guarded, scope: scope ?? undefined }] : [];
  const signal = options.signal ?? null;
  const payAllowed = options.pay ?? true;
  // How the call is carried instead of the payer's connections (a paid MCP tool call, mcp_exchange.js): {send} (transport.js).
  const transport = options.transport ?? null;
  if (transport !== null && typeof transport?.send !== 'function') throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected a transport ({send}) for transport');
  const beforePaying = options.beforePaying ?? null;
  if (beforePaying !== null && typeof beforePaying !== 'function') throw invalid('Expected a function (or null) for beforePaying');
  return {
    url: href,
    startOrigin,
    method,
    headers,
    body,
    guards,
    purpose,
    timeoutMs,
    cap,
    payAllowed,
    transport,
    // pay: false with signInOnly: a 402's SIWX challenge is answered, nothing is paid.
    signInOnly: options.signInOnly === true,
    sessionScope: scope,
    beforePaying,
    idempotencyKey: options.idempotencyKey,
    // A request that may not pay has no key: it never resumes a payment (that
    // would resend a signed authorization), so the ledger is not asked.
    ...(payAllowed || options.idempotencyKey !== undefined
      ? callKey({ idempotencyKey: options.idempotencyKey, purpose, method, url: href, body })
      : { key: null, explicit: false, requestHash: null }),
    deadline: deadlineOf(timeoutMs, signal),
  };
}
