// SessionStore: lookups, lifecycle, and durability across restarts and
// kill -9, through the public API.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, appendFileSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

import * as clawpay from '../../lib/index.js';
import { NOW, sessionRecord as record } from './support/session_record.js';

const { SessionStore } = clawpay;


function tempDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'clawpay-cache-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('the deprecated name SessionCache is the same class as SessionStore', () => {
  assert.equal(clawpay.SessionCache, SessionStore);
  const store = new clawpay.SessionCache();
  assert.ok(store instanceof SessionStore);
  store.close();
});

test('findForUrl: exact beats prefix, the longest prefix wins, insertion order does not matter', () => {
  const broad = record({ endpoint: 'https://api.example.com/' });
  const v1 = record({ endpoint: 'https://api.example.com/v1' });
  const items = record({ endpoint: 'https://api.example.com/v1/items' });
  const exact = record({ endpoint: 'https://api.example.com/v1/items/7', scope: 'exact' });
  for (const order of [[broad, v1, items, exact], [exact, items, v1, broad], [v1, exact, broad, items]]) {
    const cache = new SessionStore();
    for (const r of order) cache.add(r);
    assert.equal(cache.findForUrl('https://api.example.com/v1/items/7', { now: NOW }).sessionId, exact.sessionId);
    assert.equal(cache.findForUrl('https://api.example.com/v1/items/8', { now: NOW }).sessionId, items.sessionId);
    assert.equal(cache.findForUrl('https://api.example.com/v1/other', { now: NOW }).sessionId, v1.sessionId);
    assert.equal(cache.findForUrl('https://api.example.com/v10', { now: NOW }).sessionId, broad.sessionId);
    assert.equal(cache.findForUrl('https://api.example.com.evil.io/v1', { now: NOW }), null);
    assert.equal(cache.findForUrl('https://api.example.com@evil.io/v1', { now: NOW }), null);
    cache.close();
  }
});

test('findForUrl hands out a fresh record each time, and a changed record as it is now', () => {
  const store = new SessionStore();
  const flat = record({ endpoint: 'https://a.example/flat' });
  const nested = record({ endpoint: 'https://a.example/nested', extra: { tags: ['x'] } });
  store.add(flat);
  store.add(nested);
  const first = store.findForUrl('https://a.example/flat/1', { now: NOW });
  assert.deepEqual(first, flat);
  first.callCount = 99;
  first.endpoint = 'https://evil.example/';
  const second = store.findForUrl('https://a.example/flat/2', { now: NOW });
  assert.notEqual(second, first);
  assert.deepEqual(second, flat);
  const inner = store.findForUrl('https://a.example/nested/1', { now: NOW });
  inner.extra.tags.push('y');
  assert.deepEqual(store.findForUrl('https://a.example/nested/1', { now: NOW }).extra, { tags: ['x'] });
  assert.equal(store.recordCall(flat.sessionId, { now: NOW + 5, calls: 3 }), true);
  const counted = store.findForUrl('https://a.example/flat/3', { now: NOW + 6 });
  assert.equal(counted.callCount, 3);
  assert.equal(counted.lastUsedAt, NOW + 5);
  assert.equal(store.end(flat.sessionId, { now: NOW + 7 }), true);
  assert.equal(store.findForUrl('https://a.example/flat/3', { now: NOW + 8 }), null);
  store.close();
});

test('get hands out a fresh record each time, and a record changed here or by another store on the journal as it is now', (t) => {
  const path = join(tempDir(t), 'sessions.journal');
  const store = new SessionStore({ path });
  const other = new SessionStore({ path });
  const flat = record({ endpoint: 'https://a.example/flat' });
  const nested = record({ endpoint: 'https://a.example/nested', extra: { tags: ['x'] } });
  store.add(flat);
  store.add(nested);
  const first = store.get(flat.sessionId);
  assert.deepEqual(first, flat);
  first.callCount = 99;
  first.endpoint = 'https://evil.example/';
  const second = store.get(flat.sessionId);
  assert.notEqual(second, first);
  assert.deepEqual(second, flat);
  store.get(nested.sessionId).extra.tags.push('y');
  assert.deepEqual(store.get(nested.sessionId).extra, { tags: ['x'] });
  // The record a get kept is not the answer once it changed, here or in another store.
  assert.equal(store.recordCall(flat.sessionId, { now: NOW + 5, calls: 3 }), true);
  assert.equal(store.get(flat.sessionId).callCount, 3);
  assert.equal(other.get(flat.sessionId).callCount, 3);
  assert.equal(other.recordCall(flat.sessionId, { now: NOW + 6 }), true);
  assert.deepEqual([store.get(flat.sessionId).callCount, store.get(flat.sessionId).lastUsedAt], [4, NOW + 6]);
  assert.equal(other.end(flat.sessionId, { now: NOW + 7 }), true);
  assert.equal(store.get(flat.sessionId).endedAt, NOW + 7);
  assert.equal(store.get('no-such-session'), null);
  other.close();
  store.close();
});

