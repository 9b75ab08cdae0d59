#!/usr/bin/env node
// The prebuilt addon that ships in the npm package, so that installing it
// needs no compiler: builds the addon (npm run build), refuses it unless it is
// self-contained, and puts a stripped copy where node-gyp-build looks for it,
// prebuilds/<platform>-<arch>/node.napi.<libc>.node. Then loads that copy in
// a fresh Node with PREBUILDS_ONLY=1.
//   node scripts/prebuilds.js           build, check, copy (npm run prebuilds)
//   node scripts/prebuilds.js --check   check the prebuild already there (npm's prepack)
//   node scripts/prebuilds.js --native-only   build this machine's own only (the
//                                       cross builds take minutes cold; pack_install's)
//
// Cross targets (scripts/platforms.js) are built too where their toolchain is
// installed, win32-x64 with mingw-w64 (apt-get install g++-mingw-w64-x86-64-posix),
// linux-arm64 with crossbuild-essential-arm64 and libssl-dev:arm64, and
// skipped with a note where it is not; --check requires every prebuild
// present to be current and self-contained. Loading them under wine and on
// the emulated arm64 machine is npm run test:platforms's job (minutes).
//
// Self-contained means its shared-library needs (readelf -d, NEEDED) are only
// the C and C++ runtimes and OpenSSL 3's libcrypto: no libsecp256k1, which a
// build falls back to linking when libsecp256k1's source was not fetched.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { crossBuild, missingTools, PlatformError, TARGETS } from './platforms.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const libc = existsSync('/etc/alpine-release') ? 'musl' : 'glibc';
const tuple = `${process.platform}-${process.arch}`;
const prebuildDir = join(root, 'prebuilds', tuple);
const prebuild = join(prebuildDir, `node.napi.${libc}.node`);
const built = join(root, 'build', 'Release', 'clawpay_native.node');

// Libraries every machine that runs Node has (glibc, libstdc++, libgcc),
// and libcrypto.so.3 (Debian/Ubuntu package libssl3).
const ALLOWED_NEEDED = [/^libc\.so\.6$/, /^libm\.so\.6$/, /^ld-linux-[\w-]+\.so\.\d+$/, /^libstdc\+\+\.so\.6$/,
  /^libgcc_s\.so\.1$/, /^libpthread\.so\.0$/, /^libdl\.so\.2$/, /^libcrypto\.so\.3$/];

function fail(message) {
  console.error(`prebuilds: ${message}`);
  process.exit(1);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', ...options });
  if (result.error) fail(`cannot run ${command}: ${result.error.message}`);
  return result;
}

/** The NEEDED entries of a shared object's dynamic section. */
function neededLibraries(file) {
  const result = run('readelf', ['-d', file]);
  if (result.status !== 0) fail(`readelf -d ${file} failed: ${result.stderr.trim()}`);
  return [...result.stdout.matchAll(/\(NEEDED\)\s+Shared library: \[([^\]]+)\]/g)].map((m) => m[1]);
}

/** Refuses an addon that needs a shared library a user's machine may lack. */
function checkSelfContained(file) {
  const needed = neededLibraries(file);
  const shown = relative(root, file);
  if (needed.some((lib) => lib.startsWith('libsecp256k1'))) {
    fail(`${shown} links the system's shared libsecp256k1 (NEEDED: ${needed.join(', ')}); ` +
      'it would not load where libsecp256k1 is not installed. Fetch its source and rebuild: ' +
      'bash scripts/fetch-libsecp256k1.sh && npm run prebuilds');
  }
  const unexpected = needed.filter((lib) => !ALLOWED_NEEDED.some((re) => re.test(lib)));
  if (unexpected.length > 0) fail(`${shown} needs shared libraries a user's machine may lack: ${unexpected.join(', ')}`);
  return needed;
}

// The DLLs every Windows since 8.1 has (msvcrt is mingw-w64's C runtime),
// and node.exe, whose Node-API functions the addon imports.
const ALLOWED_WIN32_IMPORTS = [/^kernel32\.dll$/i, /^msvcrt\.dll$/i, /^bcrypt\.dll$/i, /^advapi32\.dll$/i,
  /^ws2_32\.dll$/i, /^user32\.dll$/i, /^node\.exe$/i];

/** Refuses a Windows DLL that imports a DLL a user's machine may lack. */
function checkSelfContainedDll(file) {
  const result = run('x86_64-w64-mingw32-objdump', ['-p', file]);
  if (result.status !== 0) fail(`objdump -p ${file} failed: ${result.stderr.trim()}`);
  const imports = [...result.stdout.matchAll(/DLL Name: (\S+)/g)].map((m) => m[1]);
  const unexpected = imports.filter((dll) => !ALLOWED_WIN32_IMPORTS.some((re) => re.test(dll)));
  if (unexpected.length > 0) fail(`${relative(root, file)} imports DLLs a user's machine may lack: ${unexpected.join(', ')}`);
  if (!imports.some((dll) => /^node\.exe$/i.test(dll))) fail(`${relative(root, file)} does not import Node-API from node.exe`);
  return imports;
}

