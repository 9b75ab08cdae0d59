// The paywall's shutdown claims what its channels owe, and what its channels
// earn lands in its books: two official batch-settlement buyers pay our
// channel route, nothing is claimed until paywall.close(), which claims both
// channels in one transaction and settles them to the payee — exact on
// chain — and records one receipt of that settlement in the receipt ledger,
// told to onSettled once, summed by the receipts export as revenue.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { parseAbiItem } from 'viem';

import { Signer, formatReceipts } from '../../lib/index.js';
import { startWorld } from '../../lib/devnet/world.js';
import { mintUsdCoin, transact, usdcBalance } from '../../lib/devnet/token.js';
import { startChannelSeller } from './support/channel_seller.js';
import { officialChannelBuyer } from './support/official_channel_buyer.js';

const PRICE = 1_000n;
const DEPOSIT = 20n * PRICE;
const claimedEvent = parseAbiItem('event Claimed(bytes32 indexed channelId, address indexed sender, uint128 claimAmount, uint128 newTotalClaimed)');

describe('channel claims on shutdown, into the seller\'s receipt ledger', { timeout: 120_000 }, () => {
  let world;
  let dir;
  const signers = [];

  before(async () => {
    world = await startWorld();
    dir = await mkdtemp(join(tmpdir(), 'clawpay-channel-revenue-'));
  });

  after(async () => {
    for (const s of signers) s.destroy();
    await world?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('close() claims both channels in one transaction, settles 5 + 3 calls to the payee exactly, and books one receipt of 8 × price', async () => {
    const [minter, alice, bob, authorizer] = [0, 6, 7, 5].map((i) => Signer.fromPrivateKey(world.chain.accounts[i].privateKey));
    const payee = Signer.generate();
    signers.push(minter, alice, bob, authorizer, payee);
    const settled = [];
    const seller = await startChannelSeller({
      facilitatorUrl: world.facilitator.url, token: world.token, network: world.chain.network, payTo: payee.address,
      directory: join(dir, 'channels'), authorizer, price: PRICE, minDeposit: DEPOSIT, claimIntervalMs: 0,
      ledgerPath: join(dir, 'receipts.journal'), onSettled: (receipt) => settled.push(receipt), rpcUrl: world.chain.rpcUrl,
    });
    const ledger = seller.paywall.ledger;
    let stopped = false;
    try {
      const fromBlock = await world.chain.publicClient.getBlockNumber();
      for (const [buyer, calls] of [[alice, 5], [bob, 3]]) {
        await mintUsdCoin({ chain: world.chain, token: world.token, owner: minter, to: buyer.address, amount: DEPOSIT });
        const official = officialChannelBuyer(world, buyer, { maxAmountPerPayment: DEPOSIT });
        for (let i = 0; i < calls; i++) assert.equal((await official.pay(seller.url)).status, 200);
      }
      // Served, not claimed: the books hold nothing, the payee has nothing.
      assert.equal(await usdcBalance({ chain: world.chain, token: world.token, address: payee.address }), 0n);
      assert.deepEqual(ledger.list(), []);
      assert.deepEqual(settled, []);
      // The statement shows what each channel owes: most unclaimed first.
      const owed = await seller.paywall.channels.statement();
      assert.deepEqual(owed.channels.map((c) => [c.payer, c.deposit, c.charged, c.claimed, c.unclaimed, c.refundable, c.reserved]), [
        [alice.address, String(DEPOSIT), String(5n * PRICE), '0', String(5n * PRICE), String(DEPOSIT - 5n * PRICE), false],
        [bob.address, String(DEPOSIT), String(3n * PRICE), '0', String(3n * PRICE), String(DEPOSIT - 3n * PRICE), false],
      ]);
      assert.deepEqual(owed.totals, {
        deposit: String(2n * DEPOSIT), charged: String(8n * PRICE), claimed: '0', unclaimed: String(8n * PRICE), refundable: String(2n * DEPOSIT - 8n * PRICE),
      });

      const { claims, settlements } = await seller.paywall.close();
      stopped = true;
      assert.equal(claims.length, 1);
      assert.equal(claims[0].vouchers, 2);
      const logs = await world.chain.publicClient.getLogs({ address: world.batchSettlement.address, event: claimedEvent, fromBlock });
      assert.equal(logs.length, 2);
      assert.ok(logs.every((log) => log.transactionHash === claims[0].transaction));
      assert.deepEqual(logs.map((log) => log.args.claimAmount).sort(), [3n * PRICE, 5n * PRICE]);
      assert.equal(await usdcBalance({ chain: world.chain, token: world.token, address: payee.address }), 8n * PRICE);

      // Claimed: nothing left to claim on either channel.
      const after = await seller.paywall.channels.statement();
      assert.deepEqual(after.totals, {
        deposit: String(2n * DEPOSIT), charged: String(8n * PRICE), claimed: String(8n * PRICE), unclaimed: '0', refundable: String(2n * DEPOSIT - 8n * PRICE),
      });

      // One settlement, one receipt, told once.
      assert.equal(settlements.length, 1);
      const [receipt, ...others] = ledger.list();
      assert.deepEqual(others, []);
      assert.deepEqual(settlements[0].receipt, receipt);
      assert.deepEqual(settled, [receipt]);
      assert.equal(receipt.status, 'settled');
      assert.equal(receipt.transaction, settlements[0].transaction);
      assert.equal(receipt.paymentId, settlements[0].transaction.toLowerCase());
      assert.equal(receipt.amount, String(8n * PRICE));
      assert.equal(receipt.payer, world.batchSettlement.address);
      assert.equal(receipt.payTo, payee.address);
      assert.equal(receipt.asset, world.token.address);
      assert.equal(receipt.route, 'GET /paid/channel');
      assert.equal(receipt.method, 'GET');
      const mined = await world.chain.publicClient.getTransactionReceipt({ hash: receipt.transaction });
      assert.equal(mined.status, 'success');

      // The export counts it as paid revenue, to the base unit.
      const rows = formatReceipts(ledger.list(), 'jsonl').trim().split('\n').map((line) => JSON.parse(line));
      assert.equal(rows.filter((row) => row.paid).reduce((sum, row) => sum + BigInt(row.amount), 0n), 8n * PRICE);
      assert.equal(rows[0].amountDecimal, '0.008000');

      // Closed twice: nothing more is claimed or booked.
      assert.deepEqual(await seller.paywall.close(), { claims: [], settlements: [] });
      assert.equal(ledger.list().length, 1);
    } finally {
      if (!stopped) await seller.paywall.close();
      await seller.stop();
    }
  });

  // The refund claims the channel's unclaimed vouchers itself; the money it
  // claimed still has to be settled to the payee, and booked.
  test('a refund before any claim: the calls it claimed are settled to the payee and booked at close()', async () => {
    const [minter, carol, authorizer] = [0, 8, 5].map((i) => Signer.fromPrivateKey(world.chain.accounts[i].privateKey));
    const payee = Signer.generate();
    signers.push(minter, carol, authorizer, payee);
    const seller = await startChannelSeller({
      facilitatorUrl: world.facilitator.url, token: world.token, network: world.chain.network, payTo: payee.address,
      directory: join(dir, 'refunded'), authorizer, price: PRICE, minDeposit: DEPOSIT, claimIntervalMs: 0,
    });
    try {
      assert.deepEqual(await seller.paywall.channels.claim(), { claims: [], settlements: [] });
      await mintUsdCoin({ chain: world.chain, token: world.token, owner: minter, to: carol.address, amount: DEPOSIT });
      const official = officialChannelBuyer(world, carol, { maxAmountPerPayment: DEPOSIT });
      for (let i = 0; i < 3; i++) assert.equal((await official.pay(seller.url)).status, 200);
      const refund = await official.scheme.refund(seller.url);
      assert.equal(refund.success, true, JSON.stringify(refund));
      assert.equal(BigInt(refund.amount), DEPOSIT - 3n * PRICE);
      const { settlements } = await seller.paywall.close();
      assert.equal(settlements.length, 1);
      assert.equal(settlements[0].receipt.amount, String(3n * PRICE));
      assert.equal(await usdcBalance({ chain: world.chain, token: world.token, address: payee.address }), 3n * PRICE);
      assert.equal(await usdcBalance({ chain: world.chain, token: world.token, address: carol.address }), DEPOSIT - 3n * PRICE);
    } finally {
      await seller.stop();
    }
  });

  // Anyone may call the contract's settle(receiver, token): money a stranger
  // settles to the payee is revenue too, and only the chain tells of it.
  test('a settlement a stranger sends is booked from the chain at the next claim run, once, to the base unit', async () => {
    const [minter, dave, authorizer, stranger] = [0, 9, 5, 4].map((i) => Signer.fromPrivateKey(world.chain.accounts[i].privateKey));
    const payee = Signer.generate();
    signers.push(minter, dave, authorizer, stranger, payee);
    const settled = [];
    const seller = await startChannelSeller({
      facilitatorUrl: world.facilitator.url, token: world.token, network: world.chain.network, payTo: payee.address,
      directory: join(dir, 'stranger'), authorizer, price: PRICE, minDeposit: DEPOSIT, claimIntervalMs: 0,
      onSettled: (receipt) => settled.push(receipt), rpcUrl: world.chain.rpcUrl,
    });
    try {
      await mintUsdCoin({ chain: world.chain, token: world.token, owner: minter, to: dave.address, amount: DEPOSIT });
      const official = officialChannelBuyer(world, dave, { maxAmountPerPayment: DEPOSIT });
      for (let i = 0; i < 3; i++) assert.equal((await official.pay(seller.url)).status, 200);
      // The refund claims the three calls; before the seller settles them, a stranger does.
      assert.equal((await official.scheme.refund(seller.url)).success, true);
      const mined = await transact(world.chain, stranger, {
        address: world.batchSettlement.address, abi: world.batchSettlement.abi, functionName: 'settle', args: [payee.address, world.token.address],
      });
      assert.equal(await usdcBalance({ chain: world.chain, token: world.token, address: payee.address }), 3n * PRICE);
      assert.deepEqual(settled, []);

      const { settlements } = await seller.paywall.channels.claim();
      assert.deepEqual(settlements, []); // nothing was left for the seller to settle
      const [receipt, ...others] = seller.paywall.ledger.list();
      assert.deepEqual(others, []);
      assert.equal(receipt.status, 'settled');
      assert.equal(receipt.transaction, mined.transactionHash.toLowerCase());
      assert.equal(receipt.amount, String(3n * PRICE));
      assert.equal(receipt.payTo, payee.address);
      assert.deepEqual(settled, [receipt]);

      await seller.paywall.close();
      assert.equal(seller.paywall.ledger.list().length, 1);
      assert.equal(settled.length, 1);
    } finally {
      await seller.stop();
    }
  });

  // The chain unreachable when the seller starts: it starts and serves; the
  // failed reconciliation is reported (onClaimError) without the RPC's secret
  // path, and retried at the next claim run.
  test('an unreachable RPC at start: the paywall starts and serves, the failed reconciliation is reported with code ERR_RPC, naming the RPC without its path', async () => {
    const [minter, erin, authorizer] = [0, 3, 5].map((i) => Signer.fromPrivateKey(world.chain.accounts[i].privateKey));
    const payee = Signer.generate();
    signers.push(minter, erin, authorizer, payee);
    const errors = [];
    const seller = await startChannelSeller({
      facilitatorUrl: world.facilitator.url, token: world.token, network: world.chain.network, payTo: payee.address,
      directory: join(dir, 'no-rpc'), authorizer, price: PRICE, minDeposit: DEPOSIT, claimIntervalMs: 0,
      rpcUrl: `http://127.0.0.1:1/v2/${'5e'.repeat(16)}`, onClaimError: (error) => errors.push(error),
    });
    try {
      assert.equal(errors.length, 1);
      assert.equal(errors[0].code, 'ERR_RPC');
      assert.match(errors[0].message, /127\.0\.0\.1:1/);
      assert.doesNotMatch(errors[0].message, /5e5e/);
      await mintUsdCoin({ chain: world.chain, token: world.token, owner: minter, to: erin.address, amount: DEPOSIT });
      const official = officialChannelBuyer(world, erin, { maxAmountPerPayment: DEPOSIT });
      assert.equal((await official.pay(seller.url)).status, 200);
      // The claim and settlement go through; the receipt waits for the chain to be readable.
      const { claims, settlements } = await seller.paywall.channels.claim();
      assert.equal(claims.length, 1);
      assert.deepEqual(settlements.map((s) => s.receipt), [null]);
      assert.equal(await usdcBalance({ chain: world.chain, token: world.token, address: payee.address }), PRICE);
      assert.ok(errors.length >= 3 && errors.every((e) => e.code === 'ERR_RPC'), errors.map((e) => e.message).join('\n'));
    } finally {
      await seller.stop().catch(() => {});
    }
  });
});
