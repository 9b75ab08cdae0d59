// clawpay-native/pay's channel sessions against the official batch-settlement
// server (@x402/express, @x402/evm's server scheme, the devnet facilitator on
// our channel contract): one deposit, 100 vouchers signed natively, the
// seller's claim and our cooperative refund, money asserted on chain to the
// base unit; the deposit counted against the daily budget and given back
// when the refund is mined.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { decodePaymentResponseHeader } from '@x402/core/http';

import { usdcBalance } from '../../lib/devnet/token.js';
import { describeWorld, startWorld } from '../../lib/devnet/world.js';
import { createPayer } from '../../lib/pay/public.js';
import { assetOf, channelParties } from './support/channel_parties.js';
import { DEPOSITED_EVENT } from './support/official_channel_buyer.js';
import { startOfficialChannelSeller } from './support/official_channel_seller.js';

const PRICE = 1_000n; // 0.001 USDC per request
const CALLS = 100;
const MIN_DEPOSIT = PRICE * 50n;

describe('clawpay-native/pay channel sessions with the official batch-settlement server', { timeout: 240_000 }, () => {
  let world;
  let env;
  let seller;
  let parties;
  let receiver;
  let authorizer;
  const payers = [];

  const balance = (address) => usdcBalance({ chain: world.chain, token: world.token, address });
  const read = (functionName, args) => world.chain.publicClient.readContract({
    address: world.batchSettlement.address, abi: world.batchSettlement.abi, functionName, args,
  });

  const freshPayer = (policy) => parties.freshPayer({ policy });

  async function payerOn(overrides = {}) {
    const dir = await parties.tempDir('clawpay-channel-buyer-');
    const payer = await createPayer.fromEnv({ ...env, CLAWPAY_STATE_DIR: dir, ...overrides });
    payers.push(payer);
    return payer;
  }

  before(async () => {
    world = await startWorld();
    env = { ...describeWorld(world).mcpEnv, CLAWPAY_MAX_PER_SESSION: '1.00', CLAWPAY_MAX_PER_DAY: '2.00' };
    parties = channelParties(world);
    ({ authorizer, receiver } = parties);
    const directory = await parties.tempDir('clawpay-channel-seller-');
    seller = await startOfficialChannelSeller({ world, payTo: receiver.address, authorizer, directory, price: PRICE, minDeposit: MIN_DEPOSIT });
  });

  after(async () => {
    for (const payer of payers) await payer.close();
    await seller?.stop();
    await parties?.close();
    await world?.stop();
  });

  test('100 requests on one deposit; after the claim and our refund the receiver holds 100 × price and the payer the rest, exactly', async () => {
    const payer = await payerOn();
    const payerStart = await balance(world.payer.address);
    const startBlock = await world.chain.publicClient.getBlockNumber();
    const deposit = PRICE * 150n;

    const session = await payer.startSession(seller.url, { deposit });
    assert.equal(session.kind, 'channel');
    assert.equal(session.response.status, 200);
    assert.deepEqual(await session.response.json(), { served: seller.served() });
    assert.equal(session.payment.amount, deposit);
    assert.equal(session.payment.status, 'settled');
    const started = session.status();
    assert.equal(started.channel.deposit, deposit);
    assert.equal(started.channel.charged, PRICE);
    assert.match(started.channel.id, /^0x[0-9a-f]{8}…$/);
    // The whole deposit counts against today's budget.
    assert.equal((await payer.spend()).today.total, deposit);

    for (let i = 2; i <= CALLS; i++) {
      const response = await session.fetch(seller.url);
      assert.equal(response.status, 200, `call ${i}: ${await response.clone().text()}`);
      assert.equal(response.counted, true);
      const settle = decodePaymentResponseHeader(response.headers.get('payment-response'));
      assert.equal(settle.extra.channelState.chargedCumulativeAmount, String(PRICE * BigInt(i)));
    }
    const status = session.status();
    assert.equal(status.channel.charged, PRICE * BigInt(CALLS));
    assert.equal(status.channel.remaining, deposit - PRICE * BigInt(CALLS));
    assert.equal(status.callCount, CALLS - 1);

    // One deposit on chain, nothing else moved yet.
    const deposits = await world.chain.publicClient.getLogs({ address: world.batchSettlement.address, event: DEPOSITED_EVENT, fromBlock: startBlock });
    assert.equal(deposits.length, 1);
    assert.equal(deposits[0].args.amount, deposit);
    const channelId = deposits[0].args.channelId;
    assert.equal(channelId, status.channel.fullId);
    assert.equal(await balance(world.payer.address), payerStart - deposit);

    // The seller claims and settles; we ask for the rest back.
    assert.equal((await seller.manager.claim()).length, 1);
    await seller.manager.settle();
    assert.equal(await balance(receiver.address), PRICE * BigInt(CALLS));
    const ended = await session.end();
    assert.equal(ended.refund.error, null);
    assert.equal(ended.refund.refunded, deposit - PRICE * BigInt(CALLS));
    assert.equal(await balance(world.payer.address), payerStart - PRICE * BigInt(CALLS));
    assert.equal(await balance(receiver.address), PRICE * BigInt(CALLS));
    assert.equal(await balance(world.batchSettlement.address), 0n);
    assert.deepEqual(await read('channels', [channelId]), [PRICE * BigInt(CALLS), PRICE * BigInt(CALLS)]);
    // The budget holds what was spent, to the base unit, and so does the report: the deposit net of its refund.
    const spent = await payer.spend();
    assert.equal(spent.today.total, PRICE * BigInt(CALLS));
    assert.equal(spent.total, PRICE * BigInt(CALLS));
    assert.equal(spent.byPayee[receiver.address].total, PRICE * BigInt(CALLS));
    assert.equal(ended.session.channel.state, 'closed');
    await assert.rejects(session.fetch(seller.url), { code: 'ERR_SESSION_ENDED' });
  });

  test('a deposit above what is left of the daily budget is refused before anything is signed; after a refund the budget is back', async () => {
    const { payer, buyer } = await freshPayer({ maxPerSession: 500_000n, maxPerDay: 300_000n });
    const before = await balance(buyer.address);
    await assert.rejects(payer.startSession(seller.url, { deposit: 300_001n }), (error) => {
      assert.equal(error.code, 'ERR_POLICY_REFUSED');
      assert.equal(error.rule, 'per_day');
      return true;
    });
    assert.equal((await payer.spend()).today.total, 0n);
    assert.equal(payer.payments().length, 0, 'nothing was signed or recorded');
    assert.equal(await balance(buyer.address), before);

    const session = await payer.startSession(seller.url, { deposit: 200_000n });
    assert.equal((await payer.spend()).today.total, 200_000n);
    for (let i = 0; i < 4; i++) assert.equal((await session.fetch(seller.url)).status, 200);
    const ended = await session.end();
    assert.equal(ended.refund.refunded, 200_000n - 5n * PRICE);
    assert.equal(await balance(buyer.address), before - 5n * PRICE);
    // Exactly what the channel kept is spent; the rest is back in the budget.
    assert.equal((await payer.spend()).today.total, 5n * PRICE);
    assert.equal((await payer.spend()).today.remaining, 300_000n - 5n * PRICE);
  });

  test('an expired session\'s open channel serves the next session: no second deposit, the vouchers continue, one refund', async () => {
    let clock = Date.now();
    const { payer, buyer } = await parties.freshPayer({ now: () => clock });
    const start = await balance(buyer.address);
    const fromBlock = await world.chain.publicClient.getBlockNumber();
    const first = await payer.startSession(seller.url, { deposit: 60_000n, ttlSeconds: 60 });
    for (let i = 0; i < 2; i++) assert.equal((await first.fetch(seller.url)).status, 200);
    clock += 120_000;
    await assert.rejects(first.fetch(seller.url), { code: 'ERR_SESSION_EXPIRED' });

    const second = await payer.startSession(seller.url);
    assert.equal(second.kind, 'channel');
    assert.notEqual(second.id, first.id);
    assert.equal(second.response.status, 200);
    assert.equal(second.status().channel.fullId, first.status().channel.fullId);
    assert.equal(second.status().channel.charged, 4n * PRICE);
    assert.equal((await second.fetch(seller.url)).status, 200);
    const deposits = await world.chain.publicClient.getLogs({ address: world.batchSettlement.address, event: DEPOSITED_EVENT, fromBlock });
    assert.equal(deposits.length, 1);
    const ended = await second.end();
    assert.equal(ended.refund.refunded, 60_000n - 5n * PRICE);
    assert.equal(await balance(buyer.address), start - 5n * PRICE);
    const spent = await payer.spend();
    assert.equal(spent.today.total, 5n * PRICE);
    // One deposit across two sessions, reported once, net of its one refund.
    assert.equal(spent.total, 5n * PRICE);
    assert.equal(spent.count, 1);
  });

  test('a session with topUp: the exhausted deposit is topped up on the same channel, counted when made; after the claim and refund the money is exact', async () => {
    const { payer, buyer } = await freshPayer();
    await seller.manager.settle().catch(() => {}); // what earlier tests' refunds claimed, out of this test's sums
    const start = await balance(buyer.address);
    const receiverStart = await balance(receiver.address);
    const fromBlock = await world.chain.publicClient.getBlockNumber();
    const session = await payer.startSession(seller.url, { deposit: MIN_DEPOSIT, topUp: MIN_DEPOSIT });
    const calls = 60;
    const paidWith = [];
    for (let i = 2; i <= calls; i++) {
      const response = await session.fetch(seller.url);
      assert.equal(response.status, 200, `call ${i}: ${await response.clone().text()}`);
      assert.equal(response.counted, true);
      if (response.payment) paidWith.push([i, response.payment]);
      if (i === 50) assert.equal((await payer.spend()).today.total, MIN_DEPOSIT, 'one deposit so far');
    }
    // The top-up shows in the fetch that made it (call 51: the first deposit paid 50), as the ledger has it.
    assert.deepEqual(paidWith.map(([i, payment]) => [i, payment.kind, payment.status, payment.amount]), [[Number(MIN_DEPOSIT / PRICE) + 1, 'session', 'settled', MIN_DEPOSIT]]);
    const [[, topUpPayment]] = paidWith;
    assert.match(topUpPayment.formatted, /USD Coin/);
    assert.deepEqual(payer.payments().find((p) => p.paymentId === topUpPayment.paymentId).transaction, topUpPayment.transaction);
    const used = PRICE * BigInt(calls);
    const status = session.status();
    assert.equal(status.channel.deposit, 2n * MIN_DEPOSIT);
    assert.equal(status.channel.charged, used);
    assert.equal((await payer.spend()).today.total, 2n * MIN_DEPOSIT, 'the top-up counted when made');
    const deposits = await world.chain.publicClient.getLogs({ address: world.batchSettlement.address, event: DEPOSITED_EVENT, fromBlock });
    assert.deepEqual(deposits.map((d) => [d.args.channelId, d.args.amount, d.args.newBalance]),
      [[status.channel.fullId, MIN_DEPOSIT, MIN_DEPOSIT], [status.channel.fullId, MIN_DEPOSIT, 2n * MIN_DEPOSIT]]);
    assert.equal(deposits[1].transactionHash, topUpPayment.transaction, 'the payment names the top-up\'s transaction');

    const ended = await session.end();
    assert.equal(ended.refund.error, null);
    assert.equal(ended.refund.refunded, 2n * MIN_DEPOSIT - used);
    await seller.manager.settle();
    assert.equal(await balance(buyer.address), start - used);
    assert.equal(await balance(receiver.address), receiverStart + used);
    assert.deepEqual(await read('channels', [status.channel.fullId]), [used, used]);
    const spent = await payer.spend();
    assert.equal(spent.today.total, used);
    assert.equal(spent.total, used, 'both deposits reported net of the one refund');
  });

  test('a top-up above the per-session limit (all the session\'s deposits counted) is refused before anything is signed; without topUp the deposit just runs out', async () => {
    const { payer } = await freshPayer({ maxPerSession: 80_000n });
    const session = await payer.startSession(seller.url, { deposit: MIN_DEPOSIT, topUp: MIN_DEPOSIT });
    for (let i = 2; i <= 50; i++) assert.equal((await session.fetch(seller.url)).status, 200);
    await assert.rejects(session.fetch(seller.url), (error) => {
      assert.equal(error.code, 'ERR_POLICY_REFUSED');
      assert.equal(error.rule, 'per_session');
      assert.match(error.message, /a top-up of 50000 base units would bring this session's deposits to 100000, above the per-session limit \(CLAWPAY_MAX_PER_SESSION\) of 80000; nothing was signed/);
      return true;
    });
    assert.equal(session.status().channel.signed, MIN_DEPOSIT, 'no voucher beyond the deposit');
    assert.equal((await payer.spend()).today.total, MIN_DEPOSIT);
    assert.equal((await session.end()).refund.refunded, 0n);

    const { payer: plain } = await freshPayer();
    const other = await plain.startSession(seller.url, { deposit: MIN_DEPOSIT });
    for (let i = 2; i <= 50; i++) assert.equal((await other.fetch(seller.url)).status, 200);
    await assert.rejects(other.fetch(seller.url), { code: 'ERR_CHANNEL_EXHAUSTED' });
    assert.equal((await plain.spend()).today.total, MIN_DEPOSIT);
  });

  test('a new state directory with the same key (the records lost): the seller\'s total, proven by our own signature, is taken up, not refused as a lie; the money is exact', async () => {
    const { payer: first, buyer } = await freshPayer();
    await seller.manager.settle().catch(() => {}); // what earlier tests' refunds claimed, out of this test's sums
    const start = await balance(buyer.address);
    const receiverStart = await balance(receiver.address);
    const before = await first.startSession(seller.url, { deposit: MIN_DEPOSIT });
    for (let i = 2; i <= 5; i++) assert.equal((await before.fetch(seller.url)).status, 200);
    const channelId = before.status().channel.fullId;

    // The same wallet on a new state directory: it knows nothing of the channel or its 5 vouchers.
    const stateDir = await parties.tempDir('clawpay-channel-lost-');
    const again = await createPayer({
      signer: buyer, chainId: world.chain.chainId, rpcUrl: world.chain.rpcUrl, stateDir, walletAddress: buyer.address, asset: assetOf(world),
    });
    parties.defer(() => again.close());
    const session = await again.startSession(seller.url, { deposit: MIN_DEPOSIT });
    assert.equal(session.response.status, 200, await session.response.clone().text());
    const { channel } = session.status();
    assert.equal(channel.fullId, channelId);
    assert.equal(channel.charged, 6n * PRICE, 'the first request paid on top of the seller\'s total');
    assert.equal(channel.deposit, 2n * MIN_DEPOSIT, 'the chain\'s balance and the new deposit');
    for (let i = 7; i <= 10; i++) assert.equal((await session.fetch(seller.url)).status, 200);

    const used = 10n * PRICE;
    const ended = await session.end();
    assert.equal(ended.refund.error, null);
    assert.equal(ended.refund.refunded, 2n * MIN_DEPOSIT - used);
    await seller.manager.settle();
    assert.equal(await balance(buyer.address), start - used);
    assert.equal(await balance(receiver.address), receiverStart + used);
    assert.deepEqual(await read('channels', [channelId]), [used, used]);
  });
});
