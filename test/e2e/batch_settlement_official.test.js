// Payment channels end to end with every party an official library, on our
// contract: the @x402/fetch buyer with @x402/evm's batch-settlement client
// scheme pays an @x402/express seller's batch-settlement route (the official
// server scheme, file channel storage) through the devnet facilitator (the
// @x402/core facilitator with @x402/evm's batch-settlement facilitator
// scheme), 100 calls on one deposit of 150 calls' worth; then the seller claims and settles and
// the buyer asks for the cooperative refund. Money is asserted on chain.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from '@x402/core/http';

import { Signer } from '../../lib/index.js';
import { startWorld } from '../../lib/devnet/world.js';
import { mintUsdCoin, transact, usdcBalance } from '../../lib/devnet/token.js';
import { DEPOSITED_EVENT, officialChannelBuyer } from './support/official_channel_buyer.js';
import { startOfficialChannelSeller } from './support/official_channel_seller.js';

const PRICE = 1_000n; // 0.001 USDC per call
const CALLS = 100;
// What the route announces as its minimum deposit, and so what the official
// client deposits: room for 150 calls, of which 100 are made.
const DEPOSIT = PRICE * 150n;
const WITHDRAW_DELAY = 900;
const startChannelSeller = (options) => startOfficialChannelSeller({ ...options, price: PRICE, minDeposit: DEPOSIT, withdrawDelay: WITHDRAW_DELAY });

