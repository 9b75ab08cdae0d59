// lib/wallet/approval_queue.js: short sequential ids that two processes
// never share, atomic claims (approve or cancel, once), finish, list by
// status, a stale claim taken over — and real processes racing to approve
// the same item on one durable RecordStore file: exactly one wins.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import test from 'node:test';

import { RecordStore } from '../../lib/index.js';
import { STALE_APPROVING_MS, createApprovalQueue, parseQueueId } from '../../lib/wallet/approval_queue.js';
import { createApprovedSends } from '../../lib/wallet/approved_sends.js';
import { tempDir } from './support/checks.js';

const TO = '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359';
const USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const T0 = Date.parse('2026-03-04T12:00:00Z');
const QUEUE_MODULE = new URL('../../lib/wallet/approval_queue.js', import.meta.url).href;
const STORE_MODULE = new URL('../../lib/record_store.js', import.meta.url).href;

const item = (units = '5000000', extra = {}) => ({
  to: TO,
  value: { units, amount: '5.00', symbol: 'USDC', decimals: 6, token: USDC },
  token: USDC, decimals: 6, symbol: 'USDC', units,
  reason: '5.00 USDC is above the per-send limit of 1.00 USDC (CLAWPAY_MAX_PER_SEND)',
  ...extra,
});

const coded = (code, text) => (error) => {
  assert.equal(error.code, code, error.message);
  if (text) assert.ok(error.message.includes(text), `"${error.message}" includes "${text}"`);
  return true;
};

test('add: ids "1", "2", … with the item\'s fields, status pending, times in unix seconds', () => {
  const queue = createApprovalQueue({ store: new RecordStore(), now: () => T0 });
  const first = queue.add(item('5000000', { memo: 'invoice 7' }));
  const second = queue.add(item('7000000'));
  assert.equal(first.id, '1');
  assert.equal(second.id, '2');
  assert.equal(first.status, 'pending');
  assert.equal(first.createdAt, T0 / 1000);
  assert.equal(first.memo, 'invoice 7');
  assert.equal(second.memo, null);
  assert.deepEqual(queue.get('1'), first);
  assert.equal(queue.get('3'), null);
  assert.throws(() => queue.add({ to: TO }), TypeError);
});

test('parseQueueId: typeable ids only; anything else is refused', () => {
  assert.equal(parseQueueId(' 12 '), '12');
  assert.equal(parseQueueId('#3'), '3');
  assert.equal(parseQueueId(4), '4');
  for (const bad of ['0', '-1', '1.5', 'abc', '', '01', '1'.repeat(17), null, undefined, {}, 'approval/1']) {
    assert.throws(() => parseQueueId(bad), coded('ERR_WALLET_INPUT', 'positive whole number'), String(bad));
  }
});

test('claim: pending → approving or cancelled, once; the loser is told the item\'s status', () => {
  const queue = createApprovalQueue({ store: new RecordStore(), now: () => T0 });
  queue.add(item());
  queue.add(item());
  const claimed = queue.claim('1', 'approve');
  assert.equal(claimed.status, 'approving');
  assert.throws(() => queue.claim('1', 'approve'), coded('ERR_QUEUE_NOT_PENDING', 'being approved right now'));
  assert.throws(() => queue.claim('1', 'cancel'), coded('ERR_QUEUE_NOT_PENDING', 'cannot be cancelled'));
  assert.equal(queue.claim('2', 'cancel').status, 'cancelled');
  assert.throws(() => queue.claim('2', 'approve'), coded('ERR_QUEUE_NOT_PENDING', 'is cancelled'));
  assert.throws(() => queue.claim('9', 'cancel'), coded('ERR_QUEUE_NOT_FOUND', '#9'));
  assert.throws(() => queue.claim('1', 'delete'), TypeError);
});

