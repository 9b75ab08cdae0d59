// An in-memory RecordStore: the same API and the same limits as
// lib/record_store.js (the durable, cross-process one), for tests and for
// callers that want no persistence. Values are JSON objects, stored as their
// JSON text, so a caller can never mutate what is stored and a bigint is
// refused at once. Like the real store it refuses re-entry from inside an
// update callback (ERR_STORE_BUSY), so code tested on it runs on the real one.
import { argError } from '../validate.js';

const ID = /^[\x20-\x7e]{1,256}$/;
const PREFIX = /^[\x20-\x7e]{0,256}$/;
const MAX_VALUE_BYTES = 65_536;

function checkId(id, pattern = ID, name = 'id') {
  if (typeof id !== 'string' || !pattern.test(id)) {
    throw argError(TypeError, 'ERR_INVALID_ARG_VALUE', `Expected 1 to 256 printable ASCII characters for ${name}`);
  }
}

function encode(value, name) {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || typeof value.then === 'function') {
    throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', `Expected a plain object for ${name}`);
  }
  let text;
  try {
    text = JSON.stringify(value);
  } catch (cause) {
    throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', `Expected JSON data for ${name} (store amounts as decimal strings, not bigint)`, { cause });
  }
  const bytes = Buffer.byteLength(text);
  if (bytes > MAX_VALUE_BYTES) {
    throw argError(RangeError, 'ERR_INVALID_ARG_VALUE', `Expected an object of at most ${MAX_VALUE_BYTES} bytes as JSON for ${name} (this one is ${bytes})`);
  }
  return text;
}

export class MemoryStore {
  #records = new Map();
  #closed = false;
  #busy = false;

  #enter() {
    if (this.#closed) throw argError(Error, 'ERR_CLOSED', 'The store is closed');
    if (this.#busy) throw argError(Error, 'ERR_STORE_BUSY', 'The store was called from inside an update callback');
  }

  get(id) {
    this.#enter();
    checkId(id);
    const text = this.#records.get(id);
    return text === undefined ? null : JSON.parse(text);
  }

  /** [{id, value}] of the ids starting with `prefix`, in the order they were first written. */
  list(prefix = '') {
    this.#enter();
    checkId(prefix, PREFIX, 'prefix');
    const out = [];
    for (const [id, text] of this.#records) if (id.startsWith(prefix)) out.push({ id, value: JSON.parse(text) });
    return out;
  }

  /**
   * `fn(current)` returns the new value, null to delete, or undefined for no
   * change; it runs synchronously, so an update is atomic. If fn throws,
   * nothing is written and the error propagates. Returns the value now stored.
   */
  update(id, fn) {
    this.#enter();
    checkId(id);
    if (typeof fn !== 'function') throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected a function for fn');
    const text = this.#records.get(id);
    let next;
    this.#busy = true;
    try {
      next = fn(text === undefined ? null : JSON.parse(text));
    } finally {
      this.#busy = false;
    }
    if (next === undefined) return text === undefined ? null : JSON.parse(text);
    if (next === null) {
      this.#records.delete(id);
      return null;
    }
    const encoded = encode(next, 'the value fn returned');
    this.#records.set(id, encoded);
    return JSON.parse(encoded);
  }

  put(id, value) {
    this.#enter();
    checkId(id);
    this.#records.set(id, encode(value, 'value'));
  }

  /** false when there was no such record. */
  delete(id) {
    this.#enter();
    checkId(id);
    return this.#records.delete(id);
  }

  get size() {
    this.#enter();
    return this.#records.size;
  }

  close() {
    this.#closed = true;
  }
}
