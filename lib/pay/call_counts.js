// Session call counts, batched: a SessionStore whose recordCall counts at
// once in memory and journals the counts later, one record per session.
//
// A journal write is two fdatasyncs (1–17 ms on this project's machines) and
// was most of a session call's time. A call count is not money: the session,
// its payment, its end and a refusal are journaled as before, when they
// happen. Counts are exact in this process at once (get, findForUrl and
// list add what is pending). No call writes its count: counts reach the
// journal from a timer, within CALL_FLUSH_MS of the call, one record per
// session, and before the session is ended, the cache pruned or closed, and
// when the process exits. (The journal's writes are synchronous: a call in
// flight while the timer writes waits for it, once a second at most.) A
// crash (kill -9, power cut) loses at most the counts of the last
// CALL_FLUSH_MS. Another process sharing the journal sees them when they are
// written.
import { MAX_CALLS_PER_RECORD } from '../session_store.js';

export const CALL_FLUSH_MS = 1000;

// An exit (process.exit, the end of the event loop) writes what every open
// batch holds: 'exit' listeners run synchronously, as the journal's writes do.
const open = new Set();
process.on('exit', () => {
  for (const flush of open) flush();
});

// A record with `counted` ({calls, at}) added. Copied, then set (not one
// literal of a spread and the two keys: slow on Node 20, see plainResult in fetch_result.js).
function added(record, counted) {
  const out = { ...record };
  out.callCount = record.callCount + counted.calls;
  out.lastUsedAt = Math.max(record.lastUsedAt, counted.at);
  return out;
}

/**
 * @param {import('../session_store.js').SessionStore} cache
 * @param {{flushMs?: number, onError?: (message: string) => void}} [options]
 */
export function batchCallCounts(cache, { flushMs = CALL_FLUSH_MS, onError = (line) => process.stderr.write(`clawpay: ${line}\n`) } = {}) {
  const pending = new Map(); // sessionId -> {calls, at}
  // Each session's record as the store last gave it, so that a call's count
  // answers with the updated record without reading the store again.
  const lastRead = new Map();
  let timer = null;

  function flushOne(sessionId) {
    const counted = pending.get(sessionId);
    if (!counted) return;
    pending.delete(sessionId);
    try {
      for (let left = counted.calls; left > 0; left -= MAX_CALLS_PER_RECORD) {
        cache.recordCall(sessionId, { now: counted.at, calls: Math.min(left, MAX_CALLS_PER_RECORD) });
      }
      // What was read before holds the written counts now.
      const known = lastRead.get(sessionId);
      if (known) lastRead.set(sessionId, added(known, counted));
    } catch (error) {
      // Nothing paid hangs on it; say so rather than stop the process from a timer.
      onError(`${counted.calls} call(s) of session ${sessionId} were not journaled: ${error.message}`);
    }
  }

  function flush() {
    if (timer !== null) {
      clearTimeout(timer);
      timer = null;
    }
    for (const sessionId of [...pending.keys()]) flushOne(sessionId);
  }

  open.add(flush);

  const withPending = (record) => {
    const counted = record && pending.get(record.sessionId);
    return counted ? added(record, counted) : record;
  };

  const read = (record) => {
    if (record) lastRead.set(record.sessionId, record);
    return withPending(record);
  };

  return {
    add: (record) => cache.add(record),
    get: (sessionId) => read(cache.get(sessionId)),
    findForUrl: (url, options) => read(cache.findForUrl(url, options)),
    list: (options) => cache.list(options).map(withPending),
    /**
     * Counts one call now, in memory; the journal gets it within flushMs.
     * Returns the session's record with the call counted (as last read here,
     * plus what is pending), or true when it was not read here.
     */
    recordCall(sessionId, { now }) {
      const counted = pending.get(sessionId);
      if (counted) {
        counted.calls += 1;
        counted.at = Math.max(counted.at, now);
      } else {
        pending.set(sessionId, { calls: 1, at: now });
      }
      if (timer === null) {
        timer = setTimeout(flush, flushMs);
        timer.unref();
      }
      const known = lastRead.get(sessionId);
      return known ? withPending(known) : true;
    },
    end(sessionId, options) {
      flushOne(sessionId);
      lastRead.delete(sessionId);
      return cache.end(sessionId, options);
    },
    prune(options) {
      flush();
      lastRead.clear();
      return cache.prune(options);
    },
    /** Writes every pending count now. */
    flush,
    get size() {
      return cache.size;
    },
    close() {
      flush();
      open.delete(flush);
      lastRead.clear();
      cache.close();
    },
  };
}
