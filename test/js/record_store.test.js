// RecordStore through the public API: get/put/delete/list, update's three
// answers, argument checks naming the parameter, callbacks that throw or call
// back into the store, and durability: restarts, two real processes
// incrementing one counter, and kill -9 while writing.
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';

import { ReceiptLedger, RecordStore, SessionStore } from '../../lib/index.js';
import { native } from '../../lib/native.js';
import { hasCode, tempDir } from './support/checks.js';
import { killAfter, startTogether } from './support/ledger_writer.js';

const busy = hasCode(Error, 'ERR_STORE_BUSY', 'inside an update()');
const increment = (store, id) => store.update(id, (current) => ({ n: (current?.n ?? 0) + 1 }));

test('put, get, delete, size and list by prefix in the order ids were first written', () => {
  const store = new RecordStore();
  store.put('pay/2', { status: 'intent', amount: '20000' });
  store.put('pay/1', { status: 'signed', authorization: { nonce: '0x01', validBefore: '1800000000' }, tries: [1, 2] });
  store.put('spend/2026-01-01', { total: '30000' });
  assert.deepEqual(store.get('pay/1'), { status: 'signed', authorization: { nonce: '0x01', validBefore: '1800000000' }, tries: [1, 2] });
  assert.equal(store.get('pay/9'), null);
  assert.equal(store.size, 3);
  assert.deepEqual(store.list('pay/').map((e) => e.id), ['pay/2', 'pay/1']);
  assert.deepEqual(store.list(), [
    { id: 'pay/2', value: { status: 'intent', amount: '20000' } },
    { id: 'pay/1', value: store.get('pay/1') },
    { id: 'spend/2026-01-01', value: { total: '30000' } },
  ]);
  assert.deepEqual(store.list('nothing/'), []);

  store.put('pay/2', { status: 'signed' });
  assert.deepEqual(store.list('pay/').map((e) => e.id), ['pay/2', 'pay/1'], 'replaced: keeps its place');
  assert.equal(store.delete('pay/2'), true);
  assert.equal(store.delete('pay/2'), false);
  store.put('pay/2', { status: 'intent' });
  assert.deepEqual(store.list('pay/').map((e) => e.id), ['pay/1', 'pay/2'], 'written again: last');

  const value = store.get('pay/1');
  value.status = 'changed';
  assert.equal(store.get('pay/1').status, 'signed', 'get returns a copy');
  store.close();
  assert.throws(() => store.size, hasCode(Error, 'ERR_CLOSED'));
  assert.throws(() => store.get('pay/1'), hasCode(Error, 'ERR_CLOSED'));
});

test('update: undefined keeps, null deletes, an object replaces; each returns the resulting value', () => {
  const store = new RecordStore();
  const seen = [];
  const answer = (result) => (current) => { seen.push(current); return result; };
  assert.equal(store.update('a', answer(undefined)), null);
  assert.equal(store.update('a', answer(null)), null);
  assert.equal(store.size, 0);
  assert.deepEqual(store.update('a', answer({ n: 1 })), { n: 1 });
  assert.deepEqual(store.update('a', answer(undefined)), { n: 1 });
  assert.deepEqual(store.update('a', (current) => { current.n += 1; return current; }), { n: 2 }, 'mutating the argument is fine');
  assert.equal(store.update('a', answer(null)), null);
  assert.equal(store.get('a'), null);
  assert.deepEqual(seen, [null, null, null, { n: 1 }, { n: 2 }]);

  // As JSON.stringify writes values: toJSON is used, undefined members vanish.
  const when = new Date(Date.UTC(2026, 0, 2));
  assert.deepEqual(store.update('b', () => ({ when, skip: undefined, list: [undefined, 1] })),
    { when: '2026-01-02T00:00:00.000Z', list: [null, 1] });
});

