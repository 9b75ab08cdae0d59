// Writer processes for the durability tests of the journaled stores (the
// receipt ledger and the record store), in the pattern of cache_writer.js.
//
// Run as a program, it is the child, on the journal at argv[2]:
//   settle [--count N]       receipts: begins and settles payments, printing
//                            each paymentId once settle() has returned
//   race --seed S --count N  receipts: prints "ready", waits for a line on
//                            stdin, then begins the N payments that S names
//                            and prints each paymentId that begin() claimed
//   put [--count N]          records: puts records, printing each id once
//                            put() has returned
//   increment --count N      records: prints "ready", waits for a line on
//                            stdin, then increments the counter "counter"
//                            N times through update() and prints "done N"
//
// Imported, it gives the parent's side: runWriter(), killAfter() and
// startTogether().
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

import { sha256Hex } from '../../../lib/hashing.js';
import { ReceiptLedger, RecordStore } from '../../../lib/index.js';

const self = fileURLToPath(import.meta.url);

/**
 * Runs this writer with `args`; `onLine(line, lines, proc)` sees each stdout
 * line and may kill it. `exited` resolves with {code, signal} once the
 * process has ended and all its output has been read.
 */
export function runWriter(args, onLine = () => {}) {
  const proc = spawn(process.execPath, [self, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  const exited = new Promise((resolve) => {
    let buffer = '';
    proc.stdout.on('data', (chunk) => {
      buffer += chunk;
      const parts = buffer.split('\n');
      buffer = parts.pop();
      for (const line of parts.filter(Boolean)) {
        lines.push(line);
        onLine(line, lines, proc);
      }
    });
    proc.on('close', (code, signal) => resolve({ code, signal }));
  });
  return { proc, lines, exited };
}

/**
 * Runs this writer until it has printed `target` lines, then kills it with
 * SIGKILL; resolves with every line it printed (at least `target`).
 */
export async function killAfter(args, target) {
  const { lines, exited } = runWriter(args, (line, all, proc) => {
    if (all.length >= target && !proc.killed) proc.kill('SIGKILL');
  });
  const { code, signal } = await exited;
  if (signal !== 'SIGKILL') throw new Error(`the writer ended before it was killed (exit ${code}, signal ${signal})`);
  return lines;
}

/**
 * Starts `count` writers with `args` (a mode that prints "ready" and waits),
 * then lets them all go at once, so that they really race. Each writer's
 * `lines` leave out the "ready".
 */
export async function startTogether(count, args) {
  let ready = 0;
  let release;
  const allReady = new Promise((resolve) => { release = resolve; });
  const onLine = (line, lines) => {
    if (line !== 'ready') return;
    lines.pop();
    if (++ready === count) release();
  };
  const writers = Array.from({ length: count }, () => runWriter(args, onLine));
  const early = Promise.race(writers.map((w) => w.exited)).then(({ code, signal }) => {
    throw new Error(`a writer ended before all were ready (exit ${code}, signal ${signal})`);
  });
  await Promise.race([allReady, early]);
  early.catch(() => {}); // they end once done, which is no longer early
  for (const { proc } of writers) proc.stdin.write('go\n');
  return writers;
}

// --- the child ------------------------------------------------------------------

const hash = (text) => `0x${sha256Hex(text)}`;

/** The same intent for the same (seed, i) in every process. */
function raceIntent(seed, i) {
  return {
    paymentId: hash(`${seed}/${i}`), kind: 'call', route: 'GET /race', resource: `https://api.example.com/race/${i}`,
    method: 'GET', network: 'eip155:84532', asset: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', amount: '1000',
    decimals: 6, payer: '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed', payTo: '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359',
    x402Version: 2, startedAt: 1_800_000_000_000 + i,
  };
}

async function waitForGo() {
  process.stdout.write('ready\n');
  await once(process.stdin, 'data');
  process.stdin.destroy();
}

const modes = {
  async settle(ledger, { count }) {
    const tag = `${process.pid}-${Date.now()}`;
    for (let i = 0; i < count; i++) {
      const intent = raceIntent(tag, i);
      if (!ledger.begin(intent)) throw new Error(`fresh payment ${intent.paymentId} was not claimable`);
      ledger.settle(intent.paymentId, { transaction: hash(`tx/${tag}/${i}`), settledAt: intent.startedAt + 1 });
      process.stdout.write(`${intent.paymentId}\n`);
    }
  },
  async race(ledger, { count, seed }) {
    await waitForGo();
    const claimed = [];
    for (let i = 0; i < count; i++) {
      const intent = raceIntent(seed, i);
      if (ledger.begin(intent)) claimed.push(intent.paymentId);
    }
    process.stdout.write(`${claimed.join('\n')}\n`);
  },
  async put(store, { count }) {
    const tag = `${process.pid}-${Date.now()}`;
    for (let i = 0; i < count; i++) {
      const id = `w/${tag}/${i}`;
      store.put(id, { i, tag, amount: String(1000 + i) });
      process.stdout.write(`${id}\n`);
    }
  },
  async increment(store, { count }) {
    await waitForGo();
    for (let i = 0; i < count; i++) store.update('counter', (current) => ({ n: (current?.n ?? 0) + 1 }));
    process.stdout.write(`done ${count}\n`);
  },
};

async function main() {
  const [path, mode, ...rest] = process.argv.slice(2);
  const option = (name) => { const i = rest.indexOf(name); return i < 0 ? undefined : rest[i + 1]; };
  if (!Object.hasOwn(modes, mode)) throw new Error(`unknown mode ${mode}`);
  const store = mode === 'settle' || mode === 'race' ? new ReceiptLedger({ path }) : new RecordStore({ path });
  await modes[mode](store, { count: Number(option('--count') ?? Infinity), seed: option('--seed') });
  store.close();
}

if (process.argv[1] === self) await main();
