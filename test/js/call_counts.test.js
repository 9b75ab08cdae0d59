// Session call counts journaled in batches (lib/pay/call_counts.js, and
// SessionStore.recordCall's `calls`): exact at once in this process, never
// written on a call's path, one journal record per session per flush,
// written before an end, a prune, a close and an exit, and read back by the
// next process; a kill -9 loses only the counts not yet written.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

import { RecordStore, SessionStore } from '../../lib/index.js';
import { batchCallCounts } from '../../lib/pay/call_counts.js';
import { NOW, sessionRecord as record } from './support/session_record.js';


function journalAt(t) {
  const dir = mkdtempSync(join(tmpdir(), 'clawpay-calls-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'sessions.journal');
}

const CHILD = fileURLToPath(new URL('./support/call_count_child.js', import.meta.url));
const A = 'aaaaaaaa-0000-4000-8000-000000000001';
const B = 'bbbbbbbb-0000-4000-8000-000000000002';

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

test('batched counts are exact at once, none is written on the call\'s path, and a flush writes one record per session', (t) => {
  const path = journalAt(t);
  const a = record();
  const b = record({ endpoint: 'https://api.example.com/v2' });
  const cache = batchCallCounts(new SessionStore({ path }), { flushMs: 60_000 });
  cache.add(a);
  cache.add(b);
  for (let i = 1; i <= 40; i++) assert.equal(cache.recordCall(a.sessionId, { now: NOW + i }), true);
  cache.recordCall(b.sessionId, { now: NOW + 3 });
  assert.equal(cache.get(a.sessionId).callCount, 40);
  assert.equal(cache.get(a.sessionId).lastUsedAt, NOW + 40);
  assert.equal(cache.findForUrl('https://api.example.com/v1/x', { now: NOW }).callCount, 40);
  assert.deepEqual(cache.list({ now: NOW }).map((s) => s.callCount), [40, 1]);
  assert.equal(callRecords(path).length, 0, 'no count written on the call path');
  cache.flush();
  assert.equal(callRecords(path).length, 2, 'one record per session');
  assert.equal(cache.get(a.sessionId).callCount, 40, 'not counted twice once written');
  cache.flush();
  assert.equal(callRecords(path).length, 2, 'nothing pending, nothing written');
  cache.close();
  const reopened = new SessionStore({ path });
  assert.equal(reopened.get(a.sessionId).callCount, 40);
  assert.equal(reopened.get(a.sessionId).lastUsedAt, NOW + 40);
  assert.equal(reopened.get(b.sessionId).callCount, 1);
  reopened.close();
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
  assert.equal(callRecords(path).length, 0);
  cache.end(a.sessionId, { now: NOW + 9 });
  assert.equal(callRecords(path).length, 1, 'the ended session\'s pending count went first');
  cache.close();
  assert.equal(callRecords(path).length, 2);
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
  assert.equal(callRecords(path).length, 0, 'not on the call path');
  // Polls the file, not the clock: done when the record is there.
  while (callRecords(path).length === 0) await new Promise((resolve) => setImmediate(resolve));
  assert.equal(callRecords(path).length, 1, 'both calls in one record');
  assert.deepEqual(errors, []);
  cache.close();
  const reopened = new SessionStore({ path });
  assert.equal(reopened.get(a.sessionId).callCount, 2);
  assert.equal(reopened.get(a.sessionId).lastUsedAt, NOW + 2);
  reopened.close();
});

for (const mode of ['exit', 'process.exit']) {
  test(`a process that ends (${mode}) without closing writes its pending counts`, (t) => {
    const path = journalAt(t);
    const child = spawnSync(process.execPath, [CHILD, mode, path, `${path}.records`], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(child.status, 0, child.stderr);
    const reopened = new SessionStore({ path });
    assert.equal(reopened.get(A).callCount, 9);
    assert.equal(reopened.get(A).lastUsedAt, NOW + 9);
    reopened.close();
  });
}

test('kill -9 loses only the counts not yet written: never the session, its payment or a refusal', async (t) => {
  const path = journalAt(t);
  const child = spawn(process.execPath, [CHILD, 'kill', path, `${path}.records`], { stdio: ['ignore', 'pipe', 'inherit'] });
  child.stdout.setEncoding('utf8');
  let out = '';
  for await (const chunk of child.stdout) {
    out += chunk;
    if (out.includes('ready\n')) break;
  }
  assert.equal(out, 'ready\n');
  child.kill('SIGKILL');
  const [, signal] = await once(child, 'exit');
  assert.equal(signal, 'SIGKILL');

  const sessions = new SessionStore({ path });
  const a = sessions.get(A);
  assert.equal(a.callCount, 5, 'the 5 written counts survive; the 7 pending ones are all that is lost');
  assert.equal(a.lastUsedAt, NOW + 5);
  assert.equal(a.paymentAmount, '250000', 'what the session cost is on disk');
  assert.equal(a.paymentTxHash, `0x${'ab'.repeat(32)}`);
  assert.equal(a.sessionToken, 'eyJ.0x00');
  assert.equal(a.expiresAt, NOW + 3600);
  const b = sessions.get(B);
  assert.equal(b.endedAt, NOW + 100, 'the refused session is closed on disk');
  assert.equal(b.callCount, 1, 'its count went ahead of its end');
  sessions.close();
  const records = new RecordStore({ path: `${path}.records` });
  const refused = records.get(`session/${B}`);
  assert.equal(refused.state, 'refused');
  assert.equal(refused.reason, 'the server did not accept the session token');
  records.close();
});

test('recordCall answers with the record counted, from the last read and what is pending, before and after a flush', (t) => {
  const path = journalAt(t);
  const a = record();
  const cache = batchCallCounts(new SessionStore({ path }), { flushMs: 60_000 });
  cache.add(a);
  assert.equal(cache.recordCall(a.sessionId, { now: NOW + 1 }), true, 'not read here yet: no record to answer with');
  assert.equal(cache.get(a.sessionId).callCount, 1);
  const second = cache.recordCall(a.sessionId, { now: NOW + 2 });
  assert.equal(second.callCount, 2);
  assert.equal(second.lastUsedAt, NOW + 2);
  assert.equal(second.endpoint, a.endpoint);
  cache.flush();
  const third = cache.recordCall(a.sessionId, { now: NOW + 3 });
  assert.equal(third.callCount, 3, 'the written counts are not lost from the answer, nor counted twice');
  assert.equal(third.lastUsedAt, NOW + 3);
  assert.equal(cache.get(a.sessionId).callCount, 3);
  cache.end(a.sessionId, { now: NOW + 4 });
  assert.equal(cache.recordCall(a.sessionId, { now: NOW + 5 }), true, 'an ended session is forgotten here');
  cache.close();
});
