// Session call counts journaled in batches (lib/pay/call_counts.js, and
// SessionStore.recordCall's `calls`): exact at once in this process, one
// journal record per session per flush, written before an end, a prune and
// a close, and read back by the next process.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';

import { SessionStore } from '../../lib/index.js';
import { batchCallCounts } from '../../lib/pay/call_counts.js';
import { NOW, sessionRecord as record } from './support/session_record.js';


function journalAt(t) {
  const dir = mkdtempSync(join(tmpdir(), 'clawpay-calls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'sessions.journal');
}

const callRecords = (path) => readFileSync(path, 'utf8').split('\n').filter((line) => line.includes('"op":"call"'));

test('recordCall with calls counts them in one journal record that the next process reads back', (t) => {
  const path = journalAt(t);
  const r = record();
  let cache = new SessionStore({ path });
  cache.add(r);
  assert.equal(cache.recordCall(r.sessionId, { now: NOW + 5, calls: 250 }), true);
  assert.equal(cache.recordCall(r.sessionId, { now: NOW + 6 }), true);
  assert.equal(cache.get(r.sessionId).callCount, 251);
  cache.close();
  assert.equal(callRecords(path).length, 2);
  cache = new SessionStore({ path });
  assert.equal(cache.get(r.sessionId).callCount, 251);
  assert.equal(cache.get(r.sessionId).lastUsedAt, NOW + 6);
  cache.close();
});

test('recordCall refuses a count that is not an integer from 1 to the limit, naming it', () => {
  const cache = new SessionStore();
  const r = record();
  cache.add(r);
  for (const calls of [0, -1, 1.5, '2', 2 ** 40]) {
    assert.throws(() => cache.recordCall(r.sessionId, { now: NOW, calls }), (error) => /options\.calls/.test(error.message) && /^ERR_/.test(error.code),
      `calls ${calls}`);
  }
  assert.equal(cache.get(r.sessionId).callCount, 0);
  cache.close();
});

test('batched counts are exact at once; each session\'s first call is written at once, the rest as one record per session when flushed', (t) => {
  const path = journalAt(t);
  const a = record();
  const b = record({ endpoint: 'https://api.example.com/v2' });
  const cache = batchCallCounts(new SessionStore({ path }), { flushMs: 60_000 });
  cache.add(a);
  cache.add(b);
  for (let i = 1; i <= 40; i++) cache.recordCall(a.sessionId, { now: NOW + i });
  cache.recordCall(b.sessionId, { now: NOW + 3 });
  assert.equal(cache.get(a.sessionId).callCount, 40);
  assert.equal(cache.get(a.sessionId).lastUsedAt, NOW + 40);
  assert.equal(cache.findForUrl('https://api.example.com/v1/x', { now: NOW }).callCount, 40);
  assert.deepEqual(cache.list({ now: NOW }).map((s) => s.callCount), [40, 1]);
  // b's first call is on disk although a opened the window: a session used once survives a crash.
  assert.equal(callRecords(path).length, 2, 'only each session\'s first call in the window written on the call path');
  cache.flush();
  assert.equal(callRecords(path).length, 3);
  assert.equal(cache.get(a.sessionId).callCount, 40, 'not counted twice once written');
  cache.close();
});

test('pending counts are written before a session ends and when the cache closes', (t) => {
  const path = journalAt(t);
  const a = record();
  const b = record({ endpoint: 'https://api.example.com/v2' });
  const cache = batchCallCounts(new SessionStore({ path }), { flushMs: 60_000 });
  cache.add(a);
  cache.add(b);
  for (let i = 0; i < 7; i++) cache.recordCall(a.sessionId, { now: NOW + 1 });
  for (let i = 0; i < 3; i++) cache.recordCall(b.sessionId, { now: NOW + 2 });
  assert.equal(callRecords(path).length, 2, 'each session\'s first call');
  cache.end(a.sessionId, { now: NOW + 9 });
  assert.equal(callRecords(path).length, 3, 'the ended session\'s pending count went first');
  cache.close();
  const reopened = new SessionStore({ path });
  assert.equal(reopened.get(a.sessionId).callCount, 7);
  assert.equal(reopened.get(a.sessionId).endedAt, NOW + 9);
  assert.equal(reopened.get(b.sessionId).callCount, 3);
  reopened.close();
});

test('the flush timer writes pending counts by itself', async (t) => {
  const path = journalAt(t);
  const a = record();
  const errors = [];
  const cache = batchCallCounts(new SessionStore({ path }), { flushMs: 1, onError: (line) => errors.push(line) });
  cache.add(a);
  cache.recordCall(a.sessionId, { now: NOW + 1 });
  cache.recordCall(a.sessionId, { now: NOW + 2 });
  // Polls the file, not the clock: done when the record is there.
  assert.equal(callRecords(path).length, 1, 'the first call, at once');
  while (callRecords(path).length === 1) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(callRecords(path).length, 2);
  assert.deepEqual(errors, []);
  cache.close();
  const reopened = new SessionStore({ path });
  assert.equal(reopened.get(a.sessionId).callCount, 2);
  reopened.close();
});
