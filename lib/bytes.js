// Hex <-> bytes for the public API, strict about shape: viem-style "0x…"
// strings or Uint8Arrays, with lengths checked where the caller knows them.
import { argError, describe } from './validate.js';

const HEX = /^0x(?:[0-9a-fA-F]{2})*$/;

export function isHex(value) {
  return typeof value === 'string' && HEX.test(value);
}

export function hexToBytes(hex) {
  return new Uint8Array(Buffer.from(hex.slice(2), 'hex'));
}

export function bytesToHex(bytes) {
  return `0x${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex')}`;
}

// A Uint8Array from hex text or bytes; `length` (optional) is exact.
export function toBytes(value, name, length) {
  let bytes;
  if (value instanceof Uint8Array) {
    bytes = value;
  } else if (isHex(value)) {
    bytes = hexToBytes(value);
  } else {
    throw argError(TypeError, 'ERR_INVALID_HEX',
      `Expected 0x-prefixed hex with an even number of digits, or a Uint8Array, for ${name} but received ${describe(value)}`);
  }
  if (length !== undefined && bytes.length !== length) {
    throw argError(RangeError, 'ERR_INVALID_LENGTH',
      `Expected ${length} bytes for ${name} but received ${bytes.length}`);
  }
  return bytes;
}
