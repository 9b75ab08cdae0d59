// Load through the paywall on loopback (autocannon): the same Express
// handler bare and behind the paywall with a session token, interleaved
// rounds, best mean throughput of each, and the server's CPU time per
// request in each window (what the paywall costs, less swayed than
// throughput by other work on a shared machine); and per-call x402 payments
// per second, each a fresh EIP-3009 signature settled on the local chain.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

import autocannon from 'autocannon';
import { wrapFetchWithPayment, x402Client } from '@x402/fetch';
import { ExactEvmScheme } from '@x402/evm/exact/client';

import { Signer, toViemAccount } from '../lib/index.js';

const SERVER = fileURLToPath(new URL('./support/paywall_server.js', import.meta.url));

async function startServer() {
  const child = spawn(process.execPath, [SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.setEncoding('utf8');
  let text = '';
  for await (const chunk of child.stdout) {
    text += chunk;
    if (text.includes('\n')) break;
  }
  return { child, ...JSON.parse(text.slice(0, text.indexOf('\n'))) };
}

const cpuMicros = async (info) => (await (await fetch(info.cpu)).json()).micros;

/** {rate: mean req/s, cpu: the server's CPU µs per request} over `seconds` of load. */
async function load(info, url, headers, seconds) {
  const before = await cpuMicros(info);
  const result = await autocannon({ url, headers, connections: 32, pipelining: 1, duration: seconds });
  const cpu = (await cpuMicros(info) - before) / result.requests.total;
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${url}: ${bad} failed requests of ${result.requests.total}`);
  return { rate: result.requests.average, cpu };
}

// Pays per call with `concurrency` clients for `seconds`; payments per second.
async function paymentsPerSecond(info, { concurrency = 8, seconds = 5 } = {}) {
  const signer = Signer.fromPrivateKey(info.world.payer.privateKey);
  const client = new x402Client()
    .setSpendControls({ allowedAssets: [{ network: info.world.network, asset: info.world.asset.address, maxAmountPerPayment: '10000' }] })
    .register(info.world.network, new ExactEvmScheme(toViemAccount(signer)));
  const pay = wrapFetchWithPayment(fetch, client);
  const deadline = Date.now() + seconds * 1000;
  let paid = 0;
  const start = Date.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (Date.now() < deadline) {
      const res = await pay(info.perCall);
      if (res.status !== 200) throw new Error(`payment failed: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
      paid += 1;
    }
  }));
  signer.destroy();
  return paid / ((Date.now() - start) / 1000);
}

const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Issue #14: session-authorised requests at ≥ 95% of the bare handler's throughput. */
export const PAYWALL_TARGET = 0.95;

export async function paywallRows({ rounds = 4, seconds = 4 } = {}) {
  const info = await startServer();
  try {
    // Both servers get the same request, token included: the difference is
    // the paywall's work, not the bytes on the wire.
    const session = { 'X-Session-Token': info.token };
    await load(info, info.bare, session, 1); // warm-up, both paths
    await load(info, info.paid, session, 1);
    const perRound = [];
    for (let round = 0; round < rounds; round++) {
      // Alternate which goes first, so drift in the machine favours neither.
      const order = round % 2 === 0 ? ['bare', 'paid'] : ['paid', 'bare'];
      const measured = {};
      for (const which of order) measured[which] = await load(info, info[which], session, seconds);
      perRound.push(measured);
    }
    const bare = Math.max(...perRound.map((r) => r.bare.rate));
    const paid = Math.max(...perRound.map((r) => r.paid.rate));
    const cpu = (which) => median(perRound.map((r) => r[which].cpu));
    const perCall = await paymentsPerSecond(info);
    return { bare, paid, ratio: paid / bare, cpuBare: cpu('bare'), cpuPaid: cpu('paid'), perRound, perCall, ownNs: info.ownNs };
  } finally {
    info.child.kill('SIGTERM');
    await once(info.child, 'exit');
  }
}

export function printPaywall({ bare, paid, ratio, cpuBare, cpuPaid, perRound, perCall, ownNs }) {
  console.log('\nPaywall under load (autocannon, 32 connections, loopback, best of interleaved rounds; server CPU per request, median of rounds)');
  console.log(`  handler without the paywall           ${bare.toFixed(0).padStart(7)} req/s  ${cpuBare.toFixed(1).padStart(6)} µs CPU/request`);
  console.log(`  same handler, session token verified  ${paid.toFixed(0).padStart(7)} req/s  ${cpuPaid.toFixed(1).padStart(6)} µs CPU/request  (${(100 * ratio).toFixed(1)}%; CPU +${(cpuPaid - cpuBare).toFixed(1)} µs)`);
  // What a CPU-bound server could serve, from its CPU per request: the
  // figure a shared machine sways least (each round's throughput swings).
  console.log(`  capacity from CPU per request, session/bare: ${(100 * cpuBare / cpuPaid).toFixed(1)}%`);
  const rounds = perRound.map((r) => `${r.bare.rate.toFixed(0)}/${r.paid.rate.toFixed(0)} (${(100 * r.paid.rate / r.bare.rate).toFixed(0)}%)`);
  const ratios = perRound.map((r) => r.paid.rate / r.bare.rate);
  console.log(`  per round, bare/session req/s: ${rounds.join(', ')}; median ratio ${(100 * median(ratios)).toFixed(0)}%`);
  console.log(`  the paywall's own work per session request (in process, no socket)  ${(ownNs / 1000).toFixed(2)} µs`);
  console.log(`  per-call x402 payments, settled       ${perCall.toFixed(1).padStart(7)} payments/s (8 paying clients)`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await paywallRows();
  printPaywall(rows);
  console.log(`  ${rows.ratio >= PAYWALL_TARGET ? 'met ' : 'MISS'}  session-authorised throughput ≥ ${100 * PAYWALL_TARGET}% of the bare handler`);
}
