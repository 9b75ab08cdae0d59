// Session-token requests through paywall replicas on one Redis (autocannon,
// loopback): the bare handler, one replica on its own in-memory journal, one
// replica on Redis, and three replicas on Redis loaded at once. Every server
// is its own process (lib/devnet/paywall_replica.js); Redis is our own
// redis-server (AOF, fsync always). With Redis the gate asks Redis whether
// the session was revoked on every request, so a revocation at any replica
// holds at the next request: the cost of that round trip is what is shown.
//   node bench/redis.js [--seconds N]
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import autocannon from 'autocannon';
import { decodePaymentRequiredHeader, decodePaymentResponseHeader, encodePaymentSignatureHeader } from '@x402/core/http';
import { ExactEvmScheme } from '@x402/evm/exact/client';
import { x402Client } from '@x402/fetch';

import { Signer, buildSessionToken, toViemAccount } from '../lib/index.js';
import { SESSION_EXTRA } from '../lib/paywall/offers.js';
import { redisStore } from '../lib/paywall/redis_store.js';
import { startRedisServer } from '../lib/devnet/redis_server.js';
import { startWorld } from '../lib/devnet/world.js';

const REPLICA = fileURLToPath(new URL('../lib/devnet/paywall_replica.js', import.meta.url));
const PUBLIC_URL = 'http://paid.example';
const CONNECTIONS = 32;

async function startReplica(config) {
  const child = spawn(process.execPath, [REPLICA, JSON.stringify(config)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = await once(createInterface({ input: child.stdout }), 'line');
  return { child, url: `http://127.0.0.1:${JSON.parse(line).port}/session/forecast` };
}

// Buys a session at `url` and returns a token for it.
async function sessionToken(signer, world, url) {
  const client = new x402Client((version, offers) => offers.find((o) => o.extra?.[SESSION_EXTRA]))
    .setSpendControls({ allowedAssets: [{ network: world.chain.network, asset: world.token.address, maxAmountPerPayment: '1000000' }] })
    .register(world.chain.network, new ExactEvmScheme(toViemAccount(signer)));
  const offer = await fetch(url);
  const payload = await client.createPaymentPayload(decodePaymentRequiredHeader(offer.headers.get('payment-required')));
  const bought = await fetch(url, { headers: { 'PAYMENT-SIGNATURE': encodePaymentSignatureHeader(payload) } });
  if (bought.status !== 200) throw new Error(`buying a session failed: ${bought.status} ${await bought.text()}`);
  const { transaction } = decodePaymentResponseHeader(bought.headers.get('payment-response'));
  const now = Math.floor(Date.now() / 1000);
  const { token } = await buildSessionToken({
    version: 'clawpay/1.1', sessionId: randomUUID(), walletAddress: signer.address, endpoint: `${PUBLIC_URL}/session`,
    scope: 'prefix', createdAt: now, expiresAt: now + 3600, paymentTxHash: transaction, paymentAmount: '50000',
  }, signer);
  return token;
}

/** Requests/s over `urls` loaded together (the connections split between them), and the mean latency. */
async function load(urls, token, seconds) {
  const results = await Promise.all(urls.map((url) => autocannon({
    url, headers: { 'X-Session-Token': token }, connections: Math.ceil(CONNECTIONS / urls.length), duration: seconds,
  })));
  for (const [i, result] of results.entries()) {
    const bad = result.non2xx + result.errors + result.timeouts;
    if (bad > 0) throw new Error(`${urls[i]}: ${bad} failed requests of ${result.requests.total}`);
  }
  const rate = results.reduce((sum, r) => sum + r.requests.average, 0);
  const latency = results.reduce((sum, r) => sum + r.latency.average, 0) / results.length;
  return { rate, latency };
}

export async function redisRows({ seconds = 3, rounds = 2 } = {}) {
  const redis = await startRedisServer();
  const world = await startWorld();
  const signer = Signer.fromPrivateKey(world.payer.privateKey);
  const children = [];
  try {
    const base = {
      facilitatorUrl: world.facilitator.url, network: world.chain.network, payTo: world.payTo, v1Names: world.v1Names,
      token: { address: world.token.address, name: world.token.name, version: world.token.version, decimals: world.token.decimals },
      publicUrl: PUBLIC_URL, nonceKey: randomBytes(32).toString('hex'),
    };
    const start = async (config) => {
      const replica = await startReplica({ ...base, ...config });
      children.push(replica.child);
      return replica.url;
    };
    const bare = await start({ store: 'none' });
    const journal = await start({ store: 'memory' });
    const shared = [];
    for (let i = 0; i < 3; i += 1) shared.push(await start({ redisUrl: redis.url }));
    const journalToken = await sessionToken(signer, world, journal);
    const redisToken = await sessionToken(signer, world, shared[0]);

    const cases = [
      ['bare handler (no paywall)', [bare], journalToken],
      ['1 replica, in-memory journal', [journal], journalToken],
      ['1 replica on Redis', [shared[0]], redisToken],
      ['3 replicas on one Redis', shared, redisToken],
    ];
    const best = new Map();
    for (const [name, urls, token] of cases) await load(urls, token, 1); // warm-up
    for (let round = 0; round < rounds; round += 1) {
      for (const [name, urls, token] of round % 2 === 0 ? cases : [...cases].reverse()) {
        const measured = await load(urls, token, seconds);
        if (!best.has(name) || measured.rate > best.get(name).rate) best.set(name, measured);
      }
    }
    // The one Redis round trip a session request adds, measured alone: sequential reads, median.
    const store = redisStore({ url: redis.url });
    await store.ready;
    const samples = [];
    const tx = `0x${'ab'.repeat(32)}`;
    for (let i = 0; i < 3000; i += 1) {
      const t = process.hrtime.bigint();
      await store.revokedAt(tx);
      samples.push(Number(process.hrtime.bigint() - t) / 1000);
    }
    await store.close();
    samples.sort((a, b) => a - b);
    const rows = cases.map(([name]) => ({ name, ...best.get(name) }));
    rows.revocationReadUs = samples[samples.length >> 1];
    return rows;
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => (child.exitCode === null ? once(child, 'exit') : null)));
    signer.destroy();
    await world.stop();
    await redis.stop();
  }
}

export function printRedis(rows) {
  console.log(`\nSession tokens through replicas on one Redis (autocannon, ${CONNECTIONS} connections, loopback, best of interleaved rounds)`);
  const bare = rows[0].rate;
  for (const row of rows) {
    console.log(`  ${row.name.padEnd(32)} ${row.rate.toFixed(0).padStart(7)} req/s  ${(100 * row.rate / bare).toFixed(1).padStart(5)}%  mean latency ${row.latency.toFixed(2)} ms`);
  }
  const journal = rows.find((r) => r.name.includes('journal')).rate;
  const one = rows.find((r) => r.name === '1 replica on Redis').rate;
  // Per request, from throughput: the server time Redis adds over the journal.
  console.log(`  Redis adds ${(1e6 / one - 1e6 / journal).toFixed(1)} µs of server time per session request over the journal (from throughput)`);
  console.log(`  one revocation read (GET on loopback, sequential): ${rows.revocationReadUs.toFixed(1)} µs median`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--seconds');
  printRedis(await redisRows(at > 0 ? { seconds: Number(process.argv[at + 1]) } : {}));
}
