// A seller that refuses the paid retry — with a 402, or with 200 and
// PAYMENT-RESPONSE success:false — and then submits the signed EIP-3009
// authorization on chain itself, before answering (fast) or later (slow).
// Whatever it does, the payer's on-chain spend never passes the daily cap,
// and the payer's own view of what it spent equals the chain's, before and
// after a restart. Cancelling an open authorization releases its budget once
// the cancel is mined, and the seller can no longer settle it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Signer } from '../../lib/index.js';
import { usdcBalance } from '../../lib/devnet/token.js';
import { describeWorld, startWorld } from '../../lib/devnet/world.js';
import { createPayer, loadConfig, openPayStore } from '../../lib/pay/index.js';
import { createChainClients } from '../../lib/wallet/chain_client.js';
import { createTxSender } from '../../lib/wallet/tx_sender.js';
import { launchClawpay } from './support/clawpay_child.js';
import { startHostileSeller } from './support/hostile_seller.js';
import { runNode } from './support/run_node.js';

const PRICE = 50_000n; // 0.05 USDC
const CAP = 200_000n; // 0.20 USDC a day
const CALLS = 10;
const BIN = fileURLToPath(new URL('../../bin/clawpay.js', import.meta.url));

/** `clawpay payments ...` with `env`: {code, stdout, stderr}. */
function payments(args, env) {
  return runNode(BIN, ['payments', ...args], { env: { PATH: process.env.PATH, ...env } });
}

