// toViemAccount(signer) against viem's privateKeyToAccount(sameKey): every
// signing method byte for byte, and a viem WalletClient sending through a
// custom transport that captures the raw transaction (no network). Random
// inputs come from a seeded PRNG; the seed is in the test names and
// CLAWPAY_SEED=<seed> replays it.
import assert from 'node:assert/strict';
import test from 'node:test';

import {
  createWalletClient, custom, keccak256 as viemKeccak256, numberToHex, parseTransaction, recoverAddress as viemRecoverAddress,
  recoverMessageAddress as viemRecoverMessageAddress, recoverTransactionAddress, serializeTransaction,
} from 'viem';
import { generatePrivateKey, privateKeyToAccount, sign as viemSign } from 'viem/accounts';
import { base, mainnet } from 'viem/chains';
import { hashAuthorization, recoverAuthorizationAddress } from 'viem/utils';

import { Signer, toViemAccount } from '../../lib/index.js';
import { Rng, randomTypedData, resolveSeed } from './support/random_typed_data.js';

const seed = resolveSeed();
const replay = `replay with CLAWPAY_SEED=${seed} node --test test/js/viem_account.test.js`;
const rng = new Rng(seed, 0x5eed);

const KEYS = Array.from({ length: 4 }, () => generatePrivateKey());
const pairs = KEYS.map((key) => ({ key, ours: toViemAccount(Signer.fromPrivateKey(key)), viem: privateKeyToAccount(key) }));

const CHAIN_IDS = [1, 10, 56, 137, 8453, 84532, 42161, 11155111, 7777777, 2 ** 32 - 1];

const hexOf = (bytes) => `0x${Buffer.from(bytes).toString('hex')}`;
const randomAddress = () => hexOf(rng.bytes(20));
const randomData = () => (rng.chance(0.2) ? '0x' : hexOf(rng.bytes(rng.int(1, 300))));
const randomWei = () => rng.bigBits(rng.pick([0, 8, 40, 64, 96, 128]));

// ------------------------------------------------------------------ shape

test('toViemAccount returns a viem local account with the signer\'s address', () => {
  for (const { key, ours, viem } of pairs) {
    assert.equal(ours.type, 'local');
    assert.equal(ours.address, viem.address, key);
    for (const method of ['sign', 'signMessage', 'signTypedData', 'signTransaction', 'signAuthorization']) {
      assert.equal(typeof ours[method], 'function', method);
    }
    assert.equal('publicKey' in ours && ours.publicKey !== undefined, false, 'the account exposes no key material');
  }
  const generated = Signer.generate();
  assert.equal(toViemAccount(generated).address, generated.address);
});

test('toViemAccount of anything but a Signer throws a TypeError with a code', () => {
  const signer = Signer.generate();
  const impostors = [
    undefined, null, {}, 'not a signer', KEYS[0], 42, [], privateKeyToAccount(KEYS[0]), toViemAccount(signer),
    { address: signer.address, signHashSync: () => '0x', signHash: async () => '0x' }, Object.create(Signer.prototype),
  ];
  for (const impostor of impostors) {
    assert.throws(() => toViemAccount(impostor), (error) => {
      assert.ok(error instanceof TypeError, `${error}`);
      assert.equal(typeof error.code, 'string');
      assert.match(error.message, /Signer/);
      assert.ok(!error.message.includes(KEYS[0].slice(2)), 'the private key is never echoed');
      return true;
    });
  }
});

// --------------------------------------------------------------- messages

test(`signMessage (strings, {raw: hex}, {raw: bytes}) equals viem's (seed ${seed})`, async () => {
  const strings = ['', 'hello', 'Hello, Bob!', '\u0000', 'é e\u0301', 'שלום مرحبا', '😀👨‍👩‍👧‍👦', '\ud800', 'a\udc00b', '\udc00\ud800', 'x'.repeat(1000)];
  for (let i = 0; i < 40; i++) strings.push(Array.from({ length: rng.int(0, 20) }, () => String.fromCharCode(rng.int(0, 0xffff))).join(''));
  let n = 0;
  for (const message of strings) {
    const { ours, viem } = pairs[n++ % pairs.length];
    const signature = await ours.signMessage({ message });
    assert.equal(signature, await viem.signMessage({ message }), `message ${JSON.stringify(message)} (seed ${seed})`);
    assert.equal(await viemRecoverMessageAddress({ message, signature }), ours.address);
  }
  for (let i = 0; i < 30; i++) {
    const { ours, viem } = pairs[i % pairs.length];
    const bytes = rng.bytes(rng.int(0, 200));
    for (const raw of [hexOf(bytes), bytes]) {
      const signature = await ours.signMessage({ message: { raw } });
      assert.equal(signature, await viem.signMessage({ message: { raw } }), `raw ${hexOf(bytes)} (seed ${seed})`);
    }
  }
});

