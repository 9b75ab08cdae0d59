// Argument checks at the public edge. Every message has one shape —
// "Expected <what> for <name> but received <value>" — and a `code`, so both
// people and programs can tell what was wrong. Secrets are never echoed:
// a value that could be a private key is described, not shown (secret_text.js).
import { showInput } from './secret_text.js';

/** The shape of a hex address, any case (its EIP-55 checksum is hashing.js's getAddress). */
export const HEX_ADDRESS = /^0x[0-9a-fA-F]{40}$/;
/** A CAIP-2 EVM network ("eip155:8453"); the chain id is group 1. */
export const CAIP2_EVM = /^eip155:([1-9][0-9]{0,15})$/;

/** The chain id of a CAIP-2 EVM network ("eip155:8453" → 8453), or null for anything else. */
export function evmChainId(network) {
  const match = typeof network === 'string' ? CAIP2_EVM.exec(network) : null;
  return match ? Number(match[1]) : null;
}

export function describe(value) {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') {
    return `${showInput(value, 40)} (string of length ${value.length})`;
  }
  if (typeof value === 'bigint') return `${value}n (bigint)`;
  if (value instanceof Uint8Array) return `a Uint8Array of ${value.length} bytes`;
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'null prototype'})`;
  return `${String(value)} (${typeof value})`;
}

export function argError(ErrorClass, code, message, options) {
  const error = new ErrorClass(message, options);
  error.code = code;
  return error;
}

export function invalidArg(what, name, value, { ErrorClass = TypeError, secret = false } = {}) {
  const received = secret ? `a value of type ${typeof value} (not shown)` : describe(value);
  return argError(ErrorClass, 'ERR_INVALID_ARG_TYPE', `Expected ${what} for ${name} but received ${received}`);
}

// The right type but a value out of range or of the wrong form.
export function invalidValue(what, name, value) {
  return argError(RangeError, 'ERR_INVALID_ARG_VALUE', `Expected ${what} for ${name} but received ${describe(value)}`);
}

export function expectString(value, name) {
  if (typeof value !== 'string') throw invalidArg('a string', name, value);
  return value;
}

export function expectObject(value, name) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidArg('an object', name, value);
  }
  return value;
}

export function expectSafeInteger(value, name, { min = -Number.MAX_SAFE_INTEGER } = {}) {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw invalidArg('a safe integer', name, value);
  }
  if (value < min) throw invalidArg(`an integer >= ${min}`, name, value, { ErrorClass: RangeError });
  return value;
}

function dateMillis(date, name) {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw invalidArg('a valid Date', name, date);
  return ms;
}

// Unix seconds from a number of seconds or a Date; the clock when absent.
export function unixSeconds(value, name) {
  if (value === undefined) return Math.floor(Date.now() / 1000);
  if (value instanceof Date) return Math.floor(dateMillis(value, name) / 1000);
  return expectSafeInteger(value, name);
}

// Unix milliseconds (0 to 2^53-1) from a number of milliseconds or a Date;
// the clock when absent.
export function unixMillis(value, name) {
  if (value === undefined) return Date.now();
  const ms = expectSafeInteger(value instanceof Date ? dateMillis(value, name) : value, name);
  if (ms < 0) throw invalidValue('a time at or after 1970', name, value);
  return ms;
}
