// The official @x402/evm batch-settlement voucher path, driven as the
// official server drives it per request: its scheme's onBeforeVerify hook
// over its InMemoryChannelStorage, with a channel whose on-chain mirror is
// fresh, so a voucher from an EOA payerAuthorizer is verified locally (viem's
// hashTypedData and verifyTypedData, three channel-id hashes) without a
// facilitator. Used by the cross-check tests and bench/voucher.js.
import { BatchSettlementEvmScheme, InMemoryChannelStorage } from '@x402/evm/batch-settlement/server';

export const RECEIVER = '0x209693Bc6afc0C5328bA36FaF03C514EF312287C';
export const RECEIVER_AUTHORIZER = '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC';
export const TOKEN = '0x036CbD53842c5426634e7929541eC2318f3dCF7e';
export const WITHDRAW_DELAY = 900;

/** A config the official server accepts for RECEIVER (the payer fills payer, payerAuthorizer, salt). */
export function channelConfig(payer, payerAuthorizer, salt) {
  return {
    payer, payerAuthorizer, receiver: RECEIVER, receiverAuthorizer: RECEIVER_AUTHORIZER,
    token: TOKEN, withdrawDelay: WITHDRAW_DELAY, salt,
  };
}

export function requirements(chainId, price) {
  return {
    scheme: 'batch-settlement', network: `eip155:${chainId}`, amount: String(price), asset: TOKEN, payTo: RECEIVER,
    maxTimeoutSeconds: 60, extra: { receiverAuthorizer: RECEIVER_AUTHORIZER, withdrawDelay: WITHDRAW_DELAY, name: 'USD Coin', version: '2' },
  };
}

/** An official server scheme whose storage knows `channels` (ChannelStorage records), mirrored fresh from the chain. */
export async function officialServer(channels) {
  const storage = new InMemoryChannelStorage();
  const scheme = new BatchSettlementEvmScheme(RECEIVER, { storage, withdrawDelay: WITHDRAW_DELAY, onchainStateTtlMs: 3_600_000 });
  for (const channel of channels) {
    await storage.updateChannel(channel.channelId, () => ({
      withdrawRequestedAt: 0, refundNonce: 0, signedMaxClaimable: channel.chargedCumulativeAmount, signature: '0x',
      onchainSyncedAt: Date.now(), lastRequestTimestamp: Date.now(), ...channel,
    }));
  }
  return scheme;
}

/**
 * The official server's verdict on a voucher payload: {isValid: true} or
 * {isValid: false, invalidReason} (its local verification), or {abort}
 * when it refused before verifying (a cumulative mismatch, a channel id
 * that does not bind).
 */
export async function officialVerify(scheme, chainId, price, channelConfigOfPayload, voucher) {
  const reqs = requirements(chainId, price);
  const paymentPayload = { x402Version: 2, accepted: reqs, payload: { type: 'voucher', channelConfig: channelConfigOfPayload, voucher } };
  const out = await scheme.schemeHooks.onBeforeVerify({ paymentPayload, requirements: reqs });
  if (out?.abort) return { isValid: false, abort: out.reason };
  if (!out?.skip) throw new Error('the official server did not verify the voucher locally');
  return out.result;
}
