// The key-mode wallet's approval queue: sends over the local policy wait
// here, durably, until a person approves (`clawpay approvals approve <id>`)
// or someone cancels them. A person without the agent's key approves by
// recording it (pending → approved); clawpay-mcp, which holds the key, then
// sends it (approved_sends.js).
//
// Ids are short and typeable ("1", "2", …), allocated from a counter record
// inside store.update, so two processes never hand out the same id. Every
// transition is one store.update on the item (atomic across processes):
//
//   pending ──approve──▶ approving ──finish──▶ executed | failed | refused
//      │  │     ◀─unclaim─────┘  (stopped before anything was signed: back to
//      │  │                       pending, or approved if a person had approved it)
//      │  └─record approval─▶ approved ──approve (by the key's holder)──▶ approving
//      └─────cancel────▶ cancelled ◀────cancel────┘
//
// so two people approving at once run the send once: one claims it, the
// other is told it is already being approved. An item left 'approving' by a
// process that died (its pid is gone, or after STALE_APPROVING_MS) may be
// claimed again; the send it makes is keyed by the item, so the transaction
// sender resumes the one already signed instead of signing another.
// 'refused': a person approved it, but a limit was lowered after it was
// queued (send_policy.js loweredSince), so it was not sent.
//
// Records: approval/<id> (the item), approval-counter ({last}), approval-approved-seq
// ({n}: bumped by each recorded approval).
import { showInput } from '../secret_text.js';
import { processAlive } from '../process_alive.js';
import { walletError } from './errors.js';

export const QUEUE_STATUSES = Object.freeze(['pending', 'approved', 'approving', 'executed', 'failed', 'refused', 'cancelled']);
/** The statuses of an item not yet settled: it may still be sent. */
export const WAITING_STATUSES = Object.freeze(['pending', 'approved', 'approving']);
/** An 'approving' item this old was left by a process that did not finish. */
export const STALE_APPROVING_MS = 10 * 60_000;
const ITEM_PREFIX = 'approval/';
const COUNTER = 'approval-counter';
// Bumped by every recorded approval, so that clawpay-mcp can tell at each
// tool call, with one read, whether there is anything new to send.
const APPROVALS_SEEN = 'approval-approved-seq';
const ID = /^[1-9][0-9]{0,15}$/;

const shown = (value) => showInput(value ?? '', 40);

/** An 'approving' item whose approver stopped: its process is gone, or it is older than STALE_APPROVING_MS. */
export function abandoned(item, at = Date.now()) {
  return item.status === 'approving' && (at - (item.claimedAt ?? 0) >= STALE_APPROVING_MS || !processAlive(item.claimedBy));
}

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

  /** Items in id order; `status` filters ('all' or absent: every item). */
  function list({ status } = {}) {
    if (status !== undefined && status !== 'all' && !QUEUE_STATUSES.includes(status)) {
      throw walletError('ERR_WALLET_INPUT', `status must be one of all, ${QUEUE_STATUSES.join(', ')}; got ${shown(status)}`);
    }
    const items = store.list(ITEM_PREFIX).map(({ value }) => value).sort((a, b) => Number(a.id) - Number(b.id));
    return status === undefined || status === 'all' ? items : items.filter((item) => item.status === status);
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
        // The limits it was judged under (send_policy.js snapshot), to notice a lowered one when it is sent.
        limits: item.limits ?? null,
        status: 'pending',
        createdAt,
        updatedAt: createdAt,
        txHash: null,
        error: null,
      };
      store.put(recordId(record.id), record);
      return record;
    },

    list,

    /**
     * A person's approval, recorded without sending (they need not hold the
     * key): pending → approved. clawpay-mcp sends it (approved_sends.js).
     * `by` names who approved (a user name), for the record.
     */
    recordApproval(id, { by = null } = {}) {
      const approved = change(id, (item) => {
        if (item.status !== 'pending') {
          throw walletError('ERR_QUEUE_NOT_PENDING', `Queued send #${item.id} is ${item.status}; only a pending one can be approved.`,
            { id: item.id, status: item.status });
        }
        return { ...item, status: 'approved', approvedAt: Math.floor(now() / 1000), approvedBy: by === null ? null : String(by).slice(0, 64) };
      });
      store.update(APPROVALS_SEEN, (seq) => ({ n: (seq?.n ?? 0) + 1 }));
      return approved;
    },

    /** A number that changes whenever a person records an approval (0 before the first). */
    approvalsRecorded() {
      return store.get(APPROVALS_SEEN)?.n ?? 0;
    },

    /** The items a person approved that are still to be sent: 'approved', and 'approving' ones abandoned by their sender. */
    approvedToSend() {
      const at = now();
      return list().filter((item) => item.status === 'approved' || (item.status === 'approving' && item.approvedAt && abandoned(item, at)));
    },

    /**
     * The atomic start of an approval or a cancellation: pending or approved
     * → approving, or → cancelled (an abandoned 'approving' may be approved
     * again). Returns the item after the change; throws ERR_QUEUE_NOT_FOUND,
     * or ERR_QUEUE_NOT_PENDING naming the item's status.
     */
    claim(id, action) {
      if (action !== 'approve' && action !== 'cancel') throw new TypeError(`claim: action must be "approve" or "cancel", not ${shown(action)}`);
      const at = now();
      return change(id, (item) => {
        const open = item.status === 'pending' || item.status === 'approved';
        if (!open && !(action === 'approve' && abandoned(item, at))) {
          const what = item.status === 'approving' ? 'being approved right now' : item.status;
          throw walletError('ERR_QUEUE_NOT_PENDING', `Queued send #${item.id} is ${what}; it cannot be ${action === 'approve' ? 'approved' : 'cancelled'}.`,
            { id: item.id, status: item.status });
        }
        if (action === 'cancel') return { ...item, status: 'cancelled', cancelledAt: Math.floor(at / 1000) };
        return { ...item, status: 'approving', claimedAt: at, claimedBy: process.pid, attempts: (item.attempts ?? 0) + 1 };
      });
    },

    /**
     * approving → pending (or approved, when a person had approved it): an
     * approval that stopped before anything was signed (the chain could not
     * be reached) hands the item back, to be tried again later.
     */
    unclaim(id, { error = null } = {}) {
      return change(id, (item) => {
        if (item.status !== 'approving') {
          throw walletError('ERR_QUEUE_NOT_PENDING', `Queued send #${item.id} is ${item.status}, not being approved.`, { id: item.id, status: item.status });
        }
        return { ...item, status: item.approvedAt ? 'approved' : 'pending', claimedAt: null, error: error === null ? null : String(error).slice(0, 512) };
      });
    },

    /** Records extra fields on an item being approved (the reservation, the transaction id). */
    annotate(id, fields) {
      return change(id, (item) => ({ ...item, ...fields }));
    },

    /** The end of an approval: approving → executed | failed | refused, with the tx hash and the error text. */
    finish(id, { status, txHash = null, error = null, blockNumber = null }) {
      if (!['executed', 'failed', 'refused'].includes(status)) throw new TypeError(`finish: status must be "executed", "failed" or "refused", not ${shown(status)}`);
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
