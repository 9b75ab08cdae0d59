// Signer and the viem-compatible hashing functions, cross-checked against
// viem on random inputs, plus every kind of bad input.
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import test from 'node:test';

import * as viem from 'viem';
import { privateKeyToAccount, sign as viemSign } from 'viem/accounts';

import {
  Signer, keccak256, hashMessage, recoverAddress, recoverMessageAddress, getAddress,
} from '../../lib/index.js';
import { Random, resolveSeed } from './support/random.js';

const seed = resolveSeed();
const CASES = 1000;

function randomMessage(rng) {
  switch (rng.int(0, 3)) {
    case 0: return rng.text(80);                        // unicode, lone surrogates
    case 1: return { raw: rng.hex(rng.int(0, 300)) };    // binary as hex
    case 2: return { raw: rng.bytes(rng.int(0, 300)) };  // binary as bytes
    default: return rng.text(3, { loneSurrogates: false });
  }
}

function hasCode(ErrorClass, code, pattern) {
  return (error) => {
    assert.ok(error instanceof ErrorClass, `expected ${ErrorClass.name}, got ${error?.constructor?.name}: ${error?.message}`);
    if (code) assert.equal(error.code, code);
    if (pattern) assert.match(error.message, pattern);
    return true;
  };
}

test(`addresses, message signatures and recoveries equal viem's on ${CASES} random keys and messages (seed ${seed})`, async () => {
  const rng = new Random(seed);
  for (let i = 0; i < CASES; i++) {
    const key = rng.privateKey();
    const account = privateKeyToAccount(key);
    const signer = Signer.fromPrivateKey(key);
    assert.equal(signer.address, account.address);
    const message = randomMessage(rng);
    assert.equal(hashMessage(message), viem.hashMessage(message), `hashMessage case ${i}`);
    const signature = await signer.signMessage(message);
    assert.equal(signature, await account.signMessage({ message }), `signMessage case ${i}`);
    assert.equal(await recoverMessageAddress({ message, signature }), account.address);
    signer.destroy();
  }
});

test(`signHash equals viem's sign() and recoverAddress equals viem's on ${CASES} random digests (seed ${seed})`, async () => {
  const rng = new Random(seed + 1);
  const key = rng.privateKey();
  const signer = Signer.fromPrivateKey(key);
  for (let i = 0; i < CASES; i++) {
    const hash = rng.hex(32);
    const signature = await signer.signHash(hash);
    assert.equal(signature, await viemSign({ hash, privateKey: key, to: 'hex' }));
    assert.equal(await recoverAddress({ hash, signature }), await viem.recoverAddress({ hash, signature }));
    assert.equal(await recoverAddress(hash, signature), signer.address);
    // Object and yParity forms recover the same address.
    const parsed = viem.parseSignature(signature);
    assert.equal(await recoverAddress(hash, parsed), signer.address);
    assert.equal(await recoverAddress(hash, { r: parsed.r, s: parsed.s, yParity: parsed.yParity }), signer.address);
  }
});

test(`keccak256 equals viem's for hex and bytes on ${CASES} random inputs of every length 0..600 (over four 136-byte blocks), then up to 1000 (seed ${seed})`, () => {
  const rng = new Random(seed + 2);
  for (let i = 0; i < CASES; i++) {
    const bytes = rng.bytes(i <= 600 ? i : rng.int(0, 1000));
    const hex = viem.bytesToHex(bytes);
    assert.equal(keccak256(hex), viem.keccak256(hex));
    assert.equal(keccak256(bytes), viem.keccak256(bytes));
    assert.deepEqual(keccak256(bytes, 'bytes'), viem.keccak256(bytes, 'bytes'));
  }
  assert.equal(keccak256('0x'), '0xc5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470');
});

