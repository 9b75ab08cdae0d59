// The channel seller killed with SIGKILL, for real: our paywall with a
// batch-settlement route in a child process (its channel state in the
// default storage, FileChannels in a directory), paid by the official
// batch-settlement client on anvil, killed (1) after serving and before its
// claim timer fires, and (2)
// in the middle of a claim — the claim mined, the seller not yet told, its
// storage unmarked, and (3) after the settlement's transaction, before its
// receipt was written or while half written. Restarted on the same storage,
// it claims what it served exactly once, the payee receives exactly calls ×
// price, the buyer's refund returns the rest, all to the base unit on chain;
// and its receipt ledger (a journal beside its channel storage), reconciled
// with the chain's Settled events, counts that revenue once.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { decodePaymentResponseHeader } from '@x402/core/http';
import { FileChannels } from '../../lib/paywall/file_channels.js';
import { parseAbiItem, parseEventLogs } from 'viem';

import { ReceiptLedger, Signer } from '../../lib/index.js';
import { startWorld } from '../../lib/devnet/world.js';
import { mintUsdCoin, usdcBalance } from '../../lib/devnet/token.js';
import { spawnChannelSeller } from './support/channel_seller.js';
import { startFacilitatorProxy } from './support/facilitator_proxy.js';
import { officialChannelBuyer } from './support/official_channel_buyer.js';

const PRICE = 1_000n;
const DEPOSIT = 50n * PRICE;
const claimedEvent = parseAbiItem('event Claimed(bytes32 indexed channelId, address indexed sender, uint128 claimAmount, uint128 newTotalClaimed)');
const BOUND_MS = 30_000;

