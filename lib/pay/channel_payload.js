// The buyer's batch-settlement payloads (x402 specs/schemes/batch-settlement),
// signed natively: `deposit` (an ERC-3009 ReceiveWithAuthorization to the
// deposit collector, its nonce bound to the channel, with the first
// voucher), `voucher` (the next cumulative Voucher) and `refund` (the
// voucher at the server's charged total, asking for the rest back). Each
// goes in a PAYMENT-SIGNATURE header with the offer it accepts.
import { randomBytes } from 'node:crypto';

import { encodePaymentSignatureHeader } from '@x402/core/http';
import { ERC3009_DEPOSIT_COLLECTOR_ADDRESS } from '@x402/evm';

import { signVoucher } from '../channels/voucher.js';
import { bytesToHex, keccak256 } from '../hashing.js';
import { evmChainId } from '../validate.js';

/** The header the payloads travel in (x402 v2). */
export const PAYMENT_HEADER = 'payment-signature';

const RECEIVE_TYPES = {
  ReceiveWithAuthorization: [
    { name: 'from', type: 'address' },
    { name: 'to', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'validAfter', type: 'uint256' },
    { name: 'validBefore', type: 'uint256' },
    { name: 'nonce', type: 'bytes32' },
  ],
};

/** {chainId, verifyingContract} of the channel contract for a CAIP-2 network (lib/channels' default contract). */
export const whereOf = (network) => ({ chainId: evmChainId(network) });

/** The ERC-3009 nonce of a deposit: keccak256(abi.encode(channelId, salt)), as the collector derives it. */
export function depositNonce(channelId, salt) {
  return keccak256(`${channelId}${salt.slice(2)}`);
}

/** A signed voucher's fields: {channelId, maxClaimableAmount (decimal text), signature}. */
export function voucherFields(signer, channelId, amount, network) {
  const maxClaimableAmount = amount.toString();
  return { channelId, maxClaimableAmount, signature: signVoucher(signer, { channelId, maxClaimableAmount }, whereOf(network)) };
}

/**
 * The deposit payload: `deposit` base units into the channel (authorized
 * until `validBefore`, Unix seconds) and the voucher for `voucherAmount`.
 * {payload, nonce (the ERC-3009 nonce), validBefore}.
 */
export function depositPayload({ signer, channelId, config, offer, deposit, voucherAmount, validBefore }) {
  const salt = bytesToHex(randomBytes(32));
  const nonce = depositNonce(channelId, salt);
  const signature = signer.signTypedDataSync({
    domain: { name: offer.extra.name, version: offer.extra.version, chainId: evmChainId(offer.network), verifyingContract: offer.asset },
    types: RECEIVE_TYPES,
    primaryType: 'ReceiveWithAuthorization',
    message: {
      from: config.payer, to: ERC3009_DEPOSIT_COLLECTOR_ADDRESS, value: deposit.toString(), validAfter: '0', validBefore: String(validBefore), nonce,
    },
  });
  return {
    nonce,
    validBefore,
    payload: {
      type: 'deposit',
      channelConfig: config,
      voucher: voucherFields(signer, channelId, voucherAmount, offer.network),
      deposit: { amount: deposit.toString(), authorization: { erc3009Authorization: { validAfter: '0', validBefore: String(validBefore), salt, signature } } },
    },
  };
}

/** The voucher payload for the cumulative `amount`. */
export function voucherPayload({ signer, channelId, config, network, amount }) {
  return { type: 'voucher', channelConfig: config, voucher: voucherFields(signer, channelId, amount, network) };
}

/** The refund payload: the voucher at the server's charged total `charged`; the whole remainder is asked back. */
export function refundPayload({ signer, channelId, config, network, charged }) {
  return { type: 'refund', channelConfig: config, voucher: voucherFields(signer, channelId, charged, network) };
}

/** The PAYMENT-SIGNATURE header value of a payload accepting `offer` (the resource of its 402 beside it). */
export function paymentHeader(payload, offer, resource) {
  return encodePaymentSignatureHeader({ x402Version: 2, accepted: offer, payload, ...(resource ? { resource } : {}) });
}
