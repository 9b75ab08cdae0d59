// Session call counts, batched: a SessionStore whose recordCall counts at
// once in memory and journals the counts later, one record per session.
//
// A journal write is two fdatasyncs (1–14 ms on this project's machines) and
// was most of a session call's time. A call count is not money: the session,
// its payment and its end are journaled as before, when they happen. Counts
// are exact in this process at once (get, findForUrl and list add what is
// pending). A session's first call in a CALL_FLUSH_MS window is written at
// once (a session used once is on disk); its later ones reach the journal at
// the end of that window, one record per session, within CALL_FLUSH_MS — and before the session
// is ended, the cache pruned or closed — so a crash loses at most the last
// CALL_FLUSH_MS of counts. Another process sharing the journal sees them
// when they are written.
export const CALL_FLUSH_MS = 1000;

/**
 * @param {import('../session_store.js').SessionStore} cache
 * @param {{flushMs?: number, onError?: (message: string) => void}} [options]
 */
export function batchCallCounts(cache, { flushMs = CALL_FLUSH_MS, onError = (line) => process.stderr.write(`clawpay: ${line}\n`) } = {}) {
  const pending = new Map(); // sessionId -> {calls, at}
  // Sessions whose first call in this window was written at once: each
  // session's first call is on disk before it is answered, whatever other
  // sessions did in the window.
  const written = new Set();
  let timer = null;

  function flushOne(sessionId) {
    const counted = pending.get(sessionId);
    if (!counted) return;
    pending.delete(sessionId);
    try {
      cache.recordCall(sessionId, { now: counted.at, calls: counted.calls });
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
    written.clear();
  }

  const withPending = (record) => {
    const counted = record && pending.get(record.sessionId);
    if (!counted) return record;
    return { ...record, callCount: record.callCount + counted.calls, lastUsedAt: Math.max(record.lastUsedAt, counted.at) };
  };

  return {
    add: (record) => cache.add(record),
    get: (sessionId) => withPending(cache.get(sessionId)),
    findForUrl: (url, options) => withPending(cache.findForUrl(url, options)),
    list: (options) => cache.list(options).map(withPending),
    /** Counts one call now: a session's first in the window written at once, the rest within flushMs. */
    recordCall(sessionId, { now }) {
      if (timer === null) {
        timer = setTimeout(flush, flushMs);
        timer.unref();
      }
      if (!written.has(sessionId)) {
        written.add(sessionId);
        return cache.recordCall(sessionId, { now });
      }
      const counted = pending.get(sessionId);
      if (counted) {
        counted.calls += 1;
        counted.at = Math.max(counted.at, now);
      } else {
        pending.set(sessionId, { calls: 1, at: now });
      }
      return true;
    },
    end(sessionId, options) {
      flushOne(sessionId);
      return cache.end(sessionId, options);
    },
    prune(options) {
      flush();
      return cache.prune(options);
    },
    /** Writes every pending count now. */
    flush,
    get size() {
      return cache.size;
    },
    close() {
      flush();
      cache.close();
    },
  };
}
