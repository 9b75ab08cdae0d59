// The key-mode wallet's approval queue: sends over the local policy wait
// here, durably, until a person approves (`clawpay approvals approve <id>`)
// or someone cancels them.
//
// Ids are short and typeable ("1", "2", …), allocated from a counter record
// inside store.update, so two processes never hand out the same id. Every
// transition is one store.update on the item (atomic across processes):
//
//   pending ──approve──▶ approving ──finish──▶ executed | failed
//      │        ◀─unclaim─────┘  (stopped before anything was signed)
//      └─────cancel────▶ cancelled
//
// so two people approving at once run the send once: one claims it, the
// other is told it is already being approved. An item left 'approving' by a
// process that died may be claimed again after STALE_APPROVING_MS; the send
// it makes is keyed by the item, so the transaction sender resumes the one
// already signed instead of signing another.
//
// Records: approval/<id> (the item), approval-counter ({last}).
import { showInput } from '../secret_text.js';
import { walletError } from './errors.js';

export const QUEUE_STATUSES = Object.freeze(['pending', 'approving', 'executed', 'failed', 'cancelled']);
/** An 'approving' item this old was left by a process that did not finish. */
export const STALE_APPROVING_MS = 10 * 60_000;
const ITEM_PREFIX = 'approval/';
const COUNTER = 'approval-counter';
const ID = /^[1-9][0-9]{0,15}$/;

const shown = (value) => showInput(value ?? '', 40);

/** A queue id as typed ("7", " 7 ", "#7"); throws ERR_WALLET_INPUT when it cannot be one. */
export function parseQueueId(text) {
  const value = typeof text === 'number' && Number.isSafeInteger(text) ? String(text) : typeof text === 'string' ? text.trim().replace(/^#/, '') : null;
  if (value === null || !ID.test(value)) {
    throw walletError('ERR_WALLET_INPUT', `A queue id is a positive whole number such as "1"; got ${shown(text)}`);
  }
  return value;
}

/**
 * @param {{store: object, now?: () => number}} options  the pay store (RecordStore); the clock in ms
 */
export function createApprovalQueue({ store, now = Date.now }) {
  if (!store) throw new TypeError('createApprovalQueue needs {store}');
  const recordId = (id) => `${ITEM_PREFIX}${id}`;

  function get(id) {
    return store.get(recordId(parseQueueId(id)));
  }

  function change(id, fn) {
    const key = parseQueueId(id);
    return store.update(recordId(key), (current) => {
      if (!current) throw walletError('ERR_QUEUE_NOT_FOUND', `No queued send #${key}.`, { id: key });
      const next = fn(current);
      return next === undefined ? undefined : { ...next, updatedAt: Math.floor(now() / 1000) };
    });
  }

  return {
    get,

    /**
     * Queues a send: {to, value (Amount), token, decimals, symbol, units
     * (string), reason, memo?, key?}. Returns the item, status 'pending'.
     */
    add(item) {
      for (const field of ['to', 'value', 'units', 'reason']) {
        if (item?.[field] === undefined || item[field] === null) throw new TypeError(`approval queue item needs ${field}`);
      }
      const { last } = store.update(COUNTER, (counter) => ({ last: (counter?.last ?? 0) + 1 }));
      const createdAt = Math.floor(now() / 1000);
      const record = {
        id: String(last),
        to: item.to,
        value: item.value,
        token: item.token ?? null,
        decimals: item.decimals,
        symbol: item.symbol,
        units: String(item.units),
        reason: item.reason,
        rule: item.rule ?? null,
        memo: item.memo ?? null,
        key: item.key ?? null,
        status: 'pending',
        createdAt,
        updatedAt: createdAt,
        txHash: null,
        error: null,
      };
      store.put(recordId(record.id), record);
      return record;
    },

    /** Items in id order; `status` filters ('all' or absent: every item). */
    list({ status } = {}) {
      if (status !== undefined && status !== 'all' && !QUEUE_STATUSES.includes(status)) {
        throw walletError('ERR_WALLET_INPUT', `status must be one of all, ${QUEUE_STATUSES.join(', ')}; got ${shown(status)}`);
      }
      const items = store.list(ITEM_PREFIX).map(({ value }) => value).sort((a, b) => Number(a.id) - Number(b.id));
      return status === undefined || status === 'all' ? items : items.filter((item) => item.status === status);
    },

    /**
     * The atomic start of an approval or a cancellation: pending → approving
     * or pending → cancelled (a stale 'approving' may be approved again).
     * Returns the item after the change; throws ERR_QUEUE_NOT_FOUND, or
     * ERR_QUEUE_NOT_PENDING naming the item's status.
     */
    claim(id, action) {
      if (action !== 'approve' && action !== 'cancel') throw new TypeError(`claim: action must be "approve" or "cancel", not ${shown(action)}`);
      const at = now();
      return change(id, (item) => {
        const stale = item.status === 'approving' && at - (item.claimedAt ?? 0) >= STALE_APPROVING_MS;
        if (item.status !== 'pending' && !(action === 'approve' && stale)) {
          const what = item.status === 'approving' ? 'being approved right now' : item.status;
          throw walletError('ERR_QUEUE_NOT_PENDING', `Queued send #${item.id} is ${what}; it cannot be ${action === 'approve' ? 'approved' : 'cancelled'}.`,
            { id: item.id, status: item.status });
        }
        if (action === 'cancel') return { ...item, status: 'cancelled', cancelledAt: Math.floor(at / 1000) };
        return { ...item, status: 'approving', claimedAt: at, claimedBy: process.pid, attempts: (item.attempts ?? 0) + 1 };
      });
    },

    /**
     * approving → pending: an approval that stopped before anything was
     * signed (the chain could not be reached) hands the item back, to be
     * approved again later.
     */
    unclaim(id, { error = null } = {}) {
      return change(id, (item) => {
        if (item.status !== 'approving') {
          throw walletError('ERR_QUEUE_NOT_PENDING', `Queued send #${item.id} is ${item.status}, not being approved.`, { id: item.id, status: item.status });
        }
        return { ...item, status: 'pending', claimedAt: null, error: error === null ? null : String(error).slice(0, 512) };
      });
    },

    /** Records extra fields on an item being approved (the reservation, the transaction id). */
    annotate(id, fields) {
      return change(id, (item) => ({ ...item, ...fields }));
    },

    /** The end of an approval: approving → executed | failed, with the tx hash and the error text. */
    finish(id, { status, txHash = null, error = null, blockNumber = null }) {
      if (status !== 'executed' && status !== 'failed') throw new TypeError(`finish: status must be "executed" or "failed", not ${shown(status)}`);
      return change(id, (item) => {
        if (item.status !== 'approving') {
          throw walletError('ERR_QUEUE_NOT_PENDING', `Queued send #${item.id} is ${item.status}, not being approved.`, { id: item.id, status: item.status });
        }
        return {
          ...item,
          status,
          txHash: txHash ?? item.txHash,
          blockNumber: blockNumber ?? item.blockNumber ?? null,
          error: error === null ? null : String(error).slice(0, 512),
          finishedAt: Math.floor(now() / 1000),
        };
      });
    },

    /** How many items are pending. */
    pendingCount() {
      return store.list(ITEM_PREFIX).filter(({ value }) => value.status === 'pending').length;
    },
  };
}
