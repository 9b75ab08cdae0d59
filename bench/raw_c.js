// The C++ floor: runs the Google Benchmark binary built by the test build
// (build-test/clawpay_bench) and returns ns/op by benchmark name.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export function rawC(root, filter) {
  const build = spawnSync('cmake', ['--build', join(root, 'build-test'), '--target', 'clawpay_bench', '-j', '2'], { encoding: 'utf8' });
  const binary = join(root, 'build-test', 'clawpay_bench');
  if (build.status !== 0 || !existsSync(binary)) return null;
  const run = spawnSync(binary, [`--benchmark_filter=${filter}`, '--benchmark_format=json', '--benchmark_repetitions=3',
    '--benchmark_report_aggregates_only=true'], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.status !== 0) return null;
  const out = {};
  for (const b of JSON.parse(run.stdout).benchmarks) {
    if (b.aggregate_name !== 'median') continue;
    const scale = { ns: 1, us: 1e3, ms: 1e6 }[b.time_unit] ?? 1;
    out[b.run_name] = b.real_time * scale;
  }
  return out;
}
