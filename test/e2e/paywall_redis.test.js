// The seller at scale: three paywall processes (real child processes) share
// one Redis (our own redis-server: a free loopback port, a temp directory,
// AOF with fsync on every write) on the devnet chain. One payment sent 100
// times over the three settles once and runs the handler once; a session
// revoked at one replica is refused at another on the very next request; a
// SIGN-IN-WITH-X header used at one is refused at another; a kill -9 of
// Redis in the middle of 200 paid requests loses no receipt, settles
// nothing twice, and the requests during the outage get 503.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import {
  decodePaymentRequiredHeader, decodePaymentResponseHeader, encodePaymentSignatureHeader,
} from '@x402/core/http';
import { ExactEvmScheme } from '@x402/evm/exact/client';
import { x402Client } from '@x402/fetch';
import { createSIWxPayload, encodeSIWxHeader } from '@x402/extensions/sign-in-with-x';

import { Signer, buildSessionToken, toViemAccount } from '../../lib/index.js';
import { SESSION_EXTRA } from '../../lib/paywall/offers.js';
import { redisStore } from '../../lib/paywall/redis_store.js';
import { PER_CALL_PRICE, SESSION_PRICE } from '../../lib/devnet/paywall_server.js';
import { startRedisServer } from '../../lib/devnet/redis_server.js';
import { usdcBalance } from '../../lib/devnet/token.js';
import { startWorld } from '../../lib/devnet/world.js';

const REPLICA = fileURLToPath(new URL('../../lib/devnet/paywall_replica.js', import.meta.url));
const CLAWPAY = fileURLToPath(new URL('../../bin/clawpay.js', import.meta.url));
const PUBLIC_URL = 'http://paid.example';

