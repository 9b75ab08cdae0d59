// Buying a session for clawpay-native/pay: the arguments checked, the kind
// chosen from the seller's 402 before paying (session_kind.js; none: refused,
// nothing paid), the endpoint paid once with purpose 'session' — for a
// channel, the deposit and first voucher (channel_sessions.js) — the answer
// judged (purchaseOutcome), the session made and kept (sessions.establish).
// Each way it can fail is a PayError with its own code, carrying what was paid.
import { MAX_SESSION_LABEL_CHARS, MAX_SESSION_TTL_SECONDS, MIN_SESSION_TTL_SECONDS } from '../limits.js';
import { maybeSecret } from '../secret_text.js';
import { normalizeUrl } from '../url_scope.js';
import { argError, invalidValue } from '../validate.js';
import { PayError } from './errors.js';
import { onlyKnownKeys } from './fetch_request.js';
import { noAnswer, toResponse } from './response.js';
import { createKindChoice, offeredTerms } from './session_kind.js';
import { purchaseOutcome, SESSION_SCOPES } from './sessions.js';
import { paymentInfo } from './spend_report.js';

const OPTIONS = new Set(['scope', 'ttlSeconds', 'maxPayment', 'deposit', 'topUp', 'label', 'method', 'headers', 'body', 'timeoutMs', 'idempotencyKey']);

function checkOptions(endpoint, options, config) {
  if (typeof endpoint !== 'string' || !normalizeUrl(endpoint)) {
    throw invalidValue('a plain absolute http(s) URL (no user info, dot segments, encoded slashes or backslashes)', 'endpoint', endpoint);
  }
  if (options === null || typeof options !== 'object') throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected an object for options');
  onlyKnownKeys(options, OPTIONS, 'startSession options');
  const { scope = 'prefix', ttlSeconds = config.sessionTtlSeconds, maxPayment = null, deposit = null, topUp = null, label } = options;
  if (!SESSION_SCOPES.includes(scope)) throw invalidValue('"prefix" or "exact"', 'scope', scope);
  if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < MIN_SESSION_TTL_SECONDS || ttlSeconds > MAX_SESSION_TTL_SECONDS) {
    throw invalidValue(`an integer from ${MIN_SESSION_TTL_SECONDS} to ${MAX_SESSION_TTL_SECONDS} (seconds)`, 'ttlSeconds', ttlSeconds);
  }
  if (maxPayment !== null && (typeof maxPayment !== 'bigint' || maxPayment < 0n)) throw invalidValue('a non-negative bigint of base units, or null', 'maxPayment', maxPayment);
  if (deposit !== null && (typeof deposit !== 'bigint' || deposit <= 0n)) throw invalidValue('a positive bigint of base units, or null', 'deposit', deposit);
  if (topUp !== null && (typeof topUp !== 'bigint' || topUp <= 0n)) throw invalidValue('a positive bigint of base units, or null', 'topUp', topUp);
  if (label !== undefined) {
    if (typeof label !== 'string' || label.length > MAX_SESSION_LABEL_CHARS) throw invalidValue(`a string of at most ${MAX_SESSION_LABEL_CHARS} characters`, 'label', label);
    // A label is kept in the journal and shown back.
    if (maybeSecret(label)) throw argError(RangeError, 'ERR_INVALID_ARG_VALUE', 'label holds what looks like a private key (a run of 64 hex digits); a label is kept and shown, so it is refused');
  }
  return { scope, ttlSeconds, maxPayment, deposit, topUp, label };
}

/**
 * {record, response, payment, answer (the paying fetch's result)}; throws
 * PayError (see agent_payer.js startSession), PolicyError, or an argument
 * error. `carrier` ({url, method, body, transport}, mcp_payments.js): the
 * purchase is that request instead of one to `endpoint` (a paid MCP tool
 * call whose server sells sessions for `endpoint`, its MCP URL; `tool`, its
 * name, is kept with the session).
 */
export async function purchaseSession({ sessions, paying, config, endpoint, options = {}, now, carrier = null, channels = null }) {
  const { scope, ttlSeconds, maxPayment, deposit, topUp, label } = checkOptions(endpoint, options, config);
  const startedAt = now();
  const { method, headers, body, timeoutMs, idempotencyKey } = options;
  // A channel is opened over HTTP only (its deposit goes in a header).
  const choice = createKindChoice(config.policy.allowedNetworks, channels && !carrier ? channels.offered : null);
  const { url = endpoint, tool, ...request } = carrier ?? { method, headers, body };
  let result = await paying.fetch(url, {
    ...request, timeoutMs, maxPayment, purpose: 'session', beforePaying: choice.beforePaying, ...(idempotencyKey ? { idempotencyKey } : {}),
  });
  if (result.status === null) throw noAnswer(result);
  let channelId = null;
  if (result.declined?.channel) {
    ({ result, channelId } = await channels.open({
      url: result.url, paymentRequired: result.declined.paymentRequired, request: { ...request, timeoutMs }, deposit, topUp, cap: maxPayment,
      live: (sessionId) => sessions.unusable(sessionId) === null,
    }));
    if (result.status === null) throw noAnswer(result);
  }
  if (result.declined) {
    const offered = offeredTerms(result.declined.paymentRequired, config.asset);
    throw new PayError('ERR_SESSION_NOT_OFFERED',
      `${endpoint} sells no session this wallet can use: ${offered.text}. Nothing was paid and no session was created; ` +
      'payer.fetch (x402_pay) pays it per call', { response: toResponse(result, { payment: null, session: null, signedIn: null }), offered });
  }
  const payment = result.payment ? paymentInfo(result.payment, config.asset) : null;
  const response = toResponse(result, { payment, session: null, signedIn: result.signedIn ?? null });
  const { success, settled } = purchaseOutcome(result);
  if (!payment) {
    if (success) throw new PayError('ERR_SESSION_NOT_SOLD', `${endpoint} answered ${result.status} without asking for payment: no session was created`, { response });
    throw new PayError('ERR_SESSION_NOT_PAID', `${endpoint} answered ${result.status}: nothing was paid and no session was created`, { response });
  }
  if (!success || !settled) {
    const why = !success ? `the paid request was answered ${result.status}` : `the payment is ${payment.status}, not settled`;
    throw new PayError('ERR_SESSION_NOT_SETTLED', `${why}, so no session was created (payment ${payment.paymentId}: ${payment.status})`, { response, payment });
  }
  try {
    const { record } = await sessions.establish({
      endpoint, scope, label, ttlSeconds, startedAt, result, kind: channelId ? 'channel' : choice.kindAfter(result), tool, channelId,
    });
    if (channelId) channels.attach(channelId, record.sessionId);
    return { record, response, payment, answer: result };
  } catch (error) {
    throw new PayError('ERR_SESSION_NOT_KEPT', `paid (tx ${payment.transaction}) but the session could not be kept: ${error?.message ?? error}`,
      { response, payment, cause: error });
  }
}
