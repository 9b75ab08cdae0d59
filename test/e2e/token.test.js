// The devnet token end to end: anvil, our EIP-3009 USD Coin, Multicall3, and
// authorizations signed by the native Signer and relayed by another account.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import { hashDomain, parseEventLogs, parseSignature, serializeSignature, toHex } from 'viem';

import { Signer } from '../../lib/index.js';
import { startChain } from '../../lib/devnet/chain.js';
import {
  MULTICALL3_ADDRESS,
  deployUsdCoin,
  installMulticall3,
  mintUsdCoin,
  multicall3Artifact,
  revertReason,
  usdcBalance,
  walletClientFor,
} from '../../lib/devnet/token.js';

const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const ONE_THOUSAND_USDC = 1_000_000_000n;
const authorizationFields = [
  { name: 'from', type: 'address' },
  { name: 'to', type: 'address' },
  { name: 'value', type: 'uint256' },
  { name: 'validAfter', type: 'uint256' },
  { name: 'validBefore', type: 'uint256' },
  { name: 'nonce', type: 'bytes32' },
];
const authorizationTypes = {
  TransferWithAuthorization: authorizationFields,
  ReceiveWithAuthorization: authorizationFields,
  CancelAuthorization: [
    { name: 'authorizer', type: 'address' },
    { name: 'nonce', type: 'bytes32' },
  ],
};

