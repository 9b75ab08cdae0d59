// One call of the paying fetch, steps 1 to 5 of payer.js: an earlier payment
// for the same call is resumed, never repeated; otherwise the request is sent
// and a 402 paid — Sign-In-With-X tried first when a call's 402 offers it,
// then offer chosen, budget reserved, intent recorded, header signed, then
// delivered.
import { payError } from './errors.js';
import { MAX_REDIRECTS } from './fetch_request.js';
import { networkFailure, paymentView, plainResult } from './fetch_result.js';
import { chooseOffer } from './offer_choice.js';
import { parsePaymentRequired, sessionTermsOf } from './payment_required.js';
import { STALE_INTENT_MS } from './payment_ledger.js';
import { signPayment } from './payment_signature.js';
import { PolicyError } from './policy.js';
import { exchange, originOf } from './request.js';

export function createPaymentFlow({
  config, transport, now, maxBodyBytes, maxAuthorizationSeconds, policy, ledger, chain, client, expired, resolveExpired, fail, deliver, signIn,
  reconcileOpen,
}) {
  async function pay(request) {
    const { url, method, headers, body, guards, purpose, cap, key, explicit, requestHash } = request;

    // An earlier payment for this call? (None for one that may not pay.)
    let previous = request.payAllowed ? ledger.current(key) : null;
    if (previous) {
      if (previous.requestHash !== requestHash) {
        throw payError('ERR_IDEMPOTENCY_CONFLICT',
          `idempotencyKey ${JSON.stringify(request.idempotencyKey)} was used for another request (${previous.method} ${previous.url}); use a new key for a new call`,
          { paymentId: previous.paymentId });
      }
      // Under an explicit key a refused authorization is resent, never
      // replaced: it may still settle, and a second one could settle too.
      const resendable = previous.state === 'signed' || previous.state === 'sent' || (previous.state === 'refused' && explicit);
      if (resendable && expired(previous)) {
        const resolved = await resolveExpired(previous);
        if (!resolved) {
          throw payError('ERR_PAYMENT_UNRESOLVED',
            `An earlier payment for this call (nonce ${previous.nonce}) was sent, its outcome is unknown, and its authorization has expired; ` +
            'the chain could not be asked whether it was used, so it is not paid again. Retry when the RPC is reachable, or use a new idempotencyKey',
            { payment: paymentView(previous) });
        }
        previous = resolved;
      }
      if (previous.state === 'signed' || previous.state === 'sent' || (previous.state === 'refused' && explicit)) {
        return deliver(previous, request, { replayed: true });
      }
      // Settled, and the caller never got its answer (a crash; reconcile settled
      // it from the chain): this is the call retried, not a new purchase.
      if (previous.state === 'settled' && (explicit || previous.answered === false)) return deliver(previous, request, { replayed: true });
      if (previous.state === 'intent' && now() - previous.createdAt < STALE_INTENT_MS) {
        throw payError('ERR_PAYMENT_IN_PROGRESS', 'A payment for this call is being signed by another process; retry shortly', { paymentId: previous.paymentId });
      }
    }

    // The request itself.
    let first;
    try {
      first = await exchange({
        transport: request.transport ?? transport, url, startOrigin: request.startOrigin, method, headers, body, guards,
        deadline: request.deadline, maxBodyBytes, maxRedirects: MAX_REDIRECTS,
      });
    } catch (error) {
      return networkFailure(error, request, { payment: null, offer: null, sessionTerms: null, paid: false });
    }
    if (first.status !== 402) return plainResult(first);

    let { paymentRequired, sessionTerms, unpaid } = read402(first);
    if (!request.payAllowed && !request.signInOnly) return unpaid;
    checkPayable(request, first, paymentRequired, unpaid);
    // The caller's last word before anything is signed: a session start
    // refuses a seller that sells no session it can use (session_kind.js).
    const declined = request.beforePaying?.(paymentRequired, sessionTerms) ?? null;
    if (declined) return { ...unpaid, declined };

    // Sign-In-With-X first, before any budget or intent (sign_in.js): signed
    // in is the answer; any other answer takes the 402's place, once.
    // Sign-In-With-X is an HTTP header: a call over another transport has none.
    const attempt = request.transport ? null : await signIn(request, first, paymentRequired);
    if (attempt?.failure) {
      return networkFailure(attempt.failure, request, { payment: null, offer: null, sessionTerms, paid: false });
    }
    if (attempt?.signedIn) {
      return { ...plainResult(attempt.answer), sessionTerms, paymentRequired: unpaid.paymentRequired, signedIn: attempt.signedIn };
    }
    if (!request.payAllowed) return { ...(attempt ? read402OrPlain(attempt.answer) : unpaid), signInTried: Boolean(attempt) };
    if (attempt) {
      first = attempt.answer;
      if (first.status !== 402) return plainResult(first);
      ({ paymentRequired, sessionTerms, unpaid } = read402(first));
      checkPayable(request, first, paymentRequired, unpaid);
    }

    // Open authorizations first: one the seller settled after refusing is
    // spent, one cancelled or expired gives its budget back (reconciliation.js).
    await reconcileOpen();
    const chosen = chooseOffer({ paymentRequired, first, purpose, cap, chain, policy, unpaid });
    let reservation;
    try {
      reservation = policy.reserve(chosen.terms, { kind: purpose, cap }); // atomic with the daily total
    } catch (error) {
      if (error instanceof PolicyError) error.response = unpaid; // another payment took the day's budget meanwhile
      throw error;
    }
    let record;
    try {
      record = ledger.begin({
        key,
        explicitKey: explicit,
        requestHash,
        kind: purpose,
        url,
        payUrl: first.url,
        method,
        payMethod: first.method,
        payBodyKept: first.bodyKept,
        x402Version: paymentRequired.x402Version,
        offer: chosen.offer,
        sessionTerms,
        network: chosen.terms.network,
        asset: chosen.terms.asset,
        payTo: chosen.terms.payTo,
        amount: chosen.terms.amount,
        decimals: config.asset.decimals,
        reservation: reservation.toJSON(),
      }, { previous: previous?.paymentId ?? null });
    } catch (error) {
      reservation.release();
      throw error;
    }

    record = await signPayment({ client, ledger, fail, maxAuthorizationSeconds }, { record, paymentRequired, chosen, unpaid });
    const result = await deliver(record, request, { replayed: false });
    return { ...result, paymentRequired: unpaid.paymentRequired };
  }

  return { pay };
}

