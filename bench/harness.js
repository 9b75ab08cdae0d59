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

// How many iterations take about SAMPLE_NS (also the warm-up).
async function calibrate(fn, isAsync, maxIterations = 1e7) {
  for (let iterations = 1; ; iterations *= 4) {
    const ns = await runOnce(fn, iterations, isAsync);
    if (ns > SAMPLE_NS / 4 || iterations >= maxIterations) {
      return Math.max(1, Math.min(maxIterations, Math.round((iterations * SAMPLE_NS) / Math.max(ns, 1))));
    }
  }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function measure(fn, { samples = 5, isAsync = false, maxIterations = 1e7 } = {}) {
  const iterations = await calibrate(fn, isAsync, maxIterations);
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

// One candidate against a floor measured elsewhere (floor() returns ns/op,
// e.g. from bench/floor's C++ program), in alternating rounds, ABBA: a change
// of load between rounds then falls on both sides. Both sides count CPU time
// (this process's, which includes V8's helper threads: a cost of the call
// too). Each round gives a ratio;
// the answer is their median with the lowest and highest, and the medians of
// both sides' times.
export async function alternate(candidate, floor, { rounds = 7 } = {}) {
  const iterations = await calibrate(candidate.fn, candidate.isAsync);
  const ours = [];
  const floors = [];
  const ratios = [];
  // CPU time, as the floor counts it: time spent waiting for a core that
  // another process holds is nobody's cost here.
  const timeOurs = async () => {
    const before = process.cpuUsage();
    await runOnce(candidate.fn, iterations, candidate.isAsync);
    const used = process.cpuUsage(before);
    return ((used.user + used.system) * 1e3) / iterations;
  };
  for (let round = 0; round < rounds; round++) {
    let a;
    let b;
    if (round % 2 === 0) {
      a = await timeOurs();
      b = await floor();
    } else {
      b = await floor();
      a = await timeOurs();
    }
    ours.push(a);
    floors.push(b);
    ratios.push(a / b);
  }
  return {
    ns: median(ours), floorNs: median(floors), ratio: median(ratios),
    min: Math.min(...ratios), max: Math.max(...ratios), rounds,
  };
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
