// The devnet's batch-settlement channel contract on anvil, driven directly
// through viem: deposit through the ERC-3009 collector, voucher claims,
// batch claims, settle, cooperative refunds, the timed withdrawal, and each
// revert. Every signature comes from a native Signer; every amount is
// asserted on chain to the base unit.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { BATCH_SETTLEMENT_DOMAIN, claimBatchTypes, refundTypes, voucherTypes } from '@x402/evm';
import { computeChannelId } from '@x402/evm/batch-settlement/client';
import {
  encodeAbiParameters, encodeFunctionData, getAddress, hashTypedData, keccak256, parseEventLogs, parseSignature, serializeSignature, toEventSelector,
  toFunctionSelector, toHex,
} from 'viem';

import { Signer } from '../../lib/index.js';
import {
  BATCH_SETTLEMENT_ADDRESS, ERC3009_DEPOSIT_COLLECTOR_ADDRESS, erc3009DepositCollectorArtifact, installBatchSettlement,
} from '../../lib/devnet/batch_settlement.js';
import { startChain } from '../../lib/devnet/chain.js';
import {
  deployUsdCoin, installMulticall3, mintUsdCoin, revertReason, transact, usdcBalance, walletClientFor,
} from '../../lib/devnet/token.js';
import { compileSolidity } from '../../scripts/solidity.js';

const USDC = 1_000_000n;
const DELAY = 900; // the scheme's minimum withdraw delay, 15 minutes
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HOSTILE_COLLECTOR = fileURLToPath(new URL('./support/HostileCollector.sol', import.meta.url));
const ERC1271_WALLET = fileURLToPath(new URL('./support/Erc1271Wallet.sol', import.meta.url));
const receiveTypes = {
  ReceiveWithAuthorization: [
    { name: 'from', type: 'address' }, { name: 'to', type: 'address' }, { name: 'value', type: 'uint256' },
    { name: 'validAfter', type: 'uint256' }, { name: 'validBefore', type: 'uint256' }, { name: 'nonce', type: 'bytes32' },
  ],
};

