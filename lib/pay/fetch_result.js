// What the paying fetch returns: the server's answer with the payment as
// callers see it — or, when no answer came, why not.
import { formatUnits } from './amount.js';

/** The command that cancels a payment's open authorization on chain (lib/cli/payments.js). */
export const cancelCommand = (paymentId) => `clawpay payments cancel ${paymentId}`;

function errorText(error) {
  const cause = error?.cause;
  const detail = cause?.code ?? cause?.message ?? error?.code;
  return `${error?.message ?? String(error)}${detail && !String(error?.message).includes(detail) ? ` (${detail})` : ''}`;
}

/**
 * The payment as callers see it. status: 'settled', 'failed', 'refused' (the
 * server refused it, but the signed authorization may still settle until
 * validBefore: it counts as spent-pending; `cancel` names the command that
 * cancels it on chain) or 'pending' (sent, outcome unknown).
 */
export function paymentView(record, { replayed = false } = {}) {
  const status = ['settled', 'failed', 'refused'].includes(record.state) ? record.state : 'pending';
  const open = status === 'refused' || status === 'pending';
  return {
    status,
    paymentId: record.paymentId,
    kind: record.kind,
    amount: record.amount,
    amountDecimal: formatUnits(BigInt(record.amount), record.decimals),
    asset: record.asset,
    network: record.network,
    payTo: record.payTo,
    transaction: record.transaction,
    payer: record.payer,
    x402Version: record.x402Version,
    nonce: record.nonce,
    validBefore: record.validBefore === null ? null : Number(record.validBefore),
    attempts: record.attempts,
    replayed,
    failure: record.failure,
    refusal: record.refusal ?? null,
    settledAfterRefusal: record.settledAfterRefusal ?? null,
    cancelled: Boolean(record.cancelled),
    cancel: open && record.nonce ? cancelCommand(record.paymentId) : null,
  };
}

export function responseFields(answer) {
  return {
    status: answer.status,
    headers: answer.headers,
    body: answer.body,
    truncated: answer.truncated,
    url: answer.url,
    redirects: answer.hops,
  };
}

// Not `{...responseFields(answer), timedOut: false, ...}`: on Node 20's V8 an
// object literal that starts with a spread and then adds keys costs
// microseconds (10–40 µs for this one, measured), and every session call
// makes one; the keys set one by one after it cost nanoseconds.
export function plainResult(answer) {
  const result = responseFields(answer);
  result.timedOut = false;
  result.error = null;
  result.payment = null;
  result.offer = null;
  result.sessionTerms = null;
  result.paymentRequired = null;
  result.signedIn = null;
  return result;
}

/** A request that got no answer: timed out, aborted, or the connection failed. */
export function networkFailure(error, request, { payment, offer, sessionTerms, paid }) {
  if (error?.code === 'ERR_TOO_MANY_REDIRECTS' || error?.code === 'ERR_BAD_REDIRECT') {
    if (!paid) throw error;
  }
  const timedOut = error?.name === 'TimeoutError';
  const aborted = !timedOut && error?.name === 'AbortError';
  const where = `${request.method} ${request.url}`;
  const open = payment?.status === 'pending'
    ? ` The payment (${payment.amountDecimal} to ${payment.payTo}, nonce ${payment.nonce}) was sent and its outcome is unknown; ` +
      'calling again with the same request (or idempotencyKey) resends the same authorization, which can settle at most once.'
    : paid ? '' : ' Nothing was paid.';
  const message = timedOut
    ? `${where} timed out after ${request.timeoutMs} ms.${open}`
    : aborted
      ? `${where} was aborted.${open}`
      : `${where} failed: ${errorText(error)}.${open}`;
  return {
    status: null,
    headers: {},
    body: '',
    truncated: false,
    url: request.url,
    redirects: error?.hops ?? [],
    timedOut,
    error: { code: timedOut ? 'ERR_TIMEOUT' : aborted ? 'ERR_ABORTED' : error?.code?.startsWith?.('ERR_') ? error.code : 'ERR_FETCH_FAILED', message },
    payment,
    offer,
    sessionTerms,
    paymentRequired: null,
    signedIn: null,
  };
}
