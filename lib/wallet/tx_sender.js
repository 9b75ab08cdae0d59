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
import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import {
  RpcRequestError,
  TransactionNotFoundError,
  TransactionReceiptNotFoundError,
  WaitForTransactionReceiptTimeoutError,
  decodeErrorResult,
} from 'viem';

import { keccak256 } from '../hashing.js';
import { chainErrorMessage } from './chain_client.js';
import { walletError } from './errors.js';
import { checkAddress } from './token_info.js';

export const TX_STATES = Object.freeze(['signed', 'sent', 'mined', 'dropped', 'failed']);
/** How long a mined, unanswered transaction still answers for its key. */
export const KEY_TTL_MS = 24 * 3_600_000;
const TX_PREFIX = 'tx/';
const KEY_PREFIX = 'txkey/';
const LOCK_PREFIX = 'txlock/';
const OPEN = new Set(['signed', 'sent']);
const LOCK_TTL_MS = 30_000;
const LOCK_WAIT_MS = 60_000;
const LOCK_POLL_MS = 25;
const RECEIPT_TIMEOUT_MS = 180_000;
const HEX = /^0x(?:[0-9a-fA-F]{2})*$/;
const ALREADY_KNOWN = /already known|known transaction|already imported|alreadyknown/i;

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/** Whether the node answered (a JSON-RPC error), as opposed to no answer at all (network, timeout, HTTP status). */
function nodeAnswered(error) {
  return Boolean(error?.walk?.((e) => e instanceof RpcRequestError));
}

function revertData(error) {
  const found = error?.walk?.((e) => typeof e?.data === 'string' && HEX.test(e.data) && e.data.length >= 10);
  return found?.data ?? null;
}

