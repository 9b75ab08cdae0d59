// EIP-3009 TransferWithAuthorization is what every x402 `exact` payment
// signs, so it skips the JSON crossing general typed data takes: the document
// is recognised by its shape, its domain's separator is computed once per
// domain (native TransferDomain), and only the six values cross, as text.
// Anything else — another field list, an explicit EIP712Domain type, a value
// in a form the native reader does not take — goes the general way
// (typed_data.js), which is also the only source of errors: this path either
// gives the same signature or steps aside.
import { native } from './native.js';
import { typedDataJsonFast } from './typed_data.js';

const PRIMARY_TYPE = 'TransferWithAuthorization';
const FIELDS = [['from', 'address'], ['to', 'address'], ['value', 'uint256'], ['validAfter', 'uint256'],
  ['validBefore', 'uint256'], ['nonce', 'bytes32']];
// The fields a derived EIP712Domain type can hold (viem's order).
const DOMAIN_FIELDS = ['name', 'version', 'chainId', 'verifyingContract', 'salt'];

// A payer sees a handful of domains; the cap only bounds a caller that makes many.
const MAX_DOMAINS = 64;
const domains = new Map();

const isRecord = (value) => value !== null && typeof value === 'object' && !Array.isArray(value);

function plainFields(types) {
  if (!isRecord(types)) return false;
  const names = Object.keys(types);
  if (names.length !== 1 || names[0] !== PRIMARY_TYPE) return false;
  const fields = types[PRIMARY_TYPE];
  if (!Array.isArray(fields) || fields.length !== FIELDS.length) return false;
  for (let i = 0; i < FIELDS.length; i++) {
    const field = fields[i];
    if (!isRecord(field) || field.name !== FIELDS[i][0] || field.type !== FIELDS[i][1]) return false;
  }
  return true;
}

// Text the native reader may take for a uint256, or undefined. A bigint with
// a toJSON of its own serializes as that toJSON says: the general path's.
function integerText(value) {
  if (typeof value === 'bigint') return typeof value.toJSON === 'function' ? undefined : value.toString();
  if (typeof value === 'number') return Number.isSafeInteger(value) ? String(value) : undefined;
  return typeof value === 'string' ? value : undefined;
}

// The cache key of a domain's derived-type field values: each one's JS type
// and text, length-prefixed so that no two domains share a key.
function domainKey(values) {
  let key = '';
  for (const value of values) {
    // null and undefined both leave the field out of the derived type.
    if (value === null || value === undefined) { key += '-'; continue; }
    const type = typeof value;
    if (type !== 'string' && type !== 'number' && type !== 'bigint') return undefined;
    const text = String(value);
    key += `${type[0]}${text.length}:${text}`;
  }
  return key;
}

function transferDomain(domain) {
  const values = DOMAIN_FIELDS.map((field) => domain[field]);
  const key = domainKey(values);
  if (key === undefined) return undefined;
  let found = domains.get(key);
  if (found !== undefined) return found;
  const picked = {};
  DOMAIN_FIELDS.forEach((field, i) => { if (values[i] !== undefined) picked[field] = values[i]; });
  const json = typedDataJsonFast(picked);
  if (json === undefined) return undefined;
  try {
    found = new native.TransferDomain(json);
  } catch {
    return undefined;  // a bad domain: the general path names the problem
  }
  if (domains.size >= MAX_DOMAINS) domains.clear();
  domains.set(key, found);
  return found;
}

// [TransferDomain, ...six value texts] for a plain TransferWithAuthorization document, else undefined.
function transferArguments(typedData) {
  if (!isRecord(typedData) || typedData.primaryType !== PRIMARY_TYPE || !plainFields(typedData.types)) return undefined;
  const { domain, message } = typedData;
  if (!isRecord(domain) || !isRecord(message)) return undefined;
  const { from, to, nonce } = message;
  if (typeof from !== 'string' || typeof to !== 'string' || typeof nonce !== 'string') return undefined;
  const value = integerText(message.value);
  const validAfter = integerText(message.validAfter);
  const validBefore = integerText(message.validBefore);
  if (value === undefined || validAfter === undefined || validBefore === undefined) return undefined;
  const where = transferDomain(domain);
  if (where === undefined) return undefined;
  return [where, from, to, value, validAfter, validBefore, nonce];
}

/** The signature of a plain TransferWithAuthorization document by the native signer `handle`, or undefined. */
export function signTransferAuthorization(handle, typedData) {
  const args = transferArguments(typedData);
  if (args === undefined) return undefined;
  const [where, ...values] = args;
  return where.sign(handle, ...values);
}

/** The EIP-712 digest of a plain TransferWithAuthorization document, or undefined. */
export function transferAuthorizationDigest(typedData) {
  const args = transferArguments(typedData);
  if (args === undefined) return undefined;
  const [where, ...values] = args;
  return where.digest(...values);
}