/** A 402 answer read: its PaymentRequired (or {invalid, error}) and the result that reports it unpaid. */
function read402(answer) {
  const paymentRequired = parsePaymentRequired(answer);
  const sessionTerms = paymentRequired.invalid ? null : sessionTermsOf(paymentRequired);
  const unpaid = { ...plainResult(answer), sessionTerms, paymentRequired: paymentRequired.invalid ? null : paymentRequired };
  return { paymentRequired, sessionTerms, unpaid };
}

/** An answer to a signed-in request, as an unpaid result. */
function read402OrPlain(answer) {
  return answer.status === 402 ? read402(answer).unpaid : plainResult(answer);
}

/** Throws unless the 402 is one to pay automatically: from the call's own origin, and readable. */
function checkPayable(request, answer, paymentRequired, unpaid) {
  if (originOf(answer.url) !== request.startOrigin) {
    throw payError('ERR_CROSS_ORIGIN_402',
      `${request.url} redirected to ${answer.url}, another origin, which asked for payment; a 402 reached through a cross-origin redirect is not paid automatically`,
      { response: unpaid });
  }
  if (paymentRequired.invalid) {
    throw payError('ERR_MALFORMED_402', `${answer.url} answered 402, but ${paymentRequired.error}`, { response: unpaid });
  }
}