test(`getAddress checksums like viem on ${CASES} random addresses, in any case (seed ${seed})`, () => {
  const rng = new Random(seed + 3);
  for (let i = 0; i < CASES; i++) {
    const lower = rng.hex(20);
    const expected = viem.getAddress(lower);
    assert.equal(getAddress(lower), expected);
    assert.equal(getAddress(`0x${lower.slice(2).toUpperCase()}`), expected);
    assert.equal(getAddress(expected), expected);
  }
});

test('the known EIP-55 and key/address vectors hold', () => {
  for (const a of ['0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
    '0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB', '0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb']) {
    assert.equal(getAddress(a.toLowerCase()), a);
  }
  const signer = Signer.fromPrivateKey('0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318');
  assert.equal(signer.address, '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23');
});

test('generate() makes distinct working keys', async () => {
  const addresses = new Set();
  for (let i = 0; i < 50; i++) {
    const signer = Signer.generate();
    addresses.add(signer.address);
    const signature = await signer.signMessage('hello');
    assert.equal(await viem.recoverMessageAddress({ message: 'hello', signature }), signer.address);
  }
  assert.equal(addresses.size, 50);
});

test('the private key never appears in the Signer, its inspection, JSON or errors', () => {
  const key = '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318';
  const signer = Signer.fromPrivateKey(key);
  const seen = [inspect(signer, { showHidden: true, depth: 5 }), JSON.stringify(signer), String(Object.keys(signer))];
  for (const text of seen) assert.ok(!text.includes(key.slice(2, 20)), text);
  assert.deepEqual(Object.keys(signer), []);
  // A bad key is reported without echoing it.
  const badKey = `${key.slice(0, 60)}zzzzzz`;
  assert.throws(() => Signer.fromPrivateKey(badKey), (e) => !e.message.includes(badKey.slice(2, 20)) && e.code === 'ERR_INVALID_PRIVATE_KEY');
  assert.throws(() => Signer.fromPrivateKey(12345), (e) => !e.message.includes('12345') && e instanceof TypeError);
});

test('destroy() wipes the key: every later signature throws ERR_DESTROYED', async () => {
  const signer = Signer.generate();
  const address = signer.address;
  signer.destroy();
  assert.equal(signer.destroyed, true);
  assert.equal(signer.address, address);
  await assert.rejects(signer.signMessage('x'), hasCode(Error, 'ERR_DESTROYED'));
  assert.throws(() => signer.signHashSync(`0x${'11'.repeat(32)}`), hasCode(Error, 'ERR_DESTROYED'));
  assert.throws(() => signer.signTypedDataSync({ types: { A: [] }, primaryType: 'A', message: {} }), hasCode(Error, 'ERR_DESTROYED'));
  signer.destroy(); // idempotent
});

test('Signer cannot be constructed directly', () => {
  assert.throws(() => new Signer(), hasCode(TypeError, 'ERR_ILLEGAL_CONSTRUCTOR'));
});

test('bad private keys get clear errors, never a crash', () => {
  const cases = [
    ['0x', RangeError], ['0x00', RangeError], [`0x${'11'.repeat(31)}`, RangeError], [`0x${'11'.repeat(33)}`, RangeError],
    [`${'11'.repeat(32)}`, RangeError], [`0x${'g1'.repeat(32)}`, TypeError], [`0x${'00'.repeat(32)}`, Error],
    ['0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141', Error], [`0x${'ff'.repeat(32)}`, Error],
    ['0x' + '1'.repeat(1_000_000), RangeError],
  ];
  for (const [key, ErrorClass] of cases) {
    assert.throws(() => Signer.fromPrivateKey(key), hasCode(ErrorClass, 'ERR_INVALID_PRIVATE_KEY'), String(key).slice(0, 20));
  }
  for (const key of [null, undefined, new Uint8Array(32), 42n]) {
    assert.throws(() => Signer.fromPrivateKey(key), hasCode(TypeError, 'ERR_INVALID_ARG_TYPE'));
  }
});

