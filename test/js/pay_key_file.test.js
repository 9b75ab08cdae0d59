// AGENT_PRIVATE_KEY_FILE: the key from a file of mode 0600 or stricter, as
// loadConfig reads it and as a person meets it through `clawpay`. A file
// others can read is refused naming its mode; a link, a missing file, bad
// content and both variables set are each told; the content never shows.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'node:test';

import { Signer } from '../../lib/index.js';
import { loadConfig } from '../../lib/pay/config.js';

const KEY = `0x${'4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'}`;
const BIN = fileURLToPath(new URL('../../bin/clawpay.js', import.meta.url));

function keyFile(t, mode, content = `${KEY}\n`) {
  const dir = mkdtempSync(join(tmpdir(), 'clawpay-keyfile-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'agent.key');
  writeFileSync(path, content, { mode });
  chmodSync(path, mode);
  return path;
}

function problemOf(env) {
  try {
    loadConfig({ HOME: '/home/agent', ...env });
  } catch (error) {
    assert.equal(error.code, 'ERR_CONFIG');
    assert.doesNotMatch(error.message, /4c0883a6/);
    return error.problems.find((p) => p.variable === 'AGENT_PRIVATE_KEY_FILE');
  }
  assert.fail('loadConfig accepted it');
}

test('a key file of mode 0600 or 0400 configures the agent as AGENT_PRIVATE_KEY would', (t) => {
  const signer = Signer.fromPrivateKey(KEY);
  const { address } = signer;
  signer.destroy();
  for (const mode of [0o600, 0o400]) {
    const config = loadConfig({ AGENT_PRIVATE_KEY_FILE: keyFile(t, mode), HOME: '/home/agent' });
    assert.equal(config.agentAddress, address);
    assert.equal(config.privateKey, KEY);
    assert.doesNotMatch(JSON.stringify(config), /4c0883a6/);
  }
});

test('a key file others may read is refused, naming its mode', (t) => {
  for (const [mode, shown] of [[0o644, '0644'], [0o640, '0640'], [0o604, '0604']]) {
    const problem = problemOf({ AGENT_PRIVATE_KEY_FILE: keyFile(t, mode) });
    assert.match(problem.message, new RegExp(`has mode ${shown}: others can read it; it must be 0600 or stricter`));
  }
});

test('both variables, a missing file, a link and bad content are each refused without showing the content', (t) => {
  const path = keyFile(t, 0o600);
  assert.match(problemOf({ AGENT_PRIVATE_KEY_FILE: path, AGENT_PRIVATE_KEY: KEY }).message, /set one of AGENT_PRIVATE_KEY and AGENT_PRIVATE_KEY_FILE, not both/);
  assert.match(problemOf({ AGENT_PRIVATE_KEY_FILE: `${path}.missing` }).message, /does not exist/);
  const link = `${path}.link`;
  symlinkSync(path, link);
  assert.match(problemOf({ AGENT_PRIVATE_KEY_FILE: link }).message, /is a symbolic link/);
  const bad = problemOf({ AGENT_PRIVATE_KEY_FILE: keyFile(t, 0o600, `${KEY.slice(0, 40)} and more`) });
  assert.match(bad.message, /must hold 0x \+ 64 hex digits and nothing else \(the content is not shown\)/);
});

test('clawpay refuses a readable key file with one line naming the mode, exit 1', (t) => {
  const path = keyFile(t, 0o644);
  const result = spawnSync(process.execPath, [BIN, 'spend'], { encoding: 'utf8', env: { PATH: process.env.PATH, HOME: tmpdir(), AGENT_PRIVATE_KEY_FILE: path } });
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stderr, /^clawpay spend: the configuration .* has mode 0644: others can read it/);
  assert.equal(result.stderr.trim().split('\n').length, 1);
  assert.doesNotMatch(result.stdout + result.stderr, /4c0883a6/);
});
