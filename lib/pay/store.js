// Where the buyer side keeps its records: the durable, cross-process
// RecordStore (lib/record_store.js) in the state directory, or — on request —
// the same native store in memory.
import { join } from 'node:path';

import { ensureDir } from '../state_dir.js';

/** The records file in a state directory. */
export const RECORDS_FILE = 'pay.records';

/**
 * Opens the payer's store: `${config.stateDir}/pay.records` (the directory is
 * created, mode 0700, and its manifest lists the file: lib/state_dir.js), or
 * a RecordStore in memory when `memory` is true. Never falls
 * back to memory silently: a payment ledger that forgets is worse than none.
 */
export async function openPayStore(config, { memory = false, path } = {}) {
  const file = memory ? undefined : path ?? join(config.stateDir, RECORDS_FILE);
  if (!memory && path === undefined) ensureDir(config.stateDir, 'CLAWPAY_STATE_DIR');
  let RecordStore;
  try {
    ({ RecordStore } = await import('../record_store.js'));
  } catch (cause) {
    const error = new Error(`The durable record store (lib/record_store.js) could not be loaded: ${cause.message}`, { cause });
    error.code = 'ERR_NO_RECORD_STORE';
    throw error;
  }
  return file === undefined ? new RecordStore() : new RecordStore({ path: file });
}
