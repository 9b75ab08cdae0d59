// The state directory: creating it (never hanging), its manifest of journals.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { RecordStore } from '../../lib/record_store.js';
import { SessionStore } from '../../lib/session_store.js';
import { MANIFEST_FILE, ensureDir, readManifest } from '../../lib/state_dir.js';

function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'clawpay-state-dir-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('a directory that cannot be created under /proc is an ERR_STATE_DIR naming the variable, not a hang', () => {
  assert.throws(() => ensureDir('/proc/clawpay-no-such/state', 'CLAWPAY_STATE_DIR'), (error) => {
    assert.equal(error.code, 'ERR_STATE_DIR');
    assert.match(error.message, /^CLAWPAY_STATE_DIR \/proc\/clawpay-no-such\/state cannot be created or used: ENOENT \(mkdir \/proc\/clawpay-no-such\)/);
    return true;
  });
});

test('a path holding a 64-hex-digit run (it could be a key) is not shown', () => {
  const key = 'ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80';
  assert.throws(() => ensureDir(`/proc/${key}/state`, 'CLAWPAY_STATE_DIR'), (error) => {
    assert.equal(error.code, 'ERR_STATE_DIR');
    assert.ok(!error.message.includes(key), error.message);
    assert.match(error.message, /path not shown/);
    return true;
  });
});

test('a file where the directory should be is named', (t) => {
  const dir = tempDir(t);
  new RecordStore({ path: join(dir, 'pay.records') }).close();
  assert.throws(() => ensureDir(join(dir, 'pay.records', 'sub'), 'CLAWPAY_STATE_DIR'), (error) => error.code === 'ERR_STATE_DIR' && /ENOTDIR/.test(error.message));
});

test('the manifest lists each journal when it is created, and is not rewritten by later opens', (t) => {
  const dir = tempDir(t);
  const nested = join(dir, 'a', 'b');
  new RecordStore({ path: join(nested, 'pay.records') }).close();
  new SessionStore({ path: join(nested, 'sessions.journal') }).close();
  assert.deepEqual(readManifest(nested), { 'pay.records': 'clawpay-records', 'sessions.journal': 'clawpay-sessions' });
  assert.equal((statSync(join(dir, 'a')).mode & 0o777).toString(8), '700');
  const before = statSync(join(nested, MANIFEST_FILE));
  const text = readFileSync(join(nested, MANIFEST_FILE), 'utf8');
  new RecordStore({ path: join(nested, 'pay.records') }).close();
  assert.equal(statSync(join(nested, MANIFEST_FILE)).ino, before.ino, 'not rewritten');
  assert.equal(readFileSync(join(nested, MANIFEST_FILE), 'utf8'), text);
  assert.equal((statSync(join(nested, MANIFEST_FILE)).mode & 0o777).toString(8), '600');
});

test('a listed journal that was removed is refused, not started afresh, and not recreated', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'pay.records');
  const store = new RecordStore({ path });
  store.put('spend/day/2026-12-06', { spent: '5000000', count: 1 });
  store.close();
  unlinkSync(path);
  assert.throws(() => new RecordStore({ path }), (error) => {
    assert.equal(error.code, 'ERR_JOURNAL_CORRUPT');
    assert.ok(error.message.startsWith(`journal ${path} is missing, but its state directory lists it`), error.message);
    return true;
  });
  assert.throws(() => statSync(path), { code: 'ENOENT' });
});

test('readOnly opens create nothing: no journal, no manifest', (t) => {
  const dir = tempDir(t);
  assert.throws(() => new RecordStore({ path: join(dir, 'pay.records'), readOnly: true }), { code: 'ERR_IO' });
  assert.equal(readManifest(dir), null);
  assert.throws(() => new RecordStore({ path: join(dir, 'x'), readOnly: 'yes' }), { code: 'ERR_INVALID_ARG_TYPE' });
});
