// Our paywall selling a batch-settlement route (payment channels), paid by
// the official @x402/fetch client with @x402/evm's batch-settlement client
// scheme, through the devnet facilitator, on the devnet's channel contract:
// 100 calls on one deposit, the batched claim, the cooperative refund, all
// asserted on chain to the base unit; then a hostile client's vouchers.
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { decodePaymentRequiredHeader, decodePaymentResponseHeader, encodePaymentSignatureHeader } from '@x402/core/http';
import { voucherTypes, BATCH_SETTLEMENT_ADDRESS, BATCH_SETTLEMENT_DOMAIN } from '@x402/evm';
import { parseAbiItem } from 'viem';

import { Signer, toViemAccount } from '../../lib/index.js';
import { startWorld } from '../../lib/devnet/world.js';
import { mintUsdCoin, usdcBalance } from '../../lib/devnet/token.js';
import { spawnChannelSeller, startChannelSeller } from './support/channel_seller.js';
import { DEPOSITED_EVENT, officialChannelBuyer } from './support/official_channel_buyer.js';

const PRICE = 1_000n; // 0.001 USDC per call
const CALLS = 100;
const DEPOSIT = PRICE * 150n; // the route's minimum deposit: room for 150 calls
const claimedEvent = parseAbiItem('event Claimed(bytes32 indexed channelId, address indexed sender, uint128 claimAmount, uint128 newTotalClaimed)');

const officialBuyer = (world, signer) => officialChannelBuyer(world, signer, { maxAmountPerPayment: DEPOSIT });

