// Generates eip712_vectors.json: random EIP-712 documents with viem's
// hashTypedData as the expected hash, for the C++ cross-check in
// test/cpp/eip712_test.cc.
//
//   cd /work/main && node test/cpp/data/gen-eip712-vectors.mjs
//
// Deterministic: a fixed seed drives a small PRNG, so re-running produces
// the same file unless viem's behaviour changes. Documents contain only JSON
// values (integers beyond 2^53 - 1 are strings), and viem hashes exactly the
// value that is written to the file.

import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getAddress, hashTypedData } from 'viem';

const VECTOR_COUNT = 360;
const SEED = 0x712c1a3;

// --- PRNG: 32-bit xorshift state, output whitened by a multiply-xorshift.
let state = SEED >>> 0;
function nextUint32() {
  state ^= state << 13;
  state >>>= 0;
  state ^= state >>> 17;
  state ^= state << 5;
  state >>>= 0;
  let out = Math.imul(state ^ (state >>> 15), 0x2c1b3c6d) >>> 0;
  out ^= out >>> 12;
  return out >>> 0;
}
const below = (n) => nextUint32() % n; // bias is irrelevant for test data
const chance = (p) => nextUint32() / 2 ** 32 < p;
const pick = (items) => items[below(items.length)];
function randomBigInt(bits) {
  let value = 0n;
  for (let i = 0; i < bits; i += 32) value = (value << 32n) | BigInt(nextUint32());
  return value & ((1n << BigInt(bits)) - 1n);
}
function randomHex(byteCount, { mixedCase = false } = {}) {
  let hex = '';
  for (let i = 0; i < byteCount; i++) hex += below(256).toString(16).padStart(2, '0');
  if (mixedCase) hex = [...hex].map((c) => (chance(0.5) ? c.toUpperCase() : c)).join('');
  return `0x${hex}`;
}

// --- values -----------------------------------------------------------------

// An integer within [min, max] leaning on the edges where encoders break.
function randomIntegerIn(min, max, bits) {
  const value = randomIntegerNear(min, max, bits);
  return value > max ? max : value < min ? min : value;
}

function randomIntegerNear(min, max, bits) {
  switch (below(8)) {
    case 0: return min;
    case 1: return max;
    case 2: return 0n;
    case 3: return min + 1n <= max ? min + 1n : min;
    case 4: return max - 1n >= min ? max - 1n : max;
    case 5: return BigInt(below(1000)) * (min < 0n && chance(0.5) ? -1n : 1n);
    default: {
      // A random magnitude of random bit length, with a random sign if allowed.
      const magnitudeBits = 1 + below(bits);
      let value = randomBigInt(magnitudeBits);
      if (min < 0n && chance(0.5)) value = -value;
      return value;
    }
  }
}

// Writes an integer as a JSON number, decimal string or hex string.
function integerAsJson(value) {
  const safe = value >= -BigInt(Number.MAX_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER);
  const form = below(safe ? 4 : 3);
  if (form === 3) return Number(value);
  if (form === 0 || value < 0n) return value.toString(10);
  if (form === 1) {
    const digits = value.toString(16);
    const padded = chance(0.3) ? '0'.repeat(below(4)) + digits : digits;
    return `${chance(0.2) ? '0X' : '0x'}${chance(0.3) ? padded.toUpperCase() : padded}`;
  }
  return (chance(0.2) ? '00' : '') + value.toString(10);
}

const UNICODE_PIECES = [
  'a', 'Z', '0', ' ', '"', '\\', '\n', '\t', '\u0000', '\u007f', 'é', 'ß', 'Ω', 'ж', '中', '文', '한',
  '\u200d', '\ufeff', '\uffff', '😀', '🦀', '𝔘', '\u{10ffff}', '\u{1f468}\u{200d}\u{1f469}', '𐍈',
];
function randomString() {
  if (chance(0.1)) return '';
  const length = chance(0.15) ? 60 + below(100) : below(12); // long ones cross a Keccak block
  let text = '';
  for (let i = 0; i < length; i++) text += chance(0.5) ? String.fromCharCode(32 + below(95)) : pick(UNICODE_PIECES);
  return text;
}

function randomAddress() {
  const lower = randomHex(20);
  return chance(0.5) ? getAddress(lower) : lower;
}

// --- types ------------------------------------------------------------------

const NAME_HEAD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_$';
const NAME_TAIL = `${NAME_HEAD}0123456789`;
function randomIdentifier(tailChars = NAME_TAIL) {
  let name = NAME_HEAD[below(NAME_HEAD.length)];
  const length = below(8);
  for (let i = 0; i < length; i++) name += tailChars[below(tailChars.length)];
  return name;
}
// Struct names start with an uppercase letter so none reads as a Solidity
// type; ':' is allowed inside, as viem allows.
function randomStructName(taken) {
  for (;;) {
    const name = 'QRSTUVWXYZ'[below(10)] + randomIdentifier(`${NAME_TAIL}:`);
    if (!taken.has(name) && name !== 'EIP712Domain') return name;
  }
}

function randomAtomicType() {
  switch (below(9)) {
    case 0: return 'address';
    case 1: return 'bool';
    case 2: return 'string';
    case 3: return 'bytes';
    case 4: return `bytes${1 + below(32)}`;
    case 5: return pick(['uint256', 'int256', 'uint8', 'int8']);
    default: return `${chance(0.5) ? 'u' : ''}int${8 * (1 + below(32))}`;
  }
}