test('expired and ended sessions are never returned; list, prune and size agree', () => {
  const cache = new SessionStore();
  const live = record();
  const expired = record({ endpoint: 'https://api.example.com/v1/x', expiresAt: NOW });
  const ended = record({ endpoint: 'https://api.example.com/v1/y' });
  for (const r of [live, expired, ended]) cache.add(r);
  assert.equal(cache.end(ended.sessionId, { now: NOW }), true);
  assert.equal(cache.end('no-such-id', { now: NOW }), false);
  assert.equal(cache.findForUrl('https://api.example.com/v1/x', { now: NOW }).sessionId, live.sessionId);
  assert.equal(cache.findForUrl('https://api.example.com/v1/y', { now: NOW }).sessionId, live.sessionId);
  assert.equal(cache.get(ended.sessionId).endedAt, NOW);
  assert.deepEqual(cache.list({ now: NOW }).map((r) => r.sessionId), [live.sessionId]);
  assert.equal(cache.list({ now: NOW, includeExpired: true }).length, 3);
  assert.equal(cache.size, 3);
  assert.equal(cache.prune({ now: NOW }), 2);
  assert.equal(cache.size, 1);
  assert.equal(cache.findForUrl('https://api.example.com/v1', { now: NOW + 3600 }), null);
});

test('recordCall counts calls and stamps lastUsedAt; extra fields and labels survive', () => {
  const cache = new SessionStore();
  const r = record({ label: 'résumé 😀 \ud800', custom: { nested: [1, 2] } });
  cache.add(r);
  for (let i = 1; i <= 5; i++) assert.equal(cache.recordCall(r.sessionId, { now: NOW + i }), true);
  const got = cache.get(r.sessionId);
  assert.equal(got.callCount, 5);
  assert.equal(got.lastUsedAt, NOW + 5);
  assert.equal(got.label, 'résumé 😀 \ufffd');
  assert.deepEqual(got.custom, { nested: [1, 2] });
  assert.equal(cache.recordCall('missing', { now: NOW }), false);
  assert.equal(cache.get('missing'), null);
});

test('bad records are refused naming the field; duplicates are refused', () => {
  const cache = new SessionStore();
  const good = record();
  cache.add(good);
  assert.throws(() => cache.add(good), (e) => e.code === 'ERR_DUPLICATE_SESSION');
  for (const [field, value] of [['scope', 'wide'], ['expiresAt', 'soon'], ['endpoint', 'not a url'], ['sessionId', 42],
    ['endpoint', 'https://user@host/'], ['callCount', -1.5]]) {
    assert.throws(() => cache.add(record({ [field]: value })), (e) => e.code === 'ERR_INVALID_SESSION_RECORD' && e.message.includes(field), field);
  }
  const missing = record();
  delete missing.endpoint;
  assert.throws(() => cache.add(missing), (e) => e.code === 'ERR_INVALID_SESSION_RECORD' && e.message.includes('endpoint'));
  assert.throws(() => cache.add(null), TypeError);
  assert.throws(() => cache.findForUrl(42), TypeError);
  cache.close();
  assert.throws(() => cache.get(good.sessionId), (e) => e.code === 'ERR_CLOSED');
});

test('with a path, sessions, call counts and ends survive a restart', (t) => {
  const path = join(tempDir(t), 'sessions.journal');
  const a = record();
  const b = record({ endpoint: 'https://other.example/v2', scope: 'exact' });
  let cache = new SessionStore({ path });
  cache.add(a);
  cache.add(b);
  cache.recordCall(a.sessionId, { now: NOW + 1 });
  cache.recordCall(a.sessionId, { now: NOW + 2 });
  cache.end(b.sessionId, { now: NOW + 3 });
  cache.close();
  assert.equal((statSync(path).mode & 0o777).toString(8), '600', 'the journal holds bearer tokens: owner-only');
  cache = new SessionStore({ path });
  assert.equal(cache.get(a.sessionId).callCount, 2);
  assert.equal(cache.get(b.sessionId).endedAt, NOW + 3);
  assert.equal(cache.findForUrl('https://api.example.com/v1/x', { now: NOW }).sessionId, a.sessionId);
  assert.equal(cache.findForUrl('https://other.example/v2', { now: NOW }), null);
  cache.close();
});