describe('our paywall sells batch-settlement to the official client', { timeout: 240_000 }, () => {
  let world;
  let seller;
  let directory;
  let payer;
  let authorizer;
  let receiver;
  let buyer;
  let startBlock;
  let firstChannelId;
  // Calls of the official verifyPayment: a plain voucher takes the short path without it.
  let verifyCalls = 0;

  const balance = (address) => usdcBalance({ chain: world.chain, token: world.token, address });
  const read = (functionName, args) => world.chain.publicClient.readContract({
    address: world.batchSettlement.address, abi: world.batchSettlement.abi, functionName, args,
  });

  before(async () => {
    world = await startWorld();
    directory = await mkdtemp(join(tmpdir(), 'clawpay-paywall-channels-'));
    payer = Signer.fromPrivateKey(world.payer.privateKey);
    authorizer = Signer.fromPrivateKey(world.chain.accounts[5].privateKey);
    receiver = Signer.generate(); // a fresh payee: its balance is this test's alone
    seller = await startChannelSeller({
      facilitatorUrl: world.facilitator.url, token: world.token, network: world.chain.network, payTo: receiver.address,
      directory, authorizer, price: PRICE, minDeposit: DEPOSIT,
    });
    buyer = officialBuyer(world, payer);
    const resourceServer = seller.paywall.engine.resourceServer;
    const verify = resourceServer.verifyPayment.bind(resourceServer);
    resourceServer.verifyPayment = (...args) => {
      verifyCalls += 1;
      return verify(...args);
    };
    startBlock = await world.chain.publicClient.getBlockNumber();
  });

  after(async () => {
    await seller?.stop();
    await world?.stop();
    for (const s of [payer, authorizer, receiver]) s?.destroy();
    if (directory) await rm(directory, { recursive: true, force: true });
  });

  test('the 402 offers batch-settlement with the price per call, the minimum deposit and the withdraw delay', async () => {
    const response = await fetch(seller.url);
    assert.equal(response.status, 402);
    const [offer, ...rest] = decodePaymentRequiredHeader(response.headers.get('PAYMENT-REQUIRED')).accepts;
    assert.equal(rest.length, 0);
    assert.equal(offer.scheme, 'batch-settlement');
    assert.equal(offer.amount, String(PRICE));
    assert.equal(offer.payTo, receiver.address);
    assert.equal(offer.extra.minDeposit, String(DEPOSIT));
    assert.equal(offer.extra.withdrawDelay, 900);
    assert.equal(offer.extra.receiverAuthorizer, authorizer.address);
    assert.equal(seller.served(), 0);
  });

  test('100 paid calls on one deposit; the batched claim pays the payee 100 × price, the refund returns the rest, to the base unit', async () => {
    const payerStart = await balance(world.payer.address);
    const transactions = [];
    for (let i = 1; i <= CALLS; i++) {
      const response = await buyer.pay(seller.url);
      assert.equal(response.status, 200, `call ${i}: ${response.status} ${await response.clone().text()}`);
      assert.deepEqual(await response.json(), { served: i });
      const settle = decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE'));
      assert.equal(settle.success, true);
      assert.equal(settle.extra.channelState.chargedCumulativeAmount, String(PRICE * BigInt(i)));
      if (settle.transaction) transactions.push(settle.transaction);
    }
    assert.equal(seller.served(), CALLS);
    // The deposit went through the official pipeline; the 99 vouchers after it took the plain-voucher path.
    assert.equal(verifyCalls, 1);
    const deposits = await world.chain.publicClient.getLogs({ address: world.batchSettlement.address, event: DEPOSITED_EVENT, fromBlock: startBlock });
    assert.equal(deposits.length, 1);
    assert.deepEqual(transactions, [deposits[0].transactionHash]);
    assert.equal(deposits[0].args.amount, DEPOSIT);
    const channelId = deposits[0].args.channelId;
    firstChannelId = channelId;
    assert.equal(await balance(world.payer.address), payerStart - DEPOSIT);
    assert.equal(await balance(receiver.address), 0n);

    const stored = await seller.paywall.channels.storage.get(channelId);
    assert.equal(stored.chargedCumulativeAmount, String(PRICE * BigInt(CALLS)));

    const { claims, settlements } = await seller.paywall.channels.claim();
    assert.equal(claims.length, 1);
    assert.equal(claims[0].vouchers, 1);
    assert.equal(settlements.length, 1);
    assert.equal(await balance(receiver.address), PRICE * BigInt(CALLS));
    assert.deepEqual(await read('channels', [channelId]), [DEPOSIT, PRICE * BigInt(CALLS)]);
    // A second run finds nothing new to claim.
    assert.deepEqual((await seller.paywall.channels.claim()).claims, []);

    const refund = await buyer.scheme.refund(seller.url);
    assert.equal(refund.success, true, JSON.stringify(refund));
    assert.equal(BigInt(refund.amount), DEPOSIT - PRICE * BigInt(CALLS));
    assert.equal(await balance(world.payer.address), payerStart - PRICE * BigInt(CALLS));
    assert.equal(await balance(receiver.address), PRICE * BigInt(CALLS));
    assert.equal(await balance(world.batchSettlement.address), 0n);
    const claimed = await world.chain.publicClient.getLogs({ address: world.batchSettlement.address, event: claimedEvent, fromBlock: startBlock });
    assert.equal(claimed.reduce((sum, log) => sum + log.args.claimAmount, 0n), PRICE * BigInt(CALLS));
    assert.equal(seller.served(), CALLS);
  });

  // A hostile buyer with a real channel: each forged voucher gets a 402
  // naming its fault, the handler never runs for it, and the channel's
  // honest calls are still claimed to the base unit.
  test('hostile vouchers: above the deposit, below the running total, for another channel, by another key, replayed 20 at once; a deposit below the minimum', async () => {
    const minter = Signer.fromPrivateKey(world.chain.accounts[0].privateKey);
    const mallory = Signer.fromPrivateKey(world.chain.accounts[7].privateKey);
    const stranger = Signer.generate();
    try {
      await mintUsdCoin({ chain: world.chain, token: world.token, owner: minter, to: mallory.address, amount: DEPOSIT });
      const honest = officialBuyer(world, mallory);
      let channelId;
      for (let i = 0; i < 3; i++) {
        const response = await honest.pay(seller.url);
        assert.equal(response.status, 200);
        channelId = decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE')).extra.channelState.channelId;
      }
      const servedBefore = seller.served();
      const probe = await fetch(seller.url);
      const [requirements] = decodePaymentRequiredHeader(probe.headers.get('PAYMENT-REQUIRED')).accepts;
      const channelConfig = honest.scheme.buildChannelConfig(requirements);
      const charged = 3n * PRICE;

      const sign = (signer, id, amount) => toViemAccount(signer).signTypedData({
        domain: { ...BATCH_SETTLEMENT_DOMAIN, chainId: world.chain.chainId, verifyingContract: BATCH_SETTLEMENT_ADDRESS },
        types: voucherTypes, primaryType: 'Voucher', message: { channelId: id, maxClaimableAmount: amount },
      });
      const voucher = async ({ signer = mallory, id = channelId, amount }) => encodePaymentSignatureHeader({
        x402Version: 2, accepted: requirements, resource: { url: seller.url },
        payload: { type: 'voucher', channelConfig, voucher: { channelId: id, maxClaimableAmount: String(amount), signature: await sign(signer, id, amount) } },
      });
      const send = async (header) => {
        const response = await fetch(seller.url, { headers: { 'PAYMENT-SIGNATURE': header } });
        const body = await response.json();
        const required = response.headers.get('PAYMENT-REQUIRED');
        return { status: response.status, body, required: required ? decodePaymentRequiredHeader(required) : null };
      };
      const refusedWith = async (header, reason, message) => {
        const answer = await send(header);
        assert.equal(answer.status, 402, JSON.stringify(answer.body));
        assert.equal(answer.required.error, reason);
        assert.match(answer.body.message, message);
        return answer;
      };

      await refusedWith(await voucher({ amount: DEPOSIT + PRICE }), 'invalid_batch_settlement_evm_cumulative_exceeds_balance', /exceeds the channel's deposit/);
      const below = await refusedWith(await voucher({ amount: charged }), 'invalid_batch_settlement_evm_cumulative_amount_mismatch', /running total/);
      // The corrective 402 states the channel as the official server does.
      assert.equal(below.required.accepts[0].extra.channelState.chargedCumulativeAmount, String(charged));
      await refusedWith(await voucher({ amount: charged - PRICE }), 'invalid_batch_settlement_evm_cumulative_amount_mismatch', /running total/);
      await refusedWith(await voucher({ id: firstChannelId, amount: charged + PRICE }), 'invalid_batch_settlement_evm_channel_id_mismatch', /another channel/);
      await refusedWith(await voucher({ signer: stranger, amount: charged + PRICE }), 'invalid_batch_settlement_evm_voucher_signature', /not signed by/);
      // Malformed vouchers: a signature that is not one, an amount that is not a decimal.
      const good = JSON.parse(Buffer.from(await voucher({ amount: charged + PRICE }), 'base64').toString('utf8'));
      const mangled = (change) => {
        const copy = structuredClone(good);
        change(copy.payload.voucher);
        return encodePaymentSignatureHeader(copy);
      };
      await refusedWith(mangled((v) => { v.signature = '0x1234'; }), 'invalid_batch_settlement_evm_payload_type', /malformed/);
      await refusedWith(mangled((v) => { v.maxClaimableAmount = `${charged + PRICE}.0`; }), 'invalid_batch_settlement_evm_payload_type', /malformed/);
      await refusedWith(mangled((v) => { v.maxClaimableAmount = -1; }), 'invalid_batch_settlement_evm_payload_type', /malformed/);
      // A first deposit below the announced minimum opens nothing.
      const cheap = officialBuyer(world, stranger).scheme;
      const low = await cheap.createPaymentPayload(2, { ...requirements, extra: { ...requirements.extra, minDeposit: String(PRICE) } });
      const depositsBefore = (await world.chain.publicClient.getLogs({ address: world.batchSettlement.address, event: DEPOSITED_EVENT, fromBlock: 0n })).length;
      await refusedWith(encodePaymentSignatureHeader({ ...low, accepted: requirements, resource: { url: seller.url } }),
        'invalid_batch_settlement_evm_deposit_below_min_deposit', /below the server minimum/);
      assert.equal((await world.chain.publicClient.getLogs({ address: world.batchSettlement.address, event: DEPOSITED_EVENT, fromBlock: 0n })).length, depositsBefore);
      assert.equal(seller.served(), servedBefore);

      // One valid voucher, sent 20 times at once: it pays for one response (on the plain-voucher path).
      const header = await voucher({ amount: charged + PRICE });
      const verifiedBefore = verifyCalls;
      const answers = await Promise.all(Array.from({ length: 20 }, () => send(header)));
      assert.equal(verifyCalls, verifiedBefore);
      const ok = answers.filter((a) => a.status === 200);
      assert.equal(ok.length, 1, JSON.stringify(answers.map((a) => [a.status, a.required?.error])));
      for (const a of answers.filter((x) => x.status !== 200)) {
        assert.equal(a.status, 402);
        assert.match(a.required.error, /^invalid_batch_settlement_evm_(channel_busy|cumulative_amount_mismatch)$/);
      }
      assert.equal(seller.served(), servedBefore + 1);
      // And once more, after it was served: the running total has moved past it.
      await refusedWith(header, 'invalid_batch_settlement_evm_cumulative_amount_mismatch', /running total/);
      assert.equal(seller.served(), servedBefore + 1);

      // What was served is claimed: 4 calls, to the base unit; the rest goes back.
      const receiverBefore = await balance(receiver.address);
      const { claims } = await seller.paywall.channels.claim();
      assert.equal(claims.length, 1);
      assert.equal(await balance(receiver.address), receiverBefore + 4n * PRICE);
      assert.deepEqual(await read('channels', [channelId]), [DEPOSIT, 4n * PRICE]);
    } finally {
      for (const s of [minter, mallory, stranger]) s.destroy();
    }
  });

  test('claims run on the timer, never overlap, and a failed handler is not charged', async () => {
    const minter = Signer.fromPrivateKey(world.chain.accounts[0].privateKey);
    const dave = Signer.fromPrivateKey(world.chain.accounts[9].privateKey);
    const payee = Signer.generate();
    const timedDir = await mkdtemp(join(tmpdir(), 'clawpay-channel-timer-'));
    const timed = await startChannelSeller({
      facilitatorUrl: world.facilitator.url, token: world.token, network: world.chain.network, payTo: payee.address,
      directory: timedDir, authorizer, price: PRICE, minDeposit: DEPOSIT, claimIntervalMs: 200,
    });
    try {
      await mintUsdCoin({ chain: world.chain, token: world.token, owner: minter, to: dave.address, amount: DEPOSIT });
      const daveBuyer = officialBuyer(world, dave);
      let channelId;
      for (let i = 0; i < 3; i++) {
        const response = await daveBuyer.pay(timed.url);
        assert.equal(response.status, 200);
        channelId = decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE')).extra.channelState.channelId;
      }
      const failed = await daveBuyer.pay(`${timed.url}?fail=1`);
      assert.equal(failed.status, 500);
      assert.equal(failed.headers.get('PAYMENT-RESPONSE'), null);
      assert.equal((await timed.paywall.channels.storage.get(channelId)).chargedCumulativeAmount, String(3n * PRICE));
      assert.equal(timed.served(), 4);

      // Three claims asked at once and the timer's: the channel is claimed once.
      const runs = await Promise.all([timed.paywall.channels.claim(), timed.paywall.channels.claim(), timed.paywall.channels.claim()]);
      assert.ok(runs.reduce((n, run) => n + run.claims.length, 0) <= 1);
      // One more call, left to the timer: wait for its settlement to reach the payee.
      const next = await daveBuyer.pay(timed.url);
      assert.equal(next.status, 200, await next.clone().text());
      while (await balance(payee.address) < 4n * PRICE) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(await balance(payee.address), 4n * PRICE);
      const claims = await world.chain.publicClient.getLogs({ address: world.batchSettlement.address, event: claimedEvent, args: { channelId }, fromBlock: 0n });
      assert.equal(claims.reduce((sum, log) => sum + log.args.claimAmount, 0n), 4n * PRICE);
      assert.deepEqual(await read('channels', [channelId]), [DEPOSIT, 4n * PRICE]);
    } finally {
      await timed.stop();
      for (const s of [minter, dave, payee]) s.destroy();
      await rm(timedDir, { recursive: true, force: true });
    }
  });

  // Two seller processes on one channels.directory (the default storage,
  // FileChannels): each request's reservation and charge are atomic across
  // them, so the buyer's one channel goes on from either, and what they
  // claim at shutdown is exactly what both served, once.
  test('two seller processes on one channel directory serve one channel in turn: every call charged once, the payee paid exactly calls × price', async () => {
    const minter = Signer.fromPrivateKey(world.chain.accounts[0].privateKey);
    const erin = Signer.fromPrivateKey(world.chain.accounts[4].privateKey);
    const payee = Signer.generate();
    const sellerDir = await mkdtemp(join(tmpdir(), 'clawpay-channel-two-sellers-'));
    const runsFile = join(sellerDir, 'handler-runs');
    const sellers = [];
    try {
      await mintUsdCoin({ chain: world.chain, token: world.token, owner: minter, to: erin.address, amount: DEPOSIT });
      for (let i = 0; i < 2; i++) {
        sellers.push(await spawnChannelSeller(world, {
          payTo: payee.address, directory: join(sellerDir, 'channels'), price: PRICE, minDeposit: DEPOSIT,
          authorizerKey: world.chain.accounts[5].privateKey, handlerRunsFile: runsFile,
        }));
      }
      const buyerOf = officialBuyer(world, erin);
      let channelId;
      for (let i = 1; i <= 10; i++) {
        const response = await buyerOf.pay(sellers[i % 2].url);
        assert.equal(response.status, 200, await response.clone().text());
        const { channelState } = decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE')).extra;
        assert.equal(channelState.chargedCumulativeAmount, String(BigInt(i) * PRICE));
        channelId = channelState.channelId;
      }
      assert.equal((await readFile(runsFile, 'utf8')).trim().split('\n').length, 10);
      for (const seller of sellers) {
        seller.child.kill('SIGTERM');
        const stopped = await seller.exited;
        assert.equal(stopped.code, 0, stopped.stderr());
      }
      assert.equal(await balance(payee.address), 10n * PRICE);
      const claims = await world.chain.publicClient.getLogs({
        address: world.batchSettlement.address, event: claimedEvent, args: { channelId }, fromBlock: 0n,
      });
      assert.equal(claims.reduce((sum, log) => sum + log.args.claimAmount, 0n), 10n * PRICE);
      assert.deepEqual(await read('channels', [channelId]), [DEPOSIT, 10n * PRICE]);
    } finally {
      for (const seller of sellers) if (seller.child.exitCode === null && seller.child.signalCode === null) seller.child.kill('SIGKILL');
      for (const s of [minter, erin, payee]) s.destroy();
      await rm(sellerDir, { recursive: true, force: true });
    }
  });

  // The seller as its own process, killed with SIGKILL after serving and
  // before any claim: the served vouchers are in its channel storage, so the
  // next process on that storage claims them, once, and settles them.
  test('kill -9 of the seller between serving and claiming: after a restart the claim happens exactly once and nobody loses money, even from storage that missed its claim mark', async () => {
    const minter = Signer.fromPrivateKey(world.chain.accounts[0].privateKey);
    const carol = Signer.fromPrivateKey(world.chain.accounts[8].privateKey);
    const payee = Signer.generate();
    const sellerDir = await mkdtemp(join(tmpdir(), 'clawpay-channel-seller-'));
    const runsFile = join(sellerDir, 'handler-runs');
    const children = [];
    const startSeller = async () => {
      const started = await spawnChannelSeller(world, {
        payTo: payee.address, directory: join(sellerDir, 'channels'), price: PRICE, minDeposit: DEPOSIT,
        authorizerKey: world.chain.accounts[5].privateKey, handlerRunsFile: runsFile,
      });
      children.push(started.child);
      return started;
    };
    const handlerRuns = async () => (await readFile(runsFile, 'utf8')).trim().split('\n').length;
    const channelClaims = async (channelId) => (await world.chain.publicClient.getLogs({
      address: world.batchSettlement.address, event: claimedEvent, args: { channelId }, fromBlock: 0n,
    }));
    try {
      await mintUsdCoin({ chain: world.chain, token: world.token, owner: minter, to: carol.address, amount: DEPOSIT });
      const buyerOf = officialBuyer(world, carol);
      const first = await startSeller();
      let channelId;
      for (let i = 1; i <= 10; i++) {
        const response = await buyerOf.pay(first.url);
        assert.equal(response.status, 200, await response.clone().text());
        assert.deepEqual(await response.json(), { served: i });
        channelId = decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE')).extra.channelState.channelId;
      }
      first.child.kill('SIGKILL');
      assert.equal((await first.exited).signal, 'SIGKILL');
      assert.equal(await handlerRuns(), 10);
      assert.equal(await balance(payee.address), 0n);
      assert.deepEqual(await channelClaims(channelId), []);

      // Restarted on the same storage: the buyer's channel goes on where it was.
      const second = await startSeller();
      const more = await buyerOf.pay(second.url);
      assert.equal(more.status, 200, await more.clone().text());
      assert.equal(decodePaymentResponseHeader(more.headers.get('PAYMENT-RESPONSE')).extra.channelState.chargedCumulativeAmount, String(11n * PRICE));
      // The storage as a kill between the claim's transaction and its mark in
      // storage would leave it: served, not yet marked claimed.
      await cp(join(sellerDir, 'channels'), join(sellerDir, 'unmarked'), { recursive: true });
      // Its shutdown claims and settles the 11 served calls.
      second.child.kill('SIGTERM');
      const stopped = await second.exited;
      assert.equal(stopped.code, 0, stopped.stderr());
      assert.equal(await balance(payee.address), 11n * PRICE);

      // A third process on the same storage finds nothing left to claim.
      const third = await startSeller();
      third.child.kill('SIGTERM');
      assert.equal((await third.exited).code, 0);
      // A fourth on the unmarked copy resubmits the claim: the contract counts it once.
      await rm(join(sellerDir, 'channels'), { recursive: true });
      await cp(join(sellerDir, 'unmarked'), join(sellerDir, 'channels'), { recursive: true });
      const fourth = await startSeller();
      fourth.child.kill('SIGTERM');
      const last = await fourth.exited;
      assert.equal(last.code, 0, last.stderr());
      const claims = await channelClaims(channelId);
      assert.equal(claims.length, 1);
      assert.equal(claims[0].args.claimAmount, 11n * PRICE);
      assert.equal(await balance(payee.address), 11n * PRICE);
      assert.equal(await handlerRuns(), 11);
      assert.equal(await balance(carol.address), 0n);
      assert.deepEqual(await read('channels', [channelId]), [DEPOSIT, 11n * PRICE]);
    } finally {
      for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      for (const s of [minter, carol, payee]) s.destroy();
      await rm(sellerDir, { recursive: true, force: true });
    }
  });
});
