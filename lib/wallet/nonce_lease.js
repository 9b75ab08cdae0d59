// The cross-process nonce lease (txlock/<address> in the store): held from
// reading the nonce until the node has the transaction, so that the next
// reader's 'pending' count includes it, and two processes with the same key
// (clawpay-mcp and `clawpay approvals`) never sign the same nonce. A lease
// expires after LOCK_TTL_MS, or at once when its process is gone.
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { processAlive } from '../process_alive.js';
import { walletError } from './errors.js';

const LOCK_PREFIX = 'txlock/';
const LOCK_TTL_MS = 30_000;
const LOCK_WAIT_MS = 60_000;
const LOCK_POLL_MS = 25;

/** `withNonceLease(fn)`: runs `fn` holding the lease for `from`; ERR_TX_BUSY (notSent) when it cannot be had in LOCK_WAIT_MS. */
export function createNonceLease({ store, from }) {
  const lockId = `${LOCK_PREFIX}${from.toLowerCase()}`;
  return async function withNonceLease(fn) {
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
  };
}
