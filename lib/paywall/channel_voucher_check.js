// The check every batch-settlement voucher meets before the paywall serves
// it: one function, channel state in, verdict out, so that the native
// voucher verifier (lib/channels, issue #17) can take its place here alone.
// No chain call: the channel's balance and claimed total are what the
// channel storage last learned from the facilitator.
//
// It is a gate in front of the official server scheme, not a replacement:
// after it passes, the official scheme's own checks and its reservation
// (one request per channel at a time) still run. Reason codes are the
// batch-settlement spec's, so the official client reacts to them as it does
// to the official server (a cumulative mismatch gets the corrective 402).
import { getAddress, hashTypedData, recoverAddressSync } from '../hashing.js';

const PREFIX = 'invalid_batch_settlement_evm_';
export const VOUCHER_REASONS = Object.freeze({
  channelIdMismatch: `${PREFIX}channel_id_mismatch`,
  exceedsBalance: `${PREFIX}cumulative_exceeds_balance`,
  belowClaimed: `${PREFIX}cumulative_below_claimed`,
  amountMismatch: `${PREFIX}cumulative_amount_mismatch`,
  badSignature: `${PREFIX}voucher_signature`,
});

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';
// The channel contract's EIP-712 domain (x402 batch-settlement spec).
const DOMAIN = { name: 'x402 Batch Settlement', version: '1' };
const CHANNEL_CONFIG_TYPES = {
  ChannelConfig: [
    { name: 'payer', type: 'address' },
    { name: 'payerAuthorizer', type: 'address' },
    { name: 'receiver', type: 'address' },
    { name: 'receiverAuthorizer', type: 'address' },
    { name: 'token', type: 'address' },
    { name: 'withdrawDelay', type: 'uint40' },
    { name: 'salt', type: 'bytes32' },
  ],
};
const VOUCHER_TYPES = { Voucher: [{ name: 'channelId', type: 'bytes32' }, { name: 'maxClaimableAmount', type: 'uint128' }] };

const refuse = (reason, message) => ({ ok: false, reason, message });

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
  const domain = { ...DOMAIN, chainId, verifyingContract: contract };
  let channelId;
  let amount;
  try {
    channelId = hashTypedData({ domain, types: CHANNEL_CONFIG_TYPES, primaryType: 'ChannelConfig', message: config });
    amount = BigInt(voucher.maxClaimableAmount);
  } catch {
    return refuse(VOUCHER_REASONS.channelIdMismatch, 'The voucher\'s channel configuration is malformed');
  }
  if (typeof voucher.channelId !== 'string' || voucher.channelId.toLowerCase() !== channelId) {
    return refuse(VOUCHER_REASONS.channelIdMismatch, 'The voucher names another channel than its channel configuration');
  }
  if (!channel) return { ok: null };
  if (amount > BigInt(channel.balance)) {
    return refuse(VOUCHER_REASONS.exceedsBalance, `The voucher's cumulative ${amount} exceeds the channel's deposit ${channel.balance}`);
  }
  if (amount <= BigInt(channel.totalClaimed)) {
    return refuse(VOUCHER_REASONS.belowClaimed, `The voucher's cumulative ${amount} is not above what was already claimed (${channel.totalClaimed})`);
  }
  const expected = BigInt(channel.chargedCumulativeAmount) + price;
  if (amount !== expected) {
    return refuse(VOUCHER_REASONS.amountMismatch,
      `The voucher's cumulative ${amount} is not the channel's running total plus this request (${expected})`);
  }
  if (config.payerAuthorizer === ZERO_ADDRESS) return { ok: null };
  let signer = null;
  try {
    const hash = hashTypedData({ domain, types: VOUCHER_TYPES, primaryType: 'Voucher', message: { channelId, maxClaimableAmount: amount } });
    signer = recoverAddressSync(hash, voucher.signature);
  } catch {
    // malformed or malleable: no signer
  }
  if (signer === null || signer !== getAddress(config.payerAuthorizer)) {
    return refuse(VOUCHER_REASONS.badSignature, 'The voucher is not signed by the channel\'s payer authorizer');
  }
  return { ok: true, payer: getAddress(config.payer) };
}
