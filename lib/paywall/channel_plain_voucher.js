// The common channel request, without the official x402 pipeline: a plain
// cumulative voucher (no deposit, no refund) that our native check has
// passed, on a channel whose on-chain state in storage is fresh and whose
// configuration matches the offer. It does what the official resource server
// and batch-settlement server scheme do for such a request (@x402/evm 2.27:
// batch-settlement/server handleAfterVerify, handleBeforeSettle,
// clearPendingRequest; @x402/core verifyPayment/settlePayment): the same
// ChannelStorage updates through the official interface — reserve the
// channel (one request at a time, the running total checked again under the
// storage's lock), run the handler, commit the charge or release the
// reservation — the same settlement answer for the PAYMENT-RESPONSE header,
// and the same refusals. Everything else (deposits, refunds, stale state, a
// configuration the offer does not match, a cumulative the stored total does
// not predict) takes the official path (channel_payment.js).
// test/e2e/paywall_channel_plain_voucher.test.js answers the same requests
// both ways and compares the headers and the storage.
import { randomBytes } from 'node:crypto';

import { getAddress } from '../hashing.js';
import { refused } from './payment_match.js';

const EVM = 'invalid_batch_settlement_evm_';
// The official scheme's reason codes and texts (not exported by @x402/evm).
const BUSY = [`${EVM}channel_busy`, 'Channel is already processing a request'];
const STALE = [`${EVM}cumulative_amount_mismatch`, 'Client voucher base does not match server state'];
const STATE_UNAVAILABLE = [`${EVM}verification_state_unavailable`, 'Unable to establish channel verification state'];
const MISSING = `${EVM}missing_channel`;
const CAP_EXCEEDED = `${EVM}charge_exceeds_signed_cumulative`;
// The official reservation's lifetime bounds and withdraw-delay range.
const MIN_PENDING_TTL_MS = 5_000;
const MAX_PENDING_TTL_MS = 600_000;
const MIN_WITHDRAW_DELAY = 900;
const MAX_WITHDRAW_DELAY = 2_592_000;
const ZERO_ADDRESS = '0x0000000000000000000000000000000000000000';

/** The refusal when the charge could not be committed (the official path's too). */
export const settlementUnknown = (detail) => refused(502, 'settlement_unknown', `The channel payment did not complete (${detail}); nothing was charged twice`);

// A reservation's id only has to differ from every other one (replicas
// share storage): a random prefix per process and a counter, as 32 bytes of
// hex like the official scheme's random nonce, without a random draw per request.
const PENDING_PREFIX = `0x${randomBytes(16).toString('hex')}`;
let pendingCount = 0n;
const nextPendingId = () => `${PENDING_PREFIX}${(pendingCount++).toString(16).padStart(32, '0')}`;

const same = (a, b) => typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();

// The offer's terms in the channel's configuration (the official validateChannelConfig's rules).
function matchesOffer(config, requirements) {
  const extra = requirements.extra ?? {};
  return same(config.receiver, requirements.payTo)
    && same(config.token, requirements.asset)
    && typeof extra.receiverAuthorizer === 'string' && !same(extra.receiverAuthorizer, ZERO_ADDRESS)
    && same(config.receiverAuthorizer, extra.receiverAuthorizer)
    && (extra.withdrawDelay === undefined || config.withdrawDelay === Number(extra.withdrawDelay))
    && config.withdrawDelay >= MIN_WITHDRAW_DELAY && config.withdrawDelay <= MAX_WITHDRAW_DELAY;
}

/**
 * Whether the voucher payload `raw` (our check passed it against `channel`,
 * the stored state) is a plain voucher this path answers as the official
 * pipeline would: fresh on-chain state (the official rule for judging
 * without the facilitator), the offer's configuration, and exactly the
 * stored running total plus the price.
 */
