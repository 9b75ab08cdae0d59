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


function nowArg(options, name) {
  return unixSeconds(options === undefined ? undefined : expectObject(options, name).now, `${name}.now`);
}

// get and findForUrl keep the records they have read, by revision (a number the native
// store changes with every change to a record and never gives twice), so a
// repeated lookup copies an object instead of reading JSON. Only records
// without nested objects are kept: a shallow copy of one shares nothing.
const KEPT_RECORDS = 1024;
const isFlat = (record) => Object.values(record).every((value) => value === null || typeof value !== 'object');

export class SessionStore {
  #store;
  #read = new Map();

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
    const id = expectString(sessionId, 'sessionId');
    return this.#kept(this.#store.get(id, false), () => this.#store.get(id, true));
  }

  /** The best live session covering `url`: exact first, then the longest prefix. */
  findForUrl(url, options) {
    expectString(url, 'url');
    const now = nowArg(options, 'options');
    return this.#kept(this.#store.findForUrl(url, now, false), () => this.#store.findForUrl(url, now, true));
  }

  // A copy of the record at `revision` when it was read before, else read
  // again with its text. The text carries its own revision, so a change
  // between the two reads (another thread or process) is no harm.
  #kept(revision, withText) {
    if (revision === null) return null;
    const kept = this.#read.get(revision);
    if (kept !== undefined) return { ...kept };
    const found = withText();
    if (found === null) return null;
    const record = JSON.parse(found[1]);
    if (isFlat(record)) {
      if (this.#read.size >= KEPT_RECORDS) this.#read.clear();
      this.#read.set(found[0], { ...record });
    }
    return record;
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
    this.#read.clear();
  }
}
