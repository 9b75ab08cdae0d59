// Start-up settlement of the records an earlier run left open: each one's
// receipt, a rebroadcast, or 'dropped'; the records finished here go to the
// onReconciled listeners (the key wallet gives back budgets and settles its
// approval queue with them).
import { OPEN } from './tx_records.js';

/** Returns counts {checked, mined, pending, dropped, failed, errors}. */
export async function reconcileOpen({ records, delivery, listeners }) {
  const counts = { checked: 0, mined: 0, pending: 0, dropped: 0, failed: 0, errors: 0 };
  const finished = [];
  for (const record of records.all()) {
    if (!OPEN.has(record.state)) continue;
    counts.checked += 1;
    try {
      const state = await delivery.probe(record);
      if (state.receipt) counts.mined += 1;
      else if (state.dropped) counts.dropped += 1;
      else counts.pending += 1;
      if (!state.pending) finished.push(records.get(record.id));
    } catch (error) {
      if (error.code === 'ERR_TX_REFUSED') {
        counts.failed += 1;
        finished.push(records.get(record.id));
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
}
