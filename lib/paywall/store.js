// PaywallStore: everything the paywall keeps beyond one request, in one
// interface with two backends — the journal (journal_store.js, default: one
// machine, processes sharing a file) and Redis (redis_store.js: any number of
// replicas behind a load balancer).
//
// Each operation returns its value or a promise of it (the journal answers
// synchronously, Redis asynchronously); callers await. Operations that cannot
// reach the store throw an error with code ERR_STORE_UNAVAILABLE, and the
// paywall answers 503 store_unavailable: nothing is served unpaid and nothing
// settled goes unrecorded (the engine holds a settled response until its
// receipt is written).
//
// Claims, settlements and receipts (a receipt: the intent's fields plus
//   status 'pending' | 'settled' | 'failed', transaction, settledAt,
//   revokedAt, failure, failedAt — as ReceiptLedger writes them):
//   begin(intent) -> boolean             atomic claim: false when pending or settled
//   settle(paymentId, {transaction, settledAt, replay?}) -> receipt
//                                        pending -> settled; `replay` ({outcome, expiresAt},
//                                        outcome as replay_outcome.js encodes it) is
//                                        remembered with it, atomically, by stores that
//                                        share replay memory
//   fail(paymentId, {reason, at})        pending -> failed (may be claimed again)
//   get(paymentId) -> receipt | null
//   byTransaction(transaction) -> receipt | null
//   paidBy(payer) -> receipt[]           settled receipts (revoked ones too)
//   list() -> receipt[]                  every receipt, in the order first begun
// Revocations:
//   revoke(transaction, {at}) -> 'revoked' | 'already_revoked' | 'not_found'
//   revokedAt(transaction) -> ms | null
// Single-use nonces (SIWX, payment identifiers):
//   useNonce(nonce, {expiresAt, now}) -> boolean   true only the first time, until it expires
// Replay outcomes (a served payment's response, for an identical repeat):
//   replayOf(paymentId) -> encoded outcome | null  (null always when not shared)
// Channel state (issue #17, payment channels, x402 batch-settlement) is kept
//   apart, behind the official @x402/evm `ChannelStorage` interface
//   (get, list, updateChannel), so the official server scheme and channel
//   manager read and write it unchanged: channelStorage() below, our
//   file storage under a directory by default (file_channels.js).
//
//   sharedByReplicas: boolean   true when other processes on other machines
//                               use this store: the session gate then reads
//                               revocations on every request, and replay
//                               outcomes are shared
//   close()
import { ReceiptLedger } from '../receipt_ledger.js';
import { argError, expectString, invalidArg } from '../validate.js';
import { FileChannels } from './file_channels.js';
import { journalStore } from './journal_store.js';

export const STORE_OPERATIONS = Object.freeze([
  'begin', 'settle', 'fail', 'get', 'byTransaction', 'paidBy', 'list', 'revoke', 'revokedAt', 'useNonce', 'replayOf', 'close',
]);

/** The error every backend throws when it cannot reach its storage. */
export function storeUnavailable(message, cause) {
  return argError(Error, 'ERR_STORE_UNAVAILABLE', message, cause === undefined ? {} : { cause });
}

export const isStoreUnavailable = (error) => error?.code === 'ERR_STORE_UNAVAILABLE';

/**
 * The store the paywall uses: `store` (any PaywallStore), or a journal
 * store over `ledger` (a ReceiptLedger), as before stores existed.
 */
export function paywallStore({ store, ledger } = {}, caller = 'createPaywall') {
  if (store !== undefined && ledger !== undefined) {
    throw argError(TypeError, 'ERR_INVALID_ARG_VALUE', `${caller} takes a store or a ledger, not both`);
  }
  if (store !== undefined) {
    if (store === null || typeof store !== 'object' || STORE_OPERATIONS.some((op) => typeof store[op] !== 'function')) {
      throw invalidArg(`a PaywallStore (${STORE_OPERATIONS.join(', ')})`, 'options.store', store);
    }
    return store;
  }
  if (ledger instanceof ReceiptLedger) return journalStore(ledger);
  throw argError(TypeError, 'ERR_INVALID_ARG_TYPE',
    `${caller} needs a store (redisStore({url})) or a receipt ledger (new ReceiptLedger({path}))`);
}

export const CHANNEL_STORAGE_OPERATIONS = Object.freeze(['get', 'list', 'updateChannel']);

/**
 * Where a paywall keeps its payment channels: `storage` (any official
 * ChannelStorage, e.g. RedisChannelStorage or the official
 * FileChannelStorage), or FileChannels under `directory` (a log per
 * channel, each update atomic across processes under a lock that dies with
 * its holder, and in the log before it resolves, so a restart after kill -9
 * finds every voucher it served; the official file storage's channels found
 * there are imported once).
 */
export function channelStorage({ storage, directory } = {}, caller = 'createPaywall') {
  if (storage !== undefined && directory !== undefined) {
    throw argError(TypeError, 'ERR_INVALID_ARG_VALUE', `${caller}: channels take a storage or a directory, not both`);
  }
  if (storage !== undefined) {
    if (storage === null || typeof storage !== 'object' || CHANNEL_STORAGE_OPERATIONS.some((op) => typeof storage[op] !== 'function')) {
      throw invalidArg(`a ChannelStorage (${CHANNEL_STORAGE_OPERATIONS.join(', ')})`, 'options.channels.storage', storage);
    }
    return storage;
  }
  if (directory === undefined) {
    throw argError(TypeError, 'ERR_INVALID_ARG_VALUE',
      `${caller}: a batch-settlement route needs channels.directory (where channel state is kept) or channels.storage`);
  }
  return new FileChannels({ directory: expectString(directory, 'options.channels.directory') });
}
