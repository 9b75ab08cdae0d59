// Random EIP-712 typed-data documents from a seeded PRNG, for cross-checking
// hashTypedData / signTypedData against viem. Every document is a pure
// function of (seed, index), so a failure names both and
// CLAWPAY_SEED=<seed> replays it; `randomTypedData(seed, index)` rebuilds one
// document alone.
//
// Each document also carries `features`: tags for what it exercises (nesting
// depth, array shapes, integer extremes and representations, unicode kinds,
// domain fields…), so a suite can assert that its sample covered them all.
import { inspect } from 'node:util';

import { checksumAddress } from 'viem';

import { Random as Rng, resolveSeed } from './random.js';

// The typed-data suites use the shared generator under this name.
export { Rng, resolveSeed };

// ------------------------------------------------------------------ values

const STRING_PIECES = [
  // [feature, text]
  ['string-ascii', 'a'], ['string-ascii', 'Hello, Bob!'], ['string-ascii', ' '], ['string-ascii', '0x1234'],
  ['string-json-escapes', '"'], ['string-json-escapes', '\\'], ['string-json-escapes', '\n\r\t\b\f'],
  ['string-json-escapes', '</script>'], ['string-json-escapes', '\u2028\u2029'],
  ['string-control', '\u0000'], ['string-control', '\u001f\u007f'],
  ['string-latin', 'é'], ['string-latin', 'ß€£'], ['string-cjk', '中文字'], ['string-cjk', 'ｶﾀｶﾅ'],
  ['string-combining', 'e\u0301'], ['string-combining', 'a\u0300\u0316\u0327'], ['string-combining', '\u0928\u093f'],
  ['string-rtl', 'שלום'], ['string-rtl', 'مرحبا'], ['string-rtl', '\u202eevil\u202c'], ['string-rtl', '\u200f'],
  ['string-astral', '𝄞'], ['string-astral', '𠜎'], ['string-astral', '\u{10ffff}'], ['string-astral', '\u{1d400}'],
  ['string-emoji', '😀'], ['string-emoji', '👨‍👩‍👧‍👦'], ['string-emoji', '🏳️‍🌈'], ['string-emoji', '👍🏽'],
  ['string-bmp-edge', '\ufeff'], ['string-bmp-edge', '\uffff'], ['string-bmp-edge', '\ufffd'],
  ['string-lone-surrogate', '\ud800'], ['string-lone-surrogate', '\udbff'], ['string-lone-surrogate', '\udc00'],
  ['string-lone-surrogate', '\udfff'], ['string-lone-surrogate', '\udc00\ud800'], ['string-lone-surrogate', 'x\ud83d'],
  ['string-lone-surrogate', '\ude00y'],
];

function randomString(rng, features) {
  const pieces = rng.weighted([[1, 0], [4, rng.int(1, 3)], [3, rng.int(4, 12)], [1, rng.int(30, 60)]]);
  let text = '';
  for (let i = 0; i < pieces; i++) {
    const [feature, piece] = rng.pick(STRING_PIECES);
    features.add(feature);
    text += piece;
  }
  if (pieces === 0) features.add('string-empty');
  return text;
}

function randomAddress(rng, features) {
  const lower = `0x${Buffer.from(rng.bytes(20)).toString('hex')}`;
  if (rng.chance(0.5)) {
    features.add('address-lowercase');
    return lower;
  }
  features.add('address-checksummed');
  return checksumAddress(lower);
}

function integerRange(signed, bits) {
  const b = BigInt(bits);
  return signed ? [-(1n << (b - 1n)), (1n << (b - 1n)) - 1n] : [0n, (1n << b) - 1n];
}