export function isPlainVoucher({ scheme, channel, raw, requirement, now = Date.now() }) {
  return channel.onchainSyncedAt !== undefined && now - channel.onchainSyncedAt <= scheme.getOnchainStateTtlMs()
    // State as the official scheme writes it; anything else is the official pipeline's to judge.
    && typeof channel.balance === 'string' && typeof channel.totalClaimed === 'string'
    && Number.isSafeInteger(channel.withdrawRequestedAt) && Number.isSafeInteger(channel.refundNonce)
    && BigInt(raw.voucher.maxClaimableAmount) === BigInt(channel.chargedCumulativeAmount) + BigInt(requirement.amount)
    && matchesOffer(raw.channelConfig, requirement);
}

const pendingExpiresAt = (maxTimeoutSeconds, now) => now
  + Math.min(MAX_PENDING_TTL_MS, Math.max(MIN_PENDING_TTL_MS, Math.max(0, maxTimeoutSeconds ?? 0) * 1000));

// The official handleAfterVerify for a locally verified voucher: the channel reserved for this request.
async function reserve(storage, raw, requirement, snapshot, pendingId) {
  const { channelConfig, voucher } = raw;
  const now = Date.now();
  let outcome;
  await storage.updateChannel(voucher.channelId, (current) => {
    if (current?.pendingRequest !== undefined && current.pendingRequest.expiresAt > now) {
      outcome = { status: 'busy' };
      return current;
    }
    const base = current?.chargedCumulativeAmount ?? inferredCharged(voucher.maxClaimableAmount, requirement.amount);
    if (BigInt(voucher.maxClaimableAmount) !== BigInt(base) + BigInt(requirement.amount)) {
      outcome = { status: 'stale', channel: current ?? provisional(raw, base) };
      return current;
    }
    outcome = { status: 'reserved' };
    return {
      channelId: voucher.channelId,
      channelConfig,
      chargedCumulativeAmount: base,
      signedMaxClaimable: voucher.maxClaimableAmount,
      signature: voucher.signature,
      balance: snapshot.balance,
      totalClaimed: snapshot.totalClaimed,
      withdrawRequestedAt: snapshot.withdrawRequestedAt,
      // The official verify answer carries it as text and reads it back as a number.
      refundNonce: Number.parseInt(String(snapshot.refundNonce), 10) || 0,
      onchainSyncedAt: current?.onchainSyncedAt,
      lastRequestTimestamp: now,
      pendingRequest: { pendingId, signedMaxClaimable: voucher.maxClaimableAmount, expiresAt: pendingExpiresAt(requirement.maxTimeoutSeconds, now) },
    };
  });
  return outcome;
}

function inferredCharged(signedMaxClaimable, price) {
  const signed = BigInt(signedMaxClaimable);
  return signed < BigInt(price) ? '0' : (signed - BigInt(price)).toString();
}

const provisional = (raw, chargedCumulativeAmount) => ({
  channelId: raw.voucher.channelId,
  channelConfig: raw.channelConfig,
  chargedCumulativeAmount,
  signedMaxClaimable: raw.voucher.maxClaimableAmount,
  signature: raw.voucher.signature,
  balance: '0',
  totalClaimed: '0',
  withdrawRequestedAt: 0,
  refundNonce: 0,
  lastRequestTimestamp: Date.now(),
});

// The official clearPendingRequest: this request's reservation released, a newer one untouched.
function release(storage, channelId, pendingId) {
  return storage.updateChannel(channelId, (current) => (
    !current || current.pendingRequest?.pendingId !== pendingId ? current : { ...current, pendingRequest: undefined }
  ));
}

