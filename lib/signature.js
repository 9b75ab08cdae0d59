// Signatures as viem accepts them: 65-byte hex or bytes (r || s || v), or
// {r, s, v | yParity}. Always handed to native code as 65 bytes.
import { hexToBytes, isHex, toBytes } from './bytes.js';
import { argError, invalidArg } from './validate.js';

const WORD = /^0x[0-9a-fA-F]{64}$/;

function recoveryByte(signature) {
  const { v, yParity } = signature;
  if (yParity !== undefined) {
    if (yParity === 0 || yParity === 1) return yParity;
    throw argError(RangeError, 'ERR_BAD_V', 'Expected 0 or 1 for signature.yParity');
  }
  const n = typeof v === 'bigint' ? v : typeof v === 'number' ? BigInt(v) : undefined;
  if (n === 27n || n === 28n) return Number(n - 27n);
  if (n === 0n || n === 1n) return Number(n);
  throw argError(RangeError, 'ERR_BAD_V', 'Expected 27, 28, 0 or 1 for signature.v');
}

export function signatureBytes(signature, name = 'signature') {
  if (typeof signature === 'string' || signature instanceof Uint8Array) {
    return toBytes(signature, name, 65);
  }
  if (signature !== null && typeof signature === 'object' && WORD.test(signature.r) && WORD.test(signature.s)) {
    const bytes = new Uint8Array(65);
    bytes.set(hexToBytes(signature.r), 0);
    bytes.set(hexToBytes(signature.s), 32);
    bytes[64] = 27 + recoveryByte(signature);
    return bytes;
  }
  throw invalidArg('65-byte hex, a Uint8Array or {r, s, v | yParity}', name, signature);
}

// {r, s, v, yParity} of a 65-byte hex signature, as viem's sign() returns.
export function signatureObject(hex) {
  if (!isHex(hex) || hex.length !== 132) throw invalidArg('65-byte hex', 'signature', hex);
  const yParity = parseInt(hex.slice(130), 16) - 27;
  return { r: `0x${hex.slice(2, 66)}`, s: `0x${hex.slice(66, 130)}`, v: BigInt(27 + yParity), yParity };
}