test('a callback that throws: its own error propagates, nothing is written, the lock is released', (t) => {
  const path = join(tempDir(t, 'clawpay-records-'), 'records.journal');
  const store = new RecordStore({ path });
  store.put('spend', { total: '100' });
  const before = readFileSync(path);
  class OverBudget extends Error {}
  const mine = new OverBudget('daily limit reached');
  mine.code = 'ERR_OVER_BUDGET';
  assert.throws(() => store.update('spend', () => { throw mine; }), (error) => error === mine);
  assert.throws(() => store.update('spend', () => { throw 'a string'; }), (error) => error === 'a string');
  assert.throws(() => store.update('spend', () => { throw undefined; }), (error) => error === undefined);
  assert.throws(() => store.update('spend', () => { throw new RangeError('plain'); }), (e) => e.constructor === RangeError && e.code === undefined);
  assert.deepEqual(readFileSync(path), before, 'nothing written');
  assert.deepEqual(store.get('spend'), { total: '100' });

  // The lock is free again: this store and another on the same file can write.
  const other = new RecordStore({ path });
  assert.deepEqual(other.update('spend', () => ({ total: '150' })), { total: '150' });
  assert.deepEqual(store.update('spend', (current) => ({ total: String(Number(current.total) + 1) })), { total: '151' });
  other.close();
  store.close();
});

test('calling the store from inside its update callback throws ERR_STORE_BUSY instead of deadlocking', (t) => {
  const dir = tempDir(t, 'clawpay-records-');
  const path = join(dir, 'records.journal');
  const store = new RecordStore({ path });
  const sameFile = new RecordStore({ path: join(dir, '.', 'records.journal') });
  const elsewhere = new RecordStore({ path: join(dir, 'other.journal') });
  const inMemory = new RecordStore();
  store.put('a', { n: 1 });
  const reentrant = [
    () => store.get('a'), () => store.list(), () => store.size, () => store.put('b', { n: 1 }), () => store.delete('a'),
    () => increment(store, 'a'), () => store.close(), () => sameFile.get('a'), () => increment(sameFile, 'a'),
    () => new RecordStore({ path }),
  ];
  const result = store.update('a', (current) => {
    for (const call of reentrant) assert.throws(call, busy, String(call));
    increment(elsewhere, 'counter');
    increment(inMemory, 'counter');
    return { n: current.n + 1 };
  });
  assert.deepEqual(result, { n: 2 });
  assert.deepEqual(elsewhere.get('counter'), { n: 1 }, 'other stores are free to use inside');

  // Left uncaught, the busy error propagates like any other and nothing is written.
  const before = readFileSync(path);
  assert.throws(() => store.update('a', () => { store.put('a', { n: 99 }); }), busy);
  assert.throws(() => store.update('a', () => store.update('a', () => ({ n: 99 }))), busy);
  assert.deepEqual(readFileSync(path), before);
  assert.deepEqual(sameFile.get('a'), { n: 2 }, 'busy only while inside');
  for (const s of [store, sameFile, elsewhere, inMemory]) s.close();
});