test('bad hashes, messages and signatures get clear errors with codes', async () => {
  const signer = Signer.generate();
  const hash = `0x${'ab'.repeat(32)}`;
  const good = signer.signHashSync(hash);
  assert.throws(() => signer.signHashSync('0x1234'), hasCode(RangeError, 'ERR_INVALID_LENGTH', /32 bytes for hash/));
  assert.throws(() => signer.signHashSync(`0x${'zz'.repeat(32)}`), hasCode(TypeError, 'ERR_INVALID_HEX'));
  assert.throws(() => signer.signHashSync(`0x${'a'.repeat(63)}`), hasCode(TypeError, 'ERR_INVALID_HEX'));
  assert.throws(() => signer.signHashSync(42), hasCode(TypeError, 'ERR_INVALID_HEX'));
  assert.throws(() => signer.signMessageSync(42), hasCode(TypeError, 'ERR_INVALID_ARG_TYPE'));
  assert.throws(() => signer.signMessageSync({ raw: 'nothex' }), hasCode(TypeError, 'ERR_INVALID_HEX'));
  assert.throws(() => keccak256('hello'), hasCode(TypeError, 'ERR_INVALID_HEX'));
  assert.throws(() => getAddress('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD'), hasCode(Error, 'ERR_BAD_CHECKSUM'));
  assert.throws(() => getAddress('0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeA'), hasCode(Error, 'ERR_INVALID_ADDRESS'));
  assert.throws(() => getAddress(`0x${'g'.repeat(40)}`), hasCode(Error, 'ERR_INVALID_ADDRESS'));

  // Wrong lengths and bad v.
  await assert.rejects(recoverAddress(hash, good.slice(0, 130)), hasCode(RangeError, 'ERR_INVALID_LENGTH'));
  await assert.rejects(recoverAddress(hash, `${good}00`), hasCode(RangeError, 'ERR_INVALID_LENGTH'));
  for (const v of ['00', '01', '1d', '25', 'ff']) {
    const sig = `${good.slice(0, 130)}${v}`;
    if (v === '00' || v === '01') {
      assert.equal(await recoverAddress(hash, sig), await viem.recoverAddress({ hash, signature: sig }));
    } else {
      await assert.rejects(recoverAddress(hash, sig), hasCode(Error, 'ERR_BAD_V'), v);
    }
  }
  // The malleable twin (s -> n - s, v flipped) is refused, not recovered.
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const { r, s, yParity } = viem.parseSignature(good);
  const highS = viem.serializeSignature({ r, s: viem.numberToHex(n - BigInt(s), { size: 32 }), yParity: 1 - yParity });
  await assert.rejects(recoverAddress(hash, highS), hasCode(Error, 'ERR_HIGH_S'));
  // r = 0, s = 0, r >= n.
  const zeroR = `0x${'00'.repeat(32)}${good.slice(66)}`;
  const zeroS = `${good.slice(0, 66)}${'00'.repeat(32)}${good.slice(130)}`;
  const bigR = `0x${'ff'.repeat(32)}${good.slice(66)}`;
  for (const sig of [zeroR, zeroS, bigR]) await assert.rejects(recoverAddress(hash, sig), hasCode(Error, 'ERR_INVALID_SIGNATURE'));
  // An r with no curve point: recovery fails cleanly.
  let failed = 0;
  const rng = new Random(seed + 4);
  for (let i = 0; i < 64; i++) {
    const sig = `0x${rng.hex(32).slice(2)}${'01'.repeat(32)}1b`;
    try { await recoverAddress(hash, sig); } catch (e) { assert.equal(e.code, 'ERR_RECOVERY_FAILED'); failed++; }
  }
  assert.ok(failed > 0, 'some random r values have no point on the curve');
  await assert.rejects(recoverMessageAddress({ message: 'x', signature: 'garbage' }), hasCode(TypeError, 'ERR_INVALID_HEX'));
  await assert.rejects(recoverMessageAddress({ message: 42, signature: good }), hasCode(TypeError, 'ERR_INVALID_ARG_TYPE'));
});
