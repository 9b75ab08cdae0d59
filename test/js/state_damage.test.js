// State that cannot be silently lost: every state file (the payer's
// pay.records, sessions.journal, a receipts journal) written by a real
// process, then damaged on disk — truncated at every record boundary and in
// the middle of every record, a byte flipped in each record, emptied,
// removed, a torn final record appended — and opened again by a fresh
// process. Each time it either starts with everything written before the
// damage and says what it cut, or refuses to start naming the file and
// changes nothing. Also: `clawpay state verify` and a state directory that
// cannot be created.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./support/state_child.js', import.meta.url));
const CLAWPAY = fileURLToPath(new URL('../../bin/clawpay.js', import.meta.url));
const CLAWPAY_MCP = fileURLToPath(new URL('../../bin/clawpay-mcp.js', import.meta.url));
const FILES = { records: 'pay.records', sessions: 'sessions.journal', receipts: 'receipts.journal' };

function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'clawpay-state-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function child(mode, kind, dir) {
  const result = spawnSync(process.execPath, [CHILD, mode, kind, dir], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(result.signal, null, `the child was not killed (${result.stderr})`);
  return result;
}

function copyDir(from, to) {
  for (const name of readdirSync(from)) copyFileSync(join(from, name), join(to, name));
}

// The ways one file is damaged: [name, the damaged bytes (null: removed)].
function damages(bytes) {
  const lines = [];
  for (let begin = 0; begin < bytes.length;) {
    const end = bytes.indexOf(0x0a, begin) + 1;
    lines.push([begin, end]);
    begin = end;
  }
  assert.ok(lines.length >= 4, 'a header and at least 3 records');
  const out = [['emptied', Buffer.alloc(0)], ['removed', null]];
  for (const [i, [begin, end]] of lines.entries()) {
    if (begin > 0) out.push([`cut at the boundary before line ${i + 1} (byte ${begin})`, bytes.subarray(0, begin)]);
    const middle = begin + Math.floor((end - begin) / 2);
    out.push([`cut in the middle of line ${i + 1} (byte ${middle})`, bytes.subarray(0, middle)]);
    const flipped = Buffer.from(bytes);
    flipped[middle] ^= 0x01;
    out.push([`byte ${middle} of line ${i + 1} flipped`, flipped]);
  }
  return out;
}

