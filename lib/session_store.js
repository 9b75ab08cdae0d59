// SessionStore: ClawPay session records in native memory, indexed for URL
// lookups, and — with a path — journaled to disk so a paid-for session
// survives a crash. Records cross to native code as JSON.
import { native } from './native.js';
import { journalOptions, openJournal } from './state_dir.js';
import { argError, expectObject, expectSafeInteger, expectString, unixSeconds } from './validate.js';

// Calls one journal record may count (src/session_store.h kMaxCallsPerRecord).
export const MAX_CALLS_PER_RECORD = native.SessionStore.maxCallsPerRecord;

// JSON.stringify writes lone surrogates as \udXXX escapes, which strict JSON
// readers refuse; make strings well-formed first.
function recordJson(record) {
  return JSON.stringify(expectObject(record, 'record'), (key, value) => {
    if (typeof value === 'string') return value.isWellFormed() ? value : value.toWellFormed();
    if (typeof value === 'bigint') return value.toString();
    return value;
  });
}

const parse = (json) => (json === null ? null : JSON.parse(json));

function nowArg(options, name) {
  return unixSeconds(options === undefined ? undefined : expectObject(options, name).now, `${name}.now`);
}

export class SessionStore {
  #store;

  /** In memory, or journaled at `path` when given. */
  constructor(options = {}) {
    const { path } = expectObject(options, 'options');
    const opening = journalOptions(options);
    this.#store = path === undefined
      ? new native.SessionStore()
      : openJournal(expectString(path, 'options.path'), 'clawpay-sessions', (access) => new native.SessionStore(path, access), opening);
  }

  add(record) {
    this.#store.add(recordJson(record));
  }

  get(sessionId) {
    return parse(this.#store.get(expectString(sessionId, 'sessionId')));
  }

  /** The best live session covering `url`: exact first, then the longest prefix. */
  findForUrl(url, options) {
    return parse(this.#store.findForUrl(expectString(url, 'url'), nowArg(options, 'options')));
  }

  /** callCount += options.calls (default 1) and lastUsedAt = options.now, in one journal record. */
  recordCall(sessionId, options) {
    const id = expectString(sessionId, 'sessionId');
    const now = nowArg(options, 'options');
    const calls = options?.calls ?? 1;
    expectSafeInteger(calls, 'options.calls', { min: 1 });
    if (calls > MAX_CALLS_PER_RECORD) throw argError(RangeError, 'ERR_OUT_OF_RANGE', `Expected at most ${MAX_CALLS_PER_RECORD} for options.calls but received ${calls}`);
    return this.#store.recordCall(id, now, calls);
  }

  end(sessionId, options) {
    return this.#store.end(expectString(sessionId, 'sessionId'), nowArg(options, 'options'));
  }

  list(options = {}) {
    const { includeExpired = false } = expectObject(options, 'options');
    return JSON.parse(this.#store.list(Boolean(includeExpired), nowArg(options, 'options')));
  }

  prune(options) {
    return this.#store.prune(nowArg(options, 'options'));
  }

  get size() {
    return this.#store.size;
  }

  close() {
    this.#store.close();
  }
}