test('finish: approving → executed or failed with the hash and the error; nothing else can finish', () => {
  const queue = createApprovalQueue({ store: new RecordStore(), now: () => T0 });
  queue.add(item());
  queue.add(item());
  queue.add(item());
  assert.throws(() => queue.finish('1', { status: 'executed' }), coded('ERR_QUEUE_NOT_PENDING', 'not being approved'));
  queue.claim('1', 'approve');
  const hash = `0x${'ab'.repeat(32)}`;
  const done = queue.finish('1', { status: 'executed', txHash: hash, blockNumber: '12' });
  assert.equal(done.status, 'executed');
  assert.equal(done.txHash, hash);
  assert.equal(done.blockNumber, '12');
  assert.throws(() => queue.finish('1', { status: 'failed' }), coded('ERR_QUEUE_NOT_PENDING', 'is executed'));
  queue.claim('2', 'approve');
  assert.equal(queue.finish('2', { status: 'failed', error: 'would revert: transfer amount exceeds balance' }).error, 'would revert: transfer amount exceeds balance');
  assert.throws(() => queue.finish('3', { status: 'pending' }), TypeError);

  assert.deepEqual(queue.list().map((i) => [i.id, i.status]), [['1', 'executed'], ['2', 'failed'], ['3', 'pending']]);
  assert.deepEqual(queue.list({ status: 'pending' }).map((i) => i.id), ['3']);
  assert.equal(queue.pendingCount(), 1);
  assert.throws(() => queue.list({ status: 'done' }), coded('ERR_WALLET_INPUT'));
});

test('an approval left behind by a process that stopped may be claimed again once stale', () => {
  let now = T0;
  const queue = createApprovalQueue({ store: new RecordStore(), now: () => now });
  queue.add(item());
  queue.claim('1', 'approve');
  now += STALE_APPROVING_MS - 1;
  assert.throws(() => queue.claim('1', 'approve'), coded('ERR_QUEUE_NOT_PENDING'));
  now += 1;
  const again = queue.claim('1', 'approve');
  assert.equal(again.status, 'approving');
  assert.equal(again.attempts, 2);
  assert.throws(() => queue.claim('1', 'cancel'), coded('ERR_QUEUE_NOT_PENDING'), 'a stale approval is not cancelled: it may have sent');
});