for (const kind of Object.keys(FILES)) {
  test(`${FILES[kind]}: every truncation, flipped byte, emptying or removal is refused naming the file, and nothing changes`, (t) => {
    const pristine = tempDir(t);
    assert.equal(child('write', kind, pristine).status, 0);
    const baseline = child('read', kind, pristine);
    assert.equal(baseline.status, 0, baseline.stderr);
    const held = JSON.parse(baseline.stdout);
    assert.ok(held.length >= 2, `the ${kind} file holds records`);
    const bytes = readFileSync(join(pristine, FILES[kind]));

    for (const [what, damaged] of damages(bytes)) {
      const dir = tempDir(t);
      copyDir(pristine, dir);
      const file = join(dir, FILES[kind]);
      if (damaged === null) unlinkSync(file);
      else writeFileSync(file, damaged);

      const opened = child('read', kind, dir);
      assert.equal(opened.status, 1, `${what}: refused (stdout ${opened.stdout.trim()})`);
      assert.match(opened.stderr, /^ERR_JOURNAL_CORRUPT: /, what);
      assert.ok(opened.stderr.includes(file), `${what}: the message names ${file}: ${opened.stderr}`);
      assert.match(opened.stderr, /Nothing was changed/, what);
      assert.ok(opened.stderr.includes(`clawpay state verify ${dir}`), `${what}: names the recovery: ${opened.stderr}`);
      if (damaged === null) assert.equal(existsSync(file), false, `${what}: not recreated`);
      else assert.deepEqual(readFileSync(file), damaged, `${what}: the file was left as it was`);

      const verify = spawnSync(process.execPath, [CLAWPAY, 'state', 'verify', dir], { encoding: 'utf8', timeout: 30_000 });
      assert.equal(verify.status, 1, `${what}: verify reports damage: ${verify.stdout}`);
      assert.ok(verify.stdout.includes(`${FILES[kind]}: DAMAGED`), `${what}: ${verify.stdout}`);
      if (damaged !== null) assert.deepEqual(readFileSync(file), damaged, `${what}: verify changed nothing`);
    }
  });

  test(`${FILES[kind]}: a torn final record (an incomplete last write) is cut and reported with file and offset, losing nothing before it`, (t) => {
    const dir = tempDir(t);
    assert.equal(child('write', kind, dir).status, 0);
    const file = join(dir, FILES[kind]);
    const whole = readFileSync(file);
    const held = JSON.parse(child('read', kind, dir).stdout);
    // What a crash mid-append leaves: the start of a record, no newline.
    const lastLine = whole.subarray(whole.lastIndexOf(0x0a, whole.length - 2) + 1);
    writeFileSync(file, Buffer.concat([whole, lastLine.subarray(0, 20)]));

    const verify = spawnSync(process.execPath, [CLAWPAY, 'state', 'verify', dir], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(verify.status, 0, verify.stdout);
    assert.match(verify.stdout, /torn final record/);
    assert.equal(readFileSync(file).length, whole.length + 20, 'verify cuts nothing');

    const opened = child('read', kind, dir);
    assert.equal(opened.status, 0, opened.stderr);
    assert.deepEqual(JSON.parse(opened.stdout), held, 'everything written before the torn record');
    assert.ok(opened.stderr.includes(`cut a torn final record (an incomplete last write): 20 bytes at byte offset ${whole.length} of ${file}`), opened.stderr);
    assert.deepEqual(readFileSync(file), whole, 'cut back to the last whole record');
  });
}

test('a state directory whose manifest is damaged refuses to start and verify says so', (t) => {
  const dir = tempDir(t);
  assert.equal(child('write', 'records', dir).status, 0);
  writeFileSync(join(dir, 'clawpay.manifest'), '{"format":"clawpay-state"');
  const opened = child('read', 'records', dir);
  assert.equal(opened.status, 1);
  assert.match(opened.stderr, /^ERR_STATE_DAMAGED: state manifest .*clawpay\.manifest is damaged/);
  const verify = spawnSync(process.execPath, [CLAWPAY, 'state', 'verify', dir], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(verify.status, 1);
  assert.match(verify.stdout, /clawpay\.manifest: DAMAGED/);
});

test('clawpay state verify says what a healthy state directory holds and changes nothing', (t) => {
  const dir = tempDir(t);
  for (const kind of Object.keys(FILES)) assert.equal(child('write', kind, dir).status, 0);
  const before = Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name))]));
  const verify = spawnSync(process.execPath, [CLAWPAY, 'state', 'verify', dir], { encoding: 'utf8', timeout: 30_000 });
  assert.equal(verify.status, 0, verify.stdout + verify.stderr);
  assert.match(verify.stdout, /clawpay\.manifest: lists pay\.records \(clawpay-records\), sessions\.journal \(clawpay-sessions\), receipts\.journal \(clawpay-receipts\)\n/);
  assert.match(verify.stdout, /pay\.records: ok, 3 records; payments: 1 settled, 1 failed; spend counters: 2026-12-06 spent 12500 in 2 payment\(s\)/);
  assert.match(verify.stdout, /sessions\.journal: ok, 3 sessions \(3 live, 0 ended or expired\)/);
  assert.match(verify.stdout, /receipts\.journal: ok, 2 receipts \(2 settled\)/);
  assert.match(verify.stdout, /\nhealthy\n$/);
  const after = Object.fromEntries(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name))]));
  assert.deepEqual(after, before);
});

test('clawpay state verify without DIR checks clawpay-mcp\'s own default: $XDG_STATE_HOME/clawpay', (t) => {
  const xdg = tempDir(t);
  const dir = join(xdg, 'clawpay');
  assert.equal(child('write', 'records', dir).status, 0);
  const env = { PATH: process.env.PATH, HOME: tempDir(t), XDG_STATE_HOME: xdg };
  const verify = spawnSync(process.execPath, [CLAWPAY, 'state', 'verify'], { encoding: 'utf8', timeout: 30_000, env });
  assert.equal(verify.status, 0, verify.stdout + verify.stderr);
  assert.ok(verify.stdout.includes(dir), verify.stdout);
  assert.match(verify.stdout, /pay\.records: ok, 3 records/);
});

test('clawpay-mcp with CLAWPAY_STATE_DIR under /proc exits at once naming the variable', (t) => {
  const home = tempDir(t);
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, [CLAWPAY_MCP], {
    encoding: 'utf8',
    timeout: 20_000,
    input: '',
    env: {
      PATH: process.env.PATH,
      HOME: home,
      CLAWPAY_STATE_DIR: '/proc/clawpay-state-test/state',
      AGENT_PRIVATE_KEY: `0x${'ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80'}`,
    },
  });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  assert.equal(result.signal, null, `clawpay-mcp hung: killed after ${ms.toFixed(0)} ms`);
  assert.equal(result.status, 1, result.stderr);
  assert.match(result.stderr, /cannot start: CLAWPAY_STATE_DIR \/proc\/clawpay-state-test\/state cannot be created or used: ENOENT \(mkdir \/proc\/clawpay-state-test\)/);
  assert.doesNotMatch(result.stderr, /ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80/);
  t.diagnostic(`exited after ${ms.toFixed(0)} ms`);
});