describe('BatchSettlement contract on anvil', { timeout: 120_000 }, () => {
  let chain;
  let token;
  let contract; // {address, abi}
  let deployer; let payer; let payer2; let receiver; let authorizer; let relayer; let stranger;
  let hostileCollector;
  let deployTestContract;

  const domain = () => ({ ...BATCH_SETTLEMENT_DOMAIN, chainId: chain.chainId, verifyingContract: BATCH_SETTLEMENT_ADDRESS });
  const salt = () => toHex(randomBytes(32));
  const channelIdOf = (config) => computeChannelId(config, chain.chainId);
  const balance = (address) => usdcBalance({ chain, token, address });
  const read = (functionName, args) => chain.publicClient.readContract({ address: contract.address, abi: contract.abi, functionName, args });
  const state = async (config) => {
    const [balance, totalClaimed] = await read('channels', [channelIdOf(config)]);
    return { balance, totalClaimed };
  };
  const call = (by, functionName, args) => transact(chain, by, { address: contract.address, abi: contract.abi, functionName, args });
  const events = (receipt, eventName) => parseEventLogs({ abi: contract.abi, logs: receipt.logs, eventName });

  async function assertReverts(by, functionName, args, expected) {
    await assert.rejects(
      chain.publicClient.simulateContract({
        account: walletClientFor(chain, by).account, address: contract.address, abi: contract.abi, functionName, args,
      }),
      (err) => {
        const reason = revertReason(err) ?? String(err);
        if (expected instanceof RegExp) assert.match(reason, expected);
        else assert.equal(reason, expected);
        return true;
      },
    );
  }

  function config(overrides = {}) {
    return {
      payer: payer.address, payerAuthorizer: payer.address, receiver: receiver.address, receiverAuthorizer: authorizer.address,
      token: token.address, withdrawDelay: DELAY, salt: salt(), ...overrides,
    };
  }

  // The deposit arguments as the official facilitator builds them from a
  // client's erc3009Authorization: the payer signs ReceiveWithAuthorization
  // to the collector with nonce = keccak256(abi.encode(channelId, salt)).
  async function depositArgs(cfg, amount, { by = payer, forChannel = channelIdOf(cfg), value = amount } = {}) {
    const authSalt = BigInt(salt());
    const validBefore = (await chain.publicClient.getBlock()).timestamp + 3600n;
    const nonce = keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint256' }], [forChannel, authSalt]));
    const signature = await by.signTypedData({
      domain: { name: token.name, version: token.version, chainId: chain.chainId, verifyingContract: token.address },
      types: receiveTypes,
      primaryType: 'ReceiveWithAuthorization',
      message: { from: cfg.payer, to: ERC3009_DEPOSIT_COLLECTOR_ADDRESS, value, validAfter: 0n, validBefore, nonce },
    });
    const collectorData = encodeAbiParameters(
      [{ type: 'uint256' }, { type: 'uint256' }, { type: 'uint256' }, { type: 'bytes' }],
      [0n, validBefore, authSalt, signature],
    );
    return [cfg, amount, ERC3009_DEPOSIT_COLLECTOR_ADDRESS, collectorData];
  }
  const deposit = async (cfg, amount, options) => call(relayer, 'deposit', await depositArgs(cfg, amount, options));

  const signVoucher = (cfg, maxClaimableAmount, by = payer) => by.signTypedData({
    domain: domain(), types: voucherTypes, primaryType: 'Voucher', message: { channelId: channelIdOf(cfg), maxClaimableAmount },
  });
  const claimRow = async (cfg, maxClaimableAmount, totalClaimed = maxClaimableAmount, signature) => ({
    voucher: { channel: cfg, maxClaimableAmount },
    signature: signature ?? await signVoucher(cfg, maxClaimableAmount),
    totalClaimed,
  });
  const signClaimBatch = (rows, by = authorizer) => by.signTypedData({
    domain: domain(), types: claimBatchTypes, primaryType: 'ClaimBatch',
    message: { claims: rows.map((r) => ({ channelId: channelIdOf(r.voucher.channel), maxClaimableAmount: r.voucher.maxClaimableAmount, totalClaimed: r.totalClaimed })) },
  });
  const signRefund = (cfg, amount, nonce, by = authorizer) => by.signTypedData({
    domain: domain(), types: refundTypes, primaryType: 'Refund', message: { channelId: channelIdOf(cfg), nonce, amount },
  });
  const increaseTime = async (seconds) => {
    await chain.publicClient.request({ method: 'evm_increaseTime', params: [seconds] });
    await chain.publicClient.request({ method: 'evm_mine', params: [] });
  };

  before(async () => {
    chain = await startChain();
    const key = (i) => Signer.fromPrivateKey(chain.accounts[i].privateKey);
    [deployer, payer, receiver, authorizer, relayer, stranger, payer2] = [0, 1, 2, 3, 4, 5, 6].map(key);
    await installMulticall3(chain);
    token = await deployUsdCoin({ chain, deployer });
    contract = await installBatchSettlement(chain);
    for (const who of [payer, payer2]) await mintUsdCoin({ chain, token, owner: deployer, to: who.address, amount: 1_000n * USDC });
    deployTestContract = async (file, args = []) => {
      const { abi, bytecode } = compileSolidity(file);
      const hash = await walletClientFor(chain, deployer).deployContract({ abi, bytecode, args });
      return getAddress((await chain.publicClient.waitForTransactionReceipt({ hash })).contractAddress);
    };
    hostileCollector = await deployTestContract(HOSTILE_COLLECTOR);
  });

  after(async () => {
    for (const s of [deployer, payer, payer2, receiver, authorizer, relayer, stranger]) s?.destroy();
    await chain?.stop();
  });

  test('has every function and event of the official batchSettlementABI, and computes channel ids and digests as @x402/evm does', async () => {
    const batchSettlementABI = await officialBatchSettlementAbi();
    const selector = (item) => (item.type === 'function' ? toFunctionSelector(item) : toEventSelector(item));
    const ours = new Set(contract.abi.filter((i) => i.type === 'function' || i.type === 'event').map(selector));
    for (const item of batchSettlementABI) assert.ok(ours.has(selector(item)), `missing ${item.type} ${item.name}`);
    const cfg = config();
    assert.equal(await read('getChannelId', [cfg]), channelIdOf(cfg));
    assert.equal(await read('getVoucherDigest', [channelIdOf(cfg), 5n]), hashTypedData({
      domain: domain(), types: voucherTypes, primaryType: 'Voucher', message: { channelId: channelIdOf(cfg), maxClaimableAmount: 5n },
    }));
    assert.equal(await read('getRefundDigest', [channelIdOf(cfg), 3n, 7n]), hashTypedData({
      domain: domain(), types: refundTypes, primaryType: 'Refund', message: { channelId: channelIdOf(cfg), nonce: 3n, amount: 7n },
    }));
    const rows = [await claimRow(cfg, 10n, 4n), await claimRow(config(), 20n, 20n)];
    assert.equal(await read('getClaimBatchDigest', [rows]), hashTypedData({
      domain: domain(), types: claimBatchTypes, primaryType: 'ClaimBatch',
      message: { claims: rows.map((r) => ({ channelId: channelIdOf(r.voucher.channel), maxClaimableAmount: r.voucher.maxClaimableAmount, totalClaimed: r.totalClaimed })) },
    }));
    const { domain: d } = await chain.publicClient.getEip712Domain({ address: contract.address });
    assert.deepEqual({ name: d.name, version: d.version, chainId: Number(d.chainId), verifyingContract: d.verifyingContract }, domain());
  });

  test('a relayed deposit moves exactly the amount from the payer into a new channel, once', async () => {
    const cfg = config();
    const before = { payer: await balance(payer.address), contract: await balance(contract.address) };
    const args = await depositArgs(cfg, 7_654_321n);
    const receipt = await call(relayer, 'deposit', args);
    assert.equal(await balance(payer.address), before.payer - 7_654_321n);
    assert.equal(await balance(contract.address), before.contract + 7_654_321n);
    assert.deepEqual(await state(cfg), { balance: 7_654_321n, totalClaimed: 0n });
    assert.equal(events(receipt, 'ChannelCreated')[0].args.channelId, channelIdOf(cfg));
    assert.deepEqual(pick(events(receipt, 'Deposited')[0].args, ['amount', 'newBalance']), { amount: 7_654_321n, newBalance: 7_654_321n });
    // The same authorization again: the token refuses the used nonce.
    await assertReverts(relayer, 'deposit', args, /authorization is used or canceled/);
    // A top-up adds to the balance and creates nothing.
    const topUp = await deposit(cfg, 345_679n);
    assert.equal(events(topUp, 'ChannelCreated').length, 0);
    assert.deepEqual(await state(cfg), { balance: 8_000_000n, totalClaimed: 0n });
  });

  test('deposit reverts: bad config, zero amount, no collector, an authorization for another channel or amount, a lying or reentering collector, a balance past uint128', async () => {
    const cfg = config();
    const good = await depositArgs(cfg, USDC);
    await assertReverts(relayer, 'deposit', [{ ...cfg, receiverAuthorizer: '0x0000000000000000000000000000000000000000' }, ...good.slice(1)], 'InvalidChannel');
    await assertReverts(relayer, 'deposit', [{ ...cfg, payer: '0x0000000000000000000000000000000000000000' }, ...good.slice(1)], 'InvalidChannel');
    await assertReverts(relayer, 'deposit', [{ ...cfg, withdrawDelay: DELAY - 1 }, ...good.slice(1)], 'WithdrawDelayOutOfRange');
    await assertReverts(relayer, 'deposit', [{ ...cfg, withdrawDelay: 30 * 86_400 + 1 }, ...good.slice(1)], 'WithdrawDelayOutOfRange');
    await assertReverts(relayer, 'deposit', [cfg, 0n, ...good.slice(2)], 'ZeroDeposit');
    await assertReverts(relayer, 'deposit', [cfg, USDC, stranger.address, good[3]], 'InvalidCollector');
    // Signed for another channel (the nonce binds it), for another amount, or by another key.
    await assertReverts(relayer, 'deposit', await depositArgs(cfg, USDC, { forChannel: channelIdOf(config()) }), /invalid signature/);
    await assertReverts(relayer, 'deposit', await depositArgs(cfg, USDC, { value: USDC - 1n }), /invalid signature/);
    await assertReverts(relayer, 'deposit', await depositArgs(cfg, USDC, { by: stranger }), /invalid signature/);
    // More than the payer holds.
    await assertReverts(relayer, 'deposit', await depositArgs(cfg, 10_000n * USDC), /exceeds balance/);
    // Nobody but BatchSettlement may redeem an authorization at the collector.
    await assert.rejects(
      transact(chain, stranger, {
        address: ERC3009_DEPOSIT_COLLECTOR_ADDRESS, abi: erc3009DepositCollectorArtifact().abi, functionName: 'collect',
        args: [payer.address, token.address, USDC, channelIdOf(cfg), good[3]],
      }),
      /OnlyBatchSettlement/,
    );
    const mode = (m) => encodeAbiParameters([{ type: 'uint256' }], [m]);
    await assertReverts(relayer, 'deposit', [cfg, USDC, hostileCollector, mode(0n)], 'DepositCollectionFailed');
    await assertReverts(relayer, 'deposit', [cfg, USDC, hostileCollector, mode(1n)], 'Reentered');
    assert.deepEqual(await state(cfg), { balance: 0n, totalClaimed: 0n });
    // The good authorization still works after all that.
    await call(relayer, 'deposit', good);
    assert.deepEqual(await state(cfg), { balance: USDC, totalClaimed: 0n });
    // A balance is a uint128: a deposit past it is refused before any token moves.
    const whale = Signer.generate();
    try {
      const max = (1n << 128n) - 1n;
      await mintUsdCoin({ chain, token, owner: deployer, to: whale.address, amount: max + 1n });
      const big = config({ payer: whale.address, payerAuthorizer: whale.address });
      await deposit(big, max, { by: whale });
      await assertReverts(relayer, 'deposit', await depositArgs(big, 1n, { by: whale }), 'DepositOverflow');
      assert.equal(await balance(whale.address), 1n);
    } finally {
      whale.destroy();
    }
  });

  test('a voucher claim records the claim without moving tokens; settle pays the receiver exactly; a replay changes nothing', async () => {
    const cfg = config({ receiver: stranger.address });
    await deposit(cfg, 5n * USDC);
    const held = await balance(contract.address);
    const row = await claimRow(cfg, 1_500_000n, 1_234_567n);
    const receipt = await call(authorizer, 'claim', [[row]]);
    assert.deepEqual(pick(events(receipt, 'Claimed')[0].args, ['claimAmount', 'newTotalClaimed']), { claimAmount: 1_234_567n, newTotalClaimed: 1_234_567n });
    assert.deepEqual(await state(cfg), { balance: 5n * USDC, totalClaimed: 1_234_567n });
    assert.equal(await balance(contract.address), held);
    const replay = await call(authorizer, 'claim', [[row]]);
    assert.equal(events(replay, 'Claimed').length, 0);
    // Up to the voucher's ceiling, by the receiver itself this time.
    await call(stranger, 'claim', [[await claimRow(cfg, 1_500_000n, 1_500_000n)]]);
    assert.deepEqual(await read('receivers', [stranger.address, token.address]), [1_500_000n, 0n]);

    const receiverBefore = await balance(stranger.address);
    const settled = await call(relayer, 'settle', [stranger.address, token.address]);
    assert.equal(events(settled, 'Settled')[0].args.amount, 1_500_000n);
    assert.equal(await balance(stranger.address), receiverBefore + 1_500_000n);
    assert.equal(await balance(contract.address), held - 1_500_000n);
    // Settling again sends nothing.
    await call(relayer, 'settle', [stranger.address, token.address]);
    assert.equal(await balance(stranger.address), receiverBefore + 1_500_000n);
  });

  test('claimWithSignature claims many channels in one relayed transaction', async () => {
    const payee = Signer.generate();
    try {
      const cfgs = [config({ receiver: payee.address }), config({ receiver: payee.address }), config({ payer: payer2.address, payerAuthorizer: payer2.address, receiver: payee.address })];
      const amounts = [100_001n, 2_000_000n, 333_333n];
      for (const [i, cfg] of cfgs.entries()) await deposit(cfg, 3n * USDC, { by: i === 2 ? payer2 : payer });
      const rows = await Promise.all(cfgs.map(async (cfg, i) => claimRow(cfg, amounts[i], amounts[i], await signVoucher(cfg, amounts[i], i === 2 ? payer2 : payer))));
      const receipt = await call(relayer, 'claimWithSignature', [rows, await signClaimBatch(rows)]);
      assert.equal(events(receipt, 'Claimed').length, 3);
      for (const [i, cfg] of cfgs.entries()) assert.equal((await state(cfg)).totalClaimed, amounts[i]);
      await call(relayer, 'settle', [payee.address, token.address]);
      assert.equal(await balance(payee.address), 100_001n + 2_000_000n + 333_333n);
    } finally {
      payee.destroy();
    }
  });

  test('claims revert: above the voucher, above the deposit, a wrong or malleable signature, the wrong sender or authorizer, an empty batch', async () => {
    const cfg = config();
    await deposit(cfg, 2n * USDC);
    await assertReverts(authorizer, 'claim', [[await claimRow(cfg, 1_000n, 1_001n)]], 'ClaimExceedsCeiling');
    await assertReverts(authorizer, 'claim', [[await claimRow(cfg, 3n * USDC)]], 'ClaimExceedsBalance');
    await assertReverts(authorizer, 'claim', [[await claimRow(cfg, 1_000n, 1_000n, await signVoucher(cfg, 1_000n, stranger))]], 'InvalidSignature');
    // A voucher for another amount does not cover this one.
    await assertReverts(authorizer, 'claim', [[await claimRow(cfg, 2_000n, 1_000n, await signVoucher(cfg, 1_000n))]], 'InvalidSignature');
    const { r, s, yParity } = parseSignature(await signVoucher(cfg, 1_000n));
    const highS = serializeSignature({ r, s: toHex(SECP256K1_N - BigInt(s), { size: 32 }), yParity: 1 - yParity });
    await assertReverts(authorizer, 'claim', [[await claimRow(cfg, 1_000n, 1_000n, highS)]], 'InvalidSignature');
    await assertReverts(stranger, 'claim', [[await claimRow(cfg, 1_000n)]], 'NotAuthorizedToClaim');
    await assertReverts(authorizer, 'claim', [[]], 'EmptyBatch');
    const rows = [await claimRow(cfg, 1_000n)];
    await assertReverts(relayer, 'claimWithSignature', [rows, await signClaimBatch(rows, stranger)], 'InvalidSignature');
    // Signed for other rows (a higher totalClaimed than signed for).
    const tampered = [{ ...rows[0], totalClaimed: 999n }];
    await assertReverts(relayer, 'claimWithSignature', [tampered, await signClaimBatch(rows)], 'InvalidSignature');
    const foreign = config({ receiverAuthorizer: stranger.address });
    await deposit(foreign, USDC);
    const mixed = [rows[0], await claimRow(foreign, 1_000n)];
    await assertReverts(relayer, 'claimWithSignature', [mixed, await signClaimBatch(mixed)], 'NotReceiverAuthorizer');
    await assertReverts(relayer, 'claimWithSignature', [[], '0x'], 'EmptyBatch');
    assert.deepEqual(await state(cfg), { balance: 2n * USDC, totalClaimed: 0n });
  });

  test('vouchers are signed by the committed payerAuthorizer only; with none committed, by the payer', async () => {
    const delegate = Signer.generate();
    try {
      const committed = config({ payerAuthorizer: delegate.address, receiver: delegate.address });
      await deposit(committed, USDC);
      await assertReverts(authorizer, 'claim', [[await claimRow(committed, 1_000n, 1_000n, await signVoucher(committed, 1_000n, payer))]], 'InvalidSignature');
      await call(authorizer, 'claim', [[await claimRow(committed, 1_000n, 1_000n, await signVoucher(committed, 1_000n, delegate))]]);
      assert.equal((await state(committed)).totalClaimed, 1_000n);
      // The delegate may also run the payer's timed withdrawal; the money still goes to the payer.
      const payerBefore = await balance(payer.address);
      const funded = Signer.fromPrivateKey(chain.accounts[7].privateKey);
      try {
        const delegated = config({ payerAuthorizer: funded.address });
        await deposit(delegated, USDC);
        await call(funded, 'initiateWithdraw', [delegated, USDC]);
        await increaseTime(DELAY);
        await call(funded, 'finalizeWithdraw', [delegated]);
        assert.equal(await balance(payer.address), payerBefore);
        assert.equal(await balance(funded.address), 0n);
      } finally {
        funded.destroy();
      }

      const none = config({ payerAuthorizer: '0x0000000000000000000000000000000000000000', receiver: delegate.address });
      await deposit(none, USDC);
      await assertReverts(authorizer, 'claim', [[await claimRow(none, 2_000n, 2_000n, await signVoucher(none, 2_000n, delegate))]], 'InvalidSignature');
      await call(authorizer, 'claim', [[await claimRow(none, 2_000n, 2_000n, await signVoucher(none, 2_000n, payer))]]);
      assert.equal((await state(none)).totalClaimed, 2_000n);
    } finally {
      delegate.destroy();
    }
  });

  test('a contract wallet payer (ERC-1271, no payerAuthorizer) deposits and has its vouchers claimed; a voucher its owner did not sign is refused', async () => {
    const owner = Signer.generate();
    try {
      const wallet = await deployTestContract(ERC1271_WALLET, [owner.address]);
      await mintUsdCoin({ chain, token, owner: deployer, to: wallet, amount: 2n * USDC });
      const cfg = config({ payer: wallet, payerAuthorizer: '0x0000000000000000000000000000000000000000', receiver: owner.address });
      await deposit(cfg, 2n * USDC, { by: owner });
      assert.equal(await balance(wallet), 0n);
      await assertReverts(authorizer, 'claim', [[await claimRow(cfg, 5_000n, 5_000n, await signVoucher(cfg, 5_000n, stranger))]], 'InvalidSignature');
      await call(authorizer, 'claim', [[await claimRow(cfg, 5_000n, 5_000n, await signVoucher(cfg, 5_000n, owner))]]);
      await call(relayer, 'settle', [owner.address, token.address]);
      assert.equal(await balance(owner.address), 5_000n);
      await call(authorizer, 'refund', [cfg, 2n * USDC]);
      assert.equal(await balance(wallet), 2n * USDC - 5_000n);
    } finally {
      owner.destroy();
    }
  });

  test('a signed cooperative refund returns exactly the unclaimed escrow to the payer, once', async () => {
    const cfg = config();
    await deposit(cfg, 4n * USDC);
    await call(authorizer, 'claim', [[await claimRow(cfg, 1_250_000n)]]);
    const payerBefore = await balance(payer.address);
    assert.equal(await read('refundNonce', [channelIdOf(cfg)]), 0n);
    // Asking for more than is left refunds what is left.
    const sig = await signRefund(cfg, 10n * USDC, 0n);
    const receipt = await call(relayer, 'refundWithSignature', [cfg, 10n * USDC, 0n, sig]);
    assert.equal(events(receipt, 'Refunded')[0].args.amount, 2_750_000n);
    assert.equal(await balance(payer.address), payerBefore + 2_750_000n);
    assert.deepEqual(await state(cfg), { balance: 1_250_000n, totalClaimed: 1_250_000n });
    assert.equal(await read('refundNonce', [channelIdOf(cfg)]), 1n);
    await assertReverts(relayer, 'refundWithSignature', [cfg, 10n * USDC, 0n, sig], 'InvalidRefundNonce');
    // The claimed part still settles to the receiver.
    const [claimed, settled] = await read('receivers', [receiver.address, token.address]);
    assert.equal(claimed - settled, 1_250_000n);
    const receiverBefore = await balance(receiver.address);
    await call(relayer, 'settle', [receiver.address, token.address]);
    assert.equal(await balance(receiver.address), receiverBefore + 1_250_000n);
  });

  test('refunds revert: the wrong signer, another amount, the wrong sender, zero; a direct refund by the receiver side advances the nonce', async () => {
    const cfg = config();
    await deposit(cfg, 3n * USDC);
    await assertReverts(relayer, 'refundWithSignature', [cfg, USDC, 0n, await signRefund(cfg, USDC, 0n, stranger)], 'InvalidSignature');
    await assertReverts(relayer, 'refundWithSignature', [cfg, 2n * USDC, 0n, await signRefund(cfg, USDC, 0n)], 'InvalidSignature');
    await assertReverts(relayer, 'refundWithSignature', [cfg, USDC, 1n, await signRefund(cfg, USDC, 1n)], 'InvalidRefundNonce');
    await assertReverts(stranger, 'refund', [cfg, USDC], 'NotAuthorizedToRefund');
    await assertReverts(receiver, 'refund', [cfg, 0n], 'ZeroRefund');
    const presigned = await signRefund(cfg, USDC, 0n);
    const payerBefore = await balance(payer.address);
    await call(receiver, 'refund', [cfg, 1_000_001n]);
    assert.equal(await balance(payer.address), payerBefore + 1_000_001n);
    assert.equal(await read('refundNonce', [channelIdOf(cfg)]), 1n);
    await assertReverts(relayer, 'refundWithSignature', [cfg, USDC, 0n, presigned], 'InvalidRefundNonce');
    assert.deepEqual(await state(cfg), { balance: 3n * USDC - 1_000_001n, totalClaimed: 0n });
  });

  test('the timed withdrawal pays the payer only after the delay, after claims made meanwhile, and reverts out of turn', async () => {
    const cfg = config();
    await deposit(cfg, 5n * USDC);
    await call(authorizer, 'claim', [[await claimRow(cfg, USDC)]]);
    await assertReverts(stranger, 'initiateWithdraw', [cfg, USDC], 'NotAuthorizedToWithdraw');
    await assertReverts(payer, 'initiateWithdraw', [cfg, 0n], 'NothingToWithdraw');
    await assertReverts(payer, 'initiateWithdraw', [cfg, 4n * USDC + 1n], 'WithdrawAmountExceedsAvailable');
    await assertReverts(payer, 'finalizeWithdraw', [cfg], 'WithdrawalNotPending');
    const initiated = await call(payer, 'initiateWithdraw', [cfg, 4n * USDC]);
    const { timestamp } = await chain.publicClient.getBlock({ blockNumber: initiated.blockNumber });
    assert.deepEqual(await read('pendingWithdrawals', [channelIdOf(cfg)]), [4n * USDC, Number(timestamp)]);
    assert.equal(events(initiated, 'WithdrawInitiated')[0].args.finalizeAfter, Number(timestamp) + DELAY);
    await assertReverts(payer, 'initiateWithdraw', [cfg, USDC], 'WithdrawalAlreadyPending');
    await assertReverts(payer, 'finalizeWithdraw', [cfg], 'WithdrawDelayNotElapsed');
    // The receiver side claims a later voucher during the delay: that comes first.
    await call(authorizer, 'claim', [[await claimRow(cfg, 1_600_000n)]]);
    await increaseTime(DELAY);
    await assertReverts(stranger, 'finalizeWithdraw', [cfg], 'NotAuthorizedToWithdraw');
    const payerBefore = await balance(payer.address);
    const finalized = await call(payer, 'finalizeWithdraw', [cfg]);
    assert.equal(events(finalized, 'WithdrawFinalized')[0].args.amount, 3_400_000n);
    assert.equal(await balance(payer.address), payerBefore + 3_400_000n);
    assert.deepEqual(await state(cfg), { balance: 1_600_000n, totalClaimed: 1_600_000n });
    assert.deepEqual(await read('pendingWithdrawals', [channelIdOf(cfg)]), [0n, 0]);
    await assertReverts(payer, 'finalizeWithdraw', [cfg], 'WithdrawalNotPending');
    // Nothing left to claim beyond the deposit.
    await assertReverts(authorizer, 'claim', [[await claimRow(cfg, 1_600_001n)]], 'ClaimExceedsBalance');
  });

  test('a cooperative refund during a timed withdrawal shrinks it, and cancels it once it covers it', async () => {
    const cfg = config();
    await deposit(cfg, 3n * USDC);
    await call(payer, 'initiateWithdraw', [cfg, 2n * USDC]);
    await call(receiver, 'refund', [cfg, 500_000n]);
    assert.equal((await read('pendingWithdrawals', [channelIdOf(cfg)]))[0], 1_500_000n);
    const receipt = await call(relayer, 'refundWithSignature', [cfg, 2n * USDC, 1n, await signRefund(cfg, 2n * USDC, 1n)]);
    assert.equal(events(receipt, 'Refunded')[0].args.amount, 2n * USDC);
    assert.deepEqual(await read('pendingWithdrawals', [channelIdOf(cfg)]), [0n, 0]);
    assert.deepEqual(await state(cfg), { balance: 500_000n, totalClaimed: 0n });
    // The rest, and the channel closes.
    const closing = await call(receiver, 'refund', [cfg, USDC]);
    assert.equal(events(closing, 'ChannelClosed')[0].args.channelId, channelIdOf(cfg));
    assert.deepEqual(await state(cfg), { balance: 0n, totalClaimed: 0n });
  });

  test('multicall runs claim and refund in one transaction, or neither', async () => {
    const cfg = config();
    await deposit(cfg, 2n * USDC);
    const rows = [await claimRow(cfg, 700_000n)];
    const claimData = encodeFunctionData({ abi: contract.abi, functionName: 'claimWithSignature', args: [rows, await signClaimBatch(rows)] });
    const badRefund = encodeFunctionData({ abi: contract.abi, functionName: 'refundWithSignature', args: [cfg, USDC, 5n, await signRefund(cfg, USDC, 5n)] });
    await assertReverts(relayer, 'multicall', [[claimData, badRefund]], 'InvalidRefundNonce');
    assert.deepEqual(await state(cfg), { balance: 2n * USDC, totalClaimed: 0n });
    const refundData = encodeFunctionData({ abi: contract.abi, functionName: 'refundWithSignature', args: [cfg, 2n * USDC, 0n, await signRefund(cfg, 2n * USDC, 0n)] });
    const payerBefore = await balance(payer.address);
    await call(relayer, 'multicall', [[claimData, refundData]]);
    assert.equal(await balance(payer.address), payerBefore + 1_300_000n);
    assert.deepEqual(await state(cfg), { balance: 700_000n, totalClaimed: 700_000n });
  });
});

// @x402/evm does not export the ABI it calls the contract with; it lives in
// one of its build chunks, found by the name it is declared under.
async function officialBatchSettlementAbi() {
  const dist = join(dirname(createRequire(import.meta.url).resolve('@x402/evm')), '..', 'esm');
  for (const file of readdirSync(dist).filter((f) => f.endsWith('.mjs'))) {
    if (readFileSync(join(dist, file), 'utf8').includes('var batchSettlementABI =')) {
      const { batchSettlementABI } = await import(pathToFileURL(join(dist, file)).href);
      if (batchSettlementABI) return batchSettlementABI;
    }
  }
  throw new Error(`no batchSettlementABI in ${dist}`);
}

function pick(object, keys) {
  return Object.fromEntries(keys.map((k) => [k, object[k]]));
}
