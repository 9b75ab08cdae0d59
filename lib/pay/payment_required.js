// Reading a 402: the x402 v2 PAYMENT-REQUIRED header or the v1 JSON body,
// and which of its offers this payer can pay at all (before the policy has
// its say). Only the "exact" scheme on EVM networks with an EIP-3009
// authorization is paid: that is what x402 sellers offer for USDC, and an
// EIP-3009 nonce is what makes a resend safe (it settles at most once).
import { EVM_NETWORK_CHAIN_ID_MAP } from '@x402/evm/v1';

import { MAX_UINT256 } from '../limits.js';
import { CAIP2_EVM, HEX_ADDRESS, evmChainId } from '../validate.js';
import { domainMismatch } from './asset_domain.js';
import { parseBoundedJson } from './bounded_json.js';
import { shownTerm } from './seller_text.js';

/** The key under `extra` that marks a ClawPay session offer (see lib/paywall/offers.js). */
export const SESSION_EXTRA = 'clawpaySession';

const UINT = /^(0|[1-9][0-9]{0,77})$/;
/** Offers are recorded in the payment ledger and echoed in the payment header: kept small. */
export const MAX_OFFER_BYTES = 8192;
const MAX_SESSION_TERMS_BYTES = 4096;

/**
 * How much of a 402 is read, one home for the limits: the JSON of the v2
 * header (decoded) or of the v1 body, its nesting, and its offers. Real
 * sellers send a few offers and a few KiB; beyond these a 402 is malformed,
 * not something to spend stack and time on.
 */
export const PAYMENT_REQUIRED_LIMITS = Object.freeze({ maxBytes: 256 * 1024, maxDepth: 32, maxOffers: 32 });
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const MAX_HEADER_CHARS = Math.ceil(PAYMENT_REQUIRED_LIMITS.maxBytes / 3) * 4;

/**
 * The PaymentRequired of a 402 answer, or {invalid, error}; within
 * PAYMENT_REQUIRED_LIMITS, else invalid.
 * @returns {{x402Version: 1|2, accepts: object[], resource?: object, error?: string, extensions?: object} | {error: string, invalid: true}}
 */
export function parsePaymentRequired({ headers, body }) {
  const header = headers['payment-required'];
  if (header) {
    if (header.length > MAX_HEADER_CHARS) {
      return { invalid: true, error: `its PAYMENT-REQUIRED header is longer than ${MAX_HEADER_CHARS} characters` };
    }
    if (!BASE64.test(header)) return { invalid: true, error: 'its PAYMENT-REQUIRED header is not base64-encoded JSON' };
    const read = parseBoundedJson(Buffer.from(header, 'base64').toString('utf8'), PAYMENT_REQUIRED_LIMITS);
    if (read.error) return { invalid: true, error: `its PAYMENT-REQUIRED header ${read.limit ? read.error : 'is not base64-encoded JSON'}` };
    const parsed = read.value;
    if (parsed?.x402Version !== 2 || !Array.isArray(parsed.accepts)) {
      return { invalid: true, error: `its PAYMENT-REQUIRED header is not an x402 v2 PaymentRequired (x402Version ${typeof parsed?.x402Version === 'string' ? shownTerm(parsed.x402Version) : parsed?.x402Version})` };
    }
    return withinOfferCount(parsed, 'its PAYMENT-REQUIRED header');
  }
  const text = typeof body === 'string' ? body : '';
  const read = parseBoundedJson(text, PAYMENT_REQUIRED_LIMITS);
  if (read.limit && /^\s*[{[]/.test(text.slice(0, 64))) {
    // JSON-like, but beyond the limits: say so rather than "not x402".
    return { invalid: true, error: `its body ${read.error}` };
  }
  const parsed = read.value;
  if (parsed?.x402Version === 1 && Array.isArray(parsed.accepts)) return withinOfferCount(parsed, 'its x402 v1 body');
  return { invalid: true, error: 'it carries neither a PAYMENT-REQUIRED header (x402 v2) nor an x402 v1 JSON body' };
}

function withinOfferCount(paymentRequired, where) {
  const { maxOffers } = PAYMENT_REQUIRED_LIMITS;
  if (paymentRequired.accepts.length > maxOffers) {
    return { invalid: true, error: `${where} lists ${paymentRequired.accepts.length} offers; at most ${maxOffers} are read` };
  }
  return paymentRequired;
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
 * An offer's terms, or the reason this payer cannot pay it. `chain` is the
 * payer's {v1Network, chainId, asset}: the configured chain and asset, whose
 * EIP-712 domain (or a known USDC deployment's) the offer must name.
 * @returns {{terms: {network, asset, payTo, amount: bigint}, session: boolean} | {unsupported: string}}
 */
export function offerTerms(offer, x402Version, chain) {
  if (offer === null || typeof offer !== 'object') return { unsupported: 'not an object' };
  if (Buffer.byteLength(JSON.stringify(offer)) > MAX_OFFER_BYTES) return { unsupported: `larger than ${MAX_OFFER_BYTES} bytes as JSON` };
  if (offer.scheme !== 'exact') return { unsupported: `scheme ${shownTerm(offer.scheme)} (only "exact" is paid)` };
  const network = caip2Of(offer.network, chain);
  if (!network) return { unsupported: `network ${shownTerm(offer.network)} is not an EVM network this payer knows` };
  const method = offer.extra?.assetTransferMethod;
  if (method !== undefined && method !== 'eip3009') return { unsupported: `asset transfer method ${shownTerm(method)} (only EIP-3009 authorizations are paid)` };
  if (typeof offer.extra?.name !== 'string' || typeof offer.extra?.version !== 'string') {
    return { unsupported: 'no EIP-712 domain (extra.name, extra.version) for the asset' };
  }
  if (!HEX_ADDRESS.test(offer.asset ?? '')) return { unsupported: `asset ${shownTerm(offer.asset)} is not an address` };
  if (!HEX_ADDRESS.test(offer.payTo ?? '')) return { unsupported: `payTo ${shownTerm(offer.payTo)} is not an address` };
  const amount = x402Version === 1 ? offer.maxAmountRequired : offer.amount;
  if (typeof amount !== 'string' || !UINT.test(amount) || BigInt(amount) > MAX_UINT256) {
    return { unsupported: `amount ${typeof amount === 'string' ? shownTerm(amount) : `(a ${typeof amount}, not a string)`} is not an integer of base units` };
  }
  // Any positive integer: the signed authorization is capped at the payer's
  // own maxAuthorizationSeconds whatever the seller asks (authorization_window.js).
  if (!Number.isInteger(offer.maxTimeoutSeconds) || offer.maxTimeoutSeconds <= 0) {
    return { unsupported: 'maxTimeoutSeconds is not a positive integer' };
  }
  const mismatch = domainMismatch(offer, evmChainId(network), chain);
  if (mismatch) return { unsupported: mismatch };
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