describe('the channel seller killed with SIGKILL', { timeout: 240_000 }, () => {
  let world;
  let minter;
  const children = [];
  const cleanups = [];

  const balance = (address) => usdcBalance({ chain: world.chain, token: world.token, address });
  const read = (functionName, args) => world.chain.publicClient.readContract({
    address: world.batchSettlement.address, abi: world.batchSettlement.abi, functionName, args,
  });
  const claimsOf = (channelId) => world.chain.publicClient.getLogs({
    address: world.batchSettlement.address, event: claimedEvent, args: { channelId }, fromBlock: 0n,
  });

  // A buyer with exactly one deposit's worth, a payee of its own, a seller directory.
  async function party(account) {
    const buyer = Signer.fromPrivateKey(world.chain.accounts[account].privateKey);
    const payee = Signer.generate();
    const dir = await mkdtemp(join(tmpdir(), 'clawpay-channel-crash-'));
    cleanups.push(async () => {
      buyer.destroy();
      payee.destroy();
      await rm(dir, { recursive: true, force: true });
    });
    await mintUsdCoin({ chain: world.chain, token: world.token, owner: minter, to: buyer.address, amount: DEPOSIT });
    const runsFile = join(dir, 'handler-runs');
    const ledgerPath = join(dir, 'receipts.journal');
    const settledFile = join(dir, 'settled.jsonl');
    return {
      buyer,
      payee,
      dir,
      official: officialChannelBuyer(world, buyer, { maxAmountPerPayment: DEPOSIT }),
      storage: new FileChannels({ directory: join(dir, 'channels') }),
      handlerRuns: async () => (await readFile(runsFile, 'utf8')).trim().split('\n').length,
      // What the sellers' onSettled heard, in order.
      told: async () => (await readFile(settledFile, 'utf8').catch(() => '')).split('\n').filter(Boolean).map((line) => JSON.parse(line)),
      // The settled receipts in the seller's ledger, read once its processes are gone.
      receipts: () => {
        const ledger = new ReceiptLedger({ path: ledgerPath, readOnly: true });
        try {
          return ledger.list().filter((receipt) => receipt.status === 'settled');
        } finally {
          ledger.close();
        }
      },
      seller: async (options = {}) => {
        const started = await spawnChannelSeller(world, {
          payTo: payee.address, directory: join(dir, 'channels'), price: PRICE, minDeposit: DEPOSIT,
          authorizerKey: world.chain.accounts[5].privateKey, handlerRunsFile: runsFile, ledgerPath, settledFile, ...options,
        });
        children.push(started.child);
        return started;
      },
    };
  }

  async function payCalls(official, url, calls) {
    let channelId;
    for (let i = 1; i <= calls; i++) {
      const response = await official.pay(url);
      assert.equal(response.status, 200, await response.clone().text());
      channelId = decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE')).extra.channelState.channelId;
    }
    return channelId;
  }

  async function killed(seller) {
    seller.child.kill('SIGKILL');
    assert.equal((await seller.exited).signal, 'SIGKILL');
  }

  // The seller's books: one receipt per settlement transaction on chain, the
  // channel contract as payer, summing to exactly what reached the payee.
  async function assertBooks(p, total) {
    const receipts = p.receipts();
    assert.equal(receipts.reduce((sum, r) => sum + BigInt(r.amount), 0n), total);
    for (const receipt of receipts) {
      assert.equal(receipt.payer, world.batchSettlement.address);
      assert.equal(receipt.payTo, p.payee.address);
      assert.equal(receipt.route, 'GET /paid/channel');
      const mined = await world.chain.publicClient.getTransactionReceipt({ hash: receipt.transaction });
      assert.equal(mined.status, 'success');
    }
    return receipts;
  }

  async function stopped(seller) {
    seller.child.kill('SIGTERM');
    const { code, stderr } = await seller.exited;
    assert.equal(code, 0, stderr());
  }

  before(async () => {
    world = await startWorld();
    minter = Signer.fromPrivateKey(world.chain.accounts[0].privateKey);
  });

  after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    for (const cleanup of cleanups) await cleanup();
    minter?.destroy();
    await world?.stop();
  });

  test('killed after serving, before its claim timer fired: restarted, its timer claims exactly calls × price once and the refund returns the rest', async () => {
    const CALLS = 12n;
    const p = await party(6);
    const payerStart = await balance(p.buyer.address);
    const first = await p.seller({ claimIntervalMs: 0 });
    const channelId = await payCalls(p.official, first.url, Number(CALLS));
    await killed(first);
    assert.equal(await p.handlerRuns(), Number(CALLS));
    assert.equal(await balance(p.payee.address), 0n);
    assert.deepEqual(await claimsOf(channelId), []);
    const left = await p.storage.get(channelId);
    assert.equal(left.chargedCumulativeAmount, String(CALLS * PRICE));
    assert.equal(left.totalClaimed, '0');

    // Restarted on the same storage with its claim timer on: the timer
    // claims and settles what the killed process served.
    const second = await p.seller({ claimIntervalMs: 200 });
    const deadline = Date.now() + BOUND_MS;
    while (await balance(p.payee.address) < CALLS * PRICE) {
      assert.ok(Date.now() < deadline, 'the restarted seller\'s timer claimed within 30 s');
      await new Promise((resolve) => { setTimeout(resolve, 50); });
    }
    assert.equal(await balance(p.payee.address), CALLS * PRICE);
    assert.equal((await p.storage.get(channelId)).totalClaimed, String(CALLS * PRICE));

    const refund = await p.official.scheme.refund(second.url);
    assert.equal(refund.success, true, JSON.stringify(refund));
    assert.equal(BigInt(refund.amount), DEPOSIT - CALLS * PRICE);
    await stopped(second);

    const claims = await claimsOf(channelId);
    assert.equal(claims.length, 1);
    assert.equal(claims[0].args.claimAmount, CALLS * PRICE);
    assert.equal(await balance(p.payee.address), CALLS * PRICE);
    assert.equal(await balance(p.buyer.address), payerStart - CALLS * PRICE);
    assert.equal(await p.handlerRuns(), Number(CALLS));
    await assertBooks(p, CALLS * PRICE);
  });

  // The contract's claimed total only rises: a claim of a voucher already
  // claimed is accepted and changes nothing (no revert, no Claimed event).
  test('killed in the middle of a claim (mined, storage unmarked): the restart resubmits it as a no-op on chain, claims nothing twice, and the refund returns the rest', async () => {
    const CALLS = 7n;
    const p = await party(7);
    const proxy = await startFacilitatorProxy(world.facilitator.url);
    cleanups.push(() => proxy.close());
    const payerStart = await balance(p.buyer.address);
    const first = await p.seller({ claimIntervalMs: 0, facilitatorUrl: proxy.url });
    const channelId = await payCalls(p.official, first.url, Number(CALLS));

    // Its shutdown claims; the seller dies once the claim is mined, before it hears so.
    const dropped = proxy.dropAfter('claim', () => killed(first));
    first.child.kill('SIGTERM');
    const claim = await dropped;
    assert.equal(claim.success, true, JSON.stringify(claim));
    assert.deepEqual(await read('channels', [channelId]), [DEPOSIT, CALLS * PRICE]);
    assert.deepEqual(await read('receivers', [p.payee.address, world.token.address]), [CALLS * PRICE, 0n]);
    assert.equal(await balance(p.payee.address), 0n);
    const unmarked = await p.storage.get(channelId);
    assert.equal(unmarked.totalClaimed, '0');
    assert.equal(unmarked.chargedCumulativeAmount, String(CALLS * PRICE));

    // Restarted: its shutdown claims the voucher again and settles.
    const second = await p.seller({ claimIntervalMs: 0, facilitatorUrl: proxy.url });
    await stopped(second);
    const claimsSent = proxy.settles.filter((s) => s.type === 'claim');
    assert.equal(claimsSent.length, 2);
    const again = claimsSent[1].answer;
    assert.equal(again.success, true, JSON.stringify(again));
    assert.notEqual(again.transaction, claim.transaction);
    const receipt = await world.chain.publicClient.getTransactionReceipt({ hash: again.transaction });
    assert.equal(receipt.status, 'success');
    assert.deepEqual(parseEventLogs({ abi: [claimedEvent], logs: receipt.logs }), []);
    const claims = await claimsOf(channelId);
    assert.equal(claims.length, 1);
    assert.equal(claims[0].transactionHash, claim.transaction);
    assert.equal(claims[0].args.claimAmount, CALLS * PRICE);
    assert.equal(await balance(p.payee.address), CALLS * PRICE);
    assert.deepEqual(await read('receivers', [p.payee.address, world.token.address]), [CALLS * PRICE, CALLS * PRICE]);
    // Its storage now agrees with the chain.
    assert.equal((await p.storage.get(channelId)).totalClaimed, String(CALLS * PRICE));

    const third = await p.seller({ claimIntervalMs: 0, facilitatorUrl: proxy.url });
    const refund = await p.official.scheme.refund(third.url);
    assert.equal(refund.success, true, JSON.stringify(refund));
    assert.equal(BigInt(refund.amount), DEPOSIT - CALLS * PRICE);
    await stopped(third);
    assert.equal(await balance(p.buyer.address), payerStart - CALLS * PRICE);
    assert.equal(await balance(p.payee.address), CALLS * PRICE);
    assert.equal((await claimsOf(channelId)).length, 1);
    assert.equal(await p.handlerRuns(), Number(CALLS));
    // The resubmitted claim added nothing to the books either.
    const [booked, ...none] = await assertBooks(p, CALLS * PRICE);
    assert.deepEqual(none, []);
    assert.equal(booked.amount, String(CALLS * PRICE));
  });

  // The settlement mined, the seller killed before its receipt (or between
  // the receipt's two writes: begun, not yet settled): the books are
  // reconciled from the chain's Settled events when it starts again.
  for (const [account, stage] of [[8, 'before any receipt write'], [9, 'between the receipt\'s begin and settle']]) {
    test(`killed after the settlement's transaction, ${stage}: restarted, it books that settlement once, to the base unit, and tells onSettled once`, async () => {
      const CALLS = 9n;
      const p = await party(account);
      const payerStart = await balance(p.buyer.address);
      const proxy = await startFacilitatorProxy(world.facilitator.url);
      cleanups.push(() => proxy.close());
      const first = await p.seller({ claimIntervalMs: 0, facilitatorUrl: proxy.url });
      await payCalls(p.official, first.url, Number(CALLS));

      // Its shutdown claims and settles; it dies once the settlement is mined, before it hears so.
      const dropped = proxy.dropAfter('settle', () => killed(first));
      first.child.kill('SIGTERM');
      const settlement = await dropped;
      assert.equal(settlement.success, true, JSON.stringify(settlement));
      const mined = await world.chain.publicClient.getTransactionReceipt({ hash: settlement.transaction });
      assert.equal(mined.status, 'success');
      assert.equal(await balance(p.payee.address), CALLS * PRICE);
      assert.deepEqual(p.receipts(), []);
      assert.deepEqual(await p.told(), []);
      const paymentId = settlement.transaction.toLowerCase();
      if (account === 9) {
        // What recordSettlement's first write leaves: the receipt begun, not settled.
        const ledger = new ReceiptLedger({ path: join(p.dir, 'receipts.journal') });
        assert.equal(ledger.begin({
          paymentId, kind: 'call', route: 'GET /paid/channel', resource: 'GET /paid/channel', method: 'GET', network: world.chain.network,
          asset: world.token.address, amount: String(CALLS * PRICE), decimals: world.token.decimals, payer: world.batchSettlement.address,
          payTo: p.payee.address, x402Version: 2, startedAt: Date.now(),
        }), true);
        ledger.close();
      }

      // Restarted: it books the settlement before it serves; its shutdown adds nothing.
      const second = await p.seller({ claimIntervalMs: 0 });
      await stopped(second);
      const [booked, ...none] = await assertBooks(p, CALLS * PRICE);
      assert.deepEqual(none, []);
      assert.equal(booked.transaction, paymentId);
      assert.equal(booked.paymentId, paymentId);
      assert.equal(booked.amount, String(CALLS * PRICE));
      const told = await p.told();
      assert.equal(told.length, 1);
      assert.deepEqual(told[0], booked);

      // A second restart (its timer on, a claim run and a reconciliation) books nothing more.
      const third = await p.seller({ claimIntervalMs: 200 });
      const refund = await p.official.scheme.refund(third.url);
      assert.equal(refund.success, true, JSON.stringify(refund));
      assert.equal(BigInt(refund.amount), DEPOSIT - CALLS * PRICE);
      await stopped(third);
      assert.deepEqual(p.receipts(), [booked]);
      assert.equal((await p.told()).length, 1);
      assert.equal(await balance(p.payee.address), CALLS * PRICE);
      assert.equal(await balance(p.buyer.address), payerStart - CALLS * PRICE);
    });
  }
});
