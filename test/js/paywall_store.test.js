// The PaywallStore contract (lib/paywall/store.js), held by both backends:
// the same operations give the same receipts from the journal (a
// ReceiptLedger) and from Redis (our own redis-server: free loopback port,
// temp dir, AOF with fsync always). Redis-only: claims are atomic across
// clients, an outage is ERR_STORE_UNAVAILABLE at once and heals by itself,
// and `clawpay receipts export --redis` reads the receipts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { ReceiptLedger } from '../../lib/receipt_ledger.js';
import { journalStore } from '../../lib/paywall/journal_store.js';
import { redisStore } from '../../lib/paywall/redis_store.js';
import { STORE_OPERATIONS, paywallStore } from '../../lib/paywall/store.js';
import { recordSettlement } from '../../lib/paywall/settlement_record.js';
import { startRedisServer } from '../../lib/devnet/redis_server.js';

const CLAWPAY = fileURLToPath(new URL('../../bin/clawpay.js', import.meta.url));
const hex = (digit, n = 64) => `0x${digit.repeat(n)}`;

function intent(id, overrides = {}) {
  return {
    paymentId: id, kind: 'session', route: 'GET /session/*', resource: 'https://api.example.com/session/a', method: 'GET',
    network: 'eip155:31337', asset: hex('1', 40), amount: '50000', decimals: 6, payer: hex('2', 40), payTo: hex('3', 40),
    x402Version: 2, startedAt: 1000, sessionTtlSeconds: 3600, ...overrides,
  };
}

/** One sequence of operations; what each answered. */
async function script(store) {
  const a = hex('a');
  const b = hex('b');
  const seen = [];
  seen.push(await store.begin(intent(a)), await store.begin(intent(a)));
  seen.push(await store.get(a));
  await store.fail(a, { reason: 'handler_failed', at: 2000 });
  seen.push(await store.get(a), await store.begin(intent(a, { startedAt: 2500 })));
  seen.push(await store.settle(a, { transaction: hex('C'), settledAt: 3000 }));
  await assert.rejects(async () => store.settle(a, { transaction: hex('d'), settledAt: 3100 }), { code: 'ERR_INVALID_ARG' });
  seen.push(await store.begin(intent(b, { kind: 'call', sessionTtlSeconds: undefined })));
  seen.push(await store.revokedAt(hex('c')));
  seen.push(await store.revoke(hex('c'), { at: 4000 }), await store.revoke(hex('C'), { at: 5000 }), await store.revoke(hex('e'), { at: 5000 }));
  seen.push(await store.revokedAt(hex('c')), await store.byTransaction(hex('C')), await store.byTransaction(hex('e')));
  seen.push(await store.paidBy(hex('2', 40)), await store.list());
  seen.push(await store.useNonce('siwx-1', { expiresAt: Date.now() + 60_000, now: Date.now() }));
  seen.push(await store.useNonce('siwx-1', { expiresAt: Date.now() + 60_000, now: Date.now() }));
  assert.throws(() => store.begin({ ...intent(hex('f')), extra: 1 }), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => store.revokedAt('0x12'), { code: 'ERR_INVALID_ARG_VALUE' });
  return seen;
}

