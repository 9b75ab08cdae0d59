// EIP-712: hashTypedData, Signer#signTypedData and recoverTypedDataAddress
// cross-checked against viem on random documents from a seeded PRNG (the seed
// is in every randomized test's name; CLAWPAY_SEED=<seed> replays it), known
// vectors, and bad input of every kind.
import assert from 'node:assert/strict';
import test from 'node:test';

import {
  hashTypedData as viemHashTypedData,
  recoverTypedDataAddress as viemRecoverTypedDataAddress,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import { Signer, hashTypedData, recoverTypedDataAddress } from '../../lib/index.js';
import { typedDataJson, typedDataJsonByReplacer, typedDataJsonFast } from '../../lib/typed_data.js';
import { argError, expectObject, expectString } from '../../lib/validate.js';
import {
  EXPECTED_FEATURES, Rng, describeTypedData, randomTypedData, resolveSeed,
} from './support/random_typed_data.js';

const seed = resolveSeed();
const DOCUMENTS = 1000;
const VIEM_SIGNED = 300;
const VIEM_RECOVERED = 100;
const MUTATED = 400;
const replay = `replay with CLAWPAY_SEED=${seed} node --test test/js/typed_data.test.js`;

// ------------------------------------------------------------------ setup

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

// Keys come from the seed too, so a signing mismatch replays exactly.
function seededKeys(count) {
  const rng = new Rng(seed, 0x7fffffff);
  const keys = [];
  while (keys.length < count) {
    const hex = `0x${Buffer.from(rng.bytes(32)).toString('hex')}`;
    const k = BigInt(hex);
    if (k > 0n && k < SECP256K1_N) keys.push(hex);
  }
  return keys;
}

const keys = seededKeys(6);
const signers = keys.map((key) => Signer.fromPrivateKey(key));
const accounts = keys.map((key) => privateKeyToAccount(key));

let documents;
function allDocuments() {
  documents ??= Array.from({ length: DOCUMENTS }, (_, index) => randomTypedData(seed, index));
  return documents;
}

function where(doc, extra = '', maxLength = 6000) {
  return `document #${doc.index} (seed ${seed}; ${replay})${extra}\n${describeTypedData(doc.typedData, maxLength)}`;
}

// Runs every case, then fails once listing the first few failures.
function reportFailures(failures, total, what) {
  if (failures.length === 0) return;
  assert.fail(`${failures.length} of ${total} ${what}:\n\n${failures.slice(0, 3).join('\n\n')}`);
}

// --------------------------------------------------------- random documents

test(`random typed-data documents cover every required feature (seed ${seed})`, () => {
  const seen = new Set();
  for (const doc of allDocuments()) doc.features.forEach((f) => seen.add(f));
  const missing = EXPECTED_FEATURES.filter((f) => !seen.has(f));
  assert.deepEqual(missing, [], `features never generated in ${DOCUMENTS} documents (seed ${seed})`);
});

test(`the random-document generator is a pure function of (seed, index) (seed ${seed})`, () => {
  for (const index of [0, 1, 499, DOCUMENTS - 1]) {
    assert.equal(describeTypedData(randomTypedData(seed, index).typedData, Infinity),
      describeTypedData(allDocuments()[index].typedData, Infinity));
  }
  assert.notEqual(describeTypedData(randomTypedData(seed, 0).typedData, Infinity),
    describeTypedData(randomTypedData(seed ^ 1, 0).typedData, Infinity));
});

test(`hashTypedData equals viem's hashTypedData on ${DOCUMENTS} random documents (seed ${seed})`, () => {
  const failures = [];
  for (const doc of allDocuments()) {
    let expected;
    try {
      expected = viemHashTypedData(doc.typedData);
    } catch (error) {
      failures.push(`viem rejected generated ${where(doc)}\nviem: ${error.shortMessage ?? error.message}`);
      continue;
    }
    let actual;
    try {
      actual = hashTypedData(doc.typedData);
    } catch (error) {
      actual = `threw ${error.name} ${error.code}: ${error.message}`;
    }
    if (actual !== expected) failures.push(`${where(doc)}\nviem: ${expected}\nours: ${actual}`);
  }
  reportFailures(failures, DOCUMENTS, 'documents hash differently from viem');
});

test(`Signer#signTypedData equals viem privateKeyToAccount().signTypedData byte for byte on ${VIEM_SIGNED} random documents (seed ${seed})`, async () => {
  const failures = [];
  const docs = allDocuments().slice(0, VIEM_SIGNED);
  for (const doc of docs) {
    const k = doc.index % keys.length;
    const expected = await accounts[k].signTypedData(doc.typedData);
    const actual = await signers[k].signTypedData(doc.typedData);
    const actualSync = signers[k].signTypedDataSync(doc.typedData);
    if (actual !== expected || actualSync !== expected) {
      failures.push(`${where(doc, `, key ${keys[k]}`)}\nviem: ${expected}\nours: ${actual}\nsync: ${actualSync}`);
    }
  }
  reportFailures(failures, docs.length, 'signatures differ from viem');
});

test(`recoverTypedDataAddress returns the signer on all ${DOCUMENTS} random documents, and viem agrees on ${VIEM_RECOVERED} (seed ${seed})`, async () => {
  const failures = [];
  for (const doc of allDocuments()) {
    const signer = signers[doc.index % signers.length];
    const signature = signer.signTypedDataSync(doc.typedData);
    const recovered = await recoverTypedDataAddress({ ...doc.typedData, signature });
    if (recovered !== signer.address) {
      failures.push(`${where(doc)}\nsigner: ${signer.address}\nrecovered: ${recovered}`);
    }
    if (doc.index < VIEM_RECOVERED) {
      const byViem = await viemRecoverTypedDataAddress({ ...doc.typedData, signature });
      if (byViem !== signer.address) failures.push(`${where(doc)}\nsigner: ${signer.address}\nviem recovered: ${byViem}`);
    }
  }
  reportFailures(failures, DOCUMENTS, 'documents did not recover to their signer');
});

test(`hashTypedData leaves its input untouched (seed ${seed})`, () => {
  for (const doc of allDocuments().slice(0, 100)) {
    const before = describeTypedData(doc.typedData, Infinity);
    hashTypedData(doc.typedData);
    assert.equal(describeTypedData(doc.typedData, Infinity), before, where(doc));
  }
});

// A hostile value dropped at a random leaf of a valid document: either ours
// and viem agree, or ours throws an Error with a string code. Never a crash,
// never a different hash for input viem accepts, never a non-Error.
const HOSTILE_VALUES = [
  null, true, false, 'true', '', ' 5', '+5', '0x', '0x123', '0XAB', '0xzz', 1.5, -1, -1n, 2n ** 256n, -(2n ** 255n) - 1n,
  1e300, NaN, Infinity, {}, [], [[]], '\ud800', 'not hex', '0x' + 'ab'.repeat(20), '0x' + 'AB'.repeat(20),
  new Uint8Array(3), new Uint8Array(33), 12345678901234567890n, '-0', 0, 2 ** 53, 2 ** 64,
];

function leafPaths(value, path = [], out = []) {
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    if (entries.length === 0) out.push(path);
    for (const [key, child] of entries) leafPaths(child, [...path, key], out);
  } else {
    out.push(path);
  }
  return out;
}

