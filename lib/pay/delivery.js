// A signed payment delivered: the recorded header goes out with the request,
// and the answer — or the chain, when the answer leaves it open — says what
// became of the payment.
import { decodePaymentResponseHeader } from '@x402/core/http';

import { MAX_REDIRECTS } from './fetch_request.js';
import { networkFailure, paymentView, responseFields } from './fetch_result.js';
import { exchange, originOf } from './request.js';

export function createDelivery({ transport, maxBodyBytes, ledger, chainOutcome, apply }) {
  /** Sends the recorded header and records what the answer says. */
  async function deliver(record, request, { replayed }) {
    record = ledger.sent(record.paymentId);
    const payOrigin = originOf(record.payUrl);
    let answer;
    try {
      answer = await resend({
        transport, maxBodyBytes, request, url: record.payUrl, method: record.payMethod, bodyKept: record.payBodyKept,
        guard: { origin: payOrigin, headers: { [record.headerName]: record.header } }, settlementOrigin: payOrigin,
      });
    } catch (error) {
      // Sent, and no answer: the outcome stays open even if the chain shows
      // the nonce used — the response was lost, and resending this same header
      // is how the caller gets it (a server replays a payment it settled).
      // Never a new signature for this call.
      return networkFailure(error, request, {
        payment: paymentView(ledger.get(record.paymentId), { replayed }),
        offer: record.offer,
        sessionTerms: record.sessionTerms,
        paid: true,
      });
    }

    let settlement = null;
    if (answer.settlementHeader) {
      try {
        settlement = decodePaymentResponseHeader(answer.settlementHeader.value);
      } catch {
        settlement = null;
      }
    }
    let outcome;
    if (settlement?.success === true) outcome = 'settled';
    else if (settlement?.success === false) outcome = 'refused';
    else if (answer.status === 402 || (answer.status >= 400 && answer.status < 500 && ![408, 425, 429].includes(answer.status))) outcome = 'refused';
    else outcome = 'unknown';

    if (record.state === 'settled') {
      // A replay of a settled payment: nothing to decide, only a hash to fill
      // in — and, unless the answer leaves it open, the caller has its answer now.
      record = ledger.settled(record.paymentId, {
        transaction: outcome === 'settled' ? settlement.transaction ?? null : null, answered: outcome !== 'unknown',
      });
    } else if (outcome === 'settled') {
      record = ledger.settled(record.paymentId, {
        transaction: settlement.transaction ?? null, network: record.network, payer: settlement.payer ?? record.payer,
      });
    } else if (outcome === 'refused' || answer.status < 500) {
      // The server has answered and will not deliver for this header (a
      // refusal), or delivered without saying it settled: the chain decides.
      // A 5xx without settlement is left open instead — a resend may still
      // get the response the payment bought.
      const onChain = await chainOutcome(record);
      if (outcome === 'refused') {
        // A refusal is the server's word, not the chain's: whoever holds the
        // signed authorization can still submit it until validBefore. Unless
        // the chain already shows it used (paid, settled after refusal) or
        // cancelled, it stays open and keeps its reservation (reconciliation.js).
        const reason = settlement?.errorReason ?? jsonError(answer.body) ?? `HTTP ${answer.status}`;
        const refusedBy = `refused by the server: ${reason}`;
        record = apply(record, onChain, { answered: true, refusedBy });
        if (record.state !== 'settled' && record.state !== 'failed') record = ledger.refused(record.paymentId, refusedBy);
      } else {
        record = apply(record, onChain, { answered: true });
      }
      // Otherwise the outcome stays open (state "sent").
    }
    return {
      ...responseFields(answer),
      timedOut: false,
      error: null,
      payment: paymentView(record, { replayed }),
      offer: record.offer,
      sessionTerms: record.sessionTerms,
      paymentRequired: null,
      signedIn: null,
    };
  }

  return { deliver };
}

/**
 * Sends the caller's request again to `url` (where its first try ended up),
 * with one more guarded header — the payment, or a Sign-In-With-X answer —
 * that goes only to its own origin. The body goes again only if the first
 * try still carried it.
 */
export function resend({ transport, maxBodyBytes, request, url, method, bodyKept, guard, settlementOrigin = null }) {
  return exchange({
    transport: request.transport ?? transport,
    url,
    method,
    headers: bodyKept ? request.headers : withoutBodyHeaders(request.headers),
    body: bodyKept ? request.body : null,
    guards: [guard, ...request.guards],
    deadline: request.deadline,
    maxBodyBytes,
    maxRedirects: MAX_REDIRECTS,
    settlementOrigin,
  });
}

/** The caller's headers for a request whose body a redirect dropped. */
export function withoutBodyHeaders(headers) {
  const out = { ...headers };
  for (const name of ['content-type', 'content-length', 'content-encoding']) delete out[name];
  return out;
}

function jsonError(body) {
  try {
    const parsed = JSON.parse(body);
    const text = parsed?.error ?? parsed?.message;
    return typeof text === 'string' ? text.slice(0, 200) : null;
  } catch {
    return null;
  }
}
