// The 402 → signed header step: the official x402Client (@x402/evm exact, v2
// and v1) signs the chosen offer through our Signer, for at most
// maxAuthorizationSeconds (authorization_window.js), and the header is
// recorded before it can be sent.
import { x402Client } from '@x402/core/client';
import { encodePaymentSignatureHeader } from '@x402/core/http';
import { ExactEvmScheme } from '@x402/evm/exact/client';
import { ExactEvmSchemeV1 } from '@x402/evm/exact/v1/client';
import { EVM_NETWORK_CHAIN_ID_MAP } from '@x402/evm/v1';

import { ShortLivedScheme, withinWindow } from './authorization_window.js';
import { evmChainId } from '../validate.js';
import { payError } from './errors.js';
import { withPaymentIdentifier } from './payment_identifier.js';

/** A signed payment header larger than this is not sent (servers cap theirs at ~16 KiB). */
const MAX_PAYMENT_HEADER_BYTES = 24 * 1024;

/**
 * Signs `chosen` for the intent `record` and records the signed header;
 * returns the record, now signed. A failure fails the record (nothing was
 * sent) and throws, with `unpaid` as the error's response.
 */
export async function signPayment({ client, ledger, fail, maxAuthorizationSeconds }, { record, paymentRequired, chosen, unpaid }) {
  let payload;
  try {
    payload = await client.createPaymentPayload({
      x402Version: paymentRequired.x402Version,
      accepts: [chosen.offer],
      ...(paymentRequired.x402Version === 2
        ? { resource: paymentRequired.resource, extensions: withPaymentIdentifier(paymentRequired.extensions, record.paymentId), error: paymentRequired.error }
        : { error: paymentRequired.error }),
    });
  } catch (cause) {
    fail(record, `signing failed: ${cause.message}`);
    throw payError('ERR_SIGNING_FAILED', `The payment could not be signed: ${cause.message}`, { cause, response: unpaid });
  }
  const authorization = payload.payload?.authorization;
  const header = encodePaymentSignatureHeader(payload);
  // The schemes sign by the system clock; a second lock on the wrapper.
  if (authorization?.nonce && !withinWindow(authorization.validBefore, maxAuthorizationSeconds, Math.floor(Date.now() / 1000))) {
    fail(record, `the signed authorization was valid for longer than ${maxAuthorizationSeconds} s`);
    throw payError('ERR_SIGNING_FAILED', `The signed authorization is valid for longer than maxAuthorizationSeconds (${maxAuthorizationSeconds} s); it was not sent`, { response: unpaid });
  }
  if (!authorization?.nonce || header.length > MAX_PAYMENT_HEADER_BYTES) {
    // Never sent, so never paid.
    fail(record, 'the signed payment was not an EIP-3009 authorization of a sendable size');
    throw payError('ERR_SIGNING_FAILED', `The signed payment is not an EIP-3009 authorization under ${MAX_PAYMENT_HEADER_BYTES} bytes; it was not sent`, { response: unpaid });
  }
  try {
    record = ledger.signed(record.paymentId, {
      header,
      headerName: payload.x402Version === 1 ? 'x-payment' : 'payment-signature',
      nonce: authorization.nonce,
      validBefore: authorization.validBefore,
      payer: authorization.from,
    });
  } catch (error) {
    // Not recorded, so not sent: a header the ledger does not hold is never sent.
    try {
      fail(record, `the signed header could not be recorded: ${error.message}`);
    } catch {
      // reconcile() frees the abandoned intent later
    }
    throw error;
  }
  return record;
}

/**
 * The official client, able to sign on the allowed networks only (v2 by
 * CAIP-2 id, v1 by name), with spend controls that allow the allowed assets
 * there up to the larger per-payment limit. The policy has already decided;
 * these controls are a second lock, not the first. Every scheme signs
 * authorizations valid for at most `maxAuthorizationSeconds`.
 */
export function officialClient(config, account, { maxAuthorizationSeconds }) {
  if (config.v1Network && EVM_NETWORK_CHAIN_ID_MAP[config.v1Network] === undefined) {
    // @x402/evm's v1 signer finds the chain id by name in this table, which has
    // no local chain (the devnet facilitator registers its name the same way).
    EVM_NETWORK_CHAIN_ID_MAP[config.v1Network] = config.chainId;
  }
  const { policy } = config;
  const cap = (policy.maxPerCall > policy.maxPerSession ? policy.maxPerCall : policy.maxPerSession).toString();
  const client = new x402Client();
  const allowedAssets = [];
  for (const network of policy.allowedNetworks) {
    const chainId = evmChainId(network);
    client.register(network, new ShortLivedScheme(new ExactEvmScheme(account), maxAuthorizationSeconds));
    const names = new Set();
    if (chainId === config.chainId && config.v1Network) names.add(config.v1Network);
    for (const [name, id] of Object.entries(EVM_NETWORK_CHAIN_ID_MAP)) if (id === chainId) names.add(name);
    for (const name of names) client.registerV1(name, new ShortLivedScheme(new ExactEvmSchemeV1(account), maxAuthorizationSeconds));
    for (const asset of policy.allowedAssets) {
      for (const where of [network, ...names]) allowedAssets.push({ network: where, asset, maxAmountPerPayment: cap });
    }
  }
  return client.setSpendControls({ allowedAssets });
}
