// A deposit with no local record: the state directory that made it is lost
// (a new one with the same key) and its seller no longer answers. The
// channel is found on chain (the contract's ChannelCreated events for this
// payer), listed beside the local ones (source 'chain') by the library and
// `clawpay channel list`, and withdrawn the same way (initiate, wait,
// finalize); the official batch-settlement server's channel on anvil, its
// clock moved past the delay, money exact to the base unit.
import assert from 'node:assert/strict';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { usdcBalance } from '../../lib/devnet/token.js';
import { describeWorld } from '../../lib/devnet/world.js';
import { createPayer } from '../../lib/pay/public.js';
import { assetOf, passTime, startOfficialChannelWorld } from './support/channel_parties.js';
import { runNode } from './support/run_node.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '../../bin/clawpay.js');
const PRICE = 1_000n;
const DEPOSIT = PRICE * 30n;
const DELAY = 900;

describe('a channel only the chain knows (lost state directory, seller gone): found, listed, withdrawn', { timeout: 240_000 }, () => {
  let made;
  let world;
  let parties;

  const balance = (address) => usdcBalance({ chain: world.chain, token: world.token, address });
  const passDelay = () => passTime(world, DELAY + 1);
  const onChain = (channelId) => world.chain.publicClient.readContract({
    address: world.batchSettlement.address, abi: world.batchSettlement.abi, functionName: 'channels', args: [channelId],
  });

  /** A payer on a new, empty state directory with `buyer`'s key. */
  async function payerOnNewDirectory(buyer) {
    const payer = await createPayer({
      signer: buyer, chainId: world.chain.chainId, rpcUrl: world.chain.rpcUrl, stateDir: await parties.tempDir('clawpay-channel-new-dir-'),
      walletAddress: buyer.address, asset: assetOf(world),
    });
    parties.defer(() => payer.close());
    return payer;
  }

  /** A deposit and `calls` requests on the seller (the deposit's included): the session's channel. */
  async function channelThenSellerGone(payer, calls) {
    const session = await payer.startSession(made.proxy.url, { deposit: DEPOSIT });
    for (let i = 1; i < calls; i++) assert.equal((await session.fetch(made.proxy.url)).status, 200);
    return session.status().channel;
  }

  before(async () => {
    made = await startOfficialChannelWorld({ price: PRICE, minDeposit: PRICE * 10n, withdrawDelay: DELAY, proxy: true, prefix: 'clawpay-channel-found-' });
    ({ world, parties } = made);
  });

  after(() => made?.stop());

  test('payer.channels: listed as found on chain, withdrawn (initiated, waiting, finalized); the seller\'s claim of what we signed kept, the rest back; nothing released from a budget that never counted it', async () => {
    const { payer: first, buyer } = await parties.freshPayer({ eth: true });
    const start = await balance(buyer.address);
    const receiverStart = await balance(parties.receiver.address);
    const channel = await channelThenSellerGone(first, 3);
    await first.close();

    const payer = await payerOnNewDirectory(buyer);
    const { channels, scan } = await payer.channels.list();
    assert.equal(scan.complete, true);
    assert.equal(scan.fromBlock, 0n);
    assert.equal(scan.error, null);
    assert.deepEqual(channels, [{
      id: `${channel.fullId.slice(0, 10)}…`, state: 'found', source: 'chain', endpoint: null, payTo: parties.receiver.address,
      deposit: DEPOSIT, charged: 0n, signed: null, remaining: DEPOSIT, sessionId: null, withdrawal: null, refusal: null,
    }]);

    const initiated = await payer.channels.withdraw(channels[0].id);
    assert.equal(initiated.action, 'initiated');
    assert.equal(initiated.amount, DEPOSIT, 'everything unclaimed');
    assert.equal(initiated.channel.state, 'withdrawing');
    assert.equal(initiated.channel.source, 'chain', 'still marked as found on chain');
    // A third directory, its scan bounded to the newest block: the channel (created earlier) is not found, and it says so.
    const bounded = await (await payerOnNewDirectory(buyer)).channels.list({ blocks: 1 });
    assert.deepEqual(bounded.channels, []);
    assert.equal(bounded.scan.complete, false);
    assert.equal(bounded.scan.fromBlock, bounded.scan.toBlock);
    await assert.rejects((await payerOnNewDirectory(buyer)).channels.list({ blocks: 0 }), { code: 'ERR_INVALID_ARG_TYPE', name: 'RangeError' });

    const waiting = await payer.channels.withdraw(channel.fullId);
    assert.equal(waiting.action, 'waiting');
    assert.equal(waiting.finalizeAfter, initiated.finalizeAfter);

    // The seller, gone for the buyer, still claims the last voucher it holds (3 × price).
    assert.equal((await made.seller.manager.claim()).length, 1);
    await made.seller.manager.settle();
    await passDelay();
    const finalized = await payer.channels.withdraw(channels[0].id);
    assert.equal(finalized.action, 'finalized');
    assert.equal(finalized.amount, DEPOSIT - 3n * PRICE);
    assert.equal(finalized.channel.state, 'closed');
    assert.equal(await balance(buyer.address), start - 3n * PRICE);
    assert.equal(await balance(parties.receiver.address), receiverStart + 3n * PRICE);
    assert.deepEqual(await onChain(channel.fullId), [3n * PRICE, 3n * PRICE]);
    const spent = await payer.spend();
    assert.equal(spent.today.total, 0n, 'this directory never counted the deposit: nothing released, nothing below zero');

    await assert.rejects(payer.channels.withdraw(channels[0].id), { code: 'ERR_NOTHING_TO_WITHDRAW' });
    assert.deepEqual((await payer.channels.list()).channels.map((c) => [c.id, c.state, c.source]), [[channels[0].id, 'closed', 'chain']]);
  });

  test('clawpay channel list | withdraw <id> on a new state directory: the channel "found on chain", withdrawn to the base unit; no 64-hex-digit run', async () => {
    const env = { ...describeWorld(world).mcpEnv, CLAWPAY_STATE_DIR: await parties.tempDir('clawpay-channel-found-old-'), CLAWPAY_MAX_PER_SESSION: '1.00' };
    // The chain's clock is ahead of ours after the last test: the deposit is signed on the chain's time.
    const skew = Number((await world.chain.publicClient.getBlock()).timestamp) * 1000 - Date.now();
    const first = await createPayer.fromEnv(env, { now: () => Date.now() + skew });
    const start = await balance(world.payer.address);
    const { id, fullId } = await channelThenSellerGone(first, 2);
    await first.close();
    // The seller's door is gone: nothing below can ask it anything.
    await made.proxy.stop();
    made.proxy = null;
    const lost = { ...env, CLAWPAY_STATE_DIR: await parties.tempDir('clawpay-channel-found-cli-'), PATH: process.env.PATH };
    const cli = (...args) => runNode(CLI, ['channel', ...args], { env: lost });

    const listed = await cli('list');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`^${id}  found {8}deposit 0\\.03 USD Coin \\(30000 base units\\), charged 0\\.00 USD Coin \\(0 base units\\), remaining 0\\.03 USD Coin .* found on chain \\(no local record\\)$`, 'm'));
    assert.doesNotMatch(listed.stdout + listed.stderr, /[0-9a-f]{64}/i);
    assert.equal((await cli('withdraw', id)).code, 0);
    // --blocks bounds the search, in a third directory (the second now has the channel's record): the
    // newest block (the withdrawal's) does not hold the channel's creation, and the listing says so.
    const third = { ...lost, CLAWPAY_STATE_DIR: await parties.tempDir('clawpay-channel-found-bounded-') };
    const listIn = (...args) => runNode(CLI, ['channel', 'list', ...args], { env: third });
    const bounded = await listIn('--blocks', '1');
    assert.equal(bounded.code, 0, bounded.stderr);
    assert.doesNotMatch(bounded.stdout, new RegExp(id));
    assert.match(bounded.stdout, /^\(The chain was searched for this wallet's channels in blocks (\d+)–\1 only; older ones are not shown: --blocks N looks further back\.\)$/m);
    const further = await listIn('--blocks', '100000000');
    assert.match(further.stdout, new RegExp(`^${id}  withdrawing `, 'm'));
    assert.doesNotMatch(further.stdout, /searched/, 'the whole chain was read');
    for (const bad of ['0', '-5', '1e3', '2.5', '99999999999999999']) {
      const refused = await listIn(`--blocks=${bad}`);
      assert.equal(refused.code, 2, bad);
      assert.match(refused.stderr, /^clawpay channel: --blocks takes a whole number of blocks of at least 1, got "/, bad);
    }

    await passDelay();
    const finalized = await cli('withdraw', id);
    assert.equal(finalized.code, 0, finalized.stderr);
    assert.match(finalized.stdout, /^Withdrew 0\.03 USD Coin \(30000 base units\) from channel /);
    assert.equal(await balance(world.payer.address), start, 'never claimed: all of it back');
    assert.deepEqual(await onChain(fullId), [0n, 0n]);
  });
});
