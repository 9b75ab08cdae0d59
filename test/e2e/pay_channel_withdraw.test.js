// The payer's way out of a channel whose seller lied: the contract's timed
// withdrawal, through clawpay-native/pay (payer.channels.withdraw) and the
// CLI (`clawpay channel list | withdraw <id>`), on the real chain with the
// official batch-settlement server behind a lying proxy. Anvil's clock is
// moved past the withdraw delay (evm_increaseTime + evm_mine); the seller
// claims meanwhile with the vouchers we really signed; money and budget
// asserted to the base unit; a second withdraw releases nothing.
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { usdcBalance } from '../../lib/devnet/token.js';
import { describeWorld } from '../../lib/devnet/world.js';
import { createPayer } from '../../lib/pay/public.js';
import { passTime, startOfficialChannelWorld } from './support/channel_parties.js';
import { runNode } from './support/run_node.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '../../bin/clawpay.js');
const PRICE = 1_000n;
const DEPOSIT = PRICE * 40n;
const DELAY = 900;

describe('channel withdrawal without the seller (initiateWithdraw, the delay, finalizeWithdraw)', { timeout: 240_000 }, () => {
  let world;
  let seller;
  let proxy;
  let parties;
  let receiver;
  let made;

  const balance = (address) => usdcBalance({ chain: world.chain, token: world.token, address });
  const passDelay = () => passTime(world, DELAY + 1);

  const freshPayer = ({ eth = true } = {}) => parties.freshPayer({ eth });

  /** A session on the lying proxy: 4 requests served and charged, then a lie; the channel is refused. */
  async function refusedChannel(payer) {
    const session = await payer.startSession(proxy.url, { deposit: DEPOSIT });
    for (let i = 0; i < 3; i++) assert.equal((await session.fetch(proxy.url)).status, 200);
    proxy.next('lie', { charged: 50n * PRICE });
    assert.equal((await session.fetch(proxy.url)).status, 402);
    assert.equal(session.status().channel.state, 'refused');
    return session;
  }

  before(async () => {
    made = await startOfficialChannelWorld({ price: PRICE, minDeposit: PRICE * 10n, withdrawDelay: DELAY, proxy: true, prefix: 'clawpay-channel-withdraw-' });
    ({ world, seller, proxy, parties } = made);
    receiver = parties.receiver;
  });

  after(() => made?.stop());

  test('without ETH for gas, withdraw says so and sends nothing; a bad id is refused by name (before the clock moves: deposits are valid for minutes)', async () => {
    const { payer, buyer } = await freshPayer({ eth: false });
    const session = await payer.startSession(proxy.url, { deposit: DEPOSIT });
    assert.equal((await session.fetch(proxy.url)).status, 200);
    const nonce = await world.chain.publicClient.getTransactionCount({ address: buyer.address });
    await assert.rejects(payer.channels.withdraw(session.status().channel.id), (error) => {
      assert.equal(error.code, 'ERR_NO_GAS');
      assert.match(error.message, /holds no ETH on eip155:\d+ to pay the gas of initiateWithdraw; fund it and run withdraw again\. Nothing was sent/);
      return true;
    });
    assert.equal(await world.chain.publicClient.getTransactionCount({ address: buyer.address }), nonce);
    await assert.rejects(payer.channels.withdraw('0x1234'), { code: 'ERR_INVALID_ARG_VALUE' });
    await assert.rejects(payer.channels.withdraw('0xffffffffff'), { code: 'ERR_CHANNEL_NOT_FOUND', message: /no channel 0xffffffff… in this/ });
    // A key pasted as the id: not found, and none of it shown.
    const pasted = `0x${'3c0d447f'.repeat(8)}`;
    await assert.rejects(payer.channels.withdraw(pasted), (error) => {
      assert.equal(error.code, 'ERR_CHANNEL_NOT_FOUND');
      assert.match(error.message, /^no channel with that id in this wallet's state directory, nor created on chain for this wallet in blocks 0–\d+$/);
      return true;
    });
    // The cooperative way still works; the seller's claim in it is settled here, out of the next test's sums.
    assert.equal((await session.end()).refund.refunded, DEPOSIT - 2n * PRICE);
    await seller.manager.settle();
  });
  test('a lying seller\'s channel: withdraw initiates, waits, the seller claims what we signed, withdraw finalizes; money and budget exact; a second withdraw releases nothing', async () => {
    const { payer, buyer } = await freshPayer();
    const before = await balance(buyer.address);
    const receiverBefore = await balance(receiver.address);
    const session = await refusedChannel(payer);
    const { fullId } = session.status().channel;
    assert.equal((await payer.spend()).today.total, DEPOSIT);
    await assert.rejects(payer.startSession(proxy.url, { deposit: DEPOSIT }), { code: 'ERR_CHANNEL_REFUSED' });

    const { channels: [listed, ...others], scan } = await payer.channels.list();
    assert.equal(others.length, 0, 'the channel found on chain is the one recorded: listed once');
    assert.equal(scan.complete, true);
    assert.equal(listed.state, 'refused');
    assert.equal(listed.source, 'local');
    assert.equal(listed.deposit, DEPOSIT);
    assert.equal(listed.id, `${fullId.slice(0, 10)}…`);
    assert.match(listed.refusal, /more than the 5000 this wallet ever signed/);

    const initiated = await payer.channels.withdraw(listed.id);
    assert.equal(initiated.action, 'initiated');
    assert.equal(initiated.amount, DEPOSIT, 'everything unclaimed');
    const block = await world.chain.publicClient.getBlock();
    assert.equal(initiated.finalizeAfter, Number(block.timestamp) + DELAY);
    assert.equal(initiated.channel.state, 'withdrawing');
    assert.equal((await payer.spend()).today.total, DEPOSIT, 'nothing is back before the finalize is mined');

    const waiting = await payer.channels.withdraw(fullId);
    assert.equal(waiting.action, 'waiting');
    assert.equal(waiting.transaction, null);
    assert.equal(waiting.finalizeAfter, initiated.finalizeAfter);

    // Meanwhile the seller claims with the last voucher it holds from us (4 × price).
    assert.equal((await seller.manager.claim()).length, 1);
    await seller.manager.settle();
    assert.equal(await balance(receiver.address), receiverBefore + 4n * PRICE);

    await passDelay();
    const finalized = await payer.channels.withdraw(listed.id);
    assert.equal(finalized.action, 'finalized');
    assert.equal(finalized.amount, DEPOSIT - 4n * PRICE);
    assert.match(finalized.transaction, /^0x[0-9a-f]{64}$/);
    assert.equal(finalized.channel.state, 'refused', 'still refused: no new session with this seller');
    assert.equal(await balance(buyer.address), before - 4n * PRICE);
    assert.equal(await balance(receiver.address), receiverBefore + 4n * PRICE);
    assert.deepEqual(await world.chain.publicClient.readContract({
      address: world.batchSettlement.address, abi: world.batchSettlement.abi, functionName: 'channels', args: [fullId],
    }), [4n * PRICE, 4n * PRICE]);
    const spent = await payer.spend();
    assert.equal(spent.today.total, 4n * PRICE, 'the budget got back exactly what the finalize paid');
    assert.equal(spent.total, 4n * PRICE);

    await assert.rejects(payer.channels.withdraw(listed.id), (error) => {
      assert.equal(error.code, 'ERR_NOTHING_TO_WITHDRAW');
      assert.match(error.message, /holds nothing unclaimed on chain \(balance 4000, claimed 4000 base units\)/);
      return true;
    });
    assert.equal((await payer.spend()).today.total, 4n * PRICE, 'no second release');
    await assert.rejects(payer.startSession(proxy.url, { deposit: DEPOSIT }), { code: 'ERR_CHANNEL_REFUSED' });
  });


  test('clawpay channel list | withdraw <id>: initiated, waiting, finalized, then nothing to withdraw (exit 1); a bad id is exit 2', async () => {
    const stateDir = await parties.tempDir('clawpay-channel-cli-');
    const env = { ...describeWorld(world).mcpEnv, CLAWPAY_STATE_DIR: stateDir, CLAWPAY_MAX_PER_SESSION: '1.00' };
    // The chain's clock is ahead of ours after the last test: the deposit is signed on the chain's time.
    const skew = Number((await world.chain.publicClient.getBlock()).timestamp) * 1000 - Date.now();
    const payer = await createPayer.fromEnv(env, { now: () => Date.now() + skew });
    const before = await balance(world.payer.address);
    const receiverBefore = await balance(receiver.address);
    const session = await refusedChannel(payer);
    const { id } = session.status().channel;
    await payer.close();
    const cli = (...args) => runNode(CLI, ['channel', ...args], { env: { ...env, PATH: process.env.PATH } });

    const listed = await cli('list');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^${id}  refused {6}deposit 0\\.04 USD Coin \\(40000 base units\\)`, 'm'));
    assert.match(listed.stdout, /refused: {4}the seller claims 50000 base units charged/);
    assert.doesNotMatch(listed.stdout + listed.stderr, /[0-9a-f]{64}/i, 'no 64-hex-digit run in a listing');

    const initiated = await cli('withdraw', id);
    assert.equal(initiated.code, 0, initiated.stderr);
    assert.match(initiated.stdout, /^Initiated the withdrawal of 0\.04 USD Coin .* from channel 0x[0-9a-f]{8}… \(tx 0x[0-9a-f]{64}\)\. The seller may still claim/);
    assert.match(initiated.stdout, /withdrawal: 0\.04 USD Coin .* announced; finalize after \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \(chain time\)/);
    const waiting = await cli('withdraw', id);
    assert.equal(waiting.code, 0, waiting.stderr);
    assert.match(waiting.stdout, /can be finalized after .*; nothing was sent\./);

    await seller.manager.claim();
    await seller.manager.settle();
    await passDelay();
    const finalized = await cli('withdraw', id);
    assert.equal(finalized.code, 0, finalized.stderr);
    assert.match(finalized.stdout, /^Withdrew 0\.036 USD Coin \(36000 base units\) from channel .*; it is back in today's budget\./);
    assert.equal(await balance(world.payer.address), before - 4n * PRICE);
    assert.equal(await balance(receiver.address), receiverBefore + 4n * PRICE);

    const again = await cli('withdraw', id);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^clawpay channel: channel 0x[0-9a-f]{8}… holds nothing unclaimed on chain/);
    const bad = await cli('withdraw', 'nope');
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /"nope" is not a channel id/);

    const reopened = await createPayer.fromEnv(env);
    parties.defer(() => reopened.close());
    assert.equal((await reopened.spend()).today.total, 4n * PRICE, 'the budget holds what the seller kept, once');
  });
});