function replaceAt(value, path, replacement) {
  if (path.length === 0) return replacement;
  const copy = Array.isArray(value) ? [...value] : { ...value };
  copy[path[0]] = replaceAt(value[path[0]], path.slice(1), replacement);
  return copy;
}

// The declared type of the value at `path` in the message, e.g. "string" or "uint16[2][]" (index steps peel one dimension).
function typeAt({ types, primaryType }, path) {
  let type = primaryType;
  for (const step of path) {
    if (typeof step === 'number') type = type.slice(0, type.lastIndexOf('['));
    else type = types[type].find((f) => f.name === step)?.type ?? '(not a field)';
  }
  return type;
}

test(`documents with a hostile value at a random leaf: ours equals viem or throws a coded Error (${MUTATED} mutations, seed ${seed})`, () => {
  const rng = new Rng(seed, 0x7ffffffe);
  const failures = [];
  const stats = { agree: 0, oursStricter: 0, oursLenient: 0, bothThrow: 0 };
  for (let i = 0; i < MUTATED; i++) {
    const doc = allDocuments()[i];
    const paths = leafPaths(doc.typedData.message).filter((p) => p.length > 0);
    const path = rng.pick(paths);
    const hostile = rng.pick(HOSTILE_VALUES);
    const mutated = { ...doc.typedData, message: replaceAt(doc.typedData.message, path, hostile) };
    let expected = null;
    let actual = null;
    let ourError = null;
    try { expected = viemHashTypedData(mutated); } catch { /* viem refuses */ }
    try { actual = hashTypedData(mutated); } catch (error) { ourError = error; }
    const fieldType = typeAt(mutated, path);
    const label = `mutation: message.${path.join('.')} (${fieldType}) = ${describeTypedData(hostile)}`;
    const context = where(doc, '', 1500);
    if (ourError) {
      if (!(ourError instanceof Error) || typeof ourError.code !== 'string' || ourError.message.length === 0) {
        failures.push(`${label}\nthrew without a code: ${ourError}\n${context}`);
      }
      if (expected === null) stats.bothThrow++; else stats.oursStricter++;
    } else if (expected === null) {
      stats.oursLenient++;
    } else if (actual !== expected) {
      failures.push(`${label}\nviem: ${expected}\nours: ${actual}\n${context}`);
    } else {
      stats.agree++;
    }
  }
  reportFailures(failures, MUTATED, 'mutated documents misbehaved');
  assert.ok(stats.bothThrow + stats.oursStricter > MUTATED / 4, `too few mutations were rejected: ${JSON.stringify(stats)}`);
});

// ------------------------------------------------------------ known vectors