function randomArraySuffix(dynamicOnly) {
  const dimensions = chance(0.7) ? 1 : 2;
  let suffix = '';
  for (let i = 0; i < dimensions; i++) suffix += dynamicOnly || chance(0.5) ? '[]' : `[${1 + below(3)}]`;
  return suffix;
}

// Struct i may embed struct j > i directly (a DAG, so values are finite) and
// any struct, itself included, through dynamic arrays (cycles, ended by
// empty arrays).
function randomTypes() {
  const count = 1 + below(4);
  const taken = new Set();
  const names = [];
  for (let i = 0; i < count; i++) {
    const name = randomStructName(taken);
    taken.add(name);
    names.push(name);
  }
  const types = {};
  names.forEach((name, i) => {
    const fieldCount = below(7);
    const fieldNames = new Set();
    const fields = [];
    for (let f = 0; f < fieldCount; f++) {
      let fieldName;
      do fieldName = randomIdentifier(); while (fieldNames.has(fieldName));
      fieldNames.add(fieldName);
      let type;
      const roll = below(10);
      if (roll < 2 && i + 1 < count) {
        type = names[i + 1 + below(count - i - 1)] + (chance(0.3) ? randomArraySuffix(false) : '');
      } else if (roll < 3) {
        type = pick(names) + randomArraySuffix(true);
      } else if (roll < 5) {
        type = randomAtomicType() + randomArraySuffix(false);
      } else {
        type = randomAtomicType();
      }
      fields.push({ name: fieldName, type });
    }
    types[name] = fields;
  });
  return { types, primaryType: names[0] };
}

function randomValue(type, types, depth) {
  const array = type.match(/^(.*)\[(\d*)\]$/);
  if (array) {
    const [, inner, fixed] = array;
    // Deep in a recursive type, dynamic arrays go empty so values stay finite.
    const length = fixed !== '' ? Number(fixed) : depth > 3 ? 0 : below(3);
    return Array.from({ length }, () => randomValue(inner, types, depth + 1));
  }
  if (types[type]) return randomStruct(type, types, depth + 1);
  if (type === 'address') return randomAddress();
  if (type === 'bool') return chance(0.5);
  if (type === 'string') return randomString();
  if (type === 'bytes') return randomHex(chance(0.2) ? 0 : below(80), { mixedCase: chance(0.3) });
  const fixedBytes = type.match(/^bytes(\d+)$/);
  if (fixedBytes) return randomHex(Number(fixedBytes[1]), { mixedCase: chance(0.3) });
  const integer = type.match(/^(u?)int(\d+)$/);
  if (integer) {
    const bits = Number(integer[2]);
    const signed = integer[1] === '';
    const min = signed ? -(1n << BigInt(bits - 1)) : 0n;
    const max = signed ? (1n << BigInt(bits - 1)) - 1n : (1n << BigInt(bits)) - 1n;
    return integerAsJson(randomIntegerIn(min, max, bits));
  }
  throw new Error(`generator bug: no value for ${type}`);
}

function randomStruct(name, types, depth) {
  const value = {};
  for (const { name: field, type } of types[name]) value[field] = randomValue(type, types, depth);
  if (chance(0.1)) value.ignoredExtra = 'extra fields are ignored';
  return value;
}

// --- domain -----------------------------------------------------------------

const DOMAIN_FIELDS = [
  ['name', 'string', () => randomString()],
  ['version', 'string', () => pick(['1', '2', '', 'v3.0'])],
  ['chainId', 'uint256', () => integerAsJson(pick([1n, 8453n, 84532n, randomIntegerIn(0n, (1n << 256n) - 1n, 256)]))],
  ['verifyingContract', 'address', () => randomAddress()],
  ['salt', 'bytes32', () => randomHex(32)],
];

function randomDomain(types) {
  const chosen = DOMAIN_FIELDS.filter(() => chance(0.6));
  const domain = Object.fromEntries(chosen.map(([name, , make]) => [name, make()]));
  // Sometimes declare EIP712Domain explicitly, possibly in a custom order.
  if (chance(0.25)) {
    const declared = chosen.map(([name, type]) => ({ name, type }));
    if (chance(0.5)) declared.reverse();
    types.EIP712Domain = declared;
  }
  return domain;
}

// --- main -------------------------------------------------------------------

// Small documents keep the file near 1 MB; big ones add nothing new.
const MAX_DOCUMENT_CHARS = 5000;

function randomDocument() {
  for (;;) {
    const document = randomDocumentOfAnySize();
    if (JSON.stringify(document).length <= MAX_DOCUMENT_CHARS) return document;
  }
}

function randomDocumentOfAnySize() {
  const { types, primaryType } = randomTypes();
  const domain = randomDomain(types);
  if (chance(0.03)) return { types, primaryType: 'EIP712Domain', domain };
  return { types, primaryType, domain, message: randomStruct(primaryType, types, 0) };
}

const here = dirname(fileURLToPath(import.meta.url));
const viemVersion = createRequire(import.meta.url)('viem/package.json').version;
const vectors = [];
for (let i = 0; i < VECTOR_COUNT; i++) {
  const typedData = randomDocument();
  vectors.push({ typedData, hash: hashTypedData(typedData) });
}
const output = {
  generator: 'test/cpp/data/gen-eip712-vectors.mjs',
  expectedBy: `viem ${viemVersion} hashTypedData`,
  seed: SEED,
  vectors,
};
const text = `${JSON.stringify(output)}\n`;
writeFileSync(join(here, 'eip712_vectors.json'), text);
console.log(`wrote ${vectors.length} vectors, ${text.length} bytes`);