test('a symlink planted at the cache path is refused; the bearer tokens never reach its target', (t) => {
  const dir = tempDir(t);
  const victim = join(dir, 'victim');
  writeFileSync(victim, '', { mode: 0o644 });
  symlinkSync(victim, join(dir, 'sessions.journal'));
  assert.throws(() => new SessionStore({ path: join(dir, 'sessions.journal') }), (e) => e.code === 'ERR_UNSAFE_JOURNAL' && /symbolic link/.test(e.message));
  assert.equal(readFileSync(victim, 'utf8'), '');
});

test('a torn last record is skipped, not fatal, reported with file and offset, and the next write is clean', (t) => {
  const path = join(tempDir(t), 'sessions.journal');
  const cache = new SessionStore({ path });
  const kept = record();
  cache.add(kept);
  const before = readFileSync(path); // its header's high-water mark is its own length
  cache.add(record({ endpoint: 'https://torn.example/' }));
  cache.close();
  // A crash in the second add: its record cut mid-way, the mark not yet moved.
  writeFileSync(path, Buffer.concat([before, readFileSync(path).subarray(before.length, before.length + 25)]));
  const notices = [];
  const reopened = new SessionStore({ path, onNotice: (line) => notices.push(line) });
  assert.equal(reopened.size, 1);
  assert.deepEqual(notices, [`cut a torn final record (an incomplete last write): 25 bytes at byte offset ${before.length} of ${path}`]);
  assert.equal(reopened.get(kept.sessionId).sessionId, kept.sessionId);
  const next = record({ endpoint: 'https://next.example/' });
  reopened.add(next);
  reopened.close();
  const again = new SessionStore({ path });
  assert.equal(again.size, 2);
  assert.ok(again.get(next.sessionId));
  again.close();
  // Garbage appended after a clean record is also treated as a torn tail.
  appendFileSync(path, 'deadbeef {"op":"add",');
  const last = new SessionStore({ path, onNotice: () => {} });
  assert.equal(last.size, 2);
  last.close();
  assert.ok(!readFileSync(path, 'utf8').endsWith('"add",'), 'the torn bytes were cut off');
});

test('kill -9 in the middle of adding sessions loses none whose add() returned', async (t) => {
  const dir = tempDir(t);
  const child = fileURLToPath(new URL('./support/cache_writer.js', import.meta.url));
  for (let round = 0; round < 5; round++) {
    const path = join(dir, `kill-${round}.journal`);
    const reported = [];
    const proc = spawn(process.execPath, [child, path], { stdio: ['ignore', 'pipe', 'inherit'] });
    const target = 20 + round * 37;
    await new Promise((resolve) => {
      let buffer = '';
      proc.stdout.on('data', (chunk) => {
        buffer += chunk;
        const lines = buffer.split('\n');
        buffer = lines.pop();
        reported.push(...lines.filter(Boolean));
        if (reported.length >= target && !proc.killed) proc.kill('SIGKILL');
      });
      proc.on('exit', resolve);
    });
    assert.ok(reported.length >= target);
    const cache = new SessionStore({ path });
    for (const id of reported) assert.ok(cache.get(id), `session ${id} of round ${round} survived kill -9`);
    cache.close();
  }
});

test('two processes sharing one journal see each other\'s sessions and call counts add up', async (t) => {
  const path = join(tempDir(t), 'shared.journal');
  const child = fileURLToPath(new URL('./support/cache_writer.js', import.meta.url));
  const run = () => new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [child, path, '--count', '50', '--calls', 'shared-1'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (c) => { out += c; });
    proc.on('exit', (code) => (code === 0 ? resolve(out.trim().split('\n')) : reject(new Error(`writer exited ${code}`))));
  });
  const seed = new SessionStore({ path });
  seed.add(record({ sessionId: 'shared-1' }));
  seed.close();
  const [first, second] = await Promise.all([run(), run()]);
  const cache = new SessionStore({ path });
  for (const id of [...first, ...second]) assert.ok(cache.get(id), id);
  assert.equal(cache.get('shared-1').callCount, 100);
  assert.equal(cache.size, 101);
  cache.close();
});