test(`signTypedData equals viem's on random documents (seed ${seed})`, async () => {
  for (let index = 0; index < 40; index++) {
    const { typedData } = randomTypedData(seed, index);
    const { ours, viem } = pairs[index % pairs.length];
    assert.equal(await ours.signTypedData(typedData), await viem.signTypedData(typedData),
      `random document #${index} (${replay})`);
  }
});

test(`sign({hash}) equals viem's sign({hash, privateKey, to: 'hex'}) (seed ${seed})`, async () => {
  const hashes = [`0x${'00'.repeat(32)}`, `0x${'ff'.repeat(32)}`, `0x${'00'.repeat(31)}01`];
  for (let i = 0; i < 60; i++) hashes.push(hexOf(rng.bytes(32)));
  let n = 0;
  for (const hash of hashes) {
    const { key, ours } = pairs[n++ % pairs.length];
    const signature = await ours.sign({ hash });
    assert.equal(signature, await viemSign({ hash, privateKey: key, to: 'hex' }), `hash ${hash} (seed ${seed})`);
    assert.equal(await viemRecoverAddress({ hash, signature }), ours.address);
  }
});

// ----------------------------------------------------------- authorizations

test(`signAuthorization returns the same fields as viem's, for contractAddress and address forms (seed ${seed})`, async () => {
  for (let i = 0; i < 30; i++) {
    const { ours, viem } = pairs[i % pairs.length];
    const target = rng.chance(0.5) ? randomAddress() : privateKeyToAccount(KEYS[(i + 1) % KEYS.length]).address;
    const chainId = rng.pick([0, ...CHAIN_IDS]);
    const nonce = rng.pick([0, 1, rng.int(2, 1_000_000)]);
    const request = rng.chance(0.5) ? { contractAddress: target, chainId, nonce } : { address: target, chainId, nonce };
    const mine = await ours.signAuthorization(request);
    const theirs = await viem.signAuthorization(request);
    assert.deepStrictEqual(mine, theirs, `authorization ${JSON.stringify(request)} (seed ${seed})`);
    assert.deepStrictEqual(Object.keys(mine).sort(), ['address', 'chainId', 'nonce', 'r', 's', 'v', 'yParity']);
    assert.equal(typeof mine.v, 'bigint');
    assert.equal(await recoverAuthorizationAddress({ authorization: mine }), ours.address);
    assert.equal(await viemRecoverAddress({ hash: hashAuthorization({ address: target, chainId, nonce }), signature: mine }), ours.address);
  }
});

// ------------------------------------------------------------- transactions

function randomAccessList() {
  return Array.from({ length: rng.weighted([[2, 0], [2, 1], [1, 3]]) }, () => ({
    address: randomAddress(),
    storageKeys: Array.from({ length: rng.int(0, 3) }, () => hexOf(rng.bytes(32))),
  }));
}

async function randomTransaction(type, pair) {
  const chainId = rng.pick(CHAIN_IDS);
  const common = {
    chainId,
    nonce: rng.pick([0, 1, rng.int(2, 2 ** 31)]),
    gas: BigInt(rng.int(21_000, 30_000_000)),
    to: rng.chance(0.9) ? randomAddress() : undefined, // undefined: contract creation
    value: randomWei(),
    data: randomData(),
  };
  const fees = () => {
    const maxPriorityFeePerGas = randomWei();
    return { maxPriorityFeePerGas, maxFeePerGas: maxPriorityFeePerGas + randomWei() };
  };
  switch (type) {
    case 'legacy': {
      const tx = { ...common, type, gasPrice: randomWei() };
      if (rng.chance(0.2)) delete tx.chainId; // pre-EIP-155
      return tx;
    }
    case 'eip2930':
      return { ...common, type, gasPrice: randomWei(), accessList: randomAccessList() };
    case 'eip1559':
      return { ...common, type, ...fees(), accessList: randomAccessList() };
    case 'eip7702': {
      const authorizationList = [];
      for (let i = rng.int(1, 3); i > 0; i--) {
        // Signed by this account (ours and viem's agree) or by another key.
        const signer = rng.chance(0.5) ? pair.ours : privateKeyToAccount(rng.pick(KEYS));
        authorizationList.push(await signer.signAuthorization({
          contractAddress: randomAddress(), chainId: rng.pick([0, chainId]), nonce: rng.int(0, 1000),
        }));
      }
      return { ...common, to: common.to ?? randomAddress(), type, ...fees(), accessList: randomAccessList(), authorizationList };
    }
    default:
      throw new Error(type);
  }
}

