// TransferWithAuthorization's own signing path (lib/transfer_authorization.js)
// against viem on random documents: the signature is viem's whether the
// document takes the fast path or steps aside, every variant that must step
// aside does, and errors are the general path's.
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { test } from 'node:test';

import { getAddress, hashTypedData as viemHashTypedData } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import { Signer, hashTypedData } from '../../lib/index.js';
import { native } from '../../lib/native.js';
import { signTransferAuthorization, transferAuthorizationDigest } from '../../lib/transfer_authorization.js';
import { typedDataJson } from '../../lib/typed_data.js';

const CASES = 300;
const hex = (bytes) => `0x${bytes.toString('hex')}`;
const MAX_UINT256 = (1n << 256n) - 1n;
// The field list x402 clients pass (@x402/evm's authorizationTypes).
const TYPES = {
  TransferWithAuthorization: [
    { name: 'from', type: 'address' }, { name: 'to', type: 'address' }, { name: 'value', type: 'uint256' },
    { name: 'validAfter', type: 'uint256' }, { name: 'validBefore', type: 'uint256' }, { name: 'nonce', type: 'bytes32' },
  ],
};

// An address in one of the forms a caller passes: checksummed, lowercase, uppercase digits.
function randomAddress(i) {
  const address = getAddress(hex(randomBytes(20)));
  return [address, address.toLowerCase(), `0x${address.slice(2).toUpperCase()}`][i % 3];
}

function randomInteger(i) {
  const value = [0n, MAX_UINT256, BigInt(hex(randomBytes(32))) >> BigInt(randomInt(256))][i % 3];
  // bigint (what x402 clients pass), safe number, decimal and 0x-hex text.
  switch (i % 4) {
    case 0: return value;
    case 1: return Number(value % BigInt(Number.MAX_SAFE_INTEGER));
    case 2: return value.toString();
    default: return `0x${value.toString(16)}`;
  }
}

function randomDomain(i) {
  const names = ['USD Coin', 'USDC', `Token ${i} ∑ 🪙`, ''];
  return {
    name: names[i % names.length],
    version: String(1 + (i % 3)),
    chainId: i % 2 === 0 ? 1 + randomInt(2 ** 40) : BigInt(1 + randomInt(2 ** 40)),
    verifyingContract: randomAddress(i + 1),
    ...(i % 7 === 0 ? { salt: hex(randomBytes(32)) } : {}),
  };
}

function randomDocument(i) {
  return {
    domain: randomDomain(i),
    types: TYPES,
    primaryType: 'TransferWithAuthorization',
    message: {
      from: randomAddress(i), to: randomAddress(i + 2), value: randomInteger(i),
      validAfter: randomInteger(i + 1), validBefore: randomInteger(i + 2), nonce: hex(randomBytes(32)),
    },
  };
}

// viem refuses uppercase-digit addresses (not EIP-55 to its strict check); both accept their checksummed form.
const forViem = (doc) => ({
  ...doc,
  domain: { ...doc.domain, chainId: BigInt(doc.domain.chainId), verifyingContract: getAddress(doc.domain.verifyingContract.toLowerCase()) },
  message: { ...doc.message, from: getAddress(doc.message.from.toLowerCase()), to: getAddress(doc.message.to.toLowerCase()),
    value: BigInt(doc.message.value), validAfter: BigInt(doc.message.validAfter), validBefore: BigInt(doc.message.validBefore) },
});

test(`a plain TransferWithAuthorization takes the fast path and signs as viem does, on ${CASES} random documents`, async () => {
  for (let i = 0; i < CASES; i++) {
    const key = hex(randomBytes(32));
    const signer = Signer.fromPrivateKey(key);
    const doc = randomDocument(i);
    const viemDoc = forViem(doc);
    const digest = viemHashTypedData(viemDoc);
    assert.equal(transferAuthorizationDigest(doc), digest, `digest, case ${i}`);
    assert.equal(hashTypedData(doc), digest, `general path digest, case ${i}`);
    const expected = await privateKeyToAccount(key).signTypedData(viemDoc);
    assert.equal(await signer.signTypedData(doc), expected, `signature, case ${i}`);
    assert.equal(signer.signTypedDataSync(doc), expected, `sync signature, case ${i}`);
    signer.destroy();
  }
});

