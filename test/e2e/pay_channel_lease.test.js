// The channel's in-flight lease across real buyer processes on one state
// directory (support/channel_buyer_child.js), paying the official
// batch-settlement server through a recording proxy:
// - a refund takes the lease as a voucher does: ended while another
//   process's voucher is held by the proxy, the refund waits for its answer
//   and asks at the total that includes it (without the lease it is sent
//   while the voucher is out);
// - an idle holder (its answer in, alive, its lease not ended) does not make
//   a newcomer wait for the lease's end: it hands the lease over as soon as
//   the newcomer is in line (without that, the newcomer's voucher could only
//   go after the holder's `until`, 65 s on).
// Money exact on chain to the base unit.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';

import { Signer } from '../../lib/index.js';
import { usdcBalance } from '../../lib/devnet/token.js';
import { RecordStore } from '../../lib/record_store.js';
import { fund, startOfficialChannelWorld } from './support/channel_parties.js';
import { runBuyer } from './support/run_buyer.js';

const PRICE = 1_000n;
const DEPOSIT = PRICE * 100n;

describe('the channel lease across buyer processes', { timeout: 240_000 }, () => {
  let made;
  let world;

  const balance = (address) => usdcBalance({ chain: world.chain, token: world.token, address });

  /** A funded anvil account's key, the buyers' env on a new state directory, and a reader of its channel records. */
  async function buyerOn(account) {
    const key = world.chain.accounts[account].privateKey;
    const signer = Signer.fromPrivateKey(key);
    const address = signer.address;
    signer.destroy();
    await fund(world, address);
    const stateDir = await made.parties.tempDir('clawpay-channel-lease-');
    const env = {
      CHANNEL_KEY: key, CHANNEL_STATE_DIR: stateDir, CHANNEL_URL: made.proxy.url, CHANNEL_DEPOSIT: String(DEPOSIT),
      CHAIN_ID: String(world.chain.chainId), RPC_URL: world.chain.rpcUrl,
      CHANNEL_ASSET: JSON.stringify({ address: world.token.address, name: world.token.name, version: world.token.version }),
    };
    let store = null;
    /** The channel's record as the state directory holds it now (read under the store's lock, nothing written). */
    const record = (channelId) => {
      store ??= new RecordStore({ path: join(stateDir, 'pay.records') });
      let seen = null;
      store.update(`channel/${channelId.toLowerCase()}`, (value) => { seen = value; return undefined; });
      return seen;
    };
    made.parties.defer(() => store?.close());
    return { address, env, record };
  }

  before(async () => {
    made = await startOfficialChannelWorld({ price: PRICE, minDeposit: PRICE * 10n, proxy: true, prefix: 'clawpay-channel-lease-' });
    ({ world } = made);
  });

  after(() => made?.stop());

  test('a refund waits for another process\'s voucher in flight and asks at the total including it; the money exact', async () => {
    const { address, env, record } = await buyerOn(7);
    const start = await balance(address);
    const receiverStart = await balance(made.parties.receiver.address);
    const opened = await runBuyer({ ...env, CHANNEL_CALLS: '1' }); // the deposit (1 × price) and a voucher (2 × price)
    assert.equal(opened.code, 0, opened.stderr);
    const { channel } = opened.lines[0];

    const held = made.proxy.next('hold');
    const voucher = runBuyer({ ...env, CHANNEL_CALLS: '1' });
    await held.reached;
    const from = made.proxy.vouchers.length;
    const ending = runBuyer({ ...env, CHANNEL_CALLS: '0', CHANNEL_END: '1' });
    // Until the ending process is in line for the lease, or (without it) its refund reached the seller.
    while (!record(channel).waiting && !made.proxy.vouchers.slice(from).some((v) => v.type === 'refund')) await pause(20);
    held.release();
    const [paid, ended] = await Promise.all([voucher, ending]);
    assert.equal(paid.code, 0, paid.stderr);
    assert.equal(ended.code, 0, ended.stderr);
    assert.equal(paid.lines.find((line) => line.call === 1).status, 200);

    const refunds = made.proxy.vouchers.filter((v) => v.type === 'refund');
    assert.deepEqual(refunds, [{ type: 'refund', amount: 3n * PRICE, whileHeld: false }], 'one refund, sent after the voucher\'s answer, at its total');
    const { refund, charged } = ended.lines.find((line) => line.refund);
    assert.equal(BigInt(charged), 3n * PRICE);
    assert.equal(refund.error, null);
    assert.equal(BigInt(refund.refunded), DEPOSIT - 3n * PRICE);
    assert.equal(record(channel).inFlight, null, 'the lease given up with the channel closed');
    await made.seller.manager.settle();
    assert.equal(await balance(address), start - 3n * PRICE);
    assert.equal(await balance(made.parties.receiver.address), receiverStart + 3n * PRICE);
  });

  test('an idle lease holder hands the lease to a newcomer at once, long before its lease would end; every voucher a new amount, the money exact', async () => {
    const { address, env, record } = await buyerOn(8);
    const start = await balance(address);
    const receiverStart = await balance(made.parties.receiver.address);
    const opened = await runBuyer({ ...env, CHANNEL_CALLS: '0' }); // the deposit (1 × price)
    assert.equal(opened.code, 0, opened.stderr);
    const { channel } = opened.lines[0];
    const from = made.proxy.vouchers.length;

    let idle;
    const isIdle = new Promise((resolve) => { idle = resolve; });
    const holder = runBuyer({ ...env, CHANNEL_CALLS: '1', CHANNEL_STAY: '1', CHANNEL_TIMEOUT_MS: '60000' }, (line, child) => {
      if (line.idle) idle(child);
    });
    const holderChild = await isIdle;
    const lease = record(channel).inFlight;
    assert.equal(lease.pid, holderChild.pid, 'the idle holder still holds the lease');
    assert.ok(lease.until - Date.now() > 50_000, 'its lease would last a minute more');

    const newcomer = await runBuyer({ ...env, CHANNEL_CALLS: '2', CHANNEL_END: '1' });
    const doneAt = Date.now();
    assert.equal(newcomer.code, 0, newcomer.stderr);
    assert.deepEqual(newcomer.lines.filter((line) => line.call !== undefined).map((line) => line.status), [200, 200]);
    assert.ok(doneAt < lease.until, 'served while the idle holder\'s lease had not ended');
    holderChild.kill('SIGTERM');
    const held = await holder;
    assert.equal(held.code, 0, held.stderr);

    // 2, 3, 4 × price, then the refund at 4 × price: each voucher a new cumulative amount.
    assert.deepEqual(made.proxy.vouchers.slice(from).map((v) => [v.type, v.amount]),
      [['voucher', 2n * PRICE], ['voucher', 3n * PRICE], ['voucher', 4n * PRICE], ['refund', 4n * PRICE]]);
    const { refund } = newcomer.lines.find((line) => line.refund);
    assert.equal(BigInt(refund.refunded), DEPOSIT - 4n * PRICE);
    await made.seller.manager.settle();
    assert.equal(await balance(address), start - 4n * PRICE);
    assert.equal(await balance(made.parties.receiver.address), receiverStart + 4n * PRICE);
  });
});
