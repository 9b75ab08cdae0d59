// The seller's per-request voucher check (x402 batch-settlement): the
// payload a request carries against the channel as the seller stores it
// (@x402/evm's ChannelStorage record), without a chain call. The channel's
// signer (its config's payerAuthorizer) is found once per channel, after
// checking that the stored config hashes to the stored channel id; later
// requests on that channel cost one digest and one recovery.
import { getAddress } from '../hashing.js';
import { argError, expectObject, invalidArg } from '../validate.js';
import { amountText, channelIdOf, voucherDomain } from './voucher.js';

/** Why a voucher was refused, in the order the checks run. */
export const VOUCHER_REASONS = Object.freeze([
  'malformed', 'no_payer_authorizer', 'channel_mismatch', 'above_deposit', 'below_claimed',
  'not_above_total', 'cumulative_mismatch', 'bad_signature', 'wrong_signer',
]);

// The @x402/evm batch-settlement error code (a verify response's invalidReason) of each refusal.
const EVM = 'invalid_batch_settlement_evm_';
export const VOUCHER_INVALID_REASONS = Object.freeze({
  malformed: `${EVM}payload_type`,
  no_payer_authorizer: `${EVM}voucher_signature`,
  channel_mismatch: `${EVM}channel_id_mismatch`,
  above_deposit: `${EVM}cumulative_exceeds_balance`,
  below_claimed: `${EVM}cumulative_below_claimed`,
  not_above_total: `${EVM}cumulative_amount_mismatch`,
  cumulative_mismatch: `${EVM}cumulative_amount_mismatch`,
  bad_signature: `${EVM}voucher_signature`,
  wrong_signer: `${EVM}voucher_signature`,
});

const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';
const CONFIG_ADDRESSES = ['payer', 'payerAuthorizer', 'receiver', 'receiverAuthorizer', 'token'];

function refused(reason, detail, signer = null) {
  return { valid: false, reason, detail, signer, invalidReason: VOUCHER_INVALID_REASONS[reason] };
}

// One spelling of a config for comparing a request's with the stored one;
// null when a field has the wrong type (a hostile payload).
function configKey(config) {
  if (config === null || typeof config !== 'object') return null;
  for (const field of CONFIG_ADDRESSES) if (typeof config[field] !== 'string') return null;
  if (typeof config.salt !== 'string' || typeof config.withdrawDelay !== 'number') return null;
  return `${config.payer}|${config.payerAuthorizer}|${config.receiver}|${config.receiverAuthorizer}|${config.token}|${config.withdrawDelay}|${config.salt}`.toLowerCase();
}

function stateError(message) {
  return argError(TypeError, 'ERR_INVALID_CHANNEL_STATE', message);
}

export class VoucherVerifier {
  #where;
  #domain;
  #maxChannels;
  // channel id (lowercase) -> {signer (lowercase hex) | null, shown (EIP-55) | null, configKey}
  #channels = new Map();

  /**
   * @param {{chainId: number, verifyingContract?: string, maxChannels?: number}} options
   *   maxChannels bounds the signer cache (oldest first out; a channel that
   *   left it costs one channel-id hash when it comes back).
   */
  constructor(options) {
    expectObject(options, 'options');
    this.#domain = voucherDomain(options);
    this.#where = { chainId: options.chainId, verifyingContract: options.verifyingContract };
    const max = options.maxChannels ?? 100_000;
    if (!Number.isSafeInteger(max) || max < 1) throw invalidArg('a positive integer', 'options.maxChannels', max);
    this.#maxChannels = max;
  }

  /** Channels whose signer is cached. */
  get cachedChannels() {
    return this.#channels.size;
  }

  /** Drops a channel's cached signer (e.g. once its record is deleted). */
  forget(channelId) {
    if (typeof channelId === 'string') this.#channels.delete(channelId.toLowerCase());
  }

  #channelEntry(channel) {
    expectObject(channel, 'channel');
    if (typeof channel.channelId !== 'string') throw invalidArg('a string', 'channel.channelId', channel.channelId);
    const id = channel.channelId.toLowerCase();
    let entry = this.#channels.get(id);
    if (entry !== undefined) return entry;
    const config = expectObject(channel.channelConfig, 'channel.channelConfig');
    const derived = channelIdOf(config, this.#where);
    if (derived !== id) throw stateError('channel.channelConfig does not hash to channel.channelId');
    const authorizer = config.payerAuthorizer.toLowerCase();
    entry = authorizer === ZERO_ADDRESS
      ? { signer: null, shown: null, configKey: configKey(config) }
      : { signer: authorizer, shown: getAddress(config.payerAuthorizer), configKey: configKey(config) };
    if (this.#channels.size >= this.#maxChannels) this.#channels.delete(this.#channels.keys().next().value);
    this.#channels.set(id, entry);
    return entry;
  }

  /**
   * Checks the voucher of a batch-settlement payload ({channelConfig?,
   * voucher: {channelId, maxClaimableAmount, signature}}, as the request
   * carried it) against `channel` (the seller's record: channelId,
   * channelConfig, balance, totalClaimed, chargedCumulativeAmount). With
   * `price`, the voucher must be exactly chargedCumulativeAmount + price;
   * without, above it. Never throws for a bad payload; throws
   * ERR_INVALID_CHANNEL_STATE / ERR_INVALID_ARG_TYPE for a bad channel or price.
   */
  check(payload, channel, { price } = {}) {
    const entry = this.#channelEntry(channel);
    const priceText = price === undefined ? undefined : amountText(price, 'price');
    const voucher = payload !== null && typeof payload === 'object' ? payload.voucher : undefined;
    if (voucher === null || typeof voucher !== 'object' || typeof voucher.channelId !== 'string'
      || typeof voucher.maxClaimableAmount !== 'string' || typeof voucher.signature !== 'string') {
      return refused('malformed', 'the payload has no voucher {channelId, maxClaimableAmount, signature} of strings');
    }
    if (entry.signer === null) {
      return refused('no_payer_authorizer',
        "the channel's payerAuthorizer is zero: its vouchers are the payer's own (possibly EIP-1271) signatures, for the facilitator to check");
    }
    if (payload.channelConfig !== undefined) {
      const key = configKey(payload.channelConfig);
      if (key === null) return refused('malformed', 'the payload channelConfig has fields of the wrong type');
      if (key !== entry.configKey) {
        let derived;
        try {
          derived = channelIdOf(payload.channelConfig, this.#where);
        } catch (error) {
          return refused('malformed', `the payload channelConfig: ${error.message}`);
        }
        if (derived !== voucher.channelId.toLowerCase()) {
          return refused('channel_mismatch', 'the payload channelConfig does not hash to voucher.channelId');
        }
      }
    }
    const refusal = this.#domain.check(voucher.channelId, voucher.maxClaimableAmount, voucher.signature,
      channel.channelId, entry.signer,
      amountText(channel.balance, 'channel.balance'),
      amountText(channel.totalClaimed, 'channel.totalClaimed'),
      amountText(channel.chargedCumulativeAmount, 'channel.chargedCumulativeAmount'),
      priceText);
    if (refusal !== undefined) return refused(refusal.reason, refusal.detail, refusal.signer);
    return { valid: true, reason: null, detail: null, signer: entry.shown, invalidReason: null, maxClaimableAmount: voucher.maxClaimableAmount };
  }
}
