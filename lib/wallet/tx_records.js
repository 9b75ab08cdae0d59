// The durable sender's records in the pay store, and the moves between their
// states (see tx_sender.js for the state map):
//   tx/<id>              one per transaction
//   txkey/<sha256(key)>  {id, createdAt}: the key's latest transaction

import { sha256Hex } from '../hashing.js';
import { walletError } from './errors.js';

export const TX_STATES = Object.freeze(['signed', 'sent', 'mined', 'dropped', 'failed']);
/** How long a mined, unanswered transaction still answers for its key. */
export const KEY_TTL_MS = 24 * 3_600_000;
export const TX_PREFIX = 'tx/';
const KEY_PREFIX = 'txkey/';
/** The states in which a transaction may still be mined. */
export const OPEN = new Set(['signed', 'sent']);

export function createTxRecords({ store, now }) {
  const txId = (id) => `${TX_PREFIX}${id}`;
  const keyId = (key) => `${KEY_PREFIX}${sha256Hex(key)}`;
  const get = (id) => store.get(txId(id));

  function change(id, fn) {
    return store.update(txId(id), (current) => {
      if (!current) throw walletError('ERR_TX_UNKNOWN', `No transaction record ${id}`);
      const next = fn(current);
      return next === undefined ? undefined : { ...next, updatedAt: now() };
    });
  }

  /** The record a key answers with now, or null (see tx_sender.js). */
  function open(key) {
    const index = store.get(keyId(key));
    if (!index) return null;
    const record = get(index.id);
    if (!record) return null;
    if (OPEN.has(record.state)) return record;
    if (record.state === 'mined' && record.answered === false && now() - record.createdAt < KEY_TTL_MS) return record;
    return null;
  }

  /** Writes a freshly signed record: from here on its key resumes it. */
  function put(record) {
    store.put(txId(record.id), record);
    store.put(keyId(record.key), { id: record.id, createdAt: record.createdAt });
  }

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
  const answered = (id) => change(id, (current) => (current.answered ? undefined : { ...current, answered: true }));

  /** Every record, oldest first (the store's order). */
  const all = () => store.list(TX_PREFIX).map(({ value }) => value);

  return { get, open, put, mined, dropped, failed, sent, answered, all };
}