for (const type of ['legacy', 'eip2930', 'eip1559', 'eip7702']) {
  test(`signTransaction (${type}) gives the byte-identical signed transaction viem gives, on random transactions and chain ids (seed ${seed})`, async () => {
    for (let i = 0; i < 25; i++) {
      const pair = pairs[i % pairs.length];
      const tx = await randomTransaction(type, pair);
      const mine = await pair.ours.signTransaction(tx);
      const theirs = await pair.viem.signTransaction(tx);
      const context = `${type} #${i} (seed ${seed}; ${replay})`;
      assert.equal(mine, theirs, context);
      const parsed = parseTransaction(mine);
      assert.equal(parsed.type, type, context);
      assert.equal(await recoverTransactionAddress({ serializedTransaction: mine }), pair.ours.address, context);
      if (tx.chainId !== undefined) assert.equal(parsed.chainId, tx.chainId, context);
      assert.equal(parsed.value ?? 0n, tx.value, context);
    }
  });
}

test(`signTransaction passes a custom serializer through as viem does (seed ${seed})`, async () => {
  const { ours, viem } = pairs[0];
  const calls = { ours: [], viem: [] };
  const serializerFor = (log) => (tx, signature) => {
    log.push(signature === undefined ? 'unsigned' : 'signed');
    return serializeTransaction(tx, signature);
  };
  const tx = await randomTransaction('eip1559', pairs[0]);
  const mine = await ours.signTransaction(tx, { serializer: serializerFor(calls.ours) });
  const theirs = await viem.signTransaction(tx, { serializer: serializerFor(calls.viem) });
  assert.equal(mine, theirs);
  assert.deepStrictEqual(calls.ours, calls.viem);
});

test('signTransaction of an EIP-4844 transaction (versioned hashes, no sidecars) equals viem\'s', async () => {
  const { ours, viem } = pairs[1];
  const tx = {
    type: 'eip4844', chainId: 1, nonce: 3, gas: 21_000n, to: randomAddress(), value: 1n, data: '0x',
    maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 10n ** 9n, maxFeePerBlobGas: 10n ** 9n,
    blobVersionedHashes: [`0x01${'ab'.repeat(31)}`, `0x01${'cd'.repeat(31)}`],
  };
  const mine = await ours.signTransaction(tx);
  assert.equal(mine, await viem.signTransaction(tx));
  assert.equal(await recoverTransactionAddress({ serializedTransaction: mine }), ours.address);
});

// ------------------------------------------------------------ WalletClient

function fakeNode(chainId) {
  const sent = [];
  const calls = [];
  const block = {
    number: '0x10', hash: `0x${'11'.repeat(32)}`, parentHash: `0x${'22'.repeat(32)}`, nonce: '0x0000000000000000',
    sha3Uncles: `0x${'33'.repeat(32)}`, logsBloom: `0x${'00'.repeat(256)}`, transactionsRoot: `0x${'44'.repeat(32)}`,
    stateRoot: `0x${'55'.repeat(32)}`, receiptsRoot: `0x${'66'.repeat(32)}`, miner: `0x${'77'.repeat(20)}`,
    difficulty: '0x0', totalDifficulty: '0x0', extraData: '0x', size: '0x100', gasLimit: '0x1c9c380',
    gasUsed: '0x0', timestamp: '0x65000000', transactions: [], uncles: [], baseFeePerGas: '0x3b9aca00',
    mixHash: `0x${'88'.repeat(32)}`,
  };
  async function request({ method, params }) {
    calls.push(method);
    switch (method) {
      case 'eth_chainId': return numberToHex(chainId);
      case 'eth_getTransactionCount': return '0x7';
      case 'eth_estimateGas': return '0x5208';
      case 'eth_maxPriorityFeePerGas': return '0x3b9aca00';
      case 'eth_gasPrice': return '0x77359400';
      case 'eth_getBlockByNumber': return block;
      case 'eth_sendRawTransaction':
        sent.push(params[0]);
        return viemKeccak256(params[0]);
      default:
        throw Object.assign(new Error(`the method ${method} does not exist/is not available`), { code: -32601 });
    }
  }
  return { transport: custom({ request }), sent, calls };
}

