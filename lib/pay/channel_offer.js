// A 402's batch-settlement offer read for a buyer's channel: its terms (the
// per-request amount, payee, asset, network), the channel it names
// (ChannelConfig: this payer, the seller's receiver and receiverAuthorizer,
// the token, the withdraw delay, salt 0 as @x402/evm's client uses, so the
// official client and ours find the same channel), and the deposit to make.
// Only EIP-3009 deposits are made, under a domain this payer knows
// (asset_domain.js), on a network and asset the policy allows.
import { MAX_UINT256 } from '../limits.js';
import { sameAddress } from '../hashing.js';
import { HEX_ADDRESS, evmChainId } from '../validate.js';
import { domainMismatch } from './asset_domain.js';
import { caip2Of, MAX_OFFER_BYTES } from './payment_required.js';
import { shownTerm } from './seller_text.js';

export const CHANNEL_SCHEME = 'batch-settlement';
/** The salt of every channel this payer opens: @x402/evm's client default, so both clients share channels. */
export const CHANNEL_SALT = `0x${'0'.repeat(64)}`;
/** Without an explicit deposit: this many requests' worth (or the seller's minDeposit when larger), within the limits. */
export const DEFAULT_DEPOSIT_REQUESTS = 100n;
// The contract's bounds on withdrawDelay (15 min to 30 days).
const MIN_WITHDRAW_DELAY = 900;
const MAX_WITHDRAW_DELAY = 30 * 86_400;
const UINT = /^(0|[1-9][0-9]{0,77})$/;
const ZERO = /^0x0{40}$/i;

/**
 * The offer's channel terms, or {unsupported: why}.
 * @returns {{terms: {network, asset, payTo, amount: bigint}, receiverAuthorizer, withdrawDelay, minDeposit: bigint | null} | {unsupported: string}}
 */
export function channelOfferTerms(offer, chain) {
  if (offer === null || typeof offer !== 'object') return { unsupported: 'not an object' };
  if (Buffer.byteLength(JSON.stringify(offer)) > MAX_OFFER_BYTES) return { unsupported: `larger than ${MAX_OFFER_BYTES} bytes as JSON` };
  if (offer.scheme !== CHANNEL_SCHEME) return { unsupported: `scheme ${shownTerm(offer.scheme)} (not ${CHANNEL_SCHEME})` };
  const network = caip2Of(offer.network, chain);
  if (!network) return { unsupported: `network ${shownTerm(offer.network)} is not an EVM network this payer knows` };
  const extra = offer.extra ?? {};
  if (extra.assetTransferMethod !== undefined && extra.assetTransferMethod !== 'eip3009') {
    return { unsupported: `asset transfer method ${shownTerm(extra.assetTransferMethod)} (only EIP-3009 deposits are made)` };
  }
  if (typeof extra.name !== 'string' || typeof extra.version !== 'string') return { unsupported: 'no EIP-712 domain (extra.name, extra.version) for the asset' };
  if (!HEX_ADDRESS.test(offer.asset ?? '')) return { unsupported: `asset ${shownTerm(offer.asset)} is not an address` };
  if (!HEX_ADDRESS.test(offer.payTo ?? '')) return { unsupported: `payTo ${shownTerm(offer.payTo)} is not an address` };
  if (!HEX_ADDRESS.test(extra.receiverAuthorizer ?? '') || ZERO.test(extra.receiverAuthorizer)) {
    return { unsupported: 'no non-zero extra.receiverAuthorizer (the channel could never be refunded cooperatively)' };
  }
  const withdrawDelay = extra.withdrawDelay ?? MIN_WITHDRAW_DELAY;
  if (!Number.isSafeInteger(withdrawDelay) || withdrawDelay < MIN_WITHDRAW_DELAY || withdrawDelay > MAX_WITHDRAW_DELAY) {
    return { unsupported: `extra.withdrawDelay ${shownTerm(String(withdrawDelay))} is not from ${MIN_WITHDRAW_DELAY} to ${MAX_WITHDRAW_DELAY} seconds` };
  }
  const amount = offer.amount;
  if (typeof amount !== 'string' || !UINT.test(amount) || BigInt(amount) === 0n || BigInt(amount) >= 2n ** 128n) {
    return { unsupported: `amount ${shownTerm(String(amount))} is not a positive uint128 of base units` };
  }
  if (!Number.isInteger(offer.maxTimeoutSeconds) || offer.maxTimeoutSeconds <= 0) return { unsupported: 'maxTimeoutSeconds is not a positive integer' };
  const mismatch = domainMismatch(offer, evmChainId(network), chain);
  if (mismatch) return { unsupported: mismatch };
  const minDeposit = typeof extra.minDeposit === 'string' && UINT.test(extra.minDeposit) && BigInt(extra.minDeposit) <= MAX_UINT256
    ? BigInt(extra.minDeposit) : null;
  return {
    terms: { network, asset: offer.asset, payTo: offer.payTo, amount: BigInt(amount) },
    receiverAuthorizer: extra.receiverAuthorizer,
    withdrawDelay,
    minDeposit,
  };
}

/** The first batch-settlement offer of a v2 402 on an allowed network and asset: {offer, ...channelOfferTerms} or null. */
export function channelOfferOf(paymentRequired, chain, policy) {
  if (paymentRequired?.x402Version !== 2 || !Array.isArray(paymentRequired.accepts)) return null;
  for (const offer of paymentRequired.accepts) {
    if (offer?.scheme !== CHANNEL_SCHEME) continue;
    const read = channelOfferTerms(offer, chain);
    if (read.unsupported) continue;
    if (!policy.allowedNetworks.includes(read.terms.network)) continue;
    if (!policy.allowedAssets.some((asset) => sameAddress(asset, read.terms.asset))) continue;
    return { offer, ...read };
  }
  return null;
}

/** The ChannelConfig this payer opens for an offer read by channelOfferTerms. */
export function channelConfigOf(payer, read) {
  return {
    payer,
    payerAuthorizer: payer,
    receiver: read.terms.payTo,
    receiverAuthorizer: read.receiverAuthorizer,
    token: read.terms.asset,
    withdrawDelay: read.withdrawDelay,
    salt: CHANNEL_SALT,
  };
}

/**
 * The deposit to make: `wanted` when given (the policy then judges it),
 * else DEFAULT_DEPOSIT_REQUESTS × the per-request amount, at least the
 * seller's minDeposit, within `ceiling` (the per-session limit, the call's
 * cap and what is left of today's budget) — never below one request.
 */
export function depositFor(read, { wanted = null, ceiling }) {
  if (wanted !== null) return wanted;
  const price = read.terms.amount;
  let deposit = price * DEFAULT_DEPOSIT_REQUESTS;
  if (read.minDeposit !== null && read.minDeposit > deposit) deposit = read.minDeposit;
  if (deposit > ceiling) deposit = ceiling;
  if (read.minDeposit !== null && deposit < read.minDeposit) deposit = read.minDeposit; // the policy refuses it, naming the limit
  return deposit < price ? price : deposit;
}
