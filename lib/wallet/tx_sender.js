// The agent key's durable transaction sender, used by both wallet modes: the
// key mode sends ERC-20 transfers and ETH with it, the contract mode its
// agentExecute / agentTransferToken calls to the wallet contract.
//
// A transaction is written down, signed, before it is broadcast, so a crash
// or a lost answer can never make one logical send pay twice:
//
//   (simulate)  eth_call from the key's address; a revert throws
//               ERR_TX_WOULD_REVERT and nothing is recorded or signed
//   signed      prepared (nonce from the 'pending' count, gas, fees), signed
//               locally, and recorded with its raw bytes under tx/<id>
//   sent        the node took it (eth_sendRawTransaction)
//   mined       its receipt: status, block, gas used, log count
//   dropped     never mined: its nonce went to another transaction
//   failed      the node refused it outright; it can never be mined
//
// A send names itself with a `key`. While a record for the key is open —
// signed or sent, or mined but not yet reported to the caller (answered:
// false) — the same key resumes that record: its raw transaction is
// rebroadcast when the chain does not know it and its receipt is returned
// (resumed: true); no second transaction is signed. A mined record's key
// stops matching after KEY_TTL_MS; an open one never does, since it may
// still be mined.
//
// Sends are serialized in a process (a promise chain), and the stretch from
// reading the nonce to the broadcast holds a short lease in the store
// (txlock/<address>) so that two processes with the same key (clawpay-mcp
// and `clawpay approvals`) never sign the same nonce.
//
// Records (JSON; amounts as decimal strings):
//   tx/<id>            one per transaction
//   txkey/<sha256(key)>  {id, createdAt}: the key's latest transaction
//   txlock/<address>   the nonce lease
//
// The steps live in their own files, wired here:
//   1. check the arguments (checkSend, below)
//   2. resume the key's open record, if any (tx_records.js, tx_delivery.js)
//   3. simulate (tx_chain.js)
//   4. under the nonce lease (nonce_lease.js): sign, record, broadcast (tx_signing.js)
//   5. wait for the receipt and record it (tx_delivery.js)
// and, at start-up, reconcile the records an earlier run left open (tx_reconcile.js).
import { chainErrorMessage, shownRpcUrl } from './chain_client.js';
import { walletError } from './errors.js';
import { createNonceLease } from './nonce_lease.js';
import { checkAddress } from './token_info.js';
import { HEX, createTxChain } from './tx_chain.js';
import { createTxDelivery } from './tx_delivery.js';
import { reconcileOpen } from './tx_reconcile.js';
import { createTxRecords } from './tx_records.js';
import { createTxSigning } from './tx_signing.js';

export { KEY_TTL_MS, TX_STATES } from './tx_records.js';
const RECEIPT_TIMEOUT_MS = 180_000;

function checkSend({ key, to, data, value, meta }) {
  if (typeof key !== 'string' || key.length === 0 || key.length > 512) {
    throw new TypeError('Expected a string of 1 to 512 characters for key');
  }
  const target = checkAddress(to, 'to');
  if (typeof data !== 'string' || !HEX.test(data)) throw new TypeError('Expected 0x-prefixed hex bytes for data');
  if (typeof value !== 'bigint' || value < 0n) throw new TypeError('Expected a non-negative bigint of wei for value');
  if (meta === null || typeof meta !== 'object' || Array.isArray(meta)) throw new TypeError('Expected a plain object for meta');
  return target;
}

/**
 * @param {object} options
 * @param {object} options.store    a RecordStore
 * @param {import('../signer.js').Signer} options.signer  the agent key
 * @param {{publicClient: object, walletClient: object, chain: object}} options.clients  createChainClients()
 * @param {() => number} [options.now]  milliseconds
 * @param {(rawTx: string) => Promise<unknown>} [options.broadcast]  eth_sendRawTransaction by default;
 *   a test may inject one that fails, to play a crash after the record is written
 * @param {number} [options.receiptTimeoutMs]
 * @param {string} [options.rpcUrl]  only to keep it out of error messages
 */