const MAIL = {
  types: {
    Person: [{ name: 'name', type: 'string' }, { name: 'wallet', type: 'address' }],
    Mail: [{ name: 'from', type: 'Person' }, { name: 'to', type: 'Person' }, { name: 'contents', type: 'string' }],
  },
  primaryType: 'Mail',
  domain: { name: 'Ether Mail', version: '1', chainId: 1, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' },
  message: {
    from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
    to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
    contents: 'Hello, Bob!',
  },
};
const MAIL_HASH = '0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2';
// The EIP's signer is keccak256("cow"); its signature is (v 28, r, s) below.
const COW_KEY = '0xc85ef7d79691fe79573b1a7064c19c1a9819ebdbd1faaab1a8ec92344438aaf4';
const MAIL_SIGNATURE = '0x4355c47d63924e8a72e509b65029052eb6c299d53a04e167c5775fd466751c9d'
  + '07299936d304c153f6443dfa05f40ff007d72911b6f72307f996231605b91562' + '1c';

test('EIP-712 Mail example hashes to the hash given in the EIP', () => {
  assert.equal(hashTypedData(MAIL), MAIL_HASH);
  assert.equal(viemHashTypedData(MAIL), MAIL_HASH);
});

test("EIP-712 Mail example signed with the EIP's key gives the EIP's signature and recovers to Cow", async () => {
  const cow = Signer.fromPrivateKey(COW_KEY);
  assert.equal(cow.address, '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826');
  assert.equal(await cow.signTypedData(MAIL), MAIL_SIGNATURE);
  assert.equal(await privateKeyToAccount(COW_KEY).signTypedData(MAIL), MAIL_SIGNATURE);
  assert.equal(await recoverTypedDataAddress({ ...MAIL, signature: MAIL_SIGNATURE }), cow.address);
});

const USDC_BASE_DOMAIN = {
  name: 'USD Coin', version: '2', chainId: 8453, verifyingContract: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913',
};
const TRANSFER_WITH_AUTHORIZATION = {
  TransferWithAuthorization: [
    { name: 'from', type: 'address' },
    { name: 'to', type: 'address' },
    { name: 'value', type: 'uint256' },
    { name: 'validAfter', type: 'uint256' },
    { name: 'validBefore', type: 'uint256' },
    { name: 'nonce', type: 'bytes32' },
  ],
};

test(`EIP-3009 TransferWithAuthorization on USDC's Base domain: hash, signature and recovery equal viem (seed ${seed})`, async () => {
  const rng = new Rng(seed, 0x7ffffffd);
  for (let i = 0; i < 20; i++) {
    const k = i % keys.length;
    const value = rng.bigBits(rng.pick([8, 32, 64, 96, 256]));
    const validBefore = rng.int(1_700_000_000, 2_000_000_000);
    const typedData = {
      domain: USDC_BASE_DOMAIN,
      types: TRANSFER_WITH_AUTHORIZATION,
      primaryType: 'TransferWithAuthorization',
      message: {
        from: accounts[k].address,
        to: rng.chance(0.5) ? accounts[(k + 1) % keys.length].address : accounts[(k + 1) % keys.length].address.toLowerCase(),
        value: rng.pick([value, value.toString()]),
        validAfter: rng.pick([0, 0n, '0']),
        validBefore: rng.pick([validBefore, BigInt(validBefore), String(validBefore)]),
        nonce: `0x${Buffer.from(rng.bytes(32)).toString('hex')}`,
      },
    };
    const context = `TransferWithAuthorization #${i} (seed ${seed})`;
    assert.equal(hashTypedData(typedData), viemHashTypedData(typedData), context);
    const signature = await signers[k].signTypedData(typedData);
    assert.equal(signature, await accounts[k].signTypedData(typedData), context);
    assert.equal(await recoverTypedDataAddress({ ...typedData, signature }), accounts[k].address, context);
  }
});

// ------------------------------------------------------- specific accepted forms

test('primaryType EIP712Domain hashes the domain alone, as viem does', () => {
  for (const domain of [USDC_BASE_DOMAIN, { name: 'x' }, {}, { salt: `0x${'11'.repeat(32)}`, chainId: 1n }]) {
    const typedData = { domain, types: {}, primaryType: 'EIP712Domain' };
    assert.equal(hashTypedData(typedData), viemHashTypedData(typedData));
    assert.equal(hashTypedData({ ...typedData, message: { ignored: true } }), viemHashTypedData(typedData));
  }
});

test('dynamic bytes as Uint8Array, Buffer and hex all hash as viem hashes them', () => {
  const types = { M: [{ name: 'b', type: 'bytes' }, { name: 'list', type: 'bytes[]' }] };
  const raw = Uint8Array.from({ length: 77 }, (_, i) => (i * 37) & 0xff);
  const hex = `0x${Buffer.from(raw).toString('hex')}`;
  const expected = viemHashTypedData({ types, primaryType: 'M', message: { b: hex, list: [hex, '0x'] } });
  for (const b of [raw, Buffer.from(raw), hex, hex.toUpperCase().replace('0X', '0x'), raw.subarray(0)]) {
    const typedData = { types, primaryType: 'M', message: { b, list: [b, new Uint8Array(0)] } };
    assert.equal(hashTypedData(typedData), expected);
  }
  // A view into a larger buffer hashes only its own bytes.
  const backing = new Uint8Array(200).fill(0xee);
  backing.set(raw, 50);
  assert.equal(hashTypedData({ types, primaryType: 'M', message: { b: backing.subarray(50, 127), list: [hex, '0x'] } }), expected);
});

test('bytesN given as a Uint8Array hashes like the same bytes in hex (viem itself accepts hex only)', () => {
  const types = { M: [{ name: 'b', type: 'bytes3' }] };
  assert.equal(hashTypedData({ types, primaryType: 'M', message: { b: new Uint8Array([1, 2, 3]) } }),
    viemHashTypedData({ types, primaryType: 'M', message: { b: '0x010203' } }));
});

test('integers past 2^53 given as numbers hash from their exact value, as viem reads them', () => {
  const types = { M: [{ name: 'u', type: 'uint256' }, { name: 'i', type: 'int256' }] };
  for (const [u, i] of [[2 ** 64, -(2 ** 70)], [1e21, -1e21], [2 ** 53, -(2 ** 53)], [2 ** 255, -(2 ** 200)]]) {
    const typedData = { types, primaryType: 'M', message: { u, i } };
    assert.equal(hashTypedData(typedData), viemHashTypedData(typedData), `u=${u} i=${i}`);
  }
});

test('integers at both ends of every intN/uintN range, as bigint, safe number and decimal string, equal viem', () => {
  for (let bits = 8; bits <= 256; bits += 8) {
    const b = BigInt(bits);
    const cases = [
      ['uint', 0n], ['uint', (1n << b) - 1n], ['int', -(1n << (b - 1n))], ['int', (1n << (b - 1n)) - 1n], ['int', -1n],
    ];
    for (const [kind, value] of cases) {
      const forms = [value, value.toString()];
      if (value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER)) forms.push(Number(value));
      for (const form of forms) {
        const typedData = { types: { M: [{ name: 'v', type: `${kind}${bits}` }] }, primaryType: 'M', message: { v: form } };
        assert.equal(hashTypedData(typedData), viemHashTypedData(typedData), `${kind}${bits} ${typeof form} ${form}`);
      }
    }
  }
});

