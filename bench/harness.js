// Timing for side-by-side benchmarks: each candidate is calibrated to run
// ~100 ms per sample, sampled several times, and reported as the median
// nanoseconds per operation. Async candidates are awaited one at a time,
// as a caller would.
const SAMPLE_NS = 50e6;

async function runOnce(fn, iterations, isAsync) {
  const start = process.hrtime.bigint();
  if (isAsync) {
    for (let i = 0; i < iterations; i++) await fn(i);
  } else {
    for (let i = 0; i < iterations; i++) fn(i);
  }
  return Number(process.hrtime.bigint() - start);
}

export async function measure(fn, { samples = 5, isAsync = false, maxIterations = 1e7 } = {}) {
  let iterations = 1;
  // Calibrate (also the warm-up).
  for (;;) {
    const ns = await runOnce(fn, iterations, isAsync);
    if (ns > SAMPLE_NS / 4 || iterations >= maxIterations) {
      iterations = Math.max(1, Math.min(maxIterations, Math.round((iterations * SAMPLE_NS) / Math.max(ns, 1))));
      break;
    }
    iterations *= 4;
  }
  const perOp = [];
  for (let s = 0; s < samples; s++) perOp.push((await runOnce(fn, iterations, isAsync)) / iterations);
  perOp.sort((a, b) => a - b);
  return perOp[Math.floor(perOp.length / 2)];
}

// Measures the candidates of one comparison in turn, for several rounds, and
// keeps each one's best median: what ran earlier in the process (garbage
// left behind, another library's caches) then cannot tilt a ratio either way.
export async function compare(candidates, { rounds = 3, samples = 3 } = {}) {
  const best = candidates.map(() => Infinity);
  for (let round = 0; round < rounds; round++) {
    for (const [i, c] of candidates.entries()) {
      best[i] = Math.min(best[i], await measure(c.fn, { samples, isAsync: c.isAsync }));
    }
  }
  return candidates.map((c, i) => ({ label: c.label, ns: best[i] }));
}

export function formatNs(ns) {
  if (ns >= 1e6) return `${(ns / 1e6).toFixed(2)} ms`;
  if (ns >= 1e3) return `${(ns / 1e3).toFixed(2)} µs`;
  return `${ns.toFixed(0)} ns`;
}

// Rows: {name, candidates: [{label, ns}], note}; the first candidate is ours.
export function printTable(title, rows) {
  console.log(`\n${title}`);
  for (const row of rows) {
    const [ours, ...others] = row.candidates;
    const parts = others.map((o) => `${o.label} ${formatNs(o.ns)} (${(o.ns / ours.ns).toFixed(1)}× slower)`);
    console.log(`  ${row.name.padEnd(44)} ${ours.label} ${formatNs(ours.ns).padStart(10)}   ${parts.join('   ')}${row.note ? `   ${row.note}` : ''}`);
  }
}