test('bad arguments are refused naming the parameter; values must be JSON objects of bounded size', () => {
  const store = new RecordStore();
  store.put('a', { n: 1 });
  let deep = {};
  for (let i = 1; i < 64; i++) deep = { a: deep }; // 64 levels, the most allowed
  const cases = [
    [() => store.get(42), TypeError, 'ERR_INVALID_ARG_TYPE', 'id'],
    [() => store.get(''), RangeError, 'ERR_INVALID_ARG_VALUE', 'id'],
    [() => store.get('x'.repeat(257)), RangeError, 'ERR_INVALID_ARG_VALUE', 'id'],
    [() => store.get('tab\there'), RangeError, 'ERR_INVALID_ARG_VALUE', 'id'],
    [() => store.put('café', { n: 1 }), RangeError, 'ERR_INVALID_ARG_VALUE', 'id'],
    [() => store.delete(undefined), TypeError, 'ERR_INVALID_ARG_TYPE', 'id'],
    [() => store.list(7), TypeError, 'ERR_INVALID_ARG_TYPE', 'prefix'],
    [() => store.list('p'.repeat(257)), RangeError, 'ERR_INVALID_ARG_VALUE', 'prefix'],
    [() => store.put('b'), TypeError, 'ERR_INVALID_ARG_TYPE', 'value'],
    [() => store.put('b', [1]), TypeError, 'ERR_INVALID_ARG_TYPE', 'value'],
    [() => store.put('b', 'text'), TypeError, 'ERR_INVALID_ARG_TYPE', 'value'],
    [() => store.put('b', new Date()), TypeError, 'ERR_INVALID_ARG_TYPE', 'value'],
    [() => store.put('b', { amount: 10000n }), TypeError, 'ERR_INVALID_ARG_TYPE', 'value.amount'],
    [() => store.put('b', { auth: { values: [1, 2n] } }), TypeError, 'ERR_INVALID_ARG_TYPE', 'value.auth.values[1]'],
    [() => store.put('b', { 'not an identifier': { x: 1n } }), TypeError, 'ERR_INVALID_ARG_TYPE', 'value["not an identifier"].x'],
    [() => store.put('b', { text: 'x\ud800' }), RangeError, 'ERR_INVALID_ARG_VALUE', 'value.text'],
    [() => store.put('b', { ['\udc00']: 1 }), RangeError, 'ERR_INVALID_ARG_VALUE', 'value'],
    [() => store.put('b', { a: deep }), RangeError, 'ERR_INVALID_ARG_VALUE', 'nested at most 64'],
    [() => store.put('b', { s: 'x'.repeat(65_536 - 7) }), RangeError, 'ERR_INVALID_ARG_VALUE', 'this one is 65537'],
    [() => store.put('b', { s: 'é'.repeat(32_766) }), RangeError, 'ERR_INVALID_ARG_VALUE', 'value'],
    [() => { const cycle = { n: 1 }; cycle.self = cycle; store.put('b', cycle); }, TypeError, 'ERR_INVALID_ARG_TYPE', 'circular'],
    [() => store.update('a'), TypeError, 'ERR_INVALID_ARG_TYPE', 'fn'],
    [() => store.update('a', { n: 2 }), TypeError, 'ERR_INVALID_ARG_TYPE', 'fn'],
    [() => store.update('a', () => 42), TypeError, 'ERR_INVALID_ARG_TYPE', 'the value fn returned'],
    [() => store.update('a', () => [1]), TypeError, 'ERR_INVALID_ARG_TYPE', 'the value fn returned'],
    [() => store.update('a', async () => ({ n: 2 })), TypeError, 'ERR_INVALID_ARG_TYPE', 'synchronously'],
    [() => store.update('a', () => ({ amount: 1n })), TypeError, 'ERR_INVALID_ARG_TYPE', 'the value fn returned.amount'],
    [() => new RecordStore({ path: 7 }), TypeError, 'ERR_INVALID_ARG_TYPE', 'options.path'],
    [() => new RecordStore(null), TypeError, 'ERR_INVALID_ARG_TYPE', 'options'],
  ];
  for (const [call, ErrorClass, code, name] of cases) assert.throws(call, hasCode(ErrorClass, code, name), String(call));
  assert.throws(() => store.put('b', { amount: 1n }), hasCode(TypeError, 'ERR_INVALID_ARG_TYPE', 'store amounts as decimal strings'));
  assert.deepEqual(store.list(), [{ id: 'a', value: { n: 1 } }], 'nothing was written');

  // The limits are inclusive; 65536 bytes count UTF-8.
  store.put('~'.repeat(256), { s: 'x'.repeat(65_536 - 8) });
  store.put(' "quoted\\id" ', deep);
  store.put('b', { s: 'é'.repeat(32_764) });
  assert.deepEqual(store.get(' "quoted\\id" '), deep);
  assert.equal(store.get('~'.repeat(256)).s.length, 65_528);
  assert.equal(store.size, 4);
});

