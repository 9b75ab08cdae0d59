// kill -9 of a buyer between vouchers: a real buyer process
// (support/channel_buyer_child.js, clawpay-native/pay on a state directory)
// pays the official batch-settlement server through a recording proxy, is
// killed with SIGKILL mid-run, and is started again on the same state
// directory: it continues the same channel (no second deposit), never signs
// a voucher below one already given, and after its refund and the seller's
// settle the money on chain is exactly what was served. Two buyer processes
// on one state directory and channel take turns (the channel's in-flight
// lease): every voucher a new cumulative amount, none sent twice.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Signer } from '../../lib/index.js';
import { usdcBalance } from '../../lib/devnet/token.js';
import { fund, startOfficialChannelWorld } from './support/channel_parties.js';
import { runBuyer } from './support/run_buyer.js';

const PRICE = 1_000n;
const DEPOSIT = PRICE * 200n;
const FUNDS = 1_000_000n;

describe('a channel buyer killed with SIGKILL between vouchers', { timeout: 240_000 }, () => {
  let world;
  let seller;
  let proxy;
  let parties;
  let buyer;
  let receiver;
  let made;

  const balance = (address) => usdcBalance({ chain: world.chain, token: world.token, address });

  before(async () => {
    made = await startOfficialChannelWorld({ price: PRICE, minDeposit: PRICE * 10n, proxy: true });
    ({ world, seller, proxy, parties } = made);
    receiver = parties.receiver;
    buyer = Signer.fromPrivateKey(world.chain.accounts[7].privateKey);
    await fund(world, buyer.address, FUNDS);
  });

  after(async () => {
    await made?.stop();
    buyer?.destroy();
  });

  test('restarted on its state directory it continues the channel, never signs below a voucher given, and the money is exact', async () => {
    const stateDir = await parties.tempDir('clawpay-channel-crash-');
    const buyerStart = await balance(buyer.address);
    const env = {
      CHANNEL_KEY: world.chain.accounts[7].privateKey, CHANNEL_STATE_DIR: stateDir, CHANNEL_URL: proxy.url, CHANNEL_DEPOSIT: String(DEPOSIT),
      CHAIN_ID: String(world.chain.chainId), RPC_URL: world.chain.rpcUrl,
      CHANNEL_ASSET: JSON.stringify({ address: world.token.address, name: world.token.name, version: world.token.version }),
    };

    // Killed as soon as its 12th answer is printed: by then it is signing or sending the 13th voucher.
    const first = await runBuyer({ ...env, CHANNEL_CALLS: '1000' }, (line, child) => {
      if (line.call === 12) child.kill('SIGKILL');
    });
    assert.equal(first.signal, 'SIGKILL', first.stderr);
    const channel = first.lines[0].channel;
    const signedBeforeKill = proxy.vouchers.reduce((max, v) => (v.amount > max ? v.amount : max), 0n);
    assert.ok(signedBeforeKill >= 13n * PRICE, `signed ${signedBeforeKill}`);

    const second = await runBuyer({ ...env, CHANNEL_CALLS: '10', CHANNEL_END: '1' });
    assert.equal(second.code, 0, second.stderr);
    assert.deepEqual(second.lines[0], { session: first.lines[0].session, resumed: true, channel });
    const calls = second.lines.filter((line) => line.call !== undefined);
    assert.deepEqual(calls.map((line) => line.status), Array(10).fill(200));

    // One deposit; the vouchers never go down, through the kill and the restart.
    assert.equal(proxy.vouchers.filter((v) => v.type === 'deposit').length, 1);
    const paid = proxy.vouchers.filter((v) => v.type === 'voucher').map((v) => v.amount);
    let highest = PRICE;
    for (const [i, amount] of paid.entries()) {
      assert.ok(amount >= highest, `voucher ${i + 2} is ${amount}, below ${highest} already given`);
      highest = amount;
    }

    // Everything served was charged once; the refund and the seller's settle leave exactly that moved.
    const served = BigInt(seller.served());
    const { refund, charged } = second.lines.find((line) => line.refund);
    assert.equal(BigInt(charged), served * PRICE);
    assert.equal(refund.error, null);
    assert.equal(BigInt(refund.refunded), DEPOSIT - served * PRICE);
    await seller.manager.settle();
    assert.equal(await balance(receiver.address), served * PRICE);
    assert.equal(await balance(buyer.address), buyerStart - served * PRICE);
    assert.equal(await balance(world.batchSettlement.address), 0n);
  });

  test('two buyer processes on one channel take turns: every voucher a new cumulative amount, all served, the money exact', async () => {
    const key = world.chain.accounts[8].privateKey;
    const second = Signer.fromPrivateKey(key);
    try {
      await fund(world, second.address, FUNDS);
      const stateDir = await parties.tempDir('clawpay-channel-two-');
      const start = await balance(second.address);
      const receiverStart = await balance(receiver.address);
      const env = {
        CHANNEL_KEY: key, CHANNEL_STATE_DIR: stateDir, CHANNEL_URL: proxy.url, CHANNEL_DEPOSIT: String(DEPOSIT),
        CHAIN_ID: String(world.chain.chainId), RPC_URL: world.chain.rpcUrl,
        CHANNEL_ASSET: JSON.stringify({ address: world.token.address, name: world.token.name, version: world.token.version }),
      };
      const opened = await runBuyer({ ...env, CHANNEL_CALLS: '1' }); // the deposit (voucher 1 × price) and 2 × price
      assert.equal(opened.code, 0, opened.stderr);
      const from = proxy.vouchers.length;
      const each = 15;
      const both = await Promise.all([runBuyer({ ...env, CHANNEL_CALLS: String(each) }), runBuyer({ ...env, CHANNEL_CALLS: String(each) })]);
      for (const run of both) {
        assert.equal(run.code, 0, run.stderr);
        assert.deepEqual(run.lines[0], { ...opened.lines[0], resumed: true });
        assert.deepEqual(run.lines.filter((line) => line.call !== undefined).map((line) => line.status), Array(each).fill(200));
      }
      // In the order the seller got them: 3 × price, 4 × price, ... — never one amount twice.
      const amounts = proxy.vouchers.slice(from).map((v) => v.amount);
      assert.deepEqual(amounts, Array.from({ length: 2 * each }, (_, i) => BigInt(i + 3) * PRICE));

      const ended = await runBuyer({ ...env, CHANNEL_CALLS: '0', CHANNEL_END: '1' });
      assert.equal(ended.code, 0, ended.stderr);
      const used = BigInt(2 * each + 2) * PRICE;
      const { refund, charged } = ended.lines.find((line) => line.refund);
      assert.equal(BigInt(charged), used);
      assert.equal(BigInt(refund.refunded), DEPOSIT - used);
      await seller.manager.settle();
      assert.equal(await balance(second.address), start - used);
      assert.equal(await balance(receiver.address), receiverStart + used);
    } finally {
      second.destroy();
    }
  });
});