for (const [chain, type] of [[mainnet, 'eip1559'], [base, 'eip1559'], [mainnet, 'legacy'], [base, 'eip2930']]) {
  test(`WalletClient.sendTransaction on ${chain.name} (${type}) sends a raw transaction that viem attributes to the signer`, async () => {
    const signer = Signer.generate();
    const account = toViemAccount(signer);
    const node = fakeNode(chain.id);
    const client = createWalletClient({ account, chain, transport: node.transport });
    const to = randomAddress();
    const request = { to, value: 12345n, data: '0xdeadbeef' };
    if (type === 'legacy') Object.assign(request, { type, gasPrice: 2_000_000_000n });
    if (type === 'eip2930') Object.assign(request, { type, gasPrice: 2_000_000_000n, accessList: [{ address: to, storageKeys: [] }] });
    const hash = await client.sendTransaction(request);

    assert.equal(node.sent.length, 1, `calls: ${node.calls.join(', ')}`);
    const raw = node.sent[0];
    assert.equal(hash, viemKeccak256(raw));
    const parsed = parseTransaction(raw);
    assert.equal(parsed.type, type);
    assert.equal(parsed.chainId, chain.id);
    assert.equal(parsed.to, to);
    assert.equal(parsed.value, 12345n);
    assert.equal(parsed.data, '0xdeadbeef');
    assert.equal(parsed.nonce, 7);
    assert.equal(await recoverTransactionAddress({ serializedTransaction: raw }), signer.address);
  });
}

test('WalletClient signs an EIP-7702 authorization and sends it in an eip7702 transaction attributed to the signer', async () => {
  const signer = Signer.generate();
  const account = toViemAccount(signer);
  const node = fakeNode(base.id);
  const client = createWalletClient({ account, chain: base, transport: node.transport });
  const contractAddress = randomAddress();
  const authorization = await client.signAuthorization({ account, contractAddress, executor: 'self' });
  assert.equal(await recoverAuthorizationAddress({ authorization }), signer.address);
  assert.equal(authorization.chainId, base.id);
  assert.equal(authorization.nonce, 8, 'executor self: the authorization nonce is the account nonce + 1');

  await client.sendTransaction({ to: signer.address, data: '0x', authorizationList: [authorization] });
  const raw = node.sent[0];
  const parsed = parseTransaction(raw);
  assert.equal(parsed.type, 'eip7702');
  assert.equal(parsed.authorizationList.length, 1);
  assert.equal(parsed.authorizationList[0].address.toLowerCase(), contractAddress);
  assert.equal(await recoverAuthorizationAddress({ authorization: parsed.authorizationList[0] }), signer.address);
  assert.equal(await recoverTransactionAddress({ serializedTransaction: raw }), signer.address);
});

test('WalletClient signMessage and signTypedData through the account equal viem\'s', async () => {
  const { key, ours } = pairs[2];
  const node = fakeNode(1);
  const client = createWalletClient({ account: ours, chain: mainnet, transport: node.transport });
  const viemClient = createWalletClient({ account: privateKeyToAccount(key), chain: mainnet, transport: node.transport });
  assert.equal(await client.signMessage({ message: 'hello from a wallet client' }),
    await viemClient.signMessage({ message: 'hello from a wallet client' }));
  const { typedData } = randomTypedData(seed, 7);
  assert.equal(await client.signTypedData(typedData), await viemClient.signTypedData(typedData), `document #7 (${replay})`);
  assert.deepEqual(node.sent, []);
});

// ---------------------------------------------------------------- lifecycle

test('an account whose signer was destroyed refuses to sign with ERR_DESTROYED', async () => {
  const signer = Signer.generate();
  const account = toViemAccount(signer);
  signer.destroy();
  const destroyed = (error) => error instanceof Error && error.code === 'ERR_DESTROYED';
  await assert.rejects(account.signMessage({ message: 'x' }), destroyed);
  await assert.rejects(account.sign({ hash: `0x${'01'.repeat(32)}` }), destroyed);
  await assert.rejects(account.signTransaction({ type: 'eip1559', chainId: 1, nonce: 0, gas: 21000n, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n, to: randomAddress() }), destroyed);
  await assert.rejects(account.signAuthorization({ contractAddress: randomAddress(), chainId: 1, nonce: 0 }), destroyed);
  await assert.rejects(account.signTypedData(randomTypedData(seed, 0).typedData), destroyed);
});

test('sign({hash}) refuses a hash that is not 32 bytes with a coded error', async () => {
  const { ours } = pairs[0];
  for (const hash of ['0x1234', `0x${'00'.repeat(33)}`, 'not hex', undefined]) {
    await assert.rejects(ours.sign({ hash }), (error) => error instanceof Error && typeof error.code === 'string');
  }
});