test('native methods refuse a foreign `this`; the native update checks what its callback returns', () => {
  const refused = (e) => e instanceof TypeError && (e.code === 'ERR_INVALID_THIS' || /Illegal invocation/.test(e.message));
  for (const foreign of [new native.SessionStore(), {}]) {
    assert.throws(() => native.NativeRecordStore.prototype.get.call(foreign, 'x'), refused);
    assert.throws(() => native.NativeRecordStore.prototype.update.call(foreign, 'x', () => undefined), refused);
  }
  const store = new native.NativeRecordStore();
  for (const answer of [42, {}, true]) {
    assert.throws(() => store.update('x', () => answer), hasCode(TypeError, 'ERR_INVALID_ARG_TYPE', 'update callback'));
  }
  assert.throws(() => store.update('x', () => '{"unclosed"'), hasCode(TypeError, 'ERR_INVALID_ARG_TYPE', 'JSON text'));
  assert.throws(() => store.update('x', () => '[1]'), hasCode(TypeError, 'ERR_INVALID_ARG', 'object'));
  assert.throws(() => store.put('x', 'null'), hasCode(TypeError, 'ERR_INVALID_ARG', 'object'));
  assert.equal(store.update('x', (current) => { assert.equal(current, null); return '{"n":1}'; }), '{"n":1}');
  assert.equal(store.update('x', (current) => { assert.equal(current, '{"n":1}'); }), '{"n":1}');
  assert.equal(store.get('x'), '{"n":1}');
  assert.equal(store.size, 1);
});

test('with a path, everything survives a restart; the file is private and of its own format', (t) => {
  const dir = tempDir(t, 'clawpay-records-');
  const path = join(dir, 'state', 'records.journal');
  let store = new RecordStore({ path });
  store.put('pay/1', { status: 'intent', amount: '10000', note: 'zürich 😀', big: 1e21, small: 0.1, neg: -3 });
  store.put('pay/2', { status: 'intent' });
  for (let i = 0; i < 5; i++) increment(store, 'spend/2026-01-01');
  store.delete('pay/2');
  const before = store.list();
  store.close();
  assert.equal((statSync(path).mode & 0o777).toString(8), '600');

  store = new RecordStore({ path });
  assert.deepEqual(store.list(), before);
  assert.deepEqual(store.get('spend/2026-01-01'), { n: 5 });
  store.close();

  const sessions = join(dir, 'sessions.journal');
  new SessionStore({ path: sessions }).close();
  assert.throws(() => new RecordStore({ path: sessions }),
    hasCode(Error, 'ERR_JOURNAL_CORRUPT', '"clawpay-sessions" records, but was opened as a "clawpay-records" journal'));
  assert.throws(() => new ReceiptLedger({ path }),
    hasCode(Error, 'ERR_JOURNAL_CORRUPT', '"clawpay-records" records, but was opened as a "clawpay-receipts" journal'));
});

test('two processes each incrementing one counter 300 times through update end at exactly 600', async (t) => {
  const path = join(tempDir(t, 'clawpay-records-'), 'counter.journal');
  const writers = await startTogether(2, [path, 'increment', '--count', '300']);
  const exits = await Promise.all(writers.map((w) => w.exited));
  assert.deepEqual(exits.map((e) => e.code), [0, 0]);
  assert.deepEqual(writers.map((w) => w.lines), [['done 300'], ['done 300']]);
  const store = new RecordStore({ path });
  assert.deepEqual(store.get('counter'), { n: 600 }, 'no increment was lost');
  store.close();
});

test('kill -9 while looping put loses no put that returned', async (t) => {
  const dir = tempDir(t, 'clawpay-records-');
  for (let round = 0; round < 4; round++) {
    const path = join(dir, `kill-${round}.journal`);
    const lines = await killAfter([path, 'put'], 20 + round * 37);
    const store = new RecordStore({ path });
    lines.forEach((id, i) => {
      assert.deepEqual(store.get(id), { i, tag: id.split('/')[1], amount: String(1000 + i) },
        `record ${id} of round ${round} survived kill -9`);
    });
    // At most the put in flight when the kill came is extra (written, not yet reported).
    assert.ok(store.size <= lines.length + 1);
    store.close();
  }
});
