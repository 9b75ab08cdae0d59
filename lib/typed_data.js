// EIP-712 typed data crosses into native code as JSON text. JSON has no
// bigint or bytes, so they are written as decimal / 0x-hex strings, which the
// encoder reads back exactly. Numbers past 2^53 are written from their exact
// value (as viem's BigInt(number) would read them), and strings are made
// well-formed the way TextEncoder makes them, so hashes match viem's.
import { bytesToHex } from './bytes.js';
import { expectObject, expectString, invalidArg } from './validate.js';

function replacer(key, value) {
  const original = this[key];
  if (typeof original === 'bigint') return original.toString();
  if (original instanceof Uint8Array) return bytesToHex(original);
  if (typeof value === 'string') return value.isWellFormed() ? value : value.toWellFormed();
  if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
    return BigInt(value).toString();
  }
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
    throw invalidArg('JSON-serializable typed data', name, typedData);
  }
}