describe('devnet USD Coin (EIP-3009) on anvil', () => {
  let chain;
  let token;
  let deployer; // token owner
  let relayer; // pays gas, as an x402 facilitator does
  let payee; // has ETH, for receiveWithAuthorization
  let payer; // holds USDC only, never sends a transaction
  let stranger; // a key that authorized nothing

  const domain = () => ({ name: token.name, version: token.version, chainId: chain.chainId, verifyingContract: token.address });
  const nonce = () => toHex(randomBytes(32));
  const now = async () => (await chain.publicClient.getBlock()).timestamp;

  // An authorization signed by `by` (default: the payer), as an x402 client signs it.
  async function authorize({ by = payer, primaryType = 'TransferWithAuthorization', ...fields }) {
    const message = {
      from: payer.address, to: payee.address, value: 1_000_000n,
      validAfter: 0n, validBefore: (await now()) + 3600n, nonce: nonce(), ...fields,
    };
    const signature = await by.signTypedData({ domain: domain(), types: authorizationTypes, primaryType, message });
    return { message, signature };
  }

  const vrsArgs = ({ message: m, signature }) => {
    const { v, r, s } = parseSignature(signature);
    return [m.from, m.to, m.value, m.validAfter, m.validBefore, m.nonce, Number(v), r, s];
  };

  // Relayed as the facilitator relays it: someone other than the payer sends.
  async function relay(functionName, args, { by = relayer, gas } = {}) {
    const wallet = walletClientFor(chain, by);
    const hash = await wallet.writeContract({ address: token.address, abi: token.abi, functionName, args, gas });
    return chain.publicClient.waitForTransactionReceipt({ hash });
  }

  async function assertReverts(functionName, args, pattern, { by = relayer } = {}) {
    await assert.rejects(
      chain.publicClient.simulateContract({
        account: walletClientFor(chain, by).account, address: token.address, abi: token.abi, functionName, args,
      }),
      (err) => {
        assert.match(revertReason(err) ?? String(err), pattern);
        return true;
      },
    );
  }

  before(async () => {
    chain = await startChain();
    const key = (i) => Signer.fromPrivateKey(chain.accounts[i].privateKey);
    [deployer, relayer, payee] = [key(0), key(1), key(2)];
    payer = Signer.generate();
    stranger = Signer.generate();
    await installMulticall3(chain);
    token = await deployUsdCoin({ chain, deployer });
    await mintUsdCoin({ chain, token, owner: deployer, to: payer.address, amount: ONE_THOUSAND_USDC });
  });

  after(async () => {
    await chain?.stop();
  });

  test('is USD Coin, version 2, 6 decimals, with the EIP-712 domain of this chain', async () => {
    const read = (functionName, args) => chain.publicClient.readContract({ address: token.address, abi: token.abi, functionName, args });
    assert.equal(await read('name'), 'USD Coin');
    assert.equal(await read('symbol'), 'USDC');
    assert.equal(await read('decimals'), 6);
    assert.equal(await read('version'), '2');
    assert.equal(await read('owner'), deployer.address);
    assert.equal(await read('DOMAIN_SEPARATOR'), hashDomain({ domain: domain(), types: { EIP712Domain: [
      { name: 'name', type: 'string' }, { name: 'version', type: 'string' },
      { name: 'chainId', type: 'uint256' }, { name: 'verifyingContract', type: 'address' },
    ] } }));
    // EIP-5267: fields 0x0f = name, version, chainId, verifyingContract (no salt).
    const { domain: d, fields } = await chain.publicClient.getEip712Domain({ address: token.address });
    assert.equal(fields, '0x0f');
    assert.deepEqual(
      { name: d.name, version: d.version, chainId: Number(d.chainId), verifyingContract: d.verifyingContract },
      domain(),
    );
    assert.equal(await usdcBalance({ chain, token, address: payer.address }), ONE_THOUSAND_USDC);
  });

  test('only the owner mints', async () => {
    await assert.rejects(
      mintUsdCoin({ chain, token, owner: relayer, to: relayer.address, amount: 1n }),
      /mint would revert: UsdCoin: caller is not the owner/,
    );
  });

  test('a relayed transferWithAuthorization moves exactly the amount, once', async () => {
    const auth = await authorize({ value: 12_345_678n });
    const before = {
      payer: await usdcBalance({ chain, token, address: payer.address }),
      payee: await usdcBalance({ chain, token, address: payee.address }),
      relayer: await usdcBalance({ chain, token, address: relayer.address }),
    };
    const receipt = await relay('transferWithAuthorization', vrsArgs(auth));
    assert.equal(receipt.status, 'success');

    assert.equal(await usdcBalance({ chain, token, address: payer.address }), before.payer - 12_345_678n);
    assert.equal(await usdcBalance({ chain, token, address: payee.address }), before.payee + 12_345_678n);
    assert.equal(await usdcBalance({ chain, token, address: relayer.address }), before.relayer);

    const events = parseEventLogs({ abi: token.abi, logs: receipt.logs });
    assert.deepEqual(events.map((e) => e.eventName), ['AuthorizationUsed', 'Transfer']);
    assert.deepEqual(events[0].args, { authorizer: payer.address, nonce: auth.message.nonce });
    assert.deepEqual(events[1].args, { from: payer.address, to: payee.address, value: 12_345_678n });
    assert.equal(await chain.publicClient.readContract({
      address: token.address, abi: token.abi, functionName: 'authorizationState', args: [payer.address, auth.message.nonce],
    }), true);

    // Replay: refused in simulation, and reverted on chain with no balance change.
    await assertReverts('transferWithAuthorization', vrsArgs(auth), /authorization is used or canceled/);
    const replay = await relay('transferWithAuthorization', vrsArgs(auth), { gas: 200_000n });
    assert.equal(replay.status, 'reverted');
    assert.equal(await usdcBalance({ chain, token, address: payer.address }), before.payer - 12_345_678n);
  });

  test('the bytes-signature overload (what x402 payloads carry) works too', async () => {
    const auth = await authorize({ value: 1n });
    const m = auth.message;
    const receipt = await relay('transferWithAuthorization', [m.from, m.to, m.value, m.validAfter, m.validBefore, m.nonce, auth.signature]);
    assert.equal(receipt.status, 'success');
    await assertReverts('transferWithAuthorization',
      [m.from, m.to, m.value, m.validAfter, m.validBefore, m.nonce, auth.signature], /authorization is used or canceled/);
    await assertReverts('transferWithAuthorization',
      [m.from, m.to, m.value, m.validAfter, m.validBefore, nonce(), auth.signature.slice(0, -2)], /invalid signature length/);
  });

  test('the time window is enforced', async () => {
    const t = await now();
    await assertReverts('transferWithAuthorization', vrsArgs(await authorize({ validBefore: t - 1n })), /authorization is expired/);
    await assertReverts('transferWithAuthorization', vrsArgs(await authorize({ validAfter: t + 3600n })), /authorization is not yet valid/);
  });

  test('a signature by the wrong key is refused', async () => {
    await assertReverts('transferWithAuthorization', vrsArgs(await authorize({ by: stranger })), /UsdCoin: invalid signature$/);
    // The payer's signature over other terms (a larger value) is a wrong signature too.
    const auth = await authorize({ value: 1n });
    const tampered = vrsArgs(auth);
    tampered[2] = 1_000_000n;
    await assertReverts('transferWithAuthorization', tampered, /UsdCoin: invalid signature$/);
  });

  test('the high-s twin of a valid signature and a bad v are refused', async () => {
    const auth = await authorize({});
    const { r, s, v } = parseSignature(auth.signature);
    const highS = serializeSignature({ r, s: toHex(SECP256K1_N - BigInt(s), { size: 32 }), v: v === 27n ? 28n : 27n });
    await assertReverts('transferWithAuthorization', vrsArgs({ ...auth, signature: highS }), /invalid signature 's' value/);
    const badV = vrsArgs(auth);
    badV[6] = 1;
    await assertReverts('transferWithAuthorization', badV, /invalid signature 'v' value/);
    // The original, low-s signature is still good.
    assert.equal((await relay('transferWithAuthorization', vrsArgs(auth))).status, 'success');
  });

  test('a canceled authorization cannot be used', async () => {
    const auth = await authorize({});
    const cancel = await payer.signTypedData({
      domain: domain(), types: authorizationTypes, primaryType: 'CancelAuthorization',
      message: { authorizer: payer.address, nonce: auth.message.nonce },
    });
    const { v, r, s } = parseSignature(cancel);
    const receipt = await relay('cancelAuthorization', [payer.address, auth.message.nonce, Number(v), r, s]);
    const [event] = parseEventLogs({ abi: token.abi, logs: receipt.logs, eventName: 'AuthorizationCanceled' });
    assert.deepEqual(event.args, { authorizer: payer.address, nonce: auth.message.nonce });
    await assertReverts('transferWithAuthorization', vrsArgs(auth), /authorization is used or canceled/);
    await assertReverts('cancelAuthorization', [payer.address, auth.message.nonce, Number(v), r, s], /authorization is used or canceled/);
  });

  test('receiveWithAuthorization is for the payee to submit', async () => {
    const auth = await authorize({ primaryType: 'ReceiveWithAuthorization', value: 5n });
    await assertReverts('receiveWithAuthorization', vrsArgs(auth), /caller must be the payee/, { by: relayer });
    // A TransferWithAuthorization signature is not a ReceiveWithAuthorization one.
    const transferAuth = await authorize({ value: 5n });
    await assertReverts('receiveWithAuthorization', vrsArgs(transferAuth), /UsdCoin: invalid signature$/, { by: payee });
    const before = await usdcBalance({ chain, token, address: payee.address });
    assert.equal((await relay('receiveWithAuthorization', vrsArgs(auth), { by: payee })).status, 'success');
    assert.equal(await usdcBalance({ chain, token, address: payee.address }), before + 5n);
  });

  test('Multicall3 answers at the canonical address', async () => {
    const balanceOf = { address: token.address, abi: token.abi, functionName: 'balanceOf', args: [payer.address] };
    // viem's multicall: aggregate3 at the chain's multicall3 address.
    const results = await chain.publicClient.multicall({
      contracts: [
        { address: token.address, abi: token.abi, functionName: 'name' },
        balanceOf,
        { address: token.address, abi: token.abi, functionName: 'mint', args: [payer.address, 1n] }, // not the owner
      ],
    });
    assert.equal(results[0].result, 'USD Coin');
    assert.equal(results[1].result, await usdcBalance({ chain, token, address: payer.address }));
    assert.equal(results[2].status, 'failure');
    assert.match(results[2].error.message, /caller is not the owner/);

    // tryAggregate(false, ...), as the x402 EVM facilitator reads the token.
    const { abi } = multicall3Artifact();
    const [ok, failed] = await chain.publicClient.readContract({
      address: MULTICALL3_ADDRESS, abi, functionName: 'tryAggregate',
      args: [false, [
        { target: token.address, callData: '0x06fdde03' }, // name()
        { target: token.address, callData: '0xdeadbeef' }, // no such function
      ]],
    });
    assert.equal(ok.success, true);
    assert.equal(failed.success, false);

    // A required call that fails passes its own revert reason through.
    await assert.rejects(
      chain.publicClient.readContract({
        address: MULTICALL3_ADDRESS, abi, functionName: 'aggregate3',
        args: [[{ target: token.address, allowFailure: false, callData: '0x40c10f19' + '00'.repeat(64) }]], // mint(0, 0)
      }),
      /caller is not the owner/,
    );
    assert.equal(
      await chain.publicClient.readContract({ address: MULTICALL3_ADDRESS, abi, functionName: 'getChainId' }),
      BigInt(chain.chainId),
    );
  });
});