describe('three paywall replicas on one Redis', { timeout: 180_000 }, () => {
  let world;
  let redis;
  let store; // the test's own view of the shared store
  let signer;
  let account;
  const replicas = [];

  const balance = (address) => usdcBalance({ chain: world.chain, token: world.token, address });
  const client = (pick) => new x402Client(pick ? (version, offers) => offers.find(pick) : undefined)
    .setSpendControls({ allowedAssets: [{ network: world.chain.network, asset: world.token.address, maxAmountPerPayment: '1000000' }] })
    .register(world.chain.network, new ExactEvmScheme(account));
  const isSession = (offer) => offer.extra?.[SESSION_EXTRA] !== undefined;

  async function startReplica(nonceKey) {
    const child = spawn(process.execPath, [REPLICA, JSON.stringify({
      redisUrl: redis.url, facilitatorUrl: world.facilitator.url, network: world.chain.network, payTo: world.payTo,
      token: { address: world.token.address, name: world.token.name, version: world.token.version, decimals: world.token.decimals },
      v1Names: world.v1Names, publicUrl: PUBLIC_URL, nonceKey,
    })], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    const line = await new Promise((resolve, reject) => {
      createInterface({ input: child.stdout }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`replica exited (${code}): ${stderr}`)));
    });
    const base = `http://127.0.0.1:${JSON.parse(line).port}`;
    return { child, base, stderr: () => stderr };
  }

  const at = (i, path) => `${replicas[i % replicas.length].base}${path}`;
  const handlerRuns = async () => {
    let total = 0;
    for (const replica of replicas) total += (await (await fetch(`${replica.base}/stats`)).json()).handlerRuns;
    return total;
  };

  /** The route's PaymentRequired, from any replica. */
  async function required(path) {
    const res = await fetch(at(0, path));
    assert.equal(res.status, 402);
    return decodePaymentRequiredHeader(res.headers.get('payment-required'));
  }

  before(async () => {
    redis = await startRedisServer(); // fails naming scripts/setup.sh when redis-server is absent
    world = await startWorld();
    signer = Signer.fromPrivateKey(world.payer.privateKey);
    account = toViemAccount(signer);
    store = redisStore({ url: redis.url });
    await store.ready;
    const nonceKey = randomBytes(32).toString('hex');
    for (let i = 0; i < 3; i += 1) replicas.push(await startReplica(nonceKey));
  });

  after(async () => {
    for (const { child } of replicas) child.kill('SIGTERM');
    await Promise.all(replicas.map(({ child }) => (child.exitCode === null ? new Promise((r) => child.once('exit', r)) : null)));
    await store?.close();
    signer?.destroy();
    await world?.stop();
    await redis?.stop();
  });

  test('100 identical payments over three replicas: one settlement on chain, the handler ran once, the rest replayed or 409', async () => {
    const header = encodePaymentSignatureHeader(await client().createPaymentPayload(await required('/api/weather')));
    const payerBefore = await balance(world.payer.address);
    const payToBefore = await balance(world.payTo);
    const runsBefore = await handlerRuns();

    const responses = await Promise.all(Array.from({ length: 100 }, async (_, i) => {
      const res = await fetch(at(i, '/api/weather'), { headers: { 'PAYMENT-SIGNATURE': header } });
      return { status: res.status, replayed: res.headers.get('x-payment-replayed') === 'true', body: await res.json(), settlement: res.headers.get('payment-response') };
    }));

    assert.equal(await balance(world.payer.address), payerBefore - PER_CALL_PRICE, 'the payer paid 0.010000 USDC once');
    assert.equal(await balance(world.payTo), payToBefore + PER_CALL_PRICE, 'the seller received 0.010000 USDC once');
    assert.equal(await handlerRuns(), runsBefore + 1, 'the handler ran once over the three replicas');
    const first = responses.filter((r) => r.status === 200 && !r.replayed);
    assert.equal(first.length, 1, 'one response was the original');
    const transaction = decodePaymentResponseHeader(first[0].settlement).transaction;
    for (const r of responses) {
      if (r.status === 200) {
        assert.deepEqual(r.body, first[0].body, 'a replay gets the same body');
        assert.equal(decodePaymentResponseHeader(r.settlement).transaction, transaction);
      } else {
        assert.equal(r.status, 409, JSON.stringify(r.body));
        assert.ok(['payment_pending', 'payment_already_used'].includes(r.body.error), r.body.error);
      }
    }
    const settled = (await store.list()).filter((receipt) => receipt.transaction === transaction);
    assert.equal(settled.length, 1);
    assert.equal(settled[0].status, 'settled');
    assert.equal(settled[0].amount, PER_CALL_PRICE.toString());
  });

  test('a payment served at A is replayed at B and C from the shared store, without a second handler run', async () => {
    const header = encodePaymentSignatureHeader(await client().createPaymentPayload(await required('/api/weather')));
    const served = await fetch(at(0, '/api/weather'), { headers: { 'PAYMENT-SIGNATURE': header } });
    assert.equal(served.status, 200);
    const body = await served.json();
    const runs = await handlerRuns();
    for (const i of [1, 2]) {
      const replay = await fetch(at(i, '/api/weather'), { headers: { 'PAYMENT-SIGNATURE': header } });
      assert.equal(replay.status, 200);
      assert.equal(replay.headers.get('x-payment-replayed'), 'true');
      assert.deepEqual(await replay.json(), body);
    }
    assert.equal(await handlerRuns(), runs);
  });

  async function buySession(i) {
    const payload = await client(isSession).createPaymentPayload(await required('/session/forecast'));
    const res = await fetch(at(i, '/session/forecast'), { headers: { 'PAYMENT-SIGNATURE': encodePaymentSignatureHeader(payload) } });
    assert.equal(res.status, 200, await res.clone().text());
    const { transaction } = decodePaymentResponseHeader(res.headers.get('payment-response'));
    const now = Math.floor(Date.now() / 1000);
    const { token } = await buildSessionToken({
      version: 'clawpay/1.1', sessionId: randomUUID(), walletAddress: signer.address, endpoint: `${PUBLIC_URL}/session`,
      scope: 'prefix', createdAt: now, expiresAt: now + 3600, paymentTxHash: transaction, paymentAmount: SESSION_PRICE.toString(),
    }, signer);
    return { token, transaction };
  }

  test('a session token revoked at replica A is refused at B and C on the very next request', async () => {
    const { token } = await buySession(0);
    const withToken = (i) => fetch(at(i, '/session/forecast'), { headers: { 'X-Session-Token': token } });
    // B and C have seen the token and cached its check.
    for (const i of [1, 2, 1, 2]) assert.equal((await withToken(i)).status, 200);
    const revoked = await fetch(at(0, '/x402/session/revoke'), { method: 'POST', headers: { 'X-Session-Token': token } });
    assert.equal(revoked.status, 200);
    assert.equal((await revoked.json()).result, 'revoked');
    for (const i of [1, 2, 0]) {
      const res = await withToken(i);
      assert.equal(res.status, 402, `replica ${i}`);
      assert.equal((await res.json()).error, 'session_revoked');
    }
  });

  test('a SIGN-IN-WITH-X header used at replica A is refused at B; an unused one from A\'s challenge works at B', async () => {
    await buySession(2);
    const url = '/session/today';
    const signIn = async () => {
      const challenge = (await required(url)).extensions['sign-in-with-x'];
      const info = { ...challenge.info, chainId: world.chain.network, type: 'eip191' };
      return encodeSIWxHeader(await createSIWxPayload(info, account, `${PUBLIC_URL}${url}`));
    };
    const send = (i, header) => fetch(at(i, url), { headers: { 'SIGN-IN-WITH-X': header } });

    const fresh = await signIn();
    const ok = await send(1, fresh);
    assert.equal(ok.status, 200, 'B accepts a challenge A issued (one nonce key)');
    assert.equal((await ok.json()).signedIn, signer.address);

    const header = await signIn();
    assert.equal((await send(0, header)).status, 200);
    for (const i of [1, 2]) {
      const replay = await send(i, header);
      assert.equal(replay.status, 402);
      assert.equal((await replay.json()).error, 'siwx_replayed');
    }
  });

  test('kill -9 of Redis during 200 paid requests: every 200 is in the receipts, nothing settled twice, the outage answered 503', async () => {
    const terms = await required('/api/weather');
    const payments = [];
    for (let i = 0; i < 200; i += 1) payments.push(encodePaymentSignatureHeader(await client().createPaymentPayload(terms)));
    const payerBefore = await balance(world.payer.address);
    const payToBefore = await balance(world.payTo);
    const receiptsBefore = (await store.list()).filter((r) => r.status === 'settled').length;

    const results = [];
    const pay = async (i) => {
      const res = await fetch(at(i, '/api/weather'), { headers: { 'PAYMENT-SIGNATURE': payments[i] } });
      const body = await res.json();
      const settlement = res.headers.get('payment-response');
      return { i, status: res.status, error: body.error, transaction: settlement ? decodePaymentResponseHeader(settlement).transaction : null };
    };
    // Twelve at a time, four per replica, as a balancer spreads them.
    const run = async (from, to) => {
      for (let i = from; i < to; i += 12) {
        results.push(...await Promise.all(Array.from({ length: Math.min(12, to - i) }, (_, k) => pay(i + k))));
      }
    };

    await run(0, 60);
    // The kill lands while the next three are in flight.
    const inFlight = Promise.all([60, 61, 62].map(pay));
    await redis.kill();
    const outage = await Promise.all([63, 64, 65, 66, 67, 68].map(pay));
    results.push(...outage);
    for (const r of outage) {
      assert.equal(r.status, 503, `request ${r.i} during the outage`);
      assert.equal(r.error, 'store_unavailable');
    }
    await redis.start(); // replays its AOF
    // Those in flight at the kill were refused (503) or, settled on chain, held until their receipt was written.
    results.push(...await inFlight);

    // The replicas reconnect by themselves; a client retries its own 503s with the same payment.
    const retried = [];
    const deadline = Date.now() + 20_000;
    for (const r of results.filter((x) => x.status === 503)) {
      let again = await pay(r.i);
      while (again.status === 503 && Date.now() < deadline) {
        await new Promise((resolve) => { setTimeout(resolve, 20); });
        again = await pay(r.i);
      }
      retried.push(again);
    }
    await run(69, 200);

    const answers = [...results.filter((r) => r.status !== 503), ...retried];
    const paid = answers.filter((r) => r.status === 200);
    for (const r of answers) assert.equal(r.status, 200, `request ${r.i}: ${r.status} ${r.error}`);
    assert.equal(new Set(paid.map((r) => r.i)).size, 200, 'each of the 200 payments was answered 200');

    const receipts = (await store.list()).filter((r) => r.status === 'settled');
    const byTransaction = new Map(receipts.map((r) => [r.transaction, r]));
    for (const r of paid) assert.ok(byTransaction.has(r.transaction.toLowerCase()), `the settlement of request ${r.i} is in the receipts`);
    assert.equal(receipts.length - receiptsBefore, 200, 'exactly 200 new settled receipts');
    assert.equal(byTransaction.size, receipts.length, 'no transaction recorded twice');
    assert.equal(await balance(world.payer.address), payerBefore - 200n * PER_CALL_PRICE, 'the payer paid 2.000000 USDC: 200 settlements, none twice');
    assert.equal(await balance(world.payTo), payToBefore + 200n * PER_CALL_PRICE);

    // `clawpay receipts export` reads the same receipts from Redis.
    const exported = spawnSync(process.execPath, [CLAWPAY, 'receipts', 'export', '--redis', redis.url, '--format', 'jsonl'], { encoding: 'utf8' });
    assert.equal(exported.status, 0, exported.stderr);
    const rows = exported.stdout.trim().split('\n').map((line) => JSON.parse(line));
    assert.equal(rows.filter((row) => row.status === 'settled').length, receipts.length);
    for (const r of paid) assert.ok(rows.some((row) => row.transaction === r.transaction.toLowerCase()));
  });
});