describe('official batch-settlement client, server and facilitator on our channel contract', { timeout: 180_000 }, () => {
  let world;
  let seller;
  let directory;
  let payer;
  let authorizer;
  let receiver;
  let clientScheme;
  let payingFetch;
  let startBlock;

  const balance = (address) => usdcBalance({ chain: world.chain, token: world.token, address });

  before(async () => {
    world = await startWorld();
    directory = await mkdtemp(join(tmpdir(), 'clawpay-channels-'));
    payer = Signer.fromPrivateKey(world.payer.privateKey);
    authorizer = Signer.fromPrivateKey(world.chain.accounts[5].privateKey);
    receiver = Signer.generate(); // a fresh payee: its balance is this test's alone
    seller = await startChannelSeller({ world, payTo: receiver.address, authorizer, directory });
    ({ scheme: clientScheme, pay: payingFetch } = officialChannelBuyer(world, payer, { maxAmountPerPayment: DEPOSIT }));
    startBlock = await world.chain.publicClient.getBlockNumber();
  });

  after(async () => {
    await seller?.stop();
    await world?.stop();
    for (const s of [payer, authorizer, receiver]) s?.destroy();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  test('the facilitator offers batch-settlement beside exact, with no receiverAuthorizer of its own', async () => {
    const supported = await (await fetch(`${world.facilitator.url}/supported`)).json();
    const v2 = supported.kinds.filter((k) => k.x402Version === 2 && k.network === world.chain.network);
    assert.deepEqual(v2.map((k) => k.scheme).sort(), ['batch-settlement', 'exact']);
    assert.equal(v2.find((k) => k.scheme === 'batch-settlement').extra?.receiverAuthorizer, undefined);
    // The channel manager's claim and settle may carry maxTimeoutSeconds 0
    // (the test below sends them); a buyer's payload with it is still refused.
    const requirements = {
      scheme: 'batch-settlement', network: world.chain.network, asset: world.token.address, amount: '1',
      payTo: world.payTo, maxTimeoutSeconds: 0, extra: {},
    };
    const voucher = { x402Version: 2, accepted: requirements, payload: { type: 'voucher', channelConfig: {}, voucher: { channelId: '0x', maxClaimableAmount: '1', signature: '0x' } } };
    const refused = await fetch(`${world.facilitator.url}/verify`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ x402Version: 2, paymentPayload: voucher, paymentRequirements: requirements }),
    });
    assert.equal(refused.status, 400);
    assert.match((await refused.json()).error, /invalid paymentPayload/);
  });

  test('100 paid calls on one deposit; the claim pays the seller 100 × price, the refund returns the rest, to the base unit', async () => {
    const payerStart = await balance(world.payer.address);
    const payerNonce = await world.chain.publicClient.getTransactionCount({ address: world.payer.address });

    const transactions = [];
    for (let i = 1; i <= CALLS; i++) {
      const response = await payingFetch(seller.url);
      assert.equal(response.status, 200, `call ${i}: ${response.status} ${await response.clone().text()}`);
      assert.deepEqual(await response.json(), { served: i });
      const settle = decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE'));
      assert.equal(settle.success, true);
      assert.equal(settle.extra.chargedAmount, String(PRICE));
      assert.equal(settle.extra.channelState.chargedCumulativeAmount, String(PRICE * BigInt(i)));
      if (settle.transaction) transactions.push(settle.transaction);
    }
    assert.equal(seller.served(), CALLS);
    // Only the first call went on chain: the deposit.
    assert.equal(transactions.length, 1);
    const deposits = await world.chain.publicClient.getLogs({
      address: world.batchSettlement.address, event: DEPOSITED_EVENT, fromBlock: startBlock,
    });
    assert.equal(deposits.length, 1);
    assert.equal(deposits[0].transactionHash, transactions[0]);
    assert.equal(deposits[0].args.amount, DEPOSIT);
    const channelId = deposits[0].args.channelId;
    assert.equal(await balance(world.payer.address), payerStart - DEPOSIT);
    assert.equal(await balance(receiver.address), 0n);

    // The seller claims the channel's last voucher and settles: 100 × price to the receiver.
    const claims = await seller.manager.claim();
    assert.equal(claims.length, 1);
    assert.equal(claims[0].vouchers, 1);
    await seller.manager.settle();
    assert.equal(await balance(receiver.address), PRICE * BigInt(CALLS));
    const read = (functionName, args) => world.chain.publicClient.readContract({
      address: world.batchSettlement.address, abi: world.batchSettlement.abi, functionName, args,
    });

    assert.deepEqual(await read('channels', [channelId]), [DEPOSIT, PRICE * BigInt(CALLS)]);

    // The buyer asks for the rest back: exactly the deposit less 100 calls.
    const refund = await clientScheme.refund(seller.url);
    assert.equal(refund.success, true, JSON.stringify(refund));
    assert.equal(BigInt(refund.amount), DEPOSIT - PRICE * BigInt(CALLS));
    assert.equal(await balance(world.payer.address), payerStart - PRICE * BigInt(CALLS));
    assert.equal(await balance(receiver.address), PRICE * BigInt(CALLS));
    assert.equal(await balance(world.batchSettlement.address), 0n);
    assert.deepEqual(await read('channels', [channelId]), [PRICE * BigInt(CALLS), PRICE * BigInt(CALLS)]);
    assert.equal(await read('refundNonce', [channelId]), 1n);
    // Gasless for the payer: every transaction was the facilitator's.
    assert.equal(await world.chain.publicClient.getTransactionCount({ address: world.payer.address }), payerNonce);
  });

  // Last: it moves the chain's clock past the withdraw delay.
  test('without the seller: the payer\'s timed withdrawal returns what the seller has not claimed, after the claims it made in time', async () => {
    const buyer = Signer.fromPrivateKey(world.chain.accounts[6].privateKey);
    const minter = Signer.fromPrivateKey(world.chain.accounts[0].privateKey);
    try {
      await mintUsdCoin({ chain: world.chain, token: world.token, owner: minter, to: buyer.address, amount: DEPOSIT });
      const { scheme, pay } = officialChannelBuyer(world, buyer, { maxAmountPerPayment: DEPOSIT });
      for (let i = 0; i < 10; i++) assert.equal((await pay(seller.url)).status, 200);
      assert.equal(await balance(buyer.address), 0n);

      const probe = await fetch(seller.url);
      const [requirements] = decodePaymentRequiredHeader(probe.headers.get('PAYMENT-REQUIRED')).accepts;
      const channel = scheme.buildChannelConfig(requirements);
      const contract = { address: world.batchSettlement.address, abi: world.batchSettlement.abi };
      await transact(world.chain, buyer, { ...contract, functionName: 'initiateWithdraw', args: [channel, DEPOSIT] });
      // The seller's claim job runs within the delay: its 10 calls come first.
      const receiverBefore = await balance(receiver.address);
      assert.equal((await seller.manager.claim()).length, 1);
      await world.chain.publicClient.request({ method: 'evm_increaseTime', params: [WITHDRAW_DELAY] });
      await world.chain.publicClient.request({ method: 'evm_mine', params: [] });
      await transact(world.chain, buyer, { ...contract, functionName: 'finalizeWithdraw', args: [channel] });
      assert.equal(await balance(buyer.address), DEPOSIT - 10n * PRICE);
      await seller.manager.settle();
      assert.equal(await balance(receiver.address), receiverBefore + 10n * PRICE);
      assert.equal(await balance(world.batchSettlement.address), 0n);
    } finally {
      buyer.destroy();
      minter.destroy();
    }
  });
});
