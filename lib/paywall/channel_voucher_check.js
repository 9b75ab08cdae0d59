// The check every batch-settlement voucher meets before the paywall serves
// it: one function, channel state in, verdict out. The curve work is the
// native voucher verifier's (lib/channels: the EIP-712 digest and one
// recovery, the channel's signer cached per channel id). No chain call: the
// channel's balance and claimed total are what the channel storage last
// learned from the facilitator.
//
// It is a gate in front of the official server scheme, not a replacement:
// after it passes, the official scheme's own checks and its reservation
// (one request per channel at a time) still run. Reason codes are the
// batch-settlement spec's, so the official client reacts to them as it does
// to the official server (a cumulative mismatch gets the corrective 402).
import { getAddress } from '../hashing.js';
import { channelIdOf } from '../channels/voucher.js';
import { VOUCHER_INVALID_REASONS, VoucherVerifier } from '../channels/voucher_verifier.js';

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';

// One verifier (its domain and signer cache) per chain and channel contract.
const verifiers = new Map();
function verifierFor(chainId, contract) {
  const key = `${chainId}:${contract.toLowerCase()}`;
  let verifier = verifiers.get(key);
  if (verifier === undefined) {
    verifier = new VoucherVerifier({ chainId, verifyingContract: contract });
    verifiers.set(key, verifier);
  }
  return verifier;
}

const refuse = (reason, message) => ({ ok: false, reason: VOUCHER_INVALID_REASONS[reason], message });

// What a person reads for each of the verifier's refusals.
function refusalText(reason, amount, channel, price, detail) {
  switch (reason) {
    case 'above_deposit': return `The voucher's cumulative ${amount} exceeds the channel's deposit ${channel.balance}`;
    case 'below_claimed': return `The voucher's cumulative ${amount} is not above what was already claimed (${channel.totalClaimed})`;
    case 'not_above_total':
    case 'cumulative_mismatch':
      return `The voucher's cumulative ${amount} is not the channel's running total plus this request (${BigInt(channel.chargedCumulativeAmount) + price})`;
    case 'bad_signature':
    case 'wrong_signer':
      return 'The voucher is not signed by the channel\'s payer authorizer';
    case 'channel_mismatch': return 'The voucher names another channel than its channel configuration';
    default: return `The voucher is malformed (${detail})`;
  }
}

/**
 * The verdict on one voucher payload ({channelConfig, voucher}) for a
 * request costing `price` (bigint) on `contract` (the channel contract's
 * address) and `chainId`, given `channel`, the stored channel state (or
 * undefined):
 *   {ok: true, payer}   the voucher pays exactly this request
 *   {ok: null}          no stored state, or a contract-wallet payer: only the
 *                       official path (the facilitator, on chain) can judge
 *   {ok: false, reason, message}
 */
export function checkChannelVoucher({ channel, payload, price, chainId, contract }) {
  const { channelConfig: config, voucher } = payload;
  let channelId;
  try {
    channelId = channelIdOf(config, { chainId, verifyingContract: contract });
  } catch {
    return refuse('channel_mismatch', 'The voucher\'s channel configuration is malformed');
  }
  if (typeof voucher?.channelId !== 'string' || voucher.channelId.toLowerCase() !== channelId) {
    return refuse('channel_mismatch', 'The voucher names another channel than its channel configuration');
  }
  if (!channel || config.payerAuthorizer.toLowerCase() === ZERO_ADDRESS) return { ok: null };
  let verdict;
  try {
    verdict = verifierFor(chainId, contract).check(payload, channel, { price });
  } catch {
    return { ok: null }; // stored state the verifier cannot read: the official path judges it
  }
  if (verdict.valid) return { ok: true, payer: getAddress(config.payer) };
  if (verdict.reason === 'no_payer_authorizer') return { ok: null };
  return refuse(verdict.reason, refusalText(verdict.reason, voucher.maxClaimableAmount, channel, price, verdict.detail));
}
