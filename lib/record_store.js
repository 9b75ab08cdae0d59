// RecordStore: a durable map of id -> JSON object that several processes may
// share, for the paying side's own state (payments in flight, spend
// counters). update() is an atomic read-modify-write across processes: the
// callback runs under the journal's exclusive lock, after catching up with
// other processes, and its change is fdatasync'ed before update() returns.
// Values cross to native code as JSON.
import { MAX_RECORD_ID_BYTES, MAX_RECORD_VALUE_BYTES, MAX_RECORD_VALUE_DEPTH } from './limits.js';
import { native } from './native.js';
import { journalOptions, openJournal } from './state_dir.js';
import { argError, expectObject, expectString, invalidArg, invalidValue } from './validate.js';

const ID = new RegExp(`^[\\x20-\\x7e]{1,${MAX_RECORD_ID_BYTES}}$`);
const PREFIX = new RegExp(`^[\\x20-\\x7e]{0,${MAX_RECORD_ID_BYTES}}$`);
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function idArg(value, name, pattern = ID, what = `1 to ${MAX_RECORD_ID_BYTES} printable ASCII characters`) {
  if (!pattern.test(expectString(value, name))) throw invalidValue(what, name, value);
  return value;
}

const childPath = (parent, key, holder) => {
  if (Array.isArray(holder)) return `${parent}[${key}]`;
  return IDENTIFIER.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
};

/**
 * A record's value as the JSON text the native store takes: a plain object,
 * as JSON.stringify writes it, each problem named by its path (value.a[2]).
 */
function valueJson(value, name) {
  expectObject(value, name);
  if (typeof value.then === 'function') {
    throw invalidArg('a plain object (update callbacks run synchronously, under the lock)', name, value);
  }
  const seen = new Map(); // object -> [path, depth]; parents are visited before their children
  function replacer(key, child) {
    const parent = seen.get(this);
    const path = parent ? childPath(parent[0], key, this) : name;
    if (!key.isWellFormed()) throw invalidValue('well-formed keys (no lone surrogates)', path, key);
    if (typeof child === 'bigint') {
      throw invalidArg('JSON data (store amounts as decimal strings, not bigint)', path, child);
    }
    if (typeof child === 'string' && !child.isWellFormed()) {
      throw invalidValue('well-formed text (no lone surrogates)', path, child);
    }
    if (child !== null && typeof child === 'object') {
      const depth = parent ? parent[1] + 1 : 1;
      if (depth > MAX_RECORD_VALUE_DEPTH) throw invalidValue(`data nested at most ${MAX_RECORD_VALUE_DEPTH} levels deep`, path, child);
      seen.set(child, [path, depth]);
    }
    return child;
  }
  let text;
  try {
    text = JSON.stringify(value, replacer);
  } catch (error) {
    if (!(error instanceof TypeError) || error.code) throw error;
    // JSON.stringify's own: a cycle, or a toJSON that failed.
    throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', `Expected JSON data for ${name}: ${error.message}`, { cause: error });
  }
  if (typeof text !== 'string' || !text.startsWith('{')) throw invalidArg('a plain object', name, value);
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_RECORD_VALUE_BYTES) {
    throw invalidValue(`an object of at most ${MAX_RECORD_VALUE_BYTES} bytes as JSON (this one is ${bytes})`, name, value);
  }
  return text;
}

const parse = (json) => (json === null ? null : JSON.parse(json));

export class RecordStore {
  #store;

  /** In memory, or journaled at `path` when given (every change fdatasync'ed before returning). */
  constructor(options = {}) {
    const { path } = expectObject(options, 'options');
    const opening = journalOptions(options);
    this.#store = path === undefined
      ? new native.NativeRecordStore()
      : openJournal(expectString(path, 'options.path'), 'clawpay-records', (access) => new native.NativeRecordStore(path, access), opening);
  }

  /** The record's value, or null. */
  get(id) {
    return parse(this.#store.get(idArg(id, 'id')));
  }

  /** [{id, value}] of the records whose id starts with `prefix`, in the order their ids were first written. */
  list(prefix = '') {
    return JSON.parse(this.#store.list(idArg(prefix, 'prefix', PREFIX, `at most ${MAX_RECORD_ID_BYTES} printable ASCII characters`)));
  }

  /**
   * Atomic read-modify-write, across threads and processes: `fn` is called
   * synchronously with the current value (a fresh object, or null) while
   * the store's lock is held, and returns the new value, null to delete the
   * record, or undefined to leave it. Returns the resulting value (null when
   * there is none). If `fn` throws, nothing is written and its error
   * propagates. Calling this store (or another on the same file) from inside
   * `fn` throws ERR_STORE_BUSY.
   */
  update(id, fn) {
    idArg(id, 'id');
    if (typeof fn !== 'function') throw invalidArg('a function', 'fn', fn);
    return parse(this.#store.update(id, (current) => {
      const next = fn(parse(current));
      return next === undefined || next === null ? next : valueJson(next, 'the value fn returned');
    }));
  }

  /** Writes the record, replacing any value it had. */
  put(id, value) {
    this.#store.put(idArg(id, 'id'), valueJson(value, 'value'));
  }

  /** Deletes the record: false (nothing written) when there was none. */
  delete(id) {
    return this.#store.remove(idArg(id, 'id'));
  }

  get size() {
    return this.#store.size;
  }

  close() {
    this.#store.close();
  }
}