test('strings with lone surrogates hash as TextEncoder encodes them (U+FFFD), equal to viem', () => {
  const types = { M: [{ name: 's', type: 'string' }, { name: 'l', type: 'string[]' }] };
  for (const s of ['\ud800', '\udfff', 'a\ud800b', '\udc00\ud800', '😀\ud83d', '\ude00😀', '\ud800\ud800\udc00']) {
    const typedData = { domain: { name: s }, types, primaryType: 'M', message: { s, l: [s, `${s}${s}`] } };
    assert.equal(hashTypedData(typedData), viemHashTypedData(typedData), JSON.stringify(s));
    // U+FFFD written out is the same string to both.
    const wellFormed = { domain: { name: s.toWellFormed() }, types, primaryType: 'M', message: { s: s.toWellFormed(), l: [s.toWellFormed(), `${s}${s}`.toWellFormed()] } };
    assert.equal(hashTypedData(typedData), hashTypedData(wellFormed), JSON.stringify(s));
  }
});

test('a lone surrogate in a message key that is not a field is ignored, as viem ignores it', () => {
  const typedData = { domain: { name: 'x' }, types: { M: [{ name: 'a', type: 'string' }] }, primaryType: 'M', message: { a: 'x', '\ud800': 1 } };
  assert.equal(hashTypedData(typedData), viemHashTypedData(typedData));
});

// viem hashes a string field's value with toHex(value): a bigint as its
// big-endian bytes, a Uint8Array as its bytes. Text it would never hash.
test('a string field given a bigint, a Uint8Array or a number past 2^53 is refused or hashed as viem hashes it, never as its decimal/hex text', () => {
  const types = { M: [{ name: 's', type: 'string' }] };
  for (const value of [5n, 12345678901234567890n, new Uint8Array([0x61, 0x62]), Buffer.from('hello'), 2 ** 64]) {
    const typedData = { types, primaryType: 'M', message: { s: value } };
    let actual;
    try {
      actual = hashTypedData(typedData);
    } catch (error) {
      assert.ok(error instanceof TypeError && typeof error.code === 'string', `${describeTypedData(value)}: ${error}`);
      assert.match(error.message, /string/);
      continue;
    }
    assert.equal(actual, viemHashTypedData(typedData), `string field given ${describeTypedData(value)} hashed differently from viem`);
  }
});

test('self-referential and mutually recursive types hash as viem hashes them', () => {
  const cases = [
    { types: { Node: [{ name: 'v', type: 'uint8' }, { name: 'kids', type: 'Node[]' }] }, primaryType: 'Node', message: { v: 1, kids: [{ v: 2, kids: [{ v: 3, kids: [] }] }, { v: 4, kids: [] }] } },
    { types: { A: [{ name: 'b', type: 'B[]' }], B: [{ name: 'a', type: 'A[]' }] }, primaryType: 'A', message: { b: [{ a: [{ b: [] }] }] } },
  ];
  for (const typedData of cases) assert.equal(hashTypedData(typedData), viemHashTypedData(typedData));
});

test('values nested 30 levels deep (within the limit) hash as viem hashes them', () => {
  let message = { v: 0, kids: [] };
  for (let i = 1; i < 30; i++) message = { v: i % 256, kids: [message] };
  const typedData = { types: { Node: [{ name: 'v', type: 'uint8' }, { name: 'kids', type: 'Node[]' }] }, primaryType: 'Node', message };
  assert.equal(hashTypedData(typedData), viemHashTypedData(typedData));
});

// --------------------------------------------------------------- bad input

const DOMAIN = { name: 'Bad', chainId: 1 };
const one = (type, value) => ({ domain: DOMAIN, types: { M: [{ name: 'a', type }] }, primaryType: 'M', message: { a: value } });

function nested(depth) {
  let message = { v: 1 };
  for (let i = 0; i < depth; i++) message = { v: 1, next: message };
  return { domain: DOMAIN, types: { Node: [{ name: 'v', type: 'uint8' }, { name: 'next', type: 'Node' }] }, primaryType: 'Node', message };
}

function nestedArrays(depth) {
  let message = { kids: [] };
  for (let i = 0; i < depth; i++) message = { kids: [message] };
  return { domain: DOMAIN, types: { Node: [{ name: 'kids', type: 'Node[]' }] }, primaryType: 'Node', message };
}

function cyclic() {
  const message = { v: 1 };
  message.next = message;
  return { domain: DOMAIN, types: { Node: [{ name: 'v', type: 'uint8' }, { name: 'next', type: 'Node' }] }, primaryType: 'Node', message };
}

function cyclicExtraKey() {
  const loop = { a: 1 };
  loop.self = loop;
  return { ...one('uint8', 1), message: { a: 1, extra: loop } };
}

