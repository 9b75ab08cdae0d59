// EIP-712 typed data crosses into native code as JSON text. JSON has no
// bigint or byte array, so those travel as one-key objects the encoder
// recognizes — {"\0bigint": "123"} and {"\0bytes": "0x…"} — which keeps their
// JS type: a bigint is an integer but never a string, as in viem. Strings and
// keys are made well-formed the way TextEncoder does, so hashes match viem's.
import { bytesToHex } from './bytes.js';
import { argError, expectObject, expectString } from './validate.js';

const BIGINT = '\u0000bigint';
const BYTES = '\u0000bytes';

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

export function typedDataJson(typedData, name = 'typedData') {
  expectObject(typedData, name);
  const { domain, types, primaryType, message } = typedData;
  expectObject(types, `${name}.types`);
  expectString(primaryType, `${name}.primaryType`);
  if (domain !== undefined) expectObject(domain, `${name}.domain`);
  if (primaryType !== 'EIP712Domain') expectObject(message, `${name}.message`);
  try {
    return JSON.stringify({ types, primaryType, domain: domain ?? {}, message: message ?? {} }, replacer);
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
