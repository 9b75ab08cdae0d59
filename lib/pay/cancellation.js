// Cancelling an open authorization on chain (EIP-3009 cancelAuthorization):
// the agent's way out when a seller refused a payment but holds its signed
// authorization, which could settle until validBefore. The agent key signs
// CancelAuthorization(address authorizer,bytes32 nonce) under the token's
// EIP-712 domain and sends the transaction itself (it pays the gas), through
// the durable transaction sender (lib/wallet/tx_sender.js), keyed by the
// payment so a retry resumes the same transaction.
//
// The reservation is released only through reconciliation.js, when the chain
// shows the nonce cancelled (AuthorizationCanceled) — never on sending. If the
// seller submits the authorization first, the cancel cannot go through and
// the payment is recorded as paid.
import { encodeFunctionData, parseSignature } from 'viem';

import { EIP3009_ABI } from './chain_reader.js';
import { payError } from './errors.js';
import { paymentView } from './fetch_result.js';

const CANCEL_TYPES = {
  CancelAuthorization: [
    { name: 'authorizer', type: 'address' },
    { name: 'nonce', type: 'bytes32' },
  ],
};
const CANCELLABLE = new Set(['signed', 'sent', 'refused']);


/**
 * @param {object} options
 * @param {object} options.ledger   PaymentLedger
 * @param {object} options.account  the viem-style account that signed the payments
 * @param {() => object | null} options.sender  the tx sender for the account's key (lazily made), or null
 * @param {Function} options.resolve  reconciliation's resolve(record)
 */
export function createCancellation({ ledger, account, sender, resolve }) {
  /**
   * Cancels payment `paymentId`'s authorization on chain. Resolves to
   * {payment (paymentView), cancelled, transaction}: cancelled true once the
   * chain shows it cancelled (the reservation is then released); a payment
   * the chain shows used comes back settled (cancelled false). Throws
   * ERR_PAYMENT_NOT_FOUND, ERR_NOT_CANCELLABLE, ERR_CANCEL_UNAVAILABLE, or
   * the sender's error (ERR_TX_UNCERTAIN / ERR_TX_PENDING: sent, outcome open;
   * calling again resumes it).
   */
  async function cancel(paymentId) {
    let record = typeof paymentId === 'string' ? ledger.get(paymentId) : null;
    if (!record) throw payError('ERR_PAYMENT_NOT_FOUND', `No payment ${JSON.stringify(String(paymentId))} in the ledger`);
    if (!CANCELLABLE.has(record.state)) {
      throw payError('ERR_NOT_CANCELLABLE',
        `Payment ${paymentId} is ${record.state}${record.state === 'intent' ? ' (never signed)' : ''}; only an open authorization (signed, sent or refused) can be cancelled`,
        { payment: paymentView(record) });
    }
    // The chain first: an authorization already used or cancelled needs no transaction.
    record = await resolve(record);
    if (!CANCELLABLE.has(record.state)) return { payment: paymentView(record), cancelled: Boolean(record.cancelled), transaction: record.cancelTransaction ?? null };

    const txSender = sender();
    if (!txSender) {
      throw payError('ERR_CANCEL_UNAVAILABLE', 'This payer cannot send transactions (no RPC URL, or an outside account without a key); cancel the authorization with the key that signed it');
    }
    const domain = domainOf(record);
    const signature = await account.signTypedData({
      domain, types: CANCEL_TYPES, primaryType: 'CancelAuthorization', message: { authorizer: record.payer, nonce: record.nonce },
    });
    const { r, s, v, yParity } = parseSignature(signature);
    const data = encodeFunctionData({
      abi: EIP3009_ABI, functionName: 'cancelAuthorization', args: [record.payer, record.nonce, Number(v ?? 27n + BigInt(yParity)), r, s],
    });
    let sent;
    try {
      sent = await txSender.send({ key: `x402-cancel:${record.paymentId}`, to: record.asset, data, abi: EIP3009_ABI, meta: { kind: 'x402-cancel', paymentId: record.paymentId } });
    } catch (error) {
      // Would revert: used or cancelled meanwhile (a seller that settled
      // first); the chain says which.
      if (error.code !== 'ERR_TX_WOULD_REVERT') throw error;
      record = await resolve(ledger.get(record.paymentId));
      return { payment: paymentView(record), cancelled: Boolean(record.cancelled), transaction: null };
    }
    ledger.cancelSent(record.paymentId, { transaction: sent.txHash });
    record = await resolve(ledger.get(record.paymentId));
    return { payment: paymentView(record), cancelled: Boolean(record.cancelled), transaction: sent.txHash };
  }

  return { cancel };
}

/** The token's EIP-712 domain, as the payment was signed under (the offer's extra name/version). */
function domainOf(record) {
  const { name, version } = record.offer?.extra ?? {};
  const chainId = Number(String(record.network).split(':')[1]);
  if (typeof name !== 'string' || typeof version !== 'string' || !Number.isSafeInteger(chainId)) {
    throw payError('ERR_NOT_CANCELLABLE', `Payment ${record.paymentId} has no EIP-712 domain on record (token name and version)`);
  }
  return { name, version, chainId, verifyingContract: record.asset };
}
