// What became of a session beyond the SessionStore: the store drops ended and
// expired sessions when it is pruned at start, and knows no "refused by the
// server". So a closed session (ended, refused, or expired when pruned) is
// kept in the payer's durable store as `session/<id>`: {state, at, reason,
// record}, and a restart still answers for it. Kept until 30 days past its
// expiry.
const PREFIX = 'session/';
const RETAIN_SECONDS = 30 * 24 * 3600;

export function createSessionStates({ store, cache, seconds }) {
  const idOf = (sessionId) => `${PREFIX}${sessionId}`;

  /** {state: 'ended'|'refused'|'expired', at, reason, record} of a closed session, or null. */
  function closed(sessionId) {
    if (!store || typeof sessionId !== 'string' || sessionId.length > 200) return null;
    return store.get(idOf(sessionId));
  }

  /**
   * Closes a session: the cache stops matching it (an end there) and the
   * store keeps its final record and why. A first 'refused' or 'ended' stays.
   */
  function close(record, state, reason = null) {
    const at = seconds();
    cache.end(record.sessionId, { now: at });
    const final = cache.get(record.sessionId) ?? { ...record, endedAt: at };
    if (!store) return { state, at, reason, record: final };
    return store.update(idOf(record.sessionId), (current) => (
      current && current.state !== 'expired' ? undefined : { state, at, reason, record: final }
    ));
  }

  /**
   * Prunes the cache, keeping what it drops (ended and expired sessions) in
   * the store first; forgets closed sessions 30 days past their expiry.
   * Returns how many the cache dropped.
   */
  function prune() {
    const at = seconds();
    if (store) {
      for (const record of cache.list({ includeExpired: true, now: at })) {
        const ended = record.endedAt !== undefined;
        if (!ended && at < record.expiresAt) continue;
        store.update(idOf(record.sessionId), (current) => (
          current ? undefined : { state: ended ? 'ended' : 'expired', at: ended ? record.endedAt : record.expiresAt, reason: null, record }
        ));
      }
      for (const { id, value } of store.list(PREFIX)) {
        if (at > (value?.record?.expiresAt ?? 0) + RETAIN_SECONDS) store.delete(id);
      }
    }
    return cache.prune({ now: at });
  }

  /**
   * Every closed session still answered for, newest first: those kept in the
   * store and those that ended or expired in the cache since the last prune.
   */
  function listClosed() {
    const at = seconds();
    const found = new Map();
    if (store) for (const { value } of store.list(PREFIX)) if (value?.record) found.set(value.record.sessionId, value);
    for (const record of cache.list({ includeExpired: true, now: at })) {
      if (found.has(record.sessionId)) continue;
      if (record.endedAt !== undefined) found.set(record.sessionId, { state: 'ended', at: record.endedAt, reason: null, record });
      else if (at >= record.expiresAt) found.set(record.sessionId, { state: 'expired', at: record.expiresAt, reason: null, record });
    }
    return [...found.values()].sort((a, b) => b.at - a.at);
  }

  return { closed, close, prune, listClosed };
}