describe('PaywallStore', () => {
  let redis;
  const stores = [];
  const open = async (options = {}) => {
    const store = redisStore({ url: redis.url, ...options });
    stores.push(store);
    await store.ready;
    return store;
  };

  before(async () => {
    redis = await startRedisServer(); // fails naming scripts/setup.sh when redis-server is absent
  });

  after(async () => {
    for (const store of stores) await store.close();
    await redis?.stop();
  });

  test('both backends have every operation; a store and a ledger together are refused', () => {
    const journal = journalStore(new ReceiptLedger());
    for (const op of STORE_OPERATIONS) assert.equal(typeof journal[op], 'function', op);
    assert.equal(paywallStore({ ledger: journal.ledger }).sharedByReplicas, false);
    assert.throws(() => paywallStore({ store: journal, ledger: journal.ledger }), { code: 'ERR_INVALID_ARG_VALUE' });
    assert.throws(() => paywallStore({ store: {} }), { code: 'ERR_INVALID_ARG_TYPE' });
    assert.throws(() => paywallStore({}), /redisStore\(\{url\}\)/);
    assert.throws(() => redisStore({ url: 'http://localhost' }), { code: 'ERR_INVALID_ARG_TYPE' });
  });

  test('the journal and Redis answer the same sequence of operations identically', async () => {
    const journal = journalStore(new ReceiptLedger());
    const fromJournal = await script(journal);
    const fromRedis = await script(await open({ prefix: 'contract:' }));
    assert.deepEqual(fromRedis, fromJournal);
    journal.close();
  });

  test('Redis: 200 concurrent claims of one payment from three clients, exactly one wins', async () => {
    const clients = [await open({ prefix: 'race:' }), await open({ prefix: 'race:' }), await open({ prefix: 'race:' })];
    const won = await Promise.all(Array.from({ length: 200 }, (_, i) => clients[i % 3].begin(intent(hex('9')))));
    assert.equal(won.filter(Boolean).length, 1);
    const nonces = await Promise.all(Array.from({ length: 200 }, (_, i) => clients[i % 3].useNonce('once', { expiresAt: Date.now() + 60_000, now: Date.now() })));
    assert.equal(nonces.filter(Boolean).length, 1);
  });

  test('Redis: a settlement written again after a lost reply gives the same receipt; its replay outcome is kept with it', async () => {
    const store = await open({ prefix: 'settle:' });
    const id = hex('7');
    assert.equal(await store.begin(intent(id)), true);
    const replay = { outcome: '{"kind":"served"}', expiresAt: 3000 + 60_000 };
    const first = await store.settle(id, { transaction: hex('8'), settledAt: 3000, replay });
    assert.deepEqual(await store.settle(id, { transaction: hex('8'), settledAt: 3000, replay }), first);
    assert.equal(await store.replayOf(id), replay.outcome);
    assert.equal(await store.replayOf(hex('6')), null);
  });

  test('Redis down: every operation fails at once with ERR_STORE_UNAVAILABLE; back up, the store heals and kept its data', async () => {
    const store = await open({ prefix: 'outage:' });
    assert.equal(await store.begin(intent(hex('5'))), true);
    await redis.kill();
    for (const operation of [() => store.get(hex('5')), () => store.begin(intent(hex('4'))), () => store.revokedAt(hex('c')),
      () => store.useNonce('n', { expiresAt: Date.now() + 1000, now: Date.now() }), () => store.list()]) {
      await assert.rejects(operation, (error) => {
        assert.equal(error.code, 'ERR_STORE_UNAVAILABLE');
        assert.match(error.message, /Redis at redis:\/\/127\.0\.0\.1:\d+/);
        return true;
      });
    }
    const exported = spawnSync(process.execPath, [CLAWPAY, 'receipts', 'export', '--redis', redis.url], { encoding: 'utf8' });
    assert.equal(exported.status, 1, 'an unreachable Redis is an error, not an empty export');
    assert.match(exported.stderr, /^clawpay receipts: .*Redis/);
    await redis.start();
    let receipt;
    const deadline = Date.now() + 10_000;
    while (receipt === undefined && Date.now() < deadline) {
      try {
        receipt = await store.get(hex('5'));
      } catch (error) {
        assert.equal(error.code, 'ERR_STORE_UNAVAILABLE');
        await new Promise((resolve) => { setTimeout(resolve, 20); });
      }
    }
    assert.equal(receipt?.status, 'pending', 'the claim survived the kill (AOF)');
  });

  test('a settlement whose store stays away past the patience is answered not-recorded, then written once Redis is back', async () => {
    const store = await open({ prefix: 'patience:' });
    const id = hex('1');
    assert.equal(await store.begin(intent(id)), true);
    await redis.kill();
    const warnings = [];
    const onWarning = (warning) => warnings.push(warning.message);
    process.on('warning', onWarning);
    try {
      const noticed = [];
      let landed;
      const recordedLater = new Promise((resolve) => { landed = resolve; });
      const onRecorded = (receipt) => { noticed.push(receipt); landed(); };
      assert.deepEqual(await recordSettlement(store, id, { transaction: hex('0'), settledAt: 7000 }, { patienceMs: 100, onRecorded }), { ok: false });
      assert.equal(noticed.length, 0, 'nothing is announced before the receipt is written');
      await redis.start();
      let giveUp;
      await Promise.race([recordedLater, new Promise((resolve, reject) => {
        giveUp = setTimeout(() => reject(new Error('the background write never announced its receipt')), 15_000);
      })]).finally(() => clearTimeout(giveUp));
      const receipt = await store.get(id);
      assert.equal(receipt?.status, 'settled', 'the background retry recorded the settlement');
      assert.equal(receipt.transaction, hex('0'));
      assert.deepEqual(noticed.map((r) => [r.paymentId, r.transaction, r.status]), [[id, hex('0'), 'settled']],
        'onRecorded (the seller\'s onSettled and log) saw the late receipt exactly once');
      assert.ok(warnings.some((w) => w.includes(hex('0')) && w.includes('retrying')), warnings.join('\n'));
    } finally {
      process.off('warning', onWarning);
    }
  });

  test('clawpay receipts export reads Redis with --redis or CLAWPAY_REDIS_URL; --path and --redis together are bad usage', async () => {
    const store = await open();
    const id = hex('3');
    await store.begin(intent(id));
    await store.settle(id, { transaction: hex('2'), settledAt: 9000 });
    const viaFlag = spawnSync(process.execPath, [CLAWPAY, 'receipts', 'export', '--redis', redis.url, '--format', 'jsonl'], { encoding: 'utf8' });
    assert.equal(viaFlag.status, 0, viaFlag.stderr);
    const rows = viaFlag.stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.deepEqual(rows.map((row) => [row.paymentId, row.status, row.amountDecimal]), [[id, 'settled', '0.050000']]);
    const viaEnv = spawnSync(process.execPath, [CLAWPAY, 'receipts', 'export'], { encoding: 'utf8', env: { ...process.env, CLAWPAY_REDIS_URL: redis.url } });
    assert.equal(viaEnv.status, 0, viaEnv.stderr);
    assert.match(viaEnv.stdout, /^settledAt,status,/);
    const both = spawnSync(process.execPath, [CLAWPAY, 'receipts', 'export', '--redis', redis.url, '--path', '/tmp/x'], { encoding: 'utf8' });
    assert.equal(both.status, 2);
  });
});
