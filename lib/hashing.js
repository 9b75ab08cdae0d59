// viem-compatible hashing and recovery, computed natively. Same names, same
// arguments, same results as viem's functions — except that malleable
// (high-s) signatures are refused with ERR_HIGH_S instead of recovering the
// address of a signature nobody produced.
import { createHash } from 'node:crypto';

import { bytesToHex, toBytes } from './bytes.js';
import { messageArg } from './message.js';
import { native } from './native.js';
import { signatureBytes } from './signature.js';
import { typedDataJson } from './typed_data.js';
import { expectString, invalidArg } from './validate.js';

/** keccak256 of hex or bytes; hex out by default, bytes with to = 'bytes'. */
export function keccak256(value, to = 'hex') {
  if (to !== 'hex' && to !== 'bytes') throw invalidArg("'hex' or 'bytes'", 'to', to);
  return native.keccak256(toBytes(value, 'value'), to === 'bytes');
}

/** EIP-191 personal message hash of a string or {raw}. */
export function hashMessage(message, to = 'hex') {
  const hash = native.hashMessage(messageArg(message));
  return to === 'bytes' ? toBytes(hash, 'hash') : hash;
}

/** EIP-712 hash of {domain, types, primaryType, message}. */
export function hashTypedData(typedData) {
  return native.hashTypedData(typedDataJson(typedData));
}

function recoverArgs(first, second) {
  // viem's form is recoverAddress({hash, signature}); (hash, signature) works too.
  if (second === undefined && first !== null && typeof first === 'object' && !(first instanceof Uint8Array)) {
    return [first.hash, first.signature];
  }
  return [first, second];
}

export function recoverAddressSync(hashOrParams, maybeSignature) {
  const [hash, signature] = recoverArgs(hashOrParams, maybeSignature);
  return native.recoverAddress(toBytes(hash, 'hash', 32), signatureBytes(signature));
}

/** Address that signed `hash`. */
export async function recoverAddress(hashOrParams, maybeSignature) {
  return recoverAddressSync(hashOrParams, maybeSignature);
}

/** Address that signed the EIP-191 message. */
export async function recoverMessageAddress({ message, signature } = {}) {
  return native.recoverMessageAddress(messageArg(message), signatureBytes(signature));
}

/** Address that signed the EIP-712 typed data. */
export async function recoverTypedDataAddress(parameters = {}) {
  const { signature, ...typedData } = parameters;
  return native.recoverTypedDataAddress(typedDataJson(typedData), signatureBytes(signature));
}

/** EIP-55 checksummed form; throws on a bad checksum or shape. */
export function getAddress(address) {
  return native.getAddress(expectString(address, 'address'));
}

/** Whether two hex addresses are the same account, whatever their case (EIP-55 or not). */
export function sameAddress(a, b) {
  return typeof a === 'string' && typeof b === 'string' && a.toLowerCase() === b.toLowerCase();
}

/** sha256 of text (as UTF-8) or bytes, as 64 hex digits without 0x: names records by a key or a body. */
export function sha256Hex(data) {
  return createHash('sha256').update(data).digest('hex');
}

export function addressBytes(address, name) {
  return toBytes(native.getAddress(expectString(address, name)), name, 20);
}

export { bytesToHex };