/** The revert reason of a failed eth_call: Error(string), a Panic, or a custom error of `abi`. */
function revertReason(error, abi) {
  const data = revertData(error);
  if (data) {
    try {
      const { errorName, args = [] } = decodeErrorResult({ abi: abi ?? [], data });
      if (errorName === 'Error') return String(args[0]);
      if (errorName === 'Panic') return `panic 0x${args[0].toString(16)}`;
      return `${errorName}(${args.map((a) => String(a)).join(', ')})`;
    } catch {
      return `custom error ${data.slice(0, 10)}`;
    }
  }
  const details = error?.walk?.((e) => typeof e?.details === 'string' && e.details.length > 0)?.details;
  return details ?? null;
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
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
  const lockId = `${LOCK_PREFIX}${from.toLowerCase()}`;
  const listeners = new Set();
  const chainText = (error) => chainErrorMessage(error, rpcUrl);

  // One send at a time in this process.
  let tail = Promise.resolve();
  function serial(fn) {
    const run = tail.then(fn, fn);
    tail = run.catch(() => {});
    return run;
  }

  const txId = (id) => `${TX_PREFIX}${id}`;
  const keyId = (key) => `${KEY_PREFIX}${sha256(key)}`;
  const get = (id) => store.get(txId(id));

  function change(id, fn) {
    return store.update(txId(id), (current) => {
      if (!current) throw walletError('ERR_TX_UNKNOWN', `No transaction record ${id}`);
      const next = fn(current);
      return next === undefined ? undefined : { ...next, updatedAt: now() };
    });
  }

  /** The record a key answers with now, or null (see the header). */
  function open(key) {
    const index = store.get(keyId(key));
    if (!index) return null;
    const record = get(index.id);
    if (!record) return null;
    if (OPEN.has(record.state)) return record;
    if (record.state === 'mined' && record.answered === false && now() - record.createdAt < KEY_TTL_MS) return record;
    return null;
  }

  // The nonce lease: held from reading the nonce until the node has the
  // transaction, so that the next reader's 'pending' count includes it.
  async function withNonceLease(fn) {
    const owner = `${process.pid}/${randomUUID()}`;
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      let taken = false;
      store.update(lockId, (held) => {
        const t = Date.now();
        const free = !held || held.expiresAt <= t || (held.pid !== process.pid && !processAlive(held.pid));
        if (!free) return undefined;
        taken = true;
        return { owner, pid: process.pid, expiresAt: t + LOCK_TTL_MS };
      });
      if (taken) break;
      if (Date.now() >= deadline) {
        throw walletError('ERR_TX_BUSY', `Another process has been sending from ${from} for over ${LOCK_WAIT_MS / 1000} s; nothing was signed. Try again shortly.`, { notSent: true });
      }
      await sleep(LOCK_POLL_MS);
    }
    try {
      return await fn();
    } finally {
      store.update(lockId, (held) => (held?.owner === owner ? null : undefined));
    }
  }

  async function simulate({ to, data, value, abi }) {
    try {
      await publicClient.call({ account: from, to, data, value });
    } catch (cause) {
      if (!nodeAnswered(cause)) {
        throw walletError('ERR_RPC', `The RPC endpoint did not answer the simulation (${chainText(cause)}); nothing was signed or sent.`, { notSent: true });
      }
      const reason = revertReason(cause, abi);
      throw walletError('ERR_TX_WOULD_REVERT',
        `The transaction would fail${reason ? `: ${reason}` : ` (${chainText(cause)})`}; nothing was signed or sent.`,
        { reason: reason ?? chainText(cause), notSent: true });
    }
  }

  async function receiptOf(hash) {
    try {
      return await publicClient.getTransactionReceipt({ hash });
    } catch (error) {
      if (error instanceof TransactionReceiptNotFoundError || error?.walk?.((e) => e instanceof TransactionReceiptNotFoundError)) return null;
      throw error;
    }
  }

  async function known(hash) {
    try {
      await publicClient.getTransaction({ hash });
      return true;
    } catch (error) {
      if (error instanceof TransactionNotFoundError || error?.walk?.((e) => e instanceof TransactionNotFoundError)) return false;
      throw error;
    }
  }

  const pendingNonce = () => publicClient.getTransactionCount({ address: from, blockTag: 'pending' });
  const minedNonce = () => publicClient.getTransactionCount({ address: from, blockTag: 'latest' });

  function mined(record, receipt) {
    return change(record.id, (current) => ({
      ...current,
      state: 'mined',
      status: receipt.status,
      blockNumber: receipt.blockNumber.toString(),
      gasUsed: receipt.gasUsed?.toString() ?? null,
      logs: receipt.logs?.length ?? 0,
      minedAt: now(),
    }));
  }

  const dropped = (record, why) => change(record.id, (current) => (
    OPEN.has(current.state) ? { ...current, state: 'dropped', failure: why, droppedAt: now() } : undefined));
  const failed = (record, why) => change(record.id, (current) => (
    OPEN.has(current.state) ? { ...current, state: 'failed', failure: why.slice(0, 512), failedAt: now() } : undefined));
  const sent = (record) => change(record.id, (current) => (
    current.state === 'signed' ? { ...current, state: 'sent', sentAt: now() } : undefined));

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
        sent(record);
        return 'sent';
      }
      if (/nonce too low|nonce.*already|already.*nonce/i.test(text) || (await pendingNonce()) > record.nonce) {
        dropped(record, `nonce ${record.nonce} taken by another transaction (${text})`);
        return 'dropped';
      }
      failed(record, `refused by the node: ${text}`);
      throw walletError('ERR_TX_REFUSED', `The node refused transaction ${record.txHash} (${text}); nothing was sent.`, { txHash: record.txHash, id: record.id, notSent: true });
    }
    sent(record);
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
      dropped(record, `replaced by ${receipt.transactionHash}`);
      throw walletError('ERR_TX_DROPPED', `Transaction ${record.txHash} was replaced by ${receipt.transactionHash} (same nonce); it will never be mined.`, { txHash: record.txHash, id: record.id });
    }
    mined(record, receipt);
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
      mined(record, receipt);
      return { receipt };
    }
    if (await known(record.txHash)) {
      sent(record);
      return { pending: true };
    }
    if ((await minedNonce()) > record.nonce) {
      const late = await receiptOf(record.txHash); // mined between the two questions
      if (late) {
        mined(record, late);
        return { receipt: late };
      }
      dropped(record, `nonce ${record.nonce} taken by another transaction`);
      return { dropped: true };
    }
    return (await broadcastRecord(record)) === 'dropped' ? { dropped: true } : { pending: true };
  }

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

  async function sendNow({ key, to, data, value, meta, abi }) {
    const earlier = open(key);
    if (earlier) {
      const outcome = await resume(earlier);
      if (outcome) return outcome;
      // Its nonce went to another transaction: it never happened; send afresh.
    }
    await simulate({ to, data, value, abi });

    const signed = await withNonceLease(async () => {
      // Another process may have started this very send while we simulated.
      const raced = open(key);
      if (raced) return { raced };
      let rawTx;
      let nonce;
      try {
        nonce = await pendingNonce();
        const request = await walletClient.prepareTransactionRequest({ account: walletClient.account, to, data, value, nonce, chain: clients.chain });
        rawTx = await walletClient.signTransaction(request);
      } catch (cause) {
        throw walletError('ERR_RPC', `The transaction could not be prepared (${chainText(cause)}); nothing was signed or sent.`, { notSent: true });
      }
      const createdAt = now();
      const record = {
        id: randomUUID(),
        key,
        from,
        chainId: clients.chain?.id ?? null,
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
      store.put(txId(record.id), record);
      store.put(keyId(key), { id: record.id, createdAt });
      const state = await broadcastRecord(record);
      return { record, state };
    });
    if (signed.raced) {
      const outcome = await resume(signed.raced);
      if (outcome) return outcome;
      throw walletError('ERR_TX_BUSY', 'Another process sent this same transaction meanwhile and it was dropped; try again.', { notSent: true });
    }
    if (signed.state === 'dropped') {
      throw walletError('ERR_TX_REFUSED', `The node refused transaction ${signed.record.txHash}: its nonce ${signed.record.nonce} was taken meanwhile; nothing was sent.`, { txHash: signed.record.txHash, id: signed.record.id, notSent: true });
    }
    const receipt = await awaitReceipt(signed.record);
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
    open,

    /** A transaction record by id, or null. */
    get,

    /** The caller has reported this transaction's outcome: its key is free for a new send. */
    markAnswered(id) {
      return change(id, (current) => (current.answered ? undefined : { ...current, answered: true }));
    },

    /**
     * For every signed or sent record: its receipt, a rebroadcast, or
     * 'dropped'. Records finished here are passed to onReconciled listeners.
     * Returns counts {checked, mined, pending, dropped, failed, errors}.
     */
    reconcile() {
      return serial(async () => {
        const counts = { checked: 0, mined: 0, pending: 0, dropped: 0, failed: 0, errors: 0 };
        const finished = [];
        for (const { value: record } of store.list(TX_PREFIX)) {
          if (!OPEN.has(record.state)) continue;
          counts.checked += 1;
          try {
            const state = await probe(record);
            if (state.receipt) counts.mined += 1;
            else if (state.dropped) counts.dropped += 1;
            else counts.pending += 1;
            if (!state.pending) finished.push(get(record.id));
          } catch (error) {
            if (error.code === 'ERR_TX_REFUSED') {
              counts.failed += 1;
              finished.push(get(record.id));
            } else {
              counts.errors += 1;
            }
          }
        }
        for (const record of finished) {
          for (const listener of listeners) {
            try {
              listener(record);
            } catch {
              // a listener's trouble is its own; the outcome is recorded
            }
          }
        }
        return counts;
      });
    },

    /** `fn(record)` for each record reconcile() finishes (mined, dropped or failed). Returns an unsubscribe function. */
    onReconciled(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },

    /** Transaction records, newest first. */
    list({ limit } = {}) {
      const records = store.list(TX_PREFIX).map(({ value }) => value).reverse();
      return limit === undefined ? records : records.slice(0, limit);
    },
  };
}