test('the domain cache keeps domains apart: only the chain id, name, version, contract or salt differs', async () => {
  const key = hex(randomBytes(32));
  const signer = Signer.fromPrivateKey(key);
  const account = privateKeyToAccount(key);
  const base = randomDocument(1);
  const variants = [
    {}, { chainId: 8453 }, { chainId: 8453n }, { chainId: '8453' }, { chainId: 84532 }, { name: 'USD Coin ' }, { version: '22' },
    { verifyingContract: getAddress(hex(randomBytes(20))) }, { salt: hex(randomBytes(32)) }, { salt: undefined },
  ];
  const seen = new Set();
  // More domains than the cache holds, twice over: a cleared cache must still sign right.
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 80; i++) {
      const domain = { ...base.domain, ...variants[i % variants.length], ...(i >= variants.length ? { chainId: 1000 + i } : {}) };
      const doc = { ...base, domain };
      const signature = signer.signTypedDataSync(doc);
      assert.equal(signature, await account.signTypedData(forViem(doc)), `variant ${i}`);
      if (round === 0) seen.add(signature);
    }
  }
  // 8453, 8453n and '8453' are one domain, as are {} and {salt: undefined}; every other is its own.
  assert.equal(seen.size, 77);
  signer.destroy();
});

test('documents outside the plain shape step aside, and still sign as viem does', async () => {
  const key = hex(randomBytes(32));
  const signer = Signer.fromPrivateKey(key);
  const account = privateKeyToAccount(key);
  const base = forViem(randomDocument(0));
  const fields = TYPES.TransferWithAuthorization;
  const asides = {
    'an explicit EIP712Domain type': { ...base, types: { ...TYPES, EIP712Domain: [
      { name: 'name', type: 'string' }, { name: 'version', type: 'string' }, { name: 'chainId', type: 'uint256' },
      { name: 'verifyingContract', type: 'address' }] } },
    'another field order': { ...base, types: { TransferWithAuthorization: [fields[1], fields[0], ...fields.slice(2)] } },
    'an extra field': { ...base, types: { TransferWithAuthorization: [...fields, { name: 'memo', type: 'string' }] }, message: { ...base.message, memo: 'x' } },
    'a nonce as bytes': { ...base, message: { ...base.message, nonce: Buffer.from(base.message.nonce.slice(2), 'hex') } },
    'another primary type': { ...base, primaryType: 'Other', types: { Other: fields } },
    'a number past 2^53': { ...base, message: { ...base.message, validBefore: 2 ** 60 } },
  };
  for (const [name, doc] of Object.entries(asides)) {
    assert.equal(transferAuthorizationDigest(doc), undefined, `${name} takes the general path`);
    // viem takes bytes as hex only: the same nonce in hex is its reference.
    const reference = name === 'a nonce as bytes' ? base : doc;
    assert.equal(signer.signTypedDataSync(doc), await account.signTypedData(reference), name);
  }
  signer.destroy();
});

// A checksummed address with one letter's case flipped: mixed case, wrong checksum.
function flipFirstLetter(address) {
  const digits = address.slice(2);
  const at = digits.search(/[a-fA-F]/);
  const letter = digits[at];
  const flipped = digits.slice(0, at) + (letter === letter.toLowerCase() ? letter.toUpperCase() : letter.toLowerCase()) + digits.slice(at + 1);
  return `0x${flipped}`;
}

test('a value the fast reader does not take gets the general path\'s error, code and text', () => {
  const signer = Signer.fromPrivateKey(hex(randomBytes(32)));
  // A payer address whose flipped form is still mixed-case (else it would be valid EIP-55).
  const mixed = (address) => /[a-f]/.test(address.slice(2)) && /[A-F]/.test(address.slice(2));
  let base;
  do base = forViem(randomDocument(0)); while (!mixed(flipFirstLetter(base.message.from)));
  const bad = {
    'a bad checksum': { from: flipFirstLetter(base.message.from) },
    'a negative value': { value: -1n },
    'a value of 2^256': { value: 1n << 256n },
    'a short nonce': { nonce: '0x1234' },
    'an uppercase 0X nonce': { nonce: `0X${base.message.nonce.slice(2)}` },
    'a missing field': { to: undefined },
  };
  for (const [name, change] of Object.entries(bad)) {
    const doc = { ...base, message: { ...base.message, ...change } };
    assert.equal(transferAuthorizationDigest(doc), undefined, `${name} steps aside`);
    let general;
    try {
      native.hashTypedData(typedDataJson(doc));
    } catch (error) {
      general = error;
    }
    assert.ok(general, `${name}: the general path refuses it`);
    assert.throws(() => signer.signTypedDataSync(doc), (error) => error.code === general.code && error.message === general.message, name);
  }
  const badDomain = { ...base, domain: { ...base.domain, chainId: 1.5 } };
  assert.throws(() => signer.signTypedDataSync(badDomain), { code: 'ERR_EIP712_VALUE' });
  signer.destroy();
  assert.throws(() => signer.signTypedDataSync(base), { code: 'ERR_DESTROYED' });
  assert.throws(() => signTransferAuthorization({}, base), { code: 'ERR_INVALID_ARG_TYPE' });
});