export function createTxSender({ store, signer, clients, now = Date.now, broadcast, receiptTimeoutMs = RECEIPT_TIMEOUT_MS, rpcUrl } = {}) {
  if (!store || !signer || !clients?.publicClient || !clients?.walletClient) {
    throw new TypeError('createTxSender needs {store, signer, clients: {publicClient, walletClient}}');
  }
  const { publicClient, walletClient } = clients;
  const from = signer.address;
  if (walletClient.account?.address !== from) {
    throw new TypeError(`createTxSender: the wallet client's account (${walletClient.account?.address}) is not the signer (${from})`);
  }
  const push = broadcast ?? ((rawTx) => walletClient.sendRawTransaction({ serializedTransaction: rawTx }));
  const listeners = new Set();
  // The node's answer, and which RPC gave it (without its credentials).
  const chainText = (error) => `${chainErrorMessage(error, rpcUrl)}${rpcUrl ? `, RPC ${shownRpcUrl(rpcUrl)}` : ''}`;
  const records = createTxRecords({ store, now });
  const chain = createTxChain({ publicClient, from, chainText });
  const delivery = createTxDelivery({ publicClient, chain, records, push, receiptTimeoutMs, chainText });
  const signAndBroadcast = createTxSigning({
    walletClient, chain: clients.chain, from, records, delivery,
    withNonceLease: createNonceLease({ store, from }), pendingNonce: chain.pendingNonce, now, chainText,
  });

  // One send at a time in this process.
  let tail = Promise.resolve();
  function serial(fn) {
    const run = tail.then(fn, fn);
    tail = run.catch(() => {});
    return run;
  }

  async function sendNow({ key, to, data, value, meta, abi }) {
    const earlier = records.open(key);
    if (earlier) {
      const outcome = await delivery.resume(earlier);
      if (outcome) return outcome;
      // Its nonce went to another transaction: it never happened; send afresh.
    }
    await chain.simulate({ to, data, value, abi });
    const signed = await signAndBroadcast({ key, to, data, value, meta });
    if (signed.raced) {
      const outcome = await delivery.resume(signed.raced);
      if (outcome) return outcome;
      throw walletError('ERR_TX_BUSY', 'Another process sent this same transaction meanwhile and it was dropped; try again.', { notSent: true });
    }
    if (signed.state === 'dropped') {
      throw walletError('ERR_TX_REFUSED', `The node refused transaction ${signed.record.txHash}: its nonce ${signed.record.nonce} was taken meanwhile; nothing was sent.`, { txHash: signed.record.txHash, id: signed.record.id, notSent: true });
    }
    const receipt = await delivery.awaitReceipt(signed.record);
    return { id: signed.record.id, txHash: signed.record.txHash, receipt, resumed: false };
  }

  return {
    address: from,

    /**
     * Sends (or resumes) the transaction named by `key`. Resolves to {id,
     * txHash, receipt (viem's), resumed}; a reverted receipt is returned,
     * not thrown. An error with `notSent: true` (ERR_TX_WOULD_REVERT,
     * ERR_TX_REFUSED, ERR_RPC, ERR_TX_BUSY) means the transaction definitely
     * did not happen; ERR_TX_UNCERTAIN / ERR_TX_PENDING leave the outcome
     * open (the same key resumes it); any other error (a failed chain read
     * while resuming) says nothing either way.
     */
    send({ key, to, data = '0x', value = 0n, meta = {}, abi } = {}) {
      let target;
      try {
        target = checkSend({ key, to, data, value, meta });
      } catch (error) {
        return Promise.reject(error);
      }
      return serial(() => sendNow({ key, to: target, data, value, meta, abi }));
    },

    /** The open record for `key` (signed, sent, or mined and not yet answered), or null. */
    open: records.open,

    /** A transaction record by id, or null. */
    get: records.get,

    /** The caller has reported this transaction's outcome: its key is free for a new send. */
    markAnswered: records.answered,

    /**
     * For every signed or sent record: its receipt, a rebroadcast, or
     * 'dropped'. Records finished here are passed to onReconciled listeners.
     * Returns counts {checked, mined, pending, dropped, failed, errors}.
     */
    reconcile() {
      return serial(() => reconcileOpen({ records, delivery, listeners }));
    },

    /** `fn(record)` for each record reconcile() finishes (mined, dropped or failed). Returns an unsubscribe function. */
    onReconciled(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },

    /** Transaction records, newest first. */
    list({ limit } = {}) {
      const all = records.all().reverse();
      return limit === undefined ? all : all.slice(0, limit);
    },
  };
}
