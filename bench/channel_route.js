// Load on a batch-settlement (payment channel) route, on loopback: the same
// Express handler (i) bare, (ii) the floor: bare plus the work no voucher
// request can avoid (decode the header, one native voucher check: EIP-712
// digest and one secp256k1 recovery), (iii) behind our paywall's channel
// route, (iv) behind the official server (@x402/express, @x402/evm's batch-settlement
// server scheme), and (v) with --before DIR, the paywall of another checkout
// (e.g. main, to compare two versions in one run), in interleaved rounds,
// the order turned each round.
// Every paid request carries the channel's next cumulative voucher: one
// channel per connection (a deposit each, made before timing), its vouchers
// signed in order beforehand; a request holds its channel until answered,
// so no voucher is skipped or sent twice. The bare handler gets a voucher header too (same bytes on the
// wire). Figures: best mean req/s of each over the rounds, the server's CPU
// per request (median of rounds), and each round's ratios. With --storage
// directory, our paywalls (and --before's) keep their channels in
// channels.directory, the default, instead of in memory.
//   node bench/channel_route.js [--before /work/main] [--storage directory] [--rounds N] [--seconds S]
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import autocannon from 'autocannon';
import { encodePaymentSignatureHeader } from '@x402/core/http';

const SERVER = fileURLToPath(new URL('./support/channel_server.js', import.meta.url));

/** Issue #17: the channel route at ≥ 90% of the bare handler's throughput. */
export const CHANNEL_ROUTE_TARGET = 0.9;

