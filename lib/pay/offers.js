// Reading a 402: the x402 v2 PAYMENT-REQUIRED header or the v1 JSON body,
// and which of its offers this payer can pay at all (before the policy has
// its say). Only the "exact" scheme on EVM networks with an EIP-3009
// authorization is paid: that is what x402 sellers offer for USDC, and an
// EIP-3009 nonce is what makes a resend safe (it settles at most once).
import { decodePaymentRequiredHeader } from '@x402/core/http';
import { EVM_NETWORK_CHAIN_ID_MAP } from '@x402/evm/v1';

/** The key under `extra` that marks a ClawPay session offer (see lib/paywall/offers.js). */
export const SESSION_EXTRA = 'clawpaySession';

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const UINT = /^(0|[1-9][0-9]{0,77})$/;
const CAIP2_EVM = /^eip155:([1-9][0-9]{0,15})$/;
/** Offers are recorded in the payment ledger and echoed in the payment header: kept small. */
export const MAX_OFFER_BYTES = 8192;
const MAX_SESSION_TERMS_BYTES = 4096;

/**
 * The PaymentRequired of a 402 answer, or {error}.
 * @returns {{x402Version: 1|2, accepts: object[], resource?: object, error?: string, extensions?: object} | {error: string, invalid: true}}
 */
export function parsePaymentRequired({ headers, body }) {
  const header = headers['payment-required'];
  if (header) {
    let parsed;
    try {
      parsed = decodePaymentRequiredHeader(header);
    } catch {
      return { invalid: true, error: 'its PAYMENT-REQUIRED header is not base64-encoded JSON' };
    }
    if (parsed?.x402Version !== 2 || !Array.isArray(parsed.accepts)) {
      return { invalid: true, error: `its PAYMENT-REQUIRED header is not an x402 v2 PaymentRequired (x402Version ${parsed?.x402Version})` };
    }
    return parsed;
  }
  let parsed = null;
  try {
    parsed = JSON.parse(body);
  } catch {
    // not JSON: not x402
  }
  if (parsed?.x402Version === 1 && Array.isArray(parsed.accepts)) return parsed;
  return { invalid: true, error: 'it carries neither a PAYMENT-REQUIRED header (x402 v2) nor an x402 v1 JSON body' };
}

/** The CAIP-2 network of an offer's network (v2 id or v1 name), or null. */
export function caip2Of(network, { v1Network, chainId } = {}) {
  if (typeof network !== 'string') return null;
  if (CAIP2_EVM.test(network)) return network;
  if (v1Network && network === v1Network) return `eip155:${chainId}`;
  const id = EVM_NETWORK_CHAIN_ID_MAP[network];
  return id === undefined ? null : `eip155:${id}`;
}

export const isSessionOffer = (offer) => offer?.extra?.[SESSION_EXTRA] !== undefined && offer?.extra?.[SESSION_EXTRA] !== null;

/**
 * An offer's terms, or the reason this payer cannot pay it.
 * @returns {{terms: {network, asset, payTo, amount: bigint}, session: boolean} | {unsupported: string}}
 */
export function offerTerms(offer, x402Version, chain) {
  if (offer === null || typeof offer !== 'object') return { unsupported: 'not an object' };
  if (Buffer.byteLength(JSON.stringify(offer)) > MAX_OFFER_BYTES) return { unsupported: `larger than ${MAX_OFFER_BYTES} bytes as JSON` };
  if (offer.scheme !== 'exact') return { unsupported: `scheme "${offer.scheme}" (only "exact" is paid)` };
  const network = caip2Of(offer.network, chain);
  if (!network) return { unsupported: `network "${offer.network}" is not an EVM network this payer knows` };
  const method = offer.extra?.assetTransferMethod;
  if (method !== undefined && method !== 'eip3009') return { unsupported: `asset transfer method "${method}" (only EIP-3009 authorizations are paid)` };
  if (typeof offer.extra?.name !== 'string' || typeof offer.extra?.version !== 'string') {
    return { unsupported: 'no EIP-712 domain (extra.name, extra.version) for the asset' };
  }
  if (!ADDRESS.test(offer.asset ?? '')) return { unsupported: `asset "${offer.asset}" is not an address` };
  if (!ADDRESS.test(offer.payTo ?? '')) return { unsupported: `payTo "${offer.payTo}" is not an address` };
  const amount = x402Version === 1 ? offer.maxAmountRequired : offer.amount;
  if (typeof amount !== 'string' || !UINT.test(amount) || BigInt(amount) >= 1n << 256n) {
    return { unsupported: `amount ${JSON.stringify(amount)} is not an integer of base units` };
  }
  if (!Number.isSafeInteger(offer.maxTimeoutSeconds) || offer.maxTimeoutSeconds <= 0) {
    return { unsupported: 'maxTimeoutSeconds is not a positive integer' };
  }
  return {
    terms: { network, asset: offer.asset, payTo: offer.payTo, amount: BigInt(amount) },
    session: isSessionOffer(offer),
  };
}

/**
 * The offers worth trying, in order, for a purpose:
 *   'session': the offers with extra.clawpaySession when there are any (a server that
 *              sells sessions is never paid for a single call instead), else all
 *   'call':    the offers without it (a call never buys a session by accident)
 * @returns {{candidates: {offer, terms, session}[], skipped: string[]}}
 */
export function candidateOffers(paymentRequired, purpose, chain) {
  const candidates = [];
  const skipped = [];
  paymentRequired.accepts.forEach((offer, index) => {
    const read = offerTerms(offer, paymentRequired.x402Version, chain);
    if (read.unsupported) {
      skipped.push(`offer ${index + 1}: ${read.unsupported}`);
    } else if (purpose === 'call' && read.session) {
      skipped.push(`offer ${index + 1}: a session offer (buy sessions with purpose "session")`);
    } else {
      candidates.push({ offer, ...read });
    }
  });
  if (purpose === 'session' && candidates.some((c) => c.session)) {
    return { candidates: candidates.filter((c) => c.session), skipped };
  }
  return { candidates, skipped };
}

/** extra.clawpaySession of the 402's session offer, if it has one. */
export function sessionTermsOf(paymentRequired) {
  const offer = paymentRequired?.accepts?.find?.(isSessionOffer);
  if (!offer) return null;
  const terms = offer.extra[SESSION_EXTRA];
  return Buffer.byteLength(JSON.stringify(terms)) <= MAX_SESSION_TERMS_BYTES ? terms : null;
}
