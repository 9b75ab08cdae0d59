// The first step of a paid request: which of a route's offers a payment
// takes, and the id that names the payment — one per EIP-3009
// authorization on chain (network, token, payer, nonce), so the same payload
// sent twice is the same payment.
import { keccak256, sameAddress } from '../hashing.js';
import { HEX_ADDRESS } from '../validate.js';
import { v1NetworkName, v1Requirements } from './offers.js';

const HEX32 = /^0x[0-9a-fA-F]{64}$/;
const UINT = /^(0|[1-9][0-9]{0,77})$/;

/** A refusal: no handler ran and nothing was settled. */
export function refused(status, error, message, extra = {}) {
  return { kind: 'refused', status, error, message, ...extra };
}

/** The authorization inside an exact/EVM payload, checked for shape. */
function authorizationOf(payload) {
  const auth = payload?.payload?.authorization;
  if (auth === null || typeof auth !== 'object') return null;
  const { from, to, value, validAfter, validBefore, nonce } = auth;
  if (!HEX_ADDRESS.test(from ?? '') || !HEX_ADDRESS.test(to ?? '') || !HEX32.test(nonce ?? '')) return null;
  for (const n of [value, validAfter, validBefore]) if (typeof n !== 'string' || !UINT.test(n)) return null;
  if (typeof payload.payload.signature !== 'string') return null;
  return auth;
}

/** The id of a payment: one per EIP-3009 authorization on chain. */
export function paymentIdOf(route, auth) {
  const key = [route.terms.network, route.terms.asset, auth.from, auth.nonce].join('|').toLowerCase();
  return keccak256(new TextEncoder().encode(key));
}

/**
 * Which of `offers` the payload takes ({offer, auth}), or a refusal saying
 * why none. `resourceServer` is the official x402ResourceServer.
 */
export function matchPayment({ resourceServer, offers, route, resource, payload, v1Names }) {
  const auth = authorizationOf(payload);
  if (!auth) return refused(400, 'invalid_payment', 'The payment is not an exact/EVM EIP-3009 authorization');
  let offer;
  if (payload.x402Version === 2) {
    const requirement = resourceServer.findMatchingRequirements(offers.map((o) => o.requirement), payload);
    offer = offers.find((o) => o.requirement === requirement);
  } else if (payload.x402Version === 1) {
    // v1 payloads do not echo the offer; scheme, network and the amount
    // pick it (normalizeRoute keeps the two amounts different).
    const v1Network = v1NetworkName(route.terms.network, v1Names);
    offer = payload.scheme === 'exact' && payload.network === v1Network
      ? offers.find((o) => o.amount === BigInt(auth.value))
      : undefined;
    if (offer) offer = { ...offer, v1: v1Requirements([offer], v1Network, resource)[0] };
  } else {
    return refused(400, 'unsupported_version', `x402Version ${payload.x402Version} is not supported (1 or 2)`);
  }
  if (!offer) {
    return refused(402, 'no_matching_offer',
      `The payment matches none of this route's offers (${route.terms.network}, asset ${route.terms.asset}, ` +
      `payTo ${route.terms.payTo}, amounts ${offers.map((o) => o.amount).join(' or ')})`);
  }
  // The facilitator checks these too; checking here keeps the payment id
  // (which trusts them) honest even if a facilitator were lax.
  if (!sameAddress(auth.to, route.terms.payTo)) return refused(402, 'wrong_payee', `The payment pays ${auth.to}, not ${route.terms.payTo}`);
  if (BigInt(auth.value) !== offer.amount) {
    return refused(402, 'amount_mismatch', `The payment is for ${auth.value} base units; this offer costs ${offer.amount}`);
  }
  return { offer, auth };
}