// [behaviour, typed data, error class, code (null: any string), message pattern(s)]
const BAD_INPUT = [
  ['missing types', { domain: DOMAIN, primaryType: 'M', message: {} }, TypeError, 'ERR_INVALID_ARG_TYPE', /types/],
  ['types as an array', { domain: DOMAIN, types: [{ M: [] }], primaryType: 'M', message: {} }, TypeError, 'ERR_INVALID_ARG_TYPE', /types.*array/],
  ['types as null', { domain: DOMAIN, types: null, primaryType: 'M', message: {} }, TypeError, 'ERR_INVALID_ARG_TYPE', /types/],
  ['a struct definition that is not an array', { types: { M: { a: 'uint8' } }, primaryType: 'M', message: {} }, Error, 'ERR_EIP712_TYPE', /types\.M/],
  ['a field without a type', { types: { M: [{ name: 'a' }] }, primaryType: 'M', message: { a: 1 } }, Error, 'ERR_EIP712_TYPE', /types\.M.*type/],
  ['primaryType not in types', { domain: DOMAIN, types: { M: [] }, primaryType: 'Nope', message: {} }, Error, 'ERR_EIP712_TYPE', /primaryType.*Nope/],
  ['primaryType not a string', { domain: DOMAIN, types: { M: [] }, primaryType: 5, message: {} }, TypeError, 'ERR_INVALID_ARG_TYPE', /primaryType/],
  ['an unknown field type', one('Foo', 1), Error, 'ERR_EIP712_TYPE', [/'Foo'/, /types\.M\.a/]],
  ['unsized "uint"', one('uint', 1), Error, 'ERR_EIP712_TYPE', [/'uint'/, /size/]],
  ['unsized "int[]"', one('int[]', [1]), Error, 'ERR_EIP712_TYPE', [/'int\[\]'/, /size/]],
  ['uint300', one('uint300', 1), Error, 'ERR_EIP712_TYPE', /uint300/],
  ['uint7', one('uint7', 1), Error, 'ERR_EIP712_TYPE', /uint7/],
  ['bytes33', one('bytes33', `0x${'00'.repeat(33)}`), Error, 'ERR_EIP712_TYPE', /bytes33/],
  ['bytes0', one('bytes0', '0x'), Error, 'ERR_EIP712_TYPE', /bytes0/],
  ['a malformed array suffix', one('uint8]', []), Error, 'ERR_EIP712_TYPE', /uint8\]/],
  ['a struct name shadowing a Solidity type', { types: { M: [], uint7: [] }, primaryType: 'M', message: {} }, Error, 'ERR_EIP712_TYPE', /uint7/],
  ['uint8 value 256', one('uint8', 256), RangeError, 'ERR_EIP712_RANGE', [/message\.a/, /256/, /uint8/, /range/]],
  ['uint8 value 256n', one('uint8', 256n), RangeError, 'ERR_EIP712_RANGE', [/256/, /uint8/, /range/]],
  ['int8 value -129', one('int8', -129), RangeError, 'ERR_EIP712_RANGE', [/-129/, /int8/, /range/]],
  ['int8 value "128"', one('int8', '128'), RangeError, 'ERR_EIP712_RANGE', [/128/, /int8/, /range/]],
  ['negative uint256 as bigint', one('uint256', -1n), RangeError, 'ERR_EIP712_RANGE', [/-1/, /uint256/, /range/]],
  ['negative uint32 as number', one('uint32', -5), RangeError, 'ERR_EIP712_RANGE', [/-5/, /uint32/, /range/]],
  ['negative uint64 as decimal string', one('uint64', '-7'), RangeError, 'ERR_EIP712_RANGE', [/-7/, /uint64/, /range/]],
  ['uint256 of 2^256', one('uint256', 2n ** 256n), RangeError, 'ERR_EIP712_RANGE', [/uint256/, /range/]],
  ['non-integer number 1.5', one('uint256', 1.5), TypeError, 'ERR_EIP712_VALUE', [/1\.5/, /integer/]],
  ['a decimal string that is not a number', one('uint256', '12abc'), TypeError, 'ERR_EIP712_VALUE', [/12abc/, /integer/]],
  ['NaN for an integer', one('uint256', NaN), TypeError, 'ERR_EIP712_VALUE', /integer/],
  ['an address with a bad checksum', one('address', '0xcD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826'), Error, 'ERR_BAD_CHECKSUM', [/message\.a/, /checksum/i]],
  ['an address of the wrong length', one('address', '0x1234'), TypeError, 'ERR_INVALID_ADDRESS', [/message\.a/, /address/, /40 hex digits/]],
  ['an address of 41 hex digits', one('address', `0x${'a'.repeat(41)}`), TypeError, 'ERR_INVALID_ADDRESS', [/address/, /41/]],
  ['an address without 0x', one('address', 'ab'.repeat(20)), TypeError, 'ERR_INVALID_ADDRESS', /0x/],
  ['bytes4 of 3 bytes', one('bytes4', '0x010203'), TypeError, 'ERR_EIP712_VALUE', [/bytes4/, /3/]],
  ['bytes4 of 5 bytes as Uint8Array', one('bytes4', new Uint8Array(5)), TypeError, 'ERR_EIP712_VALUE', [/bytes4/, /5/]],
  ['odd-length hex for bytes', one('bytes', '0x123'), TypeError, 'ERR_EIP712_VALUE', [/odd/, /0x123/]],
  ['odd-length hex for bytes32', one('bytes32', `0x${'1'.repeat(63)}`), TypeError, 'ERR_EIP712_VALUE', /odd/],
  ['a non-hex digit in bytes', one('bytes', '0x12zz'), TypeError, 'ERR_EIP712_VALUE', /hex/],
  ['bytes without 0x', one('bytes', 'abcd'), TypeError, 'ERR_EIP712_VALUE', /0x/],
  ['bool given as "true"', one('bool', 'true'), TypeError, 'ERR_EIP712_VALUE', [/message\.a/, /boolean/]],
  ['bool given as 1', one('bool', 1), TypeError, 'ERR_EIP712_VALUE', /boolean/],
  ['a string field given a number', one('string', 5), TypeError, 'ERR_EIP712_VALUE', /string/],
  ['a fixed array of the wrong length', one('uint8[2]', [1, 2, 3]), TypeError, 'ERR_EIP712_VALUE', [/message\.a/, /2 elements/, /3/]],
  ['an array field given a non-array', one('uint8[]', 5), TypeError, 'ERR_EIP712_VALUE', /array/],
  ['a bad element deep in nested arrays', one('uint16[2][]', [[1, 2], [3, 70000]]), RangeError, 'ERR_EIP712_RANGE', [/message\.a\[1\]\[1\]/, /uint16/]],
  ['a struct field given a string', { types: { M: [{ name: 'p', type: 'P' }], P: [] }, primaryType: 'M', message: { p: 'x' } }, TypeError, 'ERR_EIP712_VALUE', [/message\.p/, /object/]],
  ['a missing message field', { ...one('uint8', 1), types: { M: [{ name: 'a', type: 'uint8' }, { name: 'b', type: 'string' }] } }, TypeError, 'ERR_EIP712_VALUE', [/missing/, /'b'/]],
  ['a missing nested field', { types: { M: [{ name: 'p', type: 'P' }], P: [{ name: 'q', type: 'bool' }] }, primaryType: 'M', message: { p: {} } }, TypeError, 'ERR_EIP712_VALUE', [/message\.p/, /missing/, /'q'/]],
  ['a message that is a string', { ...one('uint8', 1), message: 'hello' }, TypeError, 'ERR_INVALID_ARG_TYPE', /message/],
  ['a message that is null', { ...one('uint8', 1), message: null }, TypeError, 'ERR_INVALID_ARG_TYPE', /message/],
  ['a message that is an array', { ...one('uint8', 1), message: [1] }, TypeError, 'ERR_INVALID_ARG_TYPE', /message/],
  ['no message', { domain: DOMAIN, types: { M: [] }, primaryType: 'M' }, TypeError, 'ERR_INVALID_ARG_TYPE', /message/],
  ['a domain that is a string', { domain: 'x', types: { M: [] }, primaryType: 'M', message: {} }, TypeError, 'ERR_INVALID_ARG_TYPE', /domain/],
  ['a domain that is null', { domain: null, types: { M: [] }, primaryType: 'M', message: {} }, TypeError, 'ERR_INVALID_ARG_TYPE', /domain/],
  ['a domain chainId that is not an integer', { domain: { chainId: 'one' }, types: { M: [] }, primaryType: 'M', message: {} }, TypeError, 'ERR_EIP712_VALUE', [/domain\.chainId/, /integer/]],
  ['typed data that is not an object', 'typed data', TypeError, 'ERR_INVALID_ARG_TYPE', /typedData/],
  ['values nested 100 levels deep', nested(100), RangeError, null, /deep|depth|nest/i],
  ['a self-referential type with 4,000 levels of nesting', nested(4000), RangeError, null, /deep|depth|nest/i],
  ['a self-referential type with 10,000 levels of nesting', nested(10_000), Error, null, /deep|depth|nest/i],
  ['10,000 levels of nested struct arrays', nestedArrays(10_000), Error, null, /deep|depth|nest/i],
  ['a cyclic object in the message', cyclic(), TypeError, null, /circular|cycl/i],
  ['a cyclic object under a key that is not a field', cyclicExtraKey(), TypeError, null, /circular|cycl/i],
];