// The official handleBeforeSettle: the charge committed, the reservation ended.
async function commit(storage, raw, requirement, pendingId) {
  const { voucher } = raw;
  let outcome;
  const updated = await storage.updateChannel(voucher.channelId, (current) => {
    if (!current) {
      outcome = { status: 'missing' };
      return current;
    }
    if (current.pendingRequest?.pendingId !== pendingId) {
      outcome = { status: 'pending_mismatch' };
      return current;
    }
    const charged = BigInt(current.chargedCumulativeAmount) + BigInt(requirement.amount);
    if (charged > BigInt(voucher.maxClaimableAmount)) {
      outcome = { status: 'cap_exceeded', charged: charged.toString() };
      return { ...current, pendingRequest: undefined };
    }
    const next = {
      ...current,
      chargedCumulativeAmount: charged.toString(),
      signedMaxClaimable: voucher.maxClaimableAmount,
      signature: voucher.signature,
      lastRequestTimestamp: Date.now(),
      pendingRequest: undefined,
    };
    outcome = { status: 'committed', previous: current, current: next };
    return next;
  });
  if (outcome?.status === 'committed' && updated.status === 'updated') return { ok: true, ...outcome };
  // The official abort's text, as its SettleError spells it ("reason: message").
  if (outcome?.status === 'missing') return { ok: false, message: `${MISSING}: No channel record` };
  if (outcome?.status === 'cap_exceeded') {
    return { ok: false, message: `${CAP_EXCEEDED}: Charged ${outcome.charged} exceeds signed max ${BigInt(voucher.maxClaimableAmount)}` };
  }
  return { ok: false, message: `${BUSY[0]}: Concurrent request modified channel state` };
}

/**
 * The settlement answer the official scheme gives a committed voucher (its
 * PAYMENT-RESPONSE): the channel's state before the charge, the new running total.
 */
export function voucherSettlement(previous, charged, requirement) {
  return {
    success: true,
    payer: previous.channelConfig.payer.toLowerCase(),
    transaction: '',
    network: requirement.network,
    amount: '',
    extra: {
      channelState: {
        channelId: previous.channelId,
        balance: previous.balance,
        totalClaimed: previous.totalClaimed,
        withdrawRequestedAt: previous.withdrawRequestedAt,
        refundNonce: String(previous.refundNonce),
        chargedCumulativeAmount: charged,
      },
      chargedAmount: requirement.amount,
    },
  };
}

/**
 * One plain-voucher request (isPlainVoucher was true): outcomes in the
 * engine's shapes, as channel_payment.js gives them on the official path.
 */
export async function payPlainVoucher({ scheme, storage, requirement, route, payload, channel, serve }) {
  const raw = payload.payload;
  const refuse = (status, [error, message]) => ({ ...refused(status, error, message), payload });
  const pendingId = nextPendingId();
  let reservation;
  try {
    reservation = await reserve(storage, raw, requirement, channel, pendingId);
  } catch {
    return refuse(402, STATE_UNAVAILABLE);
  }
  if (reservation.status === 'busy') return refuse(402, BUSY);
  if (reservation.status === 'stale') {
    // The corrective 402 carries this state (the scheme's payment-required enrichment reads it).
    scheme.rememberChannelSnapshot(payload, reservation.channel);
    return refuse(402, STALE);
  }

  let served;
  try {
    served = await serve({ kind: 'channel', payer: getAddress(raw.channelConfig.payer), amount: route.callPrice });
  } catch (error) {
    await release(storage, raw.voucher.channelId, pendingId).catch(() => {});
    throw error;
  }
  if (!served.ok) {
    await release(storage, raw.voucher.channelId, pendingId).catch(() => {});
    return { kind: 'unsettled', response: served.response };
  }
  let committed;
  try {
    committed = await commit(storage, raw, requirement, pendingId);
  } catch (error) {
    await release(storage, raw.voucher.channelId, pendingId).catch(() => {});
    return settlementUnknown(error.message);
  }
  if (!committed.ok) return settlementUnknown(committed.message);
  const settlement = voucherSettlement(committed.previous, committed.current.chargedCumulativeAmount, requirement);
  return { kind: 'served', response: served.response, bytes: served.bytes, settlement, replayed: false };
}