/** A value of intN / uintN: often at or near the range ends, in every representation. */
function randomInteger(rng, signed, bits, features) {
  const [min, max] = integerRange(signed, bits);
  const kind = rng.pick(signed
    ? ['min', 'min+1', 'max', 'max-1', 'zero', 'one', 'minus-one', 'random', 'random-negative', 'small']
    : ['max', 'max-1', 'zero', 'one', 'random', 'small']);
  let value;
  switch (kind) {
    case 'min': value = min; break;
    case 'min+1': value = min + 1n; break;
    case 'max': value = max; break;
    case 'max-1': value = max - 1n; break;
    case 'zero': value = 0n; break;
    case 'one': value = 1n; break;
    case 'minus-one': value = -1n; break;
    case 'small': value = BigInt(rng.int(signed ? -100 : 0, 100)); break; // fits int8 too
    case 'random-negative': value = -(rng.bigBits(bits - 1)); break;
    default: value = signed ? rng.bigBits(bits) + min : rng.bigBits(bits);
  }
  if (value === max) features.add(signed ? 'int-max' : 'uint-max');
  if (value === min && signed) features.add('int-min');
  if (value < 0n) features.add('int-negative');

  const safe = value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER);
  const representation = rng.weighted([
    [3, 'bigint'],
    [safe ? 3 : 0, 'number'],
    [3, 'decimal'],
    [value >= 0n ? 1 : 0, 'hex'],
  ]);
  features.add(`integer-as-${representation}`);
  if (representation === 'number' && (value === max || value === min) && bits > 8) features.add('integer-number-at-extreme');
  switch (representation) {
    case 'number': return Number(value);
    case 'decimal': return value.toString();
    case 'hex': return `0x${value.toString(16)}`;
    default: return value;
  }
}

// -------------------------------------------------------------- type model
//
// A field type is {base, dims}: base is an atomic type name or a struct name;
// dims lists array suffixes innermost first, each null (dynamic) or a length.
// "uint16[2][]" is {base: 'uint16', dims: [2, null]}.

function typeText({ base, dims }) {
  return base + dims.map((d) => (d === null ? '[]' : `[${d}]`)).join('');
}

const STRUCT_NAME_STEMS = [
  'Person', 'Mail', 'Asset', 'Order', 'intent', 'bytesInfo', 'uint256x', 'Zeta', 'a', 'B', '_Leg', '$Wallet',
  'ns:Item', 'Group', 'Permit', 'Node', 'x402', 'Transfer', 'Q', 'data_Block',
];
const FIELD_NAMES = [
  'from', 'to', 'amount', 'value', 'nonce', 'x', 'y', '_z', '$w', 'a1', 'Data', 'items', 'wallet', 'name',
  'deadline', 'salt', 'contents', 'owner', 'spender', 'constructor', 'length', 'f0', 'f1', 'f2', 'f3', 'f4', 'f5',
];

function structNames(rng, count) {
  const names = new Set();
  while (names.size < count) {
    const stem = rng.pick(STRUCT_NAME_STEMS);
    names.add(rng.chance(0.5) ? stem : `${stem}${rng.int(0, 99)}`);
  }
  return rng.shuffle([...names]);
}

function randomAtomicType(rng) {
  return rng.weighted([
    [3, () => `uint${8 * rng.int(1, 32)}`],
    [3, () => `int${8 * rng.int(1, 32)}`],
    [2, () => `bytes${rng.int(1, 32)}`],
    [2, () => 'bytes'],
    [2, () => 'string'],
    [2, () => 'address'],
    [1, () => 'bool'],
  ])();
}

function randomDims(rng, features, isStruct) {
  const count = rng.weighted([[6, 0], [3, 1], [1, 2]]);
  const dims = [];
  for (let i = 0; i < count; i++) {
    if (rng.chance(0.5)) dims.push(null);
    else dims.push(rng.weighted([[1, 0], [4, 1], [4, 2], [isStruct ? 0 : 2, 3]]));
  }
  if (dims.some((d) => d === null)) features.add('array-dynamic');
  if (dims.some((d) => d !== null)) features.add('array-fixed');
  if (dims.includes(0)) features.add('array-fixed-0');
  if (dims.length === 2) features.add('array-nested');
  if (dims.length === 2 && dims[0] !== null && dims[1] === null) features.add('array-nested-fixed-in-dynamic');
  if (dims.length === 2 && dims[0] === null && dims[1] !== null) features.add('array-nested-dynamic-in-fixed');
  if (isStruct && dims.length > 0) features.add('struct-in-array');
  if (isStruct && dims.length === 2) features.add('struct-in-nested-array');
  return dims;
}

function randomFields(rng, count) {
  return rng.shuffle([...FIELD_NAMES]).slice(0, count);
}

// ------------------------------------------------------------------ domain

const DOMAIN_FIELDS = [
  ['name', 'string'], ['version', 'string'], ['chainId', 'uint256'], ['verifyingContract', 'address'], ['salt', 'bytes32'],
];