function errorPredicate(ErrorClass, code, patterns) {
  const list = Array.isArray(patterns) ? patterns : [patterns];
  return (error) => {
    assert.ok(error instanceof ErrorClass, `expected a ${ErrorClass.name}, got ${error?.constructor?.name}: ${error?.message}`);
    assert.equal(typeof error.code, 'string', `error has no string code: ${error.message}`);
    if (code !== null) assert.equal(error.code, code, `wrong code for: ${error.message}`);
    for (const pattern of list) assert.match(error.message, pattern);
    return true;
  };
}

const SOME_SIGNATURE = MAIL_SIGNATURE;

for (const [behaviour, typedData, ErrorClass, code, patterns] of BAD_INPUT) {
  const what = `${ErrorClass === Error ? 'an' : 'a'} ${ErrorClass.name}${code ? ` ${code}` : ' with a code'}`;
  test(`hashTypedData, signTypedData(Sync) and recoverTypedDataAddress reject ${behaviour} with ${what}`, async () => {
    const check = errorPredicate(ErrorClass, code, patterns);
    assert.throws(() => hashTypedData(typedData), check);
    assert.throws(() => signers[0].signTypedDataSync(typedData), check);
    await assert.rejects(signers[0].signTypedData(typedData), check);
    await assert.rejects(recoverTypedDataAddress({ ...(typeof typedData === 'object' ? typedData : {}), signature: SOME_SIGNATURE }),
      typeof typedData === 'object' ? check : (e) => e instanceof TypeError && typeof e.code === 'string');
  });
}

test('the signer still works after every kind of bad input', async () => {
  const signer = signers[0];
  assert.equal(signer.destroyed, false);
  const signature = await signer.signTypedData(MAIL);
  assert.equal(await recoverTypedDataAddress({ ...MAIL, signature }), signer.address);
});

// ------------------------------------------------------- the JSON hand-off

