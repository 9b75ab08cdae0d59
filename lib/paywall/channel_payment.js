// One request on a batch-settlement route: a voucher first passes our check
// (channel_voucher_check.js); a plain one on fresh state takes the short
// path (channel_plain_voucher.js: reserve, serve, commit, as the official
// pipeline does); every other request goes through the official server
// scheme registered on the paywall's resource server: a deposit is verified
// and settled on chain by the facilitator; a voucher reserves the channel,
// the handler runs, and the charge is committed to channel storage — no
// chain call; a refund request is answered as the official server does,
// without the handler. Outcomes have the engine's shapes (engine.js `pay`).
import { isBatchSettlementRefundPayload, isBatchSettlementVoucherPayload } from '@x402/evm';

import { getAddress } from '../hashing.js';
import { evmChainId } from '../validate.js';
import { refused } from './payment_match.js';
import { isPlainVoucher, payPlainVoucher, settlementUnknown } from './channel_plain_voucher.js';
import { checkChannelVoucher } from './channel_voucher_check.js';

/**
 * @param {object} request
 * @param {object} request.resourceServer the engine's, with the batch-settlement scheme registered
 * @param {object} request.requirement the route's batch-settlement offer
 * @param {{get(id: string): Promise<object | undefined>}} request.storage the scheme's ChannelStorage
 * @param {string} request.contract the channel contract's address
 * @param {object} request.scheme the official server scheme of the route's network
 */
export async function payByChannel({ resourceServer, requirement, storage, contract, route, payload, serve, scheme }) {
  // A refusal names the payload, so the 402 can carry the channel's state.
  const refuse = (status, error, message) => ({ ...refused(status, error, message), payload });
  if (payload.x402Version !== 2 || !resourceServer.findMatchingRequirements([requirement], payload)) {
    return refuse(402, 'no_matching_requirements', 'The payment does not accept this route\'s batch-settlement offer');
  }
  const raw = payload.payload;
  if (isBatchSettlementVoucherPayload(raw)) {
    let channel;
    try {
      channel = await storage.get(raw.voucher.channelId);
    } catch {
      channel = undefined; // a malformed channel id: the check below names it
    }
    const verdict = checkChannelVoucher({ channel, payload: raw, price: route.callPrice, chainId: evmChainId(route.terms.network), contract });
    if (verdict.ok === false) return refuse(402, verdict.reason, verdict.message);
    if (verdict.ok === true && isPlainVoucher({ scheme, channel, raw, requirement })) {
      return payPlainVoucher({ scheme, storage, requirement, route, payload, channel, serve });
    }
  }
  return payOfficially({ resourceServer, requirement, route, payload, serve });
}

/** The official pipeline for one request (verifyPayment, the handler, settlePayment): what is not a plain voucher. */
export async function payOfficially({ resourceServer, requirement, route, payload, serve }) {
  const refuse = (status, error, message) => ({ ...refused(status, error, message), payload });
  const raw = payload.payload;
  let verified;
  try {
    verified = await resourceServer.verifyPayment(payload, requirement);
  } catch (error) {
    return refused(502, 'facilitator_unavailable', `The facilitator could not verify the payment: ${error.message}`);
  }
  if (!verified.isValid) {
    return refuse(402, verified.invalidReason ?? 'invalid_payment', verified.invalidMessage ?? 'The channel payment was refused');
  }
  if (verified.skipHandler) return refund(resourceServer, requirement, payload, verified.skipHandler);

  const cancel = (reason) => resourceServer.createPaymentCancellationDispatcher(payload, requirement).cancel({ reason });
  let served;
  try {
    served = await serve({ kind: 'channel', payer: getAddress(raw.channelConfig.payer), amount: route.callPrice });
  } catch (error) {
    await cancel('handler_threw');
    throw error;
  }
  if (!served.ok) {
    await cancel('handler_failed');
    return { kind: 'unsettled', response: served.response };
  }
  let settlement;
  try {
    settlement = await resourceServer.settlePayment(payload, requirement);
  } catch (error) {
    return settlementUnknown(error.message);
  }
  if (!settlement.success) {
    return refuse(402, settlement.errorReason ?? 'settlement_failed', settlement.errorMessage ?? 'The channel payment was not committed');
  }
  return { kind: 'served', response: served.response, bytes: served.bytes, settlement, replayed: false };
}

// The cooperative refund: the scheme claims what is owed and returns the rest.
async function refund(resourceServer, requirement, payload, answer) {
  if (!isBatchSettlementRefundPayload(payload.payload)) {
    return refused(402, 'invalid_payment', 'Only a refund request is answered without the handler');
  }
  let settlement;
  try {
    settlement = await resourceServer.settlePayment(payload, requirement);
  } catch (error) {
    return refused(502, 'refund_failed', `The refund did not complete: ${error.message}`);
  }
  if (!settlement.success) return refused(402, settlement.errorReason ?? 'refund_failed', settlement.errorMessage ?? 'The refund failed');
  const body = Buffer.from(JSON.stringify(answer.body ?? {}));
  return {
    kind: 'served',
    response: { status: 200, headers: { 'content-type': answer.contentType ?? 'application/json' }, body },
    bytes: body.length,
    settlement,
    replayed: false,
  };
}
