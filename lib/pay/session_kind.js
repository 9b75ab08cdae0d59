// Which kind of buyer session a seller's 402 sells, in the order of
// preference, and — when it sells none — what it does offer, in words:
//   1. clawpay: an offer carries extra.clawpaySession (our paywall): a token
//      bound to the settlement
//   2. channel: an offer of scheme batch-settlement on an allowed network and
//      asset (channel_offer.js): a deposit, a voucher per request, the rest
//      refunded at the end. Before siwx: what is not used comes back, and
//      each request's price is bounded by the deposit, not by the seller's
//      own record of a payment
//   3. siwx:    the 402 declares sign-in-with-x with a challenge this payer can
//      answer (EIP-191 on an allowed chain): pay once, then sign in per call
//   4. none:    a session start is refused before anything is paid; x402_pay
//      pays such a seller per call.
import { describeAmount } from './amount.js';
import { isSessionOffer, sessionTermsOf } from './payment_required.js';
import { siwxChallengeOf } from './sign_in.js';

export const SESSION_KINDS = Object.freeze(['clawpay', 'channel', 'siwx']);

/**
 * The kind a v1/v2 PaymentRequired sells: {kind: 'clawpay', terms} |
 * {kind: 'channel'} | {kind: 'siwx', challenge} | {kind: null}.
 * `channelOffered(paymentRequired)`: whether a channel can be opened (channel_sessions.js); absent, none is.
 */
export function sessionKindOf(paymentRequired, allowedNetworks, channelOffered = null) {
  const terms = sessionTermsOf(paymentRequired);
  if (terms) return { kind: 'clawpay', terms };
  if (channelOffered?.(paymentRequired)) return { kind: 'channel' };
  const challenge = siwxChallengeOf(paymentRequired, allowedNetworks);
  if (challenge) return { kind: 'siwx', challenge };
  return { kind: null };
}

const shown = (value) => (typeof value === 'string' ? value.slice(0, 80) : String(value));

/**
 * What a 402 offers, for a refusal's message: each offer's per-call price and
 * scheme, and whether it declares a Sign-In-With-X this payer cannot answer.
 * {offers: [{scheme, network, amount, price}], schemes, siwxDeclared, text}.
 */
export function offeredTerms(paymentRequired, asset) {
  const offers = (paymentRequired?.accepts ?? []).filter((offer) => !isSessionOffer(offer)).map((offer) => {
    const raw = paymentRequired.x402Version === 1 ? offer?.maxAmountRequired : offer?.amount;
    const amount = typeof raw === 'string' && /^[0-9]{1,78}$/.test(raw) ? raw : null;
    const ownAsset = typeof offer?.asset === 'string' && offer.asset.toLowerCase() === asset.address?.toLowerCase();
    const price = amount === null ? 'an unreadable amount'
      : ownAsset ? describeAmount(BigInt(amount), asset) : `${amount} base units of ${shown(offer?.asset)}`;
    return { scheme: shown(offer?.scheme), network: shown(offer?.network), amount, price };
  });
  const schemes = [...new Set(offers.map((offer) => offer.scheme))];
  const siwxDeclared = paymentRequired?.extensions?.['sign-in-with-x'] !== undefined;
  const list = offers.length === 0 ? 'no offers'
    : offers.map((offer) => `${offer.price} per call (scheme "${offer.scheme}" on ${offer.network})`).join('; ');
  const text = `it offers ${list}, and ${siwxDeclared
    ? 'a Sign-In-With-X challenge this wallet cannot answer (no EIP-191 chain the policy allows)'
    : 'neither a ClawPay session nor Sign-In-With-X re-entry'}`;
  return { offers, schemes, siwxDeclared, text };
}

/**
 * The kind a session purchase buys, decided from the 402 before anything is
 * paid: `beforePaying` (the paying fetch's hook) declines a seller that sells
 * none — and hands a channel back to the caller ({channel: true}), which
 * opens it itself (channel_sessions.js); `kindAfter(result)` is the kind chosen (for a resumed purchase, which
 * sees no fresh 402: clawpay when the ledger kept ClawPay terms, else siwx
 * when the answer declares it, else clawpay as before kinds existed).
 */
export function createKindChoice(allowedNetworks, channelOffered = null) {
  let chosen = null;
  return {
    beforePaying(paymentRequired) {
      chosen = sessionKindOf(paymentRequired, allowedNetworks, channelOffered);
      if (chosen.kind === 'channel') return { channel: true, paymentRequired };
      return chosen.kind ? null : { error: 'session_not_offered', paymentRequired };
    },
    kindAfter(result) {
      if (chosen?.kind) return chosen.kind;
      if (result.sessionTerms) return 'clawpay';
      return result.paymentRequired && siwxChallengeOf(result.paymentRequired, allowedNetworks) ? 'siwx' : 'clawpay';
    },
  };
}