// typedDataJson writes the text by hand and hands anything unusual to the
// reference serializer (JSON.stringify with the replacer). Where the fast
// writer answers, its text must be the reference's, byte for byte.
function handOffRoot({ domain, types, primaryType, message }) {
  return { types, primaryType, domain: domain ?? {}, message: message ?? {} };
}

function referenceOutcome(root) {
  try {
    return { text: typedDataJsonByReplacer(root) };
  } catch (error) {
    return { error: `${error.constructor.name} ${error.code}: ${error.message}` };
  }
}

// Fails unless the fast writer steps aside or gives the reference's text.
function checkHandOff(root, label, failures) {
  const fast = typedDataJsonFast(root);
  if (fast === undefined) return false;
  const reference = referenceOutcome(root);
  if (fast !== reference.text) failures.push(`${label}\nfast:      ${fast}\nreference: ${reference.text ?? reference.error}`);
  return true;
}

test(`the hand-written typed-data JSON equals JSON.stringify with the replacer on all ${DOCUMENTS} random documents (seed ${seed})`, () => {
  const failures = [];
  for (const doc of allDocuments()) {
    const root = handOffRoot(doc.typedData);
    if (!checkHandOff(root, where(doc, '', 1500), failures)) failures.push(`the fast writer stepped aside on ${where(doc, '', 1500)}`);
  }
  reportFailures(failures, DOCUMENTS, 'documents serialized differently');
});

test(`the hand-written typed-data JSON equals the reference or steps aside on ${MUTATED} documents with a hostile leaf (seed ${seed})`, () => {
  const rng = new Rng(seed, 0x7ffffffc);
  const failures = [];
  for (let i = 0; i < MUTATED; i++) {
    const doc = allDocuments()[i];
    const path = rng.pick(leafPaths(doc.typedData.message).filter((p) => p.length > 0));
    const hostile = rng.pick(HOSTILE_VALUES);
    const mutated = { ...doc.typedData, message: replaceAt(doc.typedData.message, path, hostile) };
    checkHandOff(handOffRoot(mutated), `message.${path.join('.')} = ${describeTypedData(hostile)}\n${where(doc, '', 1500)}`, failures);
  }
  reportFailures(failures, MUTATED, 'mutated documents serialized differently');
});

// Values typed data is not made of, each where a message value goes.
function handOffEdgeCases() {
  const withGetter = { a: 1 };
  Object.defineProperty(withGetter, 'g', { enumerable: true, get: () => 'from a getter' });
  const hidden = { a: 1 };
  Object.defineProperty(hidden, 'h', { enumerable: false, value: 'not enumerable' });
  const nullProto = Object.assign(Object.create(null), { a: 1, b: 'x' });
  const boxedAsPlain = Object.setPrototypeOf(new Number(7), Object.prototype);
  class Point { constructor() { this.x = 1; this.y = 2n; } }
  class Money { constructor() { this.amount = 1; } toJSON() { return { amount: 100n, currency: 'USD' }; } }
  const sparse = [1, , 3]; // eslint-disable-line no-sparse-arrays
  sparse.extra = 'ignored';
  const dateProto = Object.setPrototypeOf({ a: 1 }, Date.prototype);
  const arrayLike = Object.create(Array.prototype);
  arrayLike.a = 1;
  const fake = Object.create(Uint8Array.prototype);
  const buffer = Buffer.from('typed data');
  buffer.extra = 1;
  return [
    ['plain values', { s: 'x', n: 1, f: 1.5, z: -0, t: true, nil: null, u: undefined, big: 5n, neg: -5n }],
    ['numbers at the edges', [2 ** 53 - 1, 2 ** 53, -(2 ** 53), 2 ** 64, 1e21, -1e300, 1.5e-7, 5e-324, Number.MAX_VALUE, Number.MIN_SAFE_INTEGER]],
    ['non-finite numbers', [NaN]], ['Infinity', { a: Infinity }], ['-Infinity', -Infinity],
    ['strings needing escapes', ['"', '\\', '\n\r\t\b\f', '\u0000\u001f\u007f', '\u2028\u2029', '</script>', 'é😀']],
    ['lone surrogates', ['\ud800', 'a\udfffb', '\ude00\ud83d']],
    ['ill-formed keys', { '\ud800': 1, a: 2 }], ['ill-formed keys that collide', { '\ufffd': 1, '\ud800': 2 }],
    ['keys needing escapes', { '"': 1, '\n': 2, '\u0000': 3, 'é': 4 }], ['integer-like keys', { b: 1, 2: 'two', 1: 'one', a: 0 }],
    ['Uint8Array, subarray, Buffer', [new Uint8Array([1, 2, 255]), new Uint8Array(10).fill(7).subarray(2, 5), buffer, new Uint8Array(0)]],
    ['other typed arrays', [new Uint16Array([1, 65535]), new Float64Array([0.5]), new Int8Array([-1]), new DataView(new ArrayBuffer(2))]],
    ['an object faking a Uint8Array prototype', fake],
    ['boxed primitives', [new Number(5), new String('s'), new Boolean(false)]], ['a boxed NaN', new Number(NaN)],
    ['a boxed bigint', Object(5n)], ['a boxed number with a plain prototype', boxedAsPlain],
    ['a boxed string with a lone surrogate', new String('\ud800')],
    ['a valid Date', new Date(0)], ['an invalid Date', new Date(NaN)], ['an object with Date.prototype', dateProto],
    ['an object with toJSON', { toJSON: () => ({ replaced: 1n }) }], ['an inherited toJSON', new Money()], ['a toJSON that is not a function', { toJSON: 5, a: 1 }],
    ['a function', () => 1], ['a symbol', Symbol('s')], ['a symbol key', { [Symbol('k')]: 1, a: 2 }],
    ['functions and symbols in arrays', [() => 1]], ['undefined in arrays and holes', [undefined, 1, sparse]],
    ['a class instance', new Point()], ['a null-prototype object', nullProto], ['an object with Array.prototype', arrayLike],
    ['Map and Set', [new Map([[1, 2]]), new Set([1])]], ['an enumerable getter', withGetter], ['a non-enumerable property', hidden],
    ['a getter that throws', Object.defineProperty({}, 'boom', { enumerable: true, get() { throw new Error('boom'); } })],
    ['nesting 90 deep', Array.from({ length: 90 }).reduce((inner) => ({ v: inner }), 1)],
    ['nesting 150 deep', Array.from({ length: 150 }).reduce((inner) => [inner], 1)],
    ['a cycle', (() => { const o = { a: 1 }; o.self = o; return o; })()],
    ['a shared (not cyclic) object', (() => { const o = { a: 1n }; return { x: o, y: o, z: [o, o] }; })()],
  ];
}

