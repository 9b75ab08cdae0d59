// EIP-712 typed data crosses into native code as JSON text. JSON has no
// bigint or byte array, so those travel as one-key objects the encoder
// recognizes — {"\0bigint": "123"} and {"\0bytes": "0x…"} — which keeps their
// JS type: a bigint is an integer but never a string, as in viem. Strings and
// keys are made well-formed the way TextEncoder does, so hashes match viem's.
//
// The text is defined by the reference serializer below: JSON.stringify with
// a replacer. It costs a call into JS per value, so a hand-written writer
// produces the same text for what typed data is made of (plain objects,
// arrays, strings, finite numbers, bigints, booleans, null, undefined,
// Uint8Arrays). For anything else — a toJSON method, a boxed primitive, a
// Date, a function, a symbol, a non-finite number, an ill-formed key, a cycle,
// nesting deeper than the native encoder accepts — it steps aside and the
// reference serializer runs, so those keep their exact text or error.
import { types } from 'node:util';

import { bytesToHex } from './bytes.js';
import { argError, expectObject, expectString } from './validate.js';

const BIGINT = '\u0000bigint';
const BYTES = '\u0000bytes';

// ----------------------------------------------------- reference serializer

function wellFormedKeys(object) {
  const keys = Object.keys(object);
  if (keys.every((key) => key.isWellFormed())) return object;
  return Object.fromEntries(keys.map((key) => [key.toWellFormed(), object[key]]));
}

function replacer(key, value) {
  const original = this[key];
  switch (typeof original) {
    case 'bigint': return { [BIGINT]: original.toString() };
    case 'string': return original.isWellFormed() ? original : original.toWellFormed();
    case 'number':
      if (!Number.isFinite(original)) {
        throw argError(TypeError, 'ERR_EIP712_VALUE', `typedData value at "${key}" is ${original}, not an integer`);
      }
      // Past 2^53 the number's exact value is what viem's BigInt(number) reads.
      return Number.isInteger(original) && !Number.isSafeInteger(original) ? { [BIGINT]: BigInt(original).toString() } : original;
    case 'function':
    case 'symbol':
      throw argError(TypeError, 'ERR_EIP712_VALUE', `typedData value at "${key}" is a ${typeof original}`);
    default:
      break;
  }
  if (original instanceof Uint8Array) return { [BYTES]: bytesToHex(original) };
  if (original instanceof Date) throw argError(TypeError, 'ERR_EIP712_VALUE', `typedData value at "${key}" is a Date`);
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return wellFormedKeys(value);
  return value;
}

/** The reference JSON text of `root` ({types, primaryType, domain, message}); throws as JSON.stringify does. */
export function typedDataJsonByReplacer(root) {
  return JSON.stringify(root, replacer);
}

// ------------------------------------------------------------- fast writer

// The native encoder refuses values nested deeper than 64 structs/arrays;
// past this the writer hands over (a cycle gets here too, and then gets the
// reference serializer's circular-structure error).
const MAX_FAST_DEPTH = 100;
const STEP_ASIDE = new Error('typed data needs the reference serializer');
const bufferToJSON = Buffer.prototype.toJSON;
const { isBoxedPrimitive } = types;
// A string without these is its own JSON text between quotes: no escapes,
// no surrogates (so it is well-formed as it is).
const NEEDS_WORK = /["\\\u0000-\u001f\ud800-\udfff]/;

function quote(text) {
  if (!NEEDS_WORK.test(text)) return `"${text}"`;
  return JSON.stringify(text.isWellFormed() ? text : text.toWellFormed());
}

// The JSON text the reference serializer gives `value`, or undefined for a
// property it leaves out; throws STEP_ASIDE where the two could differ.
function writeValue(value, depth) {
  switch (typeof value) {
    case 'string': return quote(value);
    case 'number':
      if (!Number.isFinite(value)) throw STEP_ASIDE;
      return Number.isInteger(value) && !Number.isSafeInteger(value) ? `{"\\u0000bigint":"${BigInt(value)}"}` : `${value}`;
    case 'boolean': return value ? 'true' : 'false';
    case 'undefined': return undefined;
    case 'bigint':
      // JSON.stringify calls a bigint's toJSON (if a library added one) first.
      if (typeof value.toJSON === 'function') throw STEP_ASIDE;
      return `{"\\u0000bigint":"${value}"}`;
    case 'object': {
      if (value === null) return 'null';
      if (depth > MAX_FAST_DEPTH) throw STEP_ASIDE;
      const toJSON = value.toJSON;
      if (value instanceof Uint8Array) {
        // Buffer's toJSON only copies the bytes; the replacer then ignores it.
        if (typeof toJSON === 'function' && toJSON !== bufferToJSON) throw STEP_ASIDE;
        return `{"\\u0000bytes":"${bytesToHex(value)}"}`;
      }
      if (typeof toJSON === 'function' || value instanceof Date) throw STEP_ASIDE;
      return Array.isArray(value) ? writeArray(value, depth) : writeObject(value, depth);
    }
    default: throw STEP_ASIDE;  // function, symbol
  }
}

function writeArray(array, depth) {
  const length = array.length;
  let out = '[';
  for (let i = 0; i < length; i++) {
    if (i > 0) out += ',';
    out += writeValue(array[i], depth + 1) ?? 'null';
  }
  return `${out}]`;
}

function writeObject(object, depth) {
  // new Number(1) and the like serialize as their primitive.
  if (isBoxedPrimitive(object)) throw STEP_ASIDE;
  const keys = Object.keys(object);
  let out = '{';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (!key.isWellFormed()) throw STEP_ASIDE;  // the replacer may merge keys
    const text = writeValue(object[key], depth + 1);
    if (text === undefined) continue;
    if (out.length > 1) out += ',';
    out += `${quote(key)}:${text}`;
  }
  return `${out}}`;
}

/**
 * The reference serializer's text for `root`, or undefined where the writer
 * steps aside. One difference is left: an accessor property is read once
 * here, twice (serializer, then replacer) by the reference.
 */
export function typedDataJsonFast(root) {
  try {
    return writeValue(root, 0);
  } catch {
    // STEP_ASIDE, a stack overflow, or a getter that threw: the reference
    // serializer runs it again and reports it as it always has.
    return undefined;
  }
}

// ------------------------------------------------------------------ public

export function typedDataJson(typedData, name = 'typedData') {
  expectObject(typedData, name);
  const { domain, types: typeDefinitions, primaryType, message } = typedData;
  expectObject(typeDefinitions, `${name}.types`);
  expectString(primaryType, `${name}.primaryType`);
  if (domain !== undefined) expectObject(domain, `${name}.domain`);
  if (primaryType !== 'EIP712Domain') expectObject(message, `${name}.message`);
  const root = { types: typeDefinitions, primaryType, domain: domain ?? {}, message: message ?? {} };
  const fast = typedDataJsonFast(root);
  if (fast !== undefined) return fast;
  try {
    return typedDataJsonByReplacer(root);
  } catch (error) {
    if (typeof error.code === 'string' && error.code.startsWith('ERR_EIP712')) throw error;
    // V8 runs out of stack long before any real typed data would.
    if (error instanceof RangeError) {
      throw argError(RangeError, 'ERR_EIP712_DEPTH', `${name} is nested too deeply to encode`, { cause: error });
    }
    if (/circular/i.test(error.message)) {
      throw argError(TypeError, 'ERR_EIP712_VALUE', `${name} contains a circular reference`, { cause: error });
    }
    throw argError(TypeError, 'ERR_EIP712_VALUE', `${name} could not be serialized: ${error.message}`, { cause: error });
  }
}