test('two queues on one durable file hand out distinct ids', (t) => {
  const path = join(tempDir(t, 'clawpay-queue-'), 'pay.records');
  const a = createApprovalQueue({ store: new RecordStore({ path }) });
  const b = createApprovalQueue({ store: new RecordStore({ path }) });
  const ids = [];
  for (let i = 0; i < 5; i++) ids.push(a.add(item()).id, b.add(item()).id);
  assert.deepEqual(ids, ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
});

// A child process: prints "ready", waits for a line, then tries `action` on
// item `id` of the queue in `path`, and prints "claimed" or the error code.
const CHILD = `
  import { once } from 'node:events';
  const { createApprovalQueue } = await import(${JSON.stringify(QUEUE_MODULE)});
  const { RecordStore } = await import(${JSON.stringify(STORE_MODULE)});
  const [path, action, ...ids] = process.argv.slice(1);
  const queue = createApprovalQueue({ store: new RecordStore({ path }) });
  process.stdout.write('ready\\n');
  await once(process.stdin, 'data');
  process.stdin.destroy();
  for (const id of ids) {
    try {
      queue.claim(id, action);
      process.stdout.write(id + ' claimed\\n');
    } catch (error) {
      process.stdout.write(id + ' ' + error.code + '\\n');
    }
  }
`;

function racer(args) {
  const proc = spawn(process.execPath, ['--input-type=module', '-e', CHILD, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  let out = '';
  const ready = new Promise((resolve) => {
    proc.stdout.on('data', (chunk) => {
      out += chunk;
      if (out.includes('ready\n')) resolve();
    });
  });
  const done = new Promise((resolve) => proc.on('close', (code) => resolve({ code, lines: out.split('\n').filter((l) => l && l !== 'ready') })));
  return { proc, ready, done };
}

test('processes racing to approve the same items: each item is claimed by exactly one', { timeout: 60_000 }, async (t) => {
  const path = join(tempDir(t, 'clawpay-queue-race-'), 'pay.records');
  const store = new RecordStore({ path });
  const queue = createApprovalQueue({ store });
  const ids = Array.from({ length: 20 }, () => queue.add(item()).id);
  const racers = [racer([path, 'approve', ...ids]), racer([path, 'approve', ...ids]), racer([path, 'cancel', ...ids])];
  await Promise.all(racers.map((r) => r.ready));
  for (const { proc } of racers) proc.stdin.write('go\n');
  const results = await Promise.all(racers.map((r) => r.done));
  for (const { code } of results) assert.equal(code, 0);
  const lines = results.flatMap((r) => r.lines);
  assert.equal(lines.length, 60);
  for (const id of ids) {
    const outcomes = lines.filter((line) => line.split(' ')[0] === id).map((line) => line.split(' ')[1]);
    assert.equal(outcomes.filter((o) => o === 'claimed').length, 1, `item ${id}: ${outcomes}`);
    assert.equal(outcomes.filter((o) => o === 'ERR_QUEUE_NOT_PENDING').length, 2, `item ${id}: ${outcomes}`);
    assert.ok(['approving', 'cancelled'].includes(queue.get(id).status));
  }
  store.close();
});

test('a person\'s approval without the key: pending → approved, then claimed (once) by the key\'s holder or cancelled; handed back to approved', () => {
  const queue = createApprovalQueue({ store: new RecordStore(), now: () => T0 });
  queue.add(item());
  queue.add(item('3000000'));
  const approved = queue.recordApproval('1', { by: 'alice' });
  assert.equal(approved.status, 'approved');
  assert.equal(approved.approvedAt, T0 / 1000);
  assert.equal(approved.approvedBy, 'alice');
  assert.throws(() => queue.recordApproval('1'), coded('ERR_QUEUE_NOT_PENDING', 'is approved'));
  assert.deepEqual(queue.approvedToSend().map((i) => i.id), ['1']);
  assert.equal(queue.claim('1', 'approve').status, 'approving');
  assert.deepEqual(queue.approvedToSend(), [], 'being sent by a live process');
  assert.throws(() => queue.claim('1', 'approve'), coded('ERR_QUEUE_NOT_PENDING', 'being approved right now'));
  assert.equal(queue.unclaim('1', { error: 'RPC down' }).status, 'approved', 'a person\'s approval stands');
  assert.equal(queue.claim('1', 'approve').status, 'approving');
  assert.equal(queue.finish('1', { status: 'refused', error: 'CLAWPAY_MAX_PER_SEND was lowered' }).status, 'refused');
  assert.deepEqual(queue.approvedToSend(), []);
  queue.recordApproval('2');
  assert.equal(queue.claim('2', 'cancel').status, 'cancelled', 'an approved item can still be cancelled');
  assert.deepEqual(queue.approvedToSend(), []);
});

test('an approved item claimed by a process that is gone is to be sent again at once (the send resumes its transaction)', () => {
  const store = new RecordStore();
  const queue = createApprovalQueue({ store, now: () => T0 });
  queue.add(item());
  queue.recordApproval('1');
  queue.claim('1', 'approve');
  store.update('approval/1', (current) => ({ ...current, claimedBy: 2 ** 22 + 12345 })); // no such pid
  assert.deepEqual(queue.approvedToSend().map((i) => i.id), ['1']);
  assert.equal(queue.claim('1', 'approve').claimedBy, process.pid);
});

test('approved sends (clawpay-mcp\'s side): each approved item once; no scan of the queue until a new approval or a due retry', async () => {
  let at = T0;
  const store = new RecordStore();
  const queue = createApprovalQueue({ store, now: () => at });
  const scans = { n: 0 };
  const counted = { ...queue, approvedToSend: () => { scans.n += 1; return queue.approvedToSend(); } };
  const sent = [];
  let chainDown = false;
  const approve = async (id) => {
    const item = queue.claim(id, 'approve');
    if (chainDown) {
      const error = Object.assign(new Error('RPC down'), { code: 'ERR_RPC', item: queue.unclaim(id, { error: 'RPC down' }) });
      throw error;
    }
    sent.push(id);
    return queue.finish(item.id, { status: 'executed', txHash: `0x${'ab'.repeat(32)}` });
  };
  const runApproved = createApprovedSends({ queue: counted, approve, now: () => at });
  queue.add(item());
  queue.add(item('3000000'));
  assert.deepEqual(await runApproved(), [], 'nothing approved at start');
  assert.equal(scans.n, 1);
  queue.recordApproval('1');
  const [first] = await runApproved();
  assert.equal(first.item.status, 'executed');
  assert.deepEqual(sent, ['1']);
  assert.deepEqual(await runApproved(), []);
  assert.equal(scans.n, 2, 'no new approval: the queue is not scanned again');
  chainDown = true;
  queue.recordApproval('2');
  const [failed] = await runApproved();
  assert.equal(failed.error.code, 'ERR_RPC');
  assert.equal(queue.get('2').status, 'approved', 'it waits to be sent again');
  assert.deepEqual(await runApproved(), [], 'not again before its retry is due');
  chainDown = false;
  at += 30_000;
  assert.equal((await runApproved())[0].item.status, 'executed');
  assert.deepEqual(sent, ['1', '2'], 'each sent once');
  const scansBefore = scans.n;
  await runApproved();
  assert.equal(scans.n, scansBefore, 'no retry pending, no new approval: no scan');
});

// A person's approval in another process (`clawpay approvals approve`, with
// only the state directory): recorded there, and it exits.
function approveElsewhere(path, id) {
  const script = `
    const { createApprovalQueue } = await import(${JSON.stringify(QUEUE_MODULE)});
    const { RecordStore } = await import(${JSON.stringify(STORE_MODULE)});
    const store = new RecordStore({ path: process.argv[1] });
    createApprovalQueue({ store }).recordApproval(process.argv[2], { by: 'alice' });
    store.close();
  `;
  const proc = spawn(process.execPath, ['--input-type=module', '-e', script, path, id], { stdio: ['ignore', 'ignore', 'inherit'] });
  return new Promise((resolve) => proc.on('close', resolve));
}

test('approved sends: another process\'s approval is sent on the next call, once; nothing else is scanned meanwhile', { timeout: 60_000 }, async (t) => {
  const path = join(tempDir(t, 'clawpay-queue-seen-'), 'pay.records');
  const store = new RecordStore({ path });
  const queue = createApprovalQueue({ store });
  const scans = { n: 0 };
  const counted = { ...queue, approvedToSend: () => { scans.n += 1; return queue.approvedToSend(); } };
  const sent = [];
  const approve = async (id) => {
    const claimed = queue.claim(id, 'approve');
    sent.push(id);
    return queue.finish(claimed.id, { status: 'executed', txHash: `0x${'ab'.repeat(32)}` });
  };
  const runApproved = createApprovedSends({ queue: counted, approve });
  queue.add(item());
  assert.deepEqual(await runApproved(), []);
  for (let i = 0; i < 5; i++) assert.deepEqual(await runApproved(), []);
  assert.equal(scans.n, 1, 'no approval recorded since: the queue is not scanned again');

  assert.equal(await approveElsewhere(path, '1'), 0);
  const [result] = await runApproved();
  assert.equal(result.item.status, 'executed', 'the other process\'s approval is seen on the next call');
  assert.deepEqual(sent, ['1']);
  assert.deepEqual(await runApproved(), [], 'once');
  assert.deepEqual(sent, ['1']);
  assert.equal(scans.n, 2);
  store.close();
});