test('the hand-written typed-data JSON equals the reference or steps aside on every kind of unusual value', () => {
  const failures = [];
  const steppedAside = new Set();
  for (const [label, value] of handOffEdgeCases()) {
    for (const [where, root] of [
      ['message value', handOffRoot({ types: {}, primaryType: 'M', domain: { name: 'x' }, message: { v: value } })],
      ['domain value', handOffRoot({ types: {}, primaryType: 'M', domain: { v: value }, message: {} })],
      ['array element', handOffRoot({ types: {}, primaryType: 'M', message: { list: [value, value] } })],
    ]) {
      if (!checkHandOff(root, `${label} (${where})`, failures)) steppedAside.add(label);
    }
  }
  reportFailures(failures, handOffEdgeCases().length, 'edge cases serialized differently');
  // Everything the replacer throws on, or JSON.stringify treats specially, goes to the reference.
  for (const label of ['non-finite numbers', 'Infinity', 'ill-formed keys', 'boxed primitives', 'a boxed bigint',
    'a boxed number with a plain prototype', 'a valid Date', 'an invalid Date', 'an object with Date.prototype',
    'an object with toJSON', 'an inherited toJSON', 'a function', 'a symbol', 'functions and symbols in arrays', 'a getter that throws',
    'nesting 150 deep', 'a cycle']) {
    assert.ok(steppedAside.has(label), `the fast writer should have stepped aside on ${label}`);
  }
  for (const label of ['plain values', 'numbers at the edges', 'lone surrogates', 'Uint8Array, subarray, Buffer', 'nesting 90 deep', 'a shared (not cyclic) object']) {
    assert.ok(!steppedAside.has(label), `the fast writer stepped aside on ${label}`);
  }
});

test('the hand-written typed-data JSON steps aside for a bigint toJSON added by a library, as JSON.stringify calls it', () => {
  const root = handOffRoot({ types: {}, primaryType: 'M', message: { v: 5n } });
  const before = typedDataJsonFast(root);
  let calls = 0;
  // eslint-disable-next-line no-extend-native
  Object.defineProperty(BigInt.prototype, 'toJSON', { configurable: true, writable: true, value() { calls++; return this.toString(); } });
  try {
    assert.equal(typedDataJsonFast(root), undefined);
    assert.equal(typedDataJsonByReplacer(root), before);
    assert.equal(calls, 1);
  } finally {
    delete BigInt.prototype.toJSON;
  }
});

// typedDataJson as it was before the fast writer: checks, the reference
// serializer, and the same mapping of its errors.
function typedDataJsonBefore(typedData, name = 'typedData') {
  expectObject(typedData, name);
  const { domain, types, primaryType, message } = typedData;
  expectObject(types, `${name}.types`);
  expectString(primaryType, `${name}.primaryType`);
  if (domain !== undefined) expectObject(domain, `${name}.domain`);
  if (primaryType !== 'EIP712Domain') expectObject(message, `${name}.message`);
  try {
    return typedDataJsonByReplacer({ types, primaryType, domain: domain ?? {}, message: message ?? {} });
  } catch (error) {
    if (typeof error.code === 'string' && error.code.startsWith('ERR_EIP712')) throw error;
    if (error instanceof RangeError) {
      throw argError(RangeError, 'ERR_EIP712_DEPTH', `${name} is nested too deeply to encode`, { cause: error });
    }
    if (/circular/i.test(error.message)) {
      throw argError(TypeError, 'ERR_EIP712_VALUE', `${name} contains a circular reference`, { cause: error });
    }
    throw argError(TypeError, 'ERR_EIP712_VALUE', `${name} could not be serialized: ${error.message}`, { cause: error });
  }
}

function outcome(fn) {
  try {
    return { text: fn() };
  } catch (error) {
    return { error: `${error.constructor.name} ${error.code}: ${error.message}` };
  }
}

test('typedDataJson gives the text or the error (class, code, message) it gave before the fast writer, on every edge case and bad input', () => {
  const documents = [
    ...handOffEdgeCases().map(([label, value]) => [label, { types: {}, primaryType: 'M', domain: { name: 'x' }, message: { v: value } }]),
    ...BAD_INPUT.map(([behaviour, typedData]) => [behaviour, typedData]),
  ];
  for (const [label, typedData] of documents) {
    assert.deepEqual(outcome(() => typedDataJson(typedData)), outcome(() => typedDataJsonBefore(typedData)), label);
  }
});
