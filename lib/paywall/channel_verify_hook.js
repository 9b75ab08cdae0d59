// The official server scheme's before-verify hook, short-cut for a voucher
// our native check (channel_voucher_check.js) has just passed. The official
// hook would judge the same voucher again in JS — the channel id's EIP-712
// hash and a signature recovery through viem, most of a channel request's
// CPU. For a voucher we passed, on a channel whose on-chain state in storage
// is fresh (the official rule for judging without the facilitator), this
// records what the official hook records for a voucher it verified locally
// (the request's reservation id, the channel snapshot, `localVerify`) and
// answers as it does; the official after-verify reservation (one request
// per channel, the running total checked again under the storage's lock),
// the settlement and the response run unchanged. Anything else — a deposit,
// a refund, stale state, a channel configuration that does not match the
// offer — goes to the official hook as before. Written against @x402/evm
// 2.27's hook (batch-settlement/server handleBeforeVerify, verifyVoucherLocally).
import { randomBytes } from 'node:crypto';

const same = (a, b) => typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();

// The offer's terms in the channel's configuration (the official validateChannelConfig's rules).
function matchesOffer(config, requirements) {
  const extra = requirements.extra ?? {};
  return same(config.receiver, requirements.payTo)
    && same(config.token, requirements.asset)
    && same(config.receiverAuthorizer, extra.receiverAuthorizer)
    && (extra.withdrawDelay === undefined || config.withdrawDelay === Number(extra.withdrawDelay));
}

function freshOnChain(scheme, channel, now) {
  return channel.onchainSyncedAt !== undefined && now - channel.onchainSyncedAt <= scheme.getOnchainStateTtlMs();
}

/**
 * Installs the short cut on `scheme` (before it is registered: the resource
 * server reads its hooks then). Returns `passed(paymentPayload, channel)`:
 * marks a payment whose voucher our check passed against `channel` (the
 * stored state it judged).
 */
export function shortCutCheckedVouchers(scheme) {
  const checked = new WeakMap();
  const official = scheme.schemeHooks.onBeforeVerify;
  scheme.schemeHooks.onBeforeVerify = (ctx) => {
    const channel = checked.get(ctx.paymentPayload);
    if (channel === undefined) return official(ctx);
    checked.delete(ctx.paymentPayload);
    return acceptChecked(scheme, ctx, channel, official);
  };
  return (paymentPayload, channel) => checked.set(paymentPayload, channel);
}

function acceptChecked(scheme, ctx, channel, official) {
  const { paymentPayload, requirements } = ctx;
  const { channelConfig, voucher } = paymentPayload.payload;
  if (!freshOnChain(scheme, channel, Date.now())
    || BigInt(voucher.maxClaimableAmount) !== BigInt(channel.chargedCumulativeAmount) + BigInt(requirements.amount)
    || !matchesOffer(channelConfig, requirements)) {
    return official(ctx);
  }
  scheme.mergeRequestContext(paymentPayload, {
    channelId: voucher.channelId, pendingId: `0x${randomBytes(32).toString('hex')}`, channelSnapshot: channel, localVerify: true,
  });
  return {
    skip: true,
    result: {
      isValid: true,
      payer: channelConfig.payer,
      extra: {
        channelId: voucher.channelId,
        balance: channel.balance,
        totalClaimed: channel.totalClaimed,
        withdrawRequestedAt: channel.withdrawRequestedAt,
        refundNonce: String(channel.refundNonce ?? 0),
      },
    },
  };
}
