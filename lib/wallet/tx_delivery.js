// Getting a recorded transaction mined: its broadcast, the wait for its
// receipt, and, for a record left open (a crash, a lost answer), where it
// stands now — rebroadcast while its nonce is free, never signed again.
import { WaitForTransactionReceiptTimeoutError } from 'viem';

import { walletError } from './errors.js';
import { nodeAnswered } from './tx_chain.js';

const ALREADY_KNOWN = /already known|known transaction|already imported|alreadyknown/i;

/**
 * @param {object} options
 * @param {object} options.publicClient  viem
 * @param {object} options.chain    createTxChain()
 * @param {object} options.records  createTxRecords()
 * @param {(rawTx: string) => Promise<unknown>} options.push  eth_sendRawTransaction
 * @param {number} options.receiptTimeoutMs
 * @param {(error: unknown) => string} options.chainText
 */
export function createTxDelivery({ publicClient, chain, records, push, receiptTimeoutMs, chainText }) {
  const { receiptOf, known, pendingNonce, minedNonce } = chain;

  /**
   * Broadcasts a recorded transaction. 'sent' when the node has it; throws
   * ERR_TX_UNCERTAIN when the node did not answer (the record stays open),
   * and, when the node refused it: returns 'dropped' if its nonce is taken,
   * else records 'failed' and throws ERR_TX_REFUSED.
   */
  async function broadcastRecord(record) {
    try {
      await push(record.rawTx);
    } catch (cause) {
      if (!nodeAnswered(cause)) {
        throw walletError('ERR_TX_UNCERTAIN',
          `Transaction ${record.txHash} was signed and recorded, but the broadcast got no answer (${chainText(cause)}); ` +
          'it may or may not be on its way. The same call again resumes it; it is never signed twice.',
          { txHash: record.txHash, id: record.id });
      }
      // "already known" and friends: the node has it after all (some nodes
      // do not serve pooled transactions by hash, so their word counts).
      const text = chainText(cause);
      if (ALREADY_KNOWN.test(text) || await known(record.txHash) || await receiptOf(record.txHash)) {
        records.sent(record);
        return 'sent';
      }
      if (/nonce too low|nonce.*already|already.*nonce/i.test(text) || (await pendingNonce()) > record.nonce) {
        records.dropped(record, `nonce ${record.nonce} taken by another transaction (${text})`);
        return 'dropped';
      }
      records.failed(record, `refused by the node: ${text}`);
      throw walletError('ERR_TX_REFUSED', `The node refused transaction ${record.txHash} (${text}); nothing was sent.`, { txHash: record.txHash, id: record.id, notSent: true });
    }
    records.sent(record);
    return 'sent';
  }

  /** Waits for a sent transaction's receipt and records it. */
  async function awaitReceipt(record) {
    let receipt;
    try {
      receipt = await publicClient.waitForTransactionReceipt({ hash: record.txHash, timeout: receiptTimeoutMs });
    } catch (cause) {
      const pending = cause instanceof WaitForTransactionReceiptTimeoutError;
      throw walletError(pending ? 'ERR_TX_PENDING' : 'ERR_TX_UNCERTAIN',
        `Transaction ${record.txHash} was sent but ${pending ? `is not mined after ${Math.round(receiptTimeoutMs / 1000)} s` : `its receipt could not be read (${chainText(cause)})`}; ` +
        'the same call again picks up its outcome; it is never signed twice.',
        { txHash: record.txHash, id: record.id });
    }
    if (receipt.transactionHash.toLowerCase() !== record.txHash.toLowerCase()) {
      // viem follows a replacement (same nonce); that receipt is not ours.
      records.dropped(record, `replaced by ${receipt.transactionHash}`);
      throw walletError('ERR_TX_DROPPED', `Transaction ${record.txHash} was replaced by ${receipt.transactionHash} (same nonce); it will never be mined.`, { txHash: record.txHash, id: record.id });
    }
    records.mined(record, receipt);
    return receipt;
  }

  /**
   * Where an open record stands, rebroadcasting it when the chain does not
   * know it and its nonce is still free: {receipt} (mined), {pending: true}
   * (the node has it) or {dropped: true}. "Taken" means a MINED transaction
   * used the nonce: a pooled one might be this very transaction on a node
   * that does not serve pooled transactions by hash.
   */
  async function probe(record) {
    const receipt = await receiptOf(record.txHash);
    if (receipt) {
      records.mined(record, receipt);
      return { receipt };
    }
    if (await known(record.txHash)) {
      records.sent(record);
      return { pending: true };
    }
    if ((await minedNonce()) > record.nonce) {
      const late = await receiptOf(record.txHash); // mined between the two questions
      if (late) {
        records.mined(record, late);
        return { receipt: late };
      }
      records.dropped(record, `nonce ${record.nonce} taken by another transaction`);
      return { dropped: true };
    }
    return (await broadcastRecord(record)) === 'dropped' ? { dropped: true } : { pending: true };
  }

  /** An open (or mined, unanswered) record's outcome, as send() reports it; null when it was dropped. */
  async function resume(record) {
    if (record.state === 'mined') {
      const receipt = await receiptOf(record.txHash);
      if (!receipt) throw walletError('ERR_TX_UNCERTAIN', `Transaction ${record.txHash} was recorded as mined but the node has no receipt for it now (a reorganization?); try again shortly.`, { txHash: record.txHash, id: record.id });
      return { id: record.id, txHash: record.txHash, receipt, resumed: true };
    }
    const state = await probe(record);
    if (state.dropped) return null;
    const receipt = state.receipt ?? await awaitReceipt(record);
    return { id: record.id, txHash: record.txHash, receipt, resumed: true };
  }

  return { broadcastRecord, awaitReceipt, probe, resume };
}