function randomDomain(rng, features) {
  const domain = {};
  const present = [];
  for (const [name, type] of DOMAIN_FIELDS) {
    if (rng.chance(0.5)) {
      present.push({ name, type });
      features.add(`domain-${name}`);
      switch (name) {
        case 'name': domain.name = rng.chance(0.7) ? rng.pick(['USD Coin', 'Ether Mail', 'Permit2', 'x']) : randomString(rng, features); break;
        case 'version': domain.version = rng.pick(['1', '2', '', '1.0.0']); break;
        case 'chainId': {
          const id = rng.pick([1, 10, 137, 8453, 84532, 42161, 11155111, 0, 2 ** 53 - 1]);
          domain.chainId = rng.pick([id, BigInt(id), String(id), BigInt(id) * 2n ** 64n + 5n]);
          features.add(`domain-chainId-${typeof domain.chainId}`);
          break;
        }
        case 'verifyingContract': domain.verifyingContract = randomAddress(rng, features); break;
        default: domain.salt = rng.mixedCaseHex(32);
      }
    } else if (rng.chance(0.15)) {
      // Absent either way: viem and JSON both skip undefined; both skip null.
      domain[name] = rng.chance(0.5) ? undefined : null;
      features.add('domain-nullish-field');
    }
  }
  if (present.length === 0) features.add('domain-empty');
  if (present.length === DOMAIN_FIELDS.length) features.add('domain-full');
  return { domain, present };
}

// ---------------------------------------------------------------- document

/**
 * One random document: {typedData, features, seed, index}. typedData has
 * domain, types, primaryType and message, with values as viem takes them.
 */
export function randomTypedData(seed, index) {
  const rng = new Rng(seed, index);
  const features = new Set();

  // Struct levels: level 0 is the primary type, each level's structs hold
  // fields of the next level's structs, so values nest exactly `levels` deep.
  const levels = rng.int(2, 4);
  features.add(`struct-levels-${levels}`);
  const perLevel = [1];
  for (let l = 1; l < levels; l++) perLevel.push(rng.int(1, 2));
  const unused = rng.chance(0.15) ? 1 : 0;
  const names = structNames(rng, perLevel.reduce((a, b) => a + b, 0) + unused);
  const byLevel = [];
  let next = 0;
  for (const count of perLevel) byLevel.push(names.slice(next, (next += count)));
  const unusedName = unused ? names[next] : null;

  const structs = new Map(); // name -> [{name, type: {base, dims}}]
  const makeStruct = (name, level) => {
    const deeper = byLevel.slice(level + 1).flat();
    const fieldCount = rng.int(1, level === 0 ? 6 : 4);
    const fieldNames = randomFields(rng, fieldCount + (level + 1 < levels ? 1 : 0));
    const fields = [];
    // One field always reaches the next level, so the nesting is real.
    if (level + 1 < levels) {
      const base = rng.pick(byLevel[level + 1]);
      fields.push({ name: fieldNames.pop(), type: { base, dims: randomDims(rng, features, true) } });
    }
    for (const fieldName of fieldNames) {
      const structField = deeper.length > 0 && rng.chance(0.2);
      const base = structField ? rng.pick(deeper) : randomAtomicType(rng);
      fields.push({ name: fieldName, type: { base, dims: randomDims(rng, features, structField) } });
    }
    structs.set(name, rng.shuffle(fields));
  };
  byLevel.forEach((levelNames, level) => levelNames.forEach((name) => makeStruct(name, level)));
  if (unusedName) {
    makeStruct(unusedName, levels - 1);
    features.add('types-unused-struct');
  }

  // Values. A budget keeps struct arrays from multiplying out of hand.
  let budget = 60;
  const value = (type, dimsLeft) => {
    if (dimsLeft > 0) {
      const dim = type.dims[dimsLeft - 1];
      const length = dim === null ? (budget > 0 ? rng.weighted([[1, 0], [3, 1], [3, 2], [2, 3]]) : rng.int(0, 1)) : dim;
      if (dim === null && length === 0) features.add('array-empty');
      return Array.from({ length }, () => value(type, dimsLeft - 1));
    }
    const { base } = type;
    if (structs.has(base)) return structValue(base);
    return atomicValue(base);
  };
  const structValue = (name) => {
    budget--;
    const object = {};
    for (const field of structs.get(name)) object[field.name] = value(field.type, field.type.dims.length);
    if (rng.chance(0.05)) {
      object.extraKeyNotInTypes = rng.pick(['ignored', 123, null, [1, 2]]);
      features.add('message-extra-key');
    }
    return object;
  };
  const atomicValue = (base) => {
    if (base === 'bool') {
      features.add('bool');
      return rng.chance(0.5);
    }
    if (base === 'address') return randomAddress(rng, features);
    if (base === 'string') return randomString(rng, features);
    if (base === 'bytes') {
      const length = rng.weighted([[1, 0], [3, rng.int(1, 32)], [2, rng.int(33, 100)]]);
      if (length === 0) features.add('bytes-empty');
      if (rng.chance(0.35)) {
        features.add('bytes-as-uint8array');
        return rng.bytes(length);
      }
      features.add('bytes-as-hex');
      return rng.mixedCaseHex(length);
    }
    let match = /^bytes(\d+)$/.exec(base);
    if (match) {
      const n = Number(match[1]);
      features.add('bytesN');
      if (n === 1) features.add('bytes1');
      if (n === 32) features.add('bytes32');
      return rng.mixedCaseHex(n);
    }
    match = /^(u?)int(\d+)$/.exec(base);
    if (match) {
      const signed = match[1] === '';
      const bits = Number(match[2]);
      features.add(signed ? 'intN' : 'uintN');
      if (bits === 8 || bits === 256) features.add(`${signed ? 'int' : 'uint'}${bits}`);
      return randomInteger(rng, signed, bits, features);
    }
    throw new Error(`random_typed_data: no generator for ${base}`);
  };

  const primaryType = byLevel[0][0];
  const message = structValue(primaryType);
  const { domain, present } = randomDomain(rng, features);

  const types = {};
  // Key order of `types` is irrelevant to the hash; shuffle it anyway.
  for (const name of rng.shuffle([...structs.keys()])) {
    types[name] = structs.get(name).map((f) => ({ name: f.name, type: typeText(f.type) }));
  }
  if (rng.chance(0.2) && present.length > 0) {
    // An explicit EIP712Domain of the fields present (viem uses it as given).
    types.EIP712Domain = present;
    features.add('types-explicit-EIP712Domain');
  }

  const typedData = { types, primaryType, message };
  if (present.length > 0 || rng.chance(0.5)) typedData.domain = domain;
  else features.add('domain-omitted');

  return { typedData, features, seed, index };
}

