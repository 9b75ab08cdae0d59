// The native targets as ratios to raw libsecp256k1, measured so that they can
// be trusted on a loaded machine: the C++ floor (bench/floor/clawpay_floor.cc,
// built into build-test/) runs between the JS rounds, ABBA, on the same key,
// tokens and documents, and each ratio is the median of the rounds' ratios
// with its spread. Then the same ratios in instructions under callgrind,
// which no other load changes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Signer, verifySessionToken } from '../lib/index.js';
import { alternate, formatNs } from './harness.js';
import { BENCH_KEY, benchHashes, transferWithAuthorization } from './signing.js';
import { makeTokens, NOW, URL_IN_SCOPE } from './tokens.js';

const FLOOR_MS = 50;

/** The floor program's path, built if needed; null without build-test/ (run `npm run test:cpp` once). */
export function floorProgram(root) {
  const build = spawnSync('cmake', ['--build', join(root, 'build-test'), '--target', 'clawpay_floor', '-j', '2'], { encoding: 'utf8' });
  const binary = join(root, 'build-test', 'clawpay_floor');
  return build.status === 0 && existsSync(binary) ? binary : null;
}

function timeFloor(binary, op) {
  const run = spawnSync(binary, ['time', op, String(FLOOR_MS)], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`bench: clawpay_floor time ${op} failed: ${run.stderr.trim()}`);
  return Number(run.stdout.split(' ')[1]);
}

// Ratios of two floor operations (C++ alone over raw), alternating the same way.
function floorOverFloor(binary, ours, raw, rounds) {
  const ratios = [];
  for (let round = 0; round < rounds; round++) {
    const rawNs = () => raw.reduce((sum, op) => sum + timeFloor(binary, op), 0);
    if (round % 2 === 0) {
      const a = timeFloor(binary, ours);
      ratios.push(a / rawNs());
    } else {
      const b = rawNs();
      ratios.push(timeFloor(binary, ours) / b);
    }
  }
  ratios.sort((a, b) => a - b);
  return { ratio: ratios[Math.floor(rounds / 2)], min: ratios[0], max: ratios[rounds - 1] };
}

/**
 * {verify, sign}: each {ns, floorNs, ratio, min, max, rounds, cpp: {ratio, min, max}} — the JS call
 * over its floor (verify: raw recovery of the same tokens' digests; sign: raw sign + EIP-712 hash of the
 * same documents), and the C++ call alone over the same floor.
 */
export async function floorRatios(binary, { rounds = 7 } = {}) {
  const signer = Signer.fromPrivateKey(BENCH_KEY);
  const tokens = await makeTokens(signer, 256);
  const check = { now: NOW, wallet: signer.address, url: URL_IN_SCOPE };
  if (!(await verifySessionToken(tokens[0], check)).valid) throw new Error('bench setup: tokens do not verify');
  const documents = benchHashes().map((nonce) => transferWithAuthorization(nonce));
  const verify = await alternate(
    { fn: (i) => verifySessionToken(tokens[i & 255], check), isAsync: true },
    () => timeFloor(binary, 'recover'), { rounds },
  );
  verify.cpp = floorOverFloor(binary, 'verify', ['recover'], rounds);
  const sign = await alternate(
    { fn: (i) => signer.signTypedData(documents[i & 255]), isAsync: true },
    () => timeFloor(binary, 'sign') + timeFloor(binary, 'hash'), { rounds },
  );
  sign.cpp = floorOverFloor(binary, 'sign-typed', ['sign', 'hash'], rounds);
  signer.destroy();
  return { verify, sign };
}

const COUNTED = { recover: 200, 'recover-hash': 200, verify: 200, sign: 200, hash: 1000, 'sign-typed': 200, find: 2000 };

/** Instructions per operation of each floor operation under callgrind; null without valgrind. */
export function instructionCounts(binary) {
  const dir = mkdtempSync(join(tmpdir(), 'clawpay-callgrind-'));
  try {
    const out = {};
    for (const [op, n] of Object.entries(COUNTED)) {
      const file = join(dir, `${op}.out`);
      const run = spawnSync('valgrind', ['--tool=callgrind', '--instr-atstart=no', `--callgrind-out-file=${file}`,
        binary, 'count', op, String(n)], { encoding: 'utf8' });
      if (run.error || run.status !== 0) return null;
      const totals = /^totals: (\d+)/m.exec(readFileSync(file, 'utf8'));
      if (!totals) return null;
      out[op] = Number(totals[1]) / n;
    }
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const count = (n) => Math.round(n).toLocaleString('en');

/** The two ratio targets as [name, met, figure] rows, after printing how they were measured and the instruction counts. */
export async function floorTargets(root, { rounds = 9 } = {}) {
  const binary = floorProgram(root);
  if (!binary) {
    console.log('  (raw libsecp256k1 floor skipped: run `npm run test:cpp` once to configure build-test/)');
    return [];
  }
  const { verify: v, sign: s } = await floorRatios(binary, { rounds });
  const figure = (r) => `${r.ratio.toFixed(2)}× (${r.min.toFixed(2)}–${r.max.toFixed(2)} over ${r.rounds} rounds; ${formatNs(r.ns)}; `
    + `C++ alone ${r.cpp.ratio.toFixed(2)}×, ${r.cpp.min.toFixed(2)}–${r.cpp.max.toFixed(2)})`;
  console.log('  (ratios: median of the rounds\' ratios; the C++ floor runs between the JS rounds, ABBA, on the same inputs)');
  const counts = instructionCounts(binary);
  if (counts) {
    console.log(`  (instructions per call under callgrind, C++ alone: verify ${count(counts.verify)} ÷ raw recovery ${count(counts.recover)} = `
      + `${(counts.verify / counts.recover).toFixed(3)}× (reachable: raw recovery + the token's EIP-191 hash `
      + `${count(counts['recover-hash'])} = ${(counts['recover-hash'] / counts.recover).toFixed(3)}×); sign typed data ${count(counts['sign-typed'])} ÷ raw sign ${count(counts.sign)} `
      + `+ EIP-712 hash ${count(counts.hash)} = ${(counts['sign-typed'] / (counts.sign + counts.hash)).toFixed(3)}×; `
      + `findForUrl among 100,000 ${count(counts.find)})`);
  } else {
    console.log('  (instruction counts skipped: valgrind not found)');
  }
  return [
    [`verify a distinct token ≤ 1.05× raw recovery (${formatNs(v.floorNs)})`, v.ratio <= 1.05, figure(v)],
    [`signTypedData ≤ 1.05× raw sign + EIP-712 hash (${formatNs(s.floorNs)})`, s.ratio <= 1.05, figure(s)],
  ];
}

// `node bench/native_floor.js`: these targets alone.
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
  for (const [name, ok, figure] of await floorTargets(root)) console.log(`  ${ok ? 'met ' : 'MISS'}  ${name.padEnd(66)} ${figure}`);
}