/** Refuses a prebuild older than the sources it was built from. */
function checkFresh(file) {
  const sources = [join(root, 'CMakeLists.txt')];
  for (const dir of ['src', 'binding']) {
    for (const name of readdirSync(join(root, dir))) sources.push(join(root, dir, name));
  }
  const builtAt = statSync(file).mtimeMs;
  const newer = sources.filter((f) => statSync(f).mtimeMs > builtAt);
  if (newer.length > 0) {
    fail(`${relative(root, file)} is older than ${newer.map((f) => relative(root, f)).join(', ')}; run npm run prebuilds`);
  }
}

/** Loads the prebuild (and only it) in a fresh Node and signs with it. */
function checkLoads() {
  const probe = "const { Signer } = await import('./lib/index.js'); const s = Signer.generate(); " +
    "const sig = await s.signMessage('prebuild'); s.destroy(); if (!/^0x[0-9a-f]{130}$/.test(sig)) process.exit(1);";
  const result = run(process.execPath, ['--input-type=module', '-e', probe],
    { env: { ...process.env, PREBUILDS_ONLY: '1' } });
  if (result.status !== 0) fail(`the prebuild does not load:\n${result.stderr.trim()}`);
}

const checkOnly = process.argv.includes('--check');
const nativeOnly = process.argv.includes('--native-only');
if (process.platform !== 'linux') fail(`prebuilds are made on Linux (this is ${process.platform})`);

if (!checkOnly) {
  const build = run('npm', ['run', '--silent', 'build'], { stdio: 'inherit' });
  if (build.status !== 0) fail('npm run build failed');
  checkSelfContained(built);
  rmSync(prebuildDir, { recursive: true, force: true });
  mkdirSync(prebuildDir, { recursive: true });
  const strip = run('strip', ['--strip-all', '-o', prebuild, built]);
  if (strip.status !== 0) fail(`strip failed: ${strip.stderr.trim()}`);
} else if (!existsSync(prebuild)) {
  const found = existsSync(prebuildDir) ? readdirSync(prebuildDir).join(', ') || 'nothing' : 'no folder';
  fail(`no prebuild for ${tuple} (${libc}) at ${relative(root, prebuild)} (found ${found}); run npm run prebuilds first`);
}

const needed = checkSelfContained(prebuild);
checkFresh(prebuild);
checkLoads();
const say = checkOnly ? console.error : console.log;
const kib = (file) => (statSync(file).size / 1024).toFixed(0);
say(`prebuilds: ${relative(root, prebuild)} (${kib(prebuild)} KiB) loads; needs ${needed.join(', ')}`);

// The cross-built ones, where their toolchain is installed: win32-x64 (a
// DLL, checked by its import table) and linux-arm64 (checked as the native
// one is, by its NEEDED entries).
function checkCross(name, file) {
  return TARGETS[name].platform === 'win32' ? checkSelfContainedDll(file) : checkSelfContained(file);
}

// Not this machine's own (an arm64 runner builds linux-arm64 natively above).
for (const name of ['linux-arm64', 'win32-x64'].filter((n) => n !== tuple)) {
  const target = TARGETS[name];
  const crossPrebuild = join(root, 'prebuilds', name, target.addonName);
  if (!checkOnly && !nativeOnly) {
    const missing = missingTools(name, { run: false });
    if (missing.length > 0) {
      rmSync(dirname(crossPrebuild), { recursive: true, force: true });
      say(`prebuilds: ${name} skipped: its cross toolchain is not installed (${missing.join(', ')})`);
      continue;
    }
    let crossBuilt;
    try {
      crossBuilt = crossBuild(name).addon;
    } catch (error) {
      if (error instanceof PlatformError) fail(error.message);
      throw error;
    }
    checkCross(name, crossBuilt);
    rmSync(dirname(crossPrebuild), { recursive: true, force: true });
    mkdirSync(dirname(crossPrebuild), { recursive: true });
    const strip = run(target.strip, ['--strip-unneeded', '-o', crossPrebuild, crossBuilt]);
    if (strip.status !== 0) fail(`${target.strip} failed: ${strip.stderr.trim()}`);
  }
  if (existsSync(crossPrebuild)) {
    checkFresh(crossPrebuild);
    const needs = checkCross(name, crossPrebuild);
    say(`prebuilds: ${relative(root, crossPrebuild)} (${kib(crossPrebuild)} KiB); ${target.platform === 'win32' ? 'imports' : 'needs'} ${needs.join(', ')}`);
  }
}