async function startServer(options) {
  const child = spawn(process.execPath, [SERVER, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.setEncoding('utf8');
  let text = '';
  for await (const chunk of child.stdout) {
    text += chunk;
    if (text.includes('\n')) break;
  }
  if (!text.includes('\n')) throw new Error('the channel bench server exited before it was ready');
  return { child, ...JSON.parse(text.slice(0, text.indexOf('\n'))) };
}

const cpuMicros = async (info) => (await (await fetch(info.cpu)).json()).micros;

// The PAYMENT-SIGNATURE header of a channel's `n`-th pre-signed voucher
// (cumulative (n + 2) × price: the deposit paid the first request).
function voucherHeader(url, channel, price, n) {
  const signature = channel.signatures[n];
  if (signature === undefined) throw new Error(`channel ${channel.channelId}: its ${channel.signatures.length} vouchers ran out; sign more`);
  return encodePaymentSignatureHeader({
    x402Version: 2, accepted: channel.requirements, resource: { url },
    payload: {
      type: 'voucher', channelConfig: channel.channelConfig,
      voucher: { channelId: channel.channelId, maxClaimableAmount: String(BigInt(n + 2) * price), signature },
    },
  });
}

// `amount` requests on `connections` connections, each carrying the next
// voucher of a channel no other request holds: a request takes a free
// channel when it is built and frees it when its answer arrives
// (autocannon gives each request's build and answer the same context). A
// count, not a duration: a run stopped by the clock would leave a request
// served that its client never heard of.
function loadChannels(target, connections, amount, timing) {
  const free = [...target.channels];
  // A request built but never sent must not skip a voucher: go on from what was answered.
  for (const channel of free) channel.next = channel.acked;
  return new Promise((resolve, reject) => {
    const instance = autocannon({
      url: target.url, connections, pipelining: 1, amount,
      requests: [{
        setupRequest: (req, context) => {
          const channel = free.pop();
          if (channel === undefined) throw new Error('no free channel: more requests in flight than channels');
          context.channel = channel;
          return { ...req, headers: { 'PAYMENT-SIGNATURE': target.header(channel)(channel.next++) } };
        },
        onResponse: (status, body, context) => {
          if (status === 200) context.channel.acked += 1;
          free.push(context.channel);
          timing.last = process.hrtime.bigint();
        },
      }],
    }, (error, result) => (error ? reject(error) : resolve(result)));
    instance.on('error', reject);
  });
}

/** {rate: req/s, cpu: the server's CPU µs per request} for `amount` requests. */
async function load(info, target, amount) {
  const before = await cpuMicros(info);
  // Timed to the last answer: autocannon ends a counted run on its next 1 s tick.
  const timing = { start: process.hrtime.bigint(), last: null };
  const result = await loadChannels(target, target.channels.length, amount, timing);
  const elapsed = Number(timing.last - timing.start) / 1e9;
  const total = result.requests.total;
  const bad = result.non2xx + result.errors + result.timeouts;
  if (bad > 0) throw new Error(`${target.url}: ${bad} failed requests of ${total}`);
  const cpu = (await cpuMicros(info) - before) / total;
  return { rate: total / elapsed, cpu };
}

const median = (values) => values.slice().sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * Each run lasts about `seconds`: its requests per connection are sized from
 * the warm-up's rate, at most what a paid channel has left of its `vouchers`.
 */
export async function channelRouteRows({ connections = 16, rounds = 4, seconds = 2, vouchers = 2000, warmup = 40, before, storage = 'memory' } = {}) {
  const out = join(tmpdir(), `clawpay-channel-bench-${process.pid}.json`);
  const info = await startServer({ channels: connections, vouchers, out, storage, ...(before ? { before } : {}) });
  try {
    const signed = JSON.parse(await readFile(out, 'utf8'));
    const price = BigInt(signed.price);
    // The floor server keeps its own running totals, so it takes our channels' vouchers afresh.
    const paid = (which, vouchersOf = which) => ({
      url: info[which],
      channels: signed[vouchersOf].map((channel) => ({ ...channel, next: 0, acked: 0 })),
      header: (channel) => (n) => voucherHeader(info[which], channel, price, n),
    });
    // The bare handler gets a voucher header too, the same one each time.
    const sample = voucherHeader(info.bare, signed.ours[0], price, 0);
    const targets = {
      bare: { url: info.bare, channels: signed.ours.map(() => ({ next: 0, acked: 0 })), header: () => () => sample },
      floor: paid('floor', 'ours'),
      ours: paid('ours'),
      official: paid('official'),
      ...(before ? { before: paid('before') } : {}),
    };
    const names = before ? ['bare', 'floor', 'before', 'ours', 'official'] : ['bare', 'floor', 'ours', 'official'];
    const amounts = {};
    for (const which of names) {
      const { rate } = await load(info, targets[which], warmup * connections);
      const left = which === 'bare' ? Infinity : Math.floor((vouchers - warmup - 1) / rounds) * connections;
      amounts[which] = Math.max(10 * connections, Math.min(left, Math.ceil(rate * seconds)));
    }
    const measured = [];
    for (let round = 0; round < rounds; round++) {
      // Alternate the order, so drift in the machine favours none.
      const order = round % 2 === 0 ? names : names.slice().reverse();
      const figures = {};
      for (const which of order) figures[which] = await load(info, targets[which], amounts[which]);
      measured.push(figures);
    }
    const best = (which) => Math.max(...measured.map((r) => r[which].rate));
    const cpu = (which) => median(measured.map((r) => r[which].cpu));
    return {
      connections, storage,
      bare: best('bare'), floor: best('floor'), ours: best('ours'), official: best('official'),
      ratio: best('ours') / best('bare'), ceiling: best('floor') / best('bare'), toFloor: best('ours') / best('floor'),
      toOfficial: best('ours') / best('official'),
      cpuBare: cpu('bare'), cpuFloor: cpu('floor'), cpuOurs: cpu('ours'), cpuOfficial: cpu('official'),
      ...(before ? { before: best('before'), cpuBefore: cpu('before') } : {}),
      measured,
    };
  } finally {
    info.child.kill('SIGTERM');
    await once(info.child, 'exit');
    await rm(out, { force: true });
  }
}

export function printChannelRoute({
  connections, storage = 'memory', bare, floor, ours, official, ratio, ceiling, toFloor, toOfficial, cpuBare, cpuFloor, cpuOurs, cpuOfficial, before, cpuBefore, measured,
}) {
  console.log(`\nChannel route under load (autocannon, ${connections} connections, one channel each, loopback, best of interleaved rounds; server CPU per request, median of rounds; our channel state ${storage === 'memory' ? 'in memory' : 'in channels.directory'})`);
  console.log(`  handler without a paywall           ${bare.toFixed(0).padStart(7)} req/s  ${cpuBare.toFixed(1).padStart(6)} µs CPU/request`);
  console.log(`  floor: bare + one native check      ${floor.toFixed(0).padStart(7)} req/s  ${cpuFloor.toFixed(1).padStart(6)} µs CPU/request  (${(100 * ceiling).toFixed(1)}% of bare: the ceiling here)`);
  console.log(`  our paywall, one voucher each       ${ours.toFixed(0).padStart(7)} req/s  ${cpuOurs.toFixed(1).padStart(6)} µs CPU/request  (${(100 * ratio).toFixed(1)}% of bare, ${(100 * toFloor).toFixed(1)}% of the floor)`);
  console.log(`  the official server, same vouchers  ${official.toFixed(0).padStart(7)} req/s  ${cpuOfficial.toFixed(1).padStart(6)} µs CPU/request  (ours ${toOfficial.toFixed(2)}× its req/s)`);
  if (before !== undefined) {
    console.log(`  the --before checkout's paywall     ${before.toFixed(0).padStart(7)} req/s  ${cpuBefore.toFixed(1).padStart(6)} µs CPU/request  (${(100 * before / bare).toFixed(1)}% of bare, ${(100 * before / floor).toFixed(1)}% of the floor)`);
    const cpus = measured.map((r) => (r.before.cpu / r.ours.cpu).toFixed(2)).join('/');
    console.log(`  per round, before/ours CPU per request: ${cpus}`);
  }
  const rounds = measured.map((r) => ['bare', 'floor', 'ours', 'official'].map((w) => r[w].rate.toFixed(0)).join('/'));
  const ratios = (a, b) => (100 * median(measured.map((r) => r[a].rate / r[b].rate))).toFixed(0);
  console.log(`  per round, bare/floor/ours/official req/s: ${rounds.join(', ')}; median ours/bare ${ratios('ours', 'bare')}%, floor/bare ${ratios('floor', 'bare')}%, ours/floor ${ratios('ours', 'floor')}%`);
  const cpus = (w) => measured.map((r) => r[w].cpu.toFixed(0)).join('/');
  console.log(`  per round, server µs CPU/request: bare ${cpus('bare')}; floor ${cpus('floor')}; ours ${cpus('ours')}; official ${cpus('official')}`);
  // The floor is the bare handler plus the one check a voucher cannot skip: no channel route can beat it.
  if (ceiling < CHANNEL_ROUTE_TARGET) {
    console.log(`  the ${100 * CHANNEL_ROUTE_TARGET}% goal is out of reach on this machine: the floor itself is ${(100 * ceiling).toFixed(1)}% of bare (CPU ${(100 * cpuBare / cpuFloor).toFixed(0)}%); ours is ${(100 * toFloor).toFixed(1)}% of the floor (CPU ${(100 * cpuFloor / cpuOurs).toFixed(0)}%)`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // --before DIR: also serve DIR's paywall (another checkout), in the same rounds.
  const flag = (name) => { const at = process.argv.indexOf(name); return at > 0 ? process.argv[at + 1] : undefined; };
  const number = (name) => (flag(name) === undefined ? {} : { [name.slice(2)]: Number(flag(name)) });
  const rows = await channelRouteRows({
    ...(flag('--before') ? { before: flag('--before') } : {}), ...(flag('--storage') ? { storage: flag('--storage') } : {}),
    ...number('--rounds'), ...number('--seconds'),
  });
  printChannelRoute(rows);
  console.log(`  ${rows.ratio >= CHANNEL_ROUTE_TARGET ? 'met ' : 'MISS'}  channel route ≥ ${100 * CHANNEL_ROUTE_TARGET}% of the bare handler`);
}