/** Printable form of a document for failure messages (bigints, bytes, surrogates shown). */
export function describeTypedData(typedData, maxLength = 6000) {
  const text = inspect(typedData, { depth: Infinity, maxArrayLength: Infinity, maxStringLength: Infinity, breakLength: 160 });
  return text.length > maxLength ? `${text.slice(0, maxLength)}… (${text.length} chars)` : text;
}

/** Every feature tag a large enough sample should show. */
export const EXPECTED_FEATURES = [
  'struct-levels-2', 'struct-levels-3', 'struct-levels-4', 'struct-in-array', 'struct-in-nested-array',
  'array-dynamic', 'array-fixed', 'array-fixed-0', 'array-nested', 'array-nested-fixed-in-dynamic',
  'array-nested-dynamic-in-fixed', 'array-empty',
  'bytes-as-hex', 'bytes-as-uint8array', 'bytes-empty', 'bytesN', 'bytes1', 'bytes32',
  'intN', 'uintN', 'int8', 'int256', 'uint8', 'uint256', 'int-min', 'int-max', 'uint-max', 'int-negative',
  'integer-as-bigint', 'integer-as-number', 'integer-as-decimal', 'integer-as-hex', 'integer-number-at-extreme',
  'bool', 'address-lowercase', 'address-checksummed',
  'string-empty', 'string-ascii', 'string-json-escapes', 'string-control', 'string-combining', 'string-rtl',
  'string-astral', 'string-emoji', 'string-lone-surrogate', 'string-cjk',
  'domain-name', 'domain-version', 'domain-chainId', 'domain-verifyingContract', 'domain-salt', 'domain-empty',
  'domain-full', 'domain-nullish-field', 'domain-omitted', 'domain-chainId-number', 'domain-chainId-bigint',
  'domain-chainId-string', 'types-explicit-EIP712Domain', 'types-unused-struct', 'message-extra-key',
];
