// Signing a new transaction for a key: under the nonce lease, the nonce from
// the 'pending' count, the transaction prepared and signed locally, written
// down with its raw bytes, and only then broadcast.
import { randomUUID } from 'node:crypto';

import { keccak256 } from '../hashing.js';
import { walletError } from './errors.js';

/**
 * `signAndBroadcast({key, to, data, value, meta})` resolves to {raced} (another
 * process opened a record for the key meanwhile: nothing was signed here) or
 * {record, state} with state 'sent' or 'dropped' (see tx_delivery.js).
 */
export function createTxSigning({ walletClient, chain, from, records, delivery, withNonceLease, pendingNonce, now, chainText }) {
  return ({ key, to, data, value, meta }) => withNonceLease(async () => {
    // Another process may have started this very send while we simulated.
    const raced = records.open(key);
    if (raced) return { raced };
    let rawTx;
    let nonce;
    try {
      nonce = await pendingNonce();
      const request = await walletClient.prepareTransactionRequest({ account: walletClient.account, to, data, value, nonce, chain });
      rawTx = await walletClient.signTransaction(request);
    } catch (cause) {
      throw walletError('ERR_RPC', `The transaction could not be prepared (${chainText(cause)}); nothing was signed or sent.`, { notSent: true });
    }
    const createdAt = now();
    const record = {
      id: randomUUID(),
      key,
      from,
      chainId: chain?.id ?? null,
      to,
      data,
      value: value.toString(),
      nonce,
      rawTx,
      txHash: keccak256(rawTx),
      state: 'signed',
      meta,
      createdAt,
      updatedAt: createdAt,
      answered: false,
    };
    // Written down before the broadcast: from here on the key resumes this
    // transaction instead of signing another.
    records.put(record);
    const state = await delivery.broadcastRecord(record);
    return { record, state };
  });
}
