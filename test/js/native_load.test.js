// When the addon cannot be loaded, the error says so, quotes the loader's
// reason, and gives the fix for that reason (here, in a clone of the
// repository; test/e2e/pack_install.test.js covers the installed package).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';

import { explainLoadFailure } from '../../lib/native.js';
import { prebuiltPlatforms } from '../../lib/prebuilt_platforms.js';

const explain = (message) => explainLoadFailure(new Error(message));

test('every explanation says the addon could not be loaded and quotes the reason', () => {
  const text = explain('something odd happened\n    at dlopen');
  assert.match(text, /^clawpay-native: the native addon could not be loaded\.\n {2}why: something odd happened; at dlopen\n {2}what to do:\n {4}- /);
});

test('a missing build in a clone points at the setup script', () => {
  const text = explain('No native build was found for platform=linux arch=x64 runtime=node abi=115 uv=1 libc=glibc node=20.20.2\n    loaded from: /x\n');
  assert.match(text, /not been built in this checkout/);
  assert.match(text, /bash scripts\/setup\.sh/);
});

test('a missing shared libsecp256k1 names the package and the self-contained rebuild', () => {
  const text = explain('libsecp256k1.so.1: cannot open shared object file: No such file or directory');
  assert.match(text, /apt-get install libsecp256k1-1/);
  assert.match(text, /scripts\/fetch-libsecp256k1\.sh && npm run build/);
});

test('a missing libcrypto names the OpenSSL 3 package', () => {
  assert.match(explain('libcrypto.so.3: cannot open shared object file: No such file or directory'), /apt-get install libssl3/);
});

test('an old C library says the prebuild needs a newer one and how to build from source', () => {
  const text = explain("/lib/x86_64-linux-gnu/libc.so.6: version `GLIBC_2.34' not found (required by node.napi.glibc.node)");
  assert.match(text, /older than the version named above/);
  assert.match(text, /bash scripts\/setup\.sh/);
});

test('a damaged addon file is called damaged', () => {
  assert.match(explain('/p/node.napi.glibc.node: invalid ELF header'), /another platform or is damaged/);
});

test('the platforms a copy carries are what its prebuilds/ holds, libc named on Linux', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clawpay-prebuilds-'));
  try {
    assert.deepEqual(prebuiltPlatforms(dir), []);
    for (const [tuple, file] of [['linux-x64', 'node.napi.glibc.node'], ['linux-arm64', 'node.napi.glibc.node'],
      ['darwin-arm64', 'node.napi.node'], ['win32-x64', 'README']]) {
      mkdirSync(join(dir, 'prebuilds', tuple), { recursive: true });
      writeFileSync(join(dir, 'prebuilds', tuple, file), '');
    }
    assert.deepEqual(prebuiltPlatforms(dir), ['darwin-arm64', 'linux-arm64 (glibc)', 'linux-x64 (glibc)']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