describe('a seller that refuses and settles anyway', { timeout: 300_000 }, () => {
  let world;
  let info;
  let relayer;
  const dirs = [];
  const stops = [];

  const balance = () => usdcBalance({ chain: world.chain, token: world.token, address: world.payer.address });

  /** The environment of a state dir of its own, with a 0.20 USDC daily cap. */
  function freshEnv() {
    const dir = mkdtempSync(join(tmpdir(), 'hostile-seller-'));
    dirs.push(dir);
    return { ...info.mcpEnv, CLAWPAY_STATE_DIR: dir, CLAWPAY_MAX_PER_DAY: '0.20', CLAWPAY_MAX_PER_CALL: '0.05', CLAWPAY_MAX_PER_SEND: '0.05' };
  }
  const freshConfig = () => loadConfig(freshEnv());

  /** A payer on the config's state dir, as clawpay-mcp opens it; `restart()` closes it and opens another on the same dir. */
  async function openPayer(config, options = {}) {
    const store = await openPayStore(config);
    const payer = createPayer({ config, store, ...options });
    return { payer, store, close: () => { payer.close(); store.close(); } };
  }

  before(async () => {
    world = await startWorld();
    info = describeWorld(world);
    relayer = Signer.fromPrivateKey(world.chain.accounts[7].privateKey);
  });

  after(async () => {
    for (const stop of stops.reverse()) await stop();
    relayer?.destroy();
    await world?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  for (const mode of ['status402', 'successFalse']) {
    for (const speed of ['fast', 'slow']) {
      test(`refusing with ${mode === 'status402' ? 'a 402' : '200 and success:false'}, settling ${speed}: on-chain spend stays within the cap and the payer's view equals the chain's`, async () => {
        const seller = await startHostileSeller({ world, relayer, price: PRICE, mode, speed });
        stops.push(seller.stop);
        const config = freshConfig();
        const start = await balance();
        const chainSpent = async () => start - await balance();
        let opened = await openPayer(config);

        const outcomes = [];
        for (let i = 0; i < CALLS; i++) {
          try {
            const result = await opened.payer.fetch(seller.url);
            outcomes.push(result.payment.status);
          } catch (error) {
            assert.equal(error.code, 'ERR_POLICY_REFUSED');
            assert.equal(error.rule, 'per_day');
            outcomes.push('policy');
          }
          assert.ok(await chainSpent() <= CAP, `after call ${i + 1} the chain shows ${await chainSpent()} spent, above the cap`);
        }
        const expected = speed === 'fast' ? 'settled' : 'refused';
        assert.deepEqual(outcomes, [...Array(4).fill(expected), ...Array(6).fill('policy')]);

        if (speed === 'slow') {
          // Nothing moved yet, but four authorizations could: all pending,
          // also after a restart.
          assert.equal(await chainSpent(), 0n);
          let view = await opened.payer.spend();
          assert.deepEqual([view.spent, view.pending, view.remaining], [0n, CAP, 0n]);
          assert.equal(view.open.length, 4);
          assert.ok(view.open.every((p) => p.cancel === `clawpay payments cancel ${p.paymentId}`));
          opened.close();
          opened = await openPayer(config);
          assert.deepEqual(await opened.payer.reconcile(), { settled: 0, failed: 0, open: 4 });
          view = await opened.payer.spend();
          assert.deepEqual([view.spent, view.pending], [0n, CAP]);
          await seller.settleHeld();
        }
        assert.equal(seller.settled.length, 4);
        assert.deepEqual(seller.failures, []);
        assert.equal(await chainSpent(), CAP);

        let view = await opened.payer.spend();
        assert.deepEqual([view.spent, view.pending, view.remaining], [await chainSpent(), 0n, 0n]);
        const marked = opened.payer.ledger.list().filter((r) => r.settledAfterRefusal);
        assert.equal(marked.length, 4);
        for (const record of marked) {
          assert.equal(record.state, 'settled');
          assert.deepEqual([record.settledAfterRefusal.payTo, record.settledAfterRefusal.origin], [world.payTo, seller.origin]);
          assert.equal(record.transaction, seller.settled.find((s) => s.nonce === record.nonce).transaction, 'the transaction from the chain\'s logs');
        }

        // After a restart: the same, from the records and the chain.
        opened.close();
        opened = await openPayer(config);
        await opened.payer.reconcile();
        view = await opened.payer.spend();
        assert.deepEqual([view.spent, view.pending], [await chainSpent(), 0n]);
        await assert.rejects(opened.payer.fetch(seller.url), { code: 'ERR_POLICY_REFUSED', rule: 'per_day' });
        assert.equal(await chainSpent(), CAP);
        opened.close();
      });
    }
  }

  test('cancel releases the reservation only once the cancel is mined; the seller can then no longer settle it', async () => {
    const seller = await startHostileSeller({ world, relayer, price: PRICE, mode: 'status402', speed: 'slow' });
    stops.push(seller.stop);
    const config = freshConfig();
    const start = await balance();
    const key = Signer.fromPrivateKey(config.privateKey);
    const clients = createChainClients(config, { signer: key });
    let heldAtBroadcast = null;
    let opened;
    const store = await openPayStore(config);
    const sender = createTxSender({
      store, signer: key, clients, rpcUrl: config.rpcUrl,
      broadcast: (rawTx) => {
        heldAtBroadcast = opened.payer.policy.spent();
        return clients.walletClient.sendRawTransaction({ serializedTransaction: rawTx });
      },
    });
    opened = { payer: createPayer({ config, store, sender }) };
    const refused = await opened.payer.fetch(seller.url);
    assert.equal(refused.payment.status, 'refused');
    assert.equal((await opened.payer.spend()).pending, PRICE);

    const cancelled = await opened.payer.cancel(refused.payment.paymentId);
    assert.equal(heldAtBroadcast, PRICE, 'the budget is still held when the cancel is broadcast');
    assert.equal(cancelled.cancelled, true);
    assert.equal(cancelled.payment.status, 'failed');
    assert.match(cancelled.transaction, /^0x[0-9a-f]{64}$/);
    assert.equal(opened.payer.ledger.get(refused.payment.paymentId).cancelTransaction, cancelled.transaction);
    const view = await opened.payer.spend();
    assert.deepEqual([view.total, view.pending, view.remaining], [0n, 0n, CAP]);

    await seller.settleHeld();
    assert.equal(seller.settled.length, 0);
    assert.match(seller.failures[0].error, /used or canceled/);
    assert.equal(await balance(), start, 'no money moved');

    // A second refused payment that the seller settles before the cancel: paid, not released.
    const second = await opened.payer.fetch(seller.url);
    await seller.settleHeld();
    const late = await opened.payer.cancel(second.payment.paymentId);
    assert.equal(late.cancelled, false);
    assert.equal(late.payment.status, 'settled');
    assert.ok(late.payment.settledAfterRefusal);
    assert.deepEqual([(await opened.payer.spend()).spent, start - await balance()], [PRICE, PRICE]);
    await assert.rejects(opened.payer.cancel(second.payment.paymentId), { code: 'ERR_NOT_CANCELLABLE' });
    opened.payer.close();
    store.close();
    key.destroy();
  });

  test('`clawpay payments` lists the open authorization with its cancel command, and `cancel` makes it unsettleable', async () => {
    const seller = await startHostileSeller({ world, relayer, price: PRICE, mode: 'successFalse', speed: 'slow' });
    stops.push(seller.stop);
    const env = freshEnv();
    const config = loadConfig(env);
    const start = await balance();
    const opened = await openPayer(config);
    const refused = await opened.payer.fetch(seller.url);
    assert.equal(refused.status, 200);
    assert.equal(refused.payment.status, 'refused');
    opened.close();

    const listed = await payments([], env);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /0\.00 USD Coin spent, 0\.05 USD Coin pending \(open authorizations\), 0\.15 USD Coin remaining of 0\.20 USD Coin/);
    assert.ok(listed.stdout.includes(`cancel:   clawpay payments cancel ${refused.payment.paymentId}`));
    assert.ok(!listed.stdout.includes(config.privateKey.slice(2)));

    assert.equal((await payments(['cancel', 'not-an-id'], env)).code, 2);
    const cancelled = await payments(['cancel', refused.payment.paymentId], env);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.match(cancelled.stdout, /Cancelled .* on chain \(tx 0x[0-9a-f]{64}\)/);
    const after = await payments([], env);
    assert.match(after.stdout, /0\.00 USD Coin spent, 0\.00 USD Coin pending .*0\.20 USD Coin remaining/);
    assert.match(after.stdout, /No open authorizations/);

    await seller.settleHeld();
    assert.match(seller.failures[0].error, /used or canceled/);
    assert.equal(await balance(), start);
  });

  test('clawpay-mcp: x402_pay names the open authorization and its cancel command; the wallet views show it pending, then spent, also after a restart', async () => {
    const slow = await startHostileSeller({ world, relayer, price: PRICE, mode: 'status402', speed: 'slow' });
    const fast = await startHostileSeller({ world, relayer, price: PRICE, mode: 'successFalse', speed: 'fast' });
    stops.push(slow.stop, fast.stop);
    const env = freshEnv();
    const start = await balance();
    const asset = (result) => [result.structuredContent.limits].flat().find((l) => l.token === world.token.address);
    let mcp = await launchClawpay(env);
    try {
      const refused = await mcp.callFails('x402_pay', { url: slow.url });
      const { payment } = refused.structuredContent;
      assert.equal(payment.status, 'refused');
      assert.equal(payment.cancel, `clawpay payments cancel ${payment.paymentId}`);
      assert.ok(refused.content[0].text.includes(`Cancel:    clawpay payments cancel ${payment.paymentId}`), refused.content[0].text);
      assert.match(refused.content[0].text, /can still settle until .* counts as spent \(pending\)/);

      let info = asset(await mcp.callOk('get_wallet_info'));
      assert.deepEqual([info.periodSpent.units, info.periodPending.units, info.remainingInPeriod.units], ['0', '50000', '150000']);

      const paidAnyway = await mcp.callOk('x402_pay', { url: fast.url });
      assert.equal(paidAnyway.structuredContent.payment.status, 'settled');
      assert.deepEqual(paidAnyway.structuredContent.payment.settledAfterRefusal.origin, fast.origin);
      assert.match(paidAnyway.content[0].text, /WARNING: {3}the seller .* refused this payment, then settled it on chain anyway/);

      await slow.settleHeld();
      info = asset(await mcp.callOk('check_spend_limit', { amount_eth: '0.01', token: world.token.address }));
      assert.deepEqual([info.periodSpent.units, info.periodPending.units], ['100000', '0']);
      assert.equal(start - await balance(), 100_000n);

      await mcp.close();
      mcp = await launchClawpay(env);
      info = asset(await mcp.callOk('get_wallet_info'));
      assert.deepEqual([info.periodSpent.units, info.periodPending.units, info.remainingInPeriod.units], ['100000', '0', '100000']);
      assert.equal(BigInt(info.periodSpent.units), start - await balance(), 'the agent\'s view equals the chain\'s after a restart');
    } finally {
      await mcp.close();
    }
  });
});
