// FileChannels, the default channel storage of channels.directory: the
// official FileChannelStorage's interface and answers, side by side; the
// official files of a directory imported once (a deleted channel never comes
// back); a channel's log rewritten when long, its torn last line skipped and
// cut off; and, with real processes, a seller killed with SIGKILL in the middle
// of an update (the official storage's lock file then blocks that channel
// for good; ours does not) and two processes updating one channel at once.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { FileChannelStorage } from '@x402/evm/batch-settlement/server/file-storage';

import { CHANNEL_LOGS, CHANNELS_LOCK, FileChannels, LOG_COMPACT_BYTES } from '../../lib/paywall/file_channels.js';
import { channelStorage } from '../../lib/paywall/store.js';

const CHILD = fileURLToPath(new URL('./support/channel_storage_child.js', import.meta.url));
const dirs = [];
async function freshDir() {
  const dir = await mkdtemp(join(tmpdir(), 'clawpay-file-channels-'));
  dirs.push(dir);
  return dir;
}
after(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

const idOf = (n) => `0x${n.toString(16).padStart(64, '0')}`;
const channel = (n, charged) => ({
  channelId: idOf(n), chargedCumulativeAmount: String(charged), balance: '1000000', totalClaimed: '0',
  withdrawRequestedAt: 0, refundNonce: 0, pendingRequest: { pendingId: `0x${'ab'.repeat(32)}`, signedMaxClaimable: '7', expiresAt: 1_700_000_000_000 },
});

// The same operations on both storages: every answer, then every read.
test('answers every update, get and list as the official FileChannelStorage does (created, unchanged, updated, deleted, absent)', async () => {
  const ours = new FileChannels({ directory: await freshDir() });
  const official = new FileChannelStorage({ directory: await freshDir() });
  const steps = [
    [3, () => channel(3, 10)],
    [1, () => channel(1, 5)],
    [3, (current) => current],
    [3, (current) => ({ ...current, chargedCumulativeAmount: '11' })],
    [2, () => undefined],
    [2, (current) => current],
    [1, () => undefined],
    [1, () => undefined],
    [idOf(4).toUpperCase().replace('0X', '0x'), () => channel(4, 1)],
  ];
  for (const [id, update] of steps) {
    const channelId = typeof id === 'string' ? id : idOf(id);
    const answers = await Promise.all([ours, official].map((storage) => storage.updateChannel(channelId, update)));
    assert.deepEqual(answers[0], answers[1], `update of ${channelId}`);
    assert.deepEqual(await ours.get(channelId), await official.get(channelId));
  }
  assert.deepEqual(await ours.list(), await official.list());
  assert.deepEqual((await ours.list()).map((c) => c.channelId), [idOf(3), idOf(4)]);
  assert.equal(await ours.get(idOf(1)), undefined);
  ours.close();
});

test('refuses a channel id that is not a bytes32 with the official storages\' error, writing nothing', async () => {
  const dir = await freshDir();
  const ours = new FileChannels({ directory: dir });
  const official = new FileChannelStorage({ directory: await freshDir() });
  for (const bad of ['0x12', `${idOf(1)}00`, '../../etc/passwd', 7, null]) {
    const expected = await official.updateChannel(bad, () => channel(1, 1)).then(() => null, (error) => error.message);
    assert.equal(expected, 'invalid_batch_settlement_evm_channel_id_invalid');
    await assert.rejects(ours.updateChannel(bad, () => channel(1, 1)), { message: expected });
    await assert.rejects(ours.get(bad), { message: expected });
  }
  assert.deepEqual(await ours.list(), []);
  ours.close();
});

test('an update whose callback throws writes nothing, and its error reaches the caller', async () => {
  const ours = new FileChannels({ directory: await freshDir() });
  await ours.updateChannel(idOf(1), () => channel(1, 1));
  await assert.rejects(ours.updateChannel(idOf(1), () => { throw new RangeError('refused'); }), RangeError);
  assert.equal((await ours.get(idOf(1))).chargedCumulativeAmount, '1');
  ours.close();
});

test('a directory the official file storage kept is imported once: its channels go on, a channel deleted since never comes back, a later change wins over the file', async () => {
  const dir = await freshDir();
  const official = new FileChannelStorage({ directory: dir });
  for (const n of [1, 2, 3]) await official.updateChannel(idOf(n), () => channel(n, n * 100));
  const first = new FileChannels({ directory: dir });
  assert.deepEqual(await first.list(), await official.list());
  await first.updateChannel(idOf(1), (current) => ({ ...current, chargedCumulativeAmount: '101' }));
  assert.equal((await first.updateChannel(idOf(2), () => undefined)).status, 'deleted');
  first.close();
  // Another process (or the next start) on the same directory, the JSON files still there.
  const second = new FileChannels({ directory: dir });
  assert.equal((await second.get(idOf(1))).chargedCumulativeAmount, '101');
  assert.equal(await second.get(idOf(2)), undefined);
  assert.deepEqual((await second.list()).map((c) => c.channelId), [idOf(1), idOf(3)]);
  assert.equal((await second.updateChannel(idOf(2), (current) => current)).status, 'unchanged');
  second.close();
  assert.ok(existsSync(join(dir, CHANNELS_LOCK)));
});

test('channels.directory is a FileChannels, opened only on first use (configuring a paywall touches no disk)', async () => {
  const dir = join(await freshDir(), 'not-yet');
  const storage = channelStorage({ directory: dir });
  assert.ok(storage instanceof FileChannels);
  assert.equal(existsSync(dir), false);
  await storage.updateChannel(idOf(9), () => channel(9, 1));
  assert.ok(existsSync(join(dir, CHANNELS_LOCK)));
  storage.close();
});

function child(args) {
  const proc = spawn(process.execPath, [CHILD, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: proc.stdout })[Symbol.asyncIterator]();
  const exited = once(proc, 'exit').then(([code, signal]) => ({ code, signal }));
  return { proc, exited, nextLine: async () => (await lines.next()).value };
}

// The update the killed process was in the middle of: held under the lock, then SIGKILL.
async function killedMidUpdate(kind, dir, channelId) {
  const holder = child(['hold', kind, dir, channelId]);
  assert.equal(await holder.nextLine(), 'holding');
  holder.proc.kill('SIGKILL');
  assert.equal((await holder.exited).signal, 'SIGKILL');
}

test('a seller killed with SIGKILL in the middle of a channel update: the next update of that channel goes through at once, and the killed one wrote nothing', async () => {
  const dir = await freshDir();
  const storage = new FileChannels({ directory: dir });
  await storage.updateChannel(idOf(1), () => channel(1, 5));
  await killedMidUpdate('ours', dir, idOf(1));
  assert.equal((await storage.get(idOf(1))).chargedCumulativeAmount, '5');
  const next = await storage.updateChannel(idOf(1), (current) => ({ ...current, chargedCumulativeAmount: '6' }));
  assert.equal(next.status, 'updated');
  assert.equal((await storage.get(idOf(1))).chargedCumulativeAmount, '6');
  storage.close();
});

// Why the default is not the official file storage: its lock is a file that a
// killed process leaves behind, polled every 10 ms with no end.
test('the official FileChannelStorage after the same kill: its lock file stays, and the next update of that channel waits until someone removes it by hand', async () => {
  const dir = await freshDir();
  const official = new FileChannelStorage({ directory: dir });
  await official.updateChannel(idOf(1), () => channel(1, 5));
  await killedMidUpdate('official', dir, idOf(1));
  const lock = join(dir, 'server', `${idOf(1)}.json.lock`);
  assert.ok(existsSync(lock), 'the killed process left its lock file');
  let settled = false;
  const next = official.updateChannel(idOf(1), (current) => ({ ...current, chargedCumulativeAmount: '6' })).finally(() => { settled = true; });
  // Many of its 10 ms polls later, it is still waiting (it would wait forever).
  await new Promise((resolve) => setTimeout(resolve, 500));
  assert.equal(settled, false, 'the update went through despite the orphaned lock');
  await unlink(lock);
  assert.equal((await next).status, 'updated');
});

test('two processes updating one channel at once: every update counts (an atomic read-modify-write across processes)', async () => {
  const dir = await freshDir();
  const COUNT = 150;
  const writers = [child(['increment', 'ours', dir, idOf(1), String(COUNT)]), child(['increment', 'ours', dir, idOf(1), String(COUNT)])];
  for (const writer of writers) assert.equal(await writer.nextLine(), 'ready');
  for (const writer of writers) writer.proc.stdin.write('go\n');
  for (const writer of writers) {
    assert.equal(await writer.nextLine(), 'done');
    assert.equal((await writer.exited).code, 0);
  }
  const storage = new FileChannels({ directory: dir });
  assert.equal((await storage.get(idOf(1))).chargedCumulativeAmount, String(2 * COUNT));
  storage.close();
});

test('a channel\'s log is rewritten as its last record once it passes LOG_COMPACT_BYTES: it stays short, and every update is kept', async () => {
  const dir = await freshDir();
  const storage = new FileChannels({ directory: dir });
  const reader = new FileChannels({ directory: dir }); // another process's view, with its own cache
  const log = join(dir, CHANNEL_LOGS, `${idOf(1)}.jsonl`);
  let largest = 0;
  for (let i = 1; i <= 1200; i++) {
    await storage.updateChannel(idOf(1), () => ({ ...channel(1, i), pad: 'x'.repeat(300) }));
    largest = Math.max(largest, statSync(log).size);
    if (i % 97 === 0) assert.equal((await reader.get(idOf(1))).chargedCumulativeAmount, String(i));
  }
  assert.ok(largest <= LOG_COMPACT_BYTES, `the log reached ${largest} bytes`);
  assert.ok(statSync(log).size < LOG_COMPACT_BYTES && 1200 * 500 > 2 * LOG_COMPACT_BYTES, 'it was rewritten on the way');
  assert.equal((await reader.get(idOf(1))).chargedCumulativeAmount, '1200');
  storage.close();
  reader.close();
});

test('a log whose last line was torn (a write cut short): the line before it is the channel, and the next update cuts the torn bytes off', async () => {
  const dir = await freshDir();
  const storage = new FileChannels({ directory: dir });
  await storage.updateChannel(idOf(1), () => channel(1, 5));
  await storage.updateChannel(idOf(1), (current) => ({ ...current, chargedCumulativeAmount: '6' }));
  const log = join(dir, CHANNEL_LOGS, `${idOf(1)}.jsonl`);
  await appendFile(log, '{"channelId":"0x00');
  const fresh = new FileChannels({ directory: dir });
  assert.equal((await fresh.get(idOf(1))).chargedCumulativeAmount, '6');
  assert.equal((await fresh.updateChannel(idOf(1), (current) => ({ ...current, chargedCumulativeAmount: '7' }))).status, 'updated');
  const lines = (await readFile(log, 'utf8')).split('\n');
  assert.equal(lines.at(-1), '');
  assert.deepEqual(lines.slice(0, -1).map((line) => JSON.parse(line).chargedCumulativeAmount), ['7']);
  assert.equal((await storage.get(idOf(1))).chargedCumulativeAmount, '7');
  storage.close();
  fresh.close();
});

test('an official channel file that is not a channel record stops the import with ERR_STATE_DAMAGED, naming no channel id', async () => {
  const dir = await freshDir();
  await mkdir(join(dir, 'server'));
  await writeFile(join(dir, 'server', `${idOf(1)}.json`), '{"channelId": "0x');
  const storage = new FileChannels({ directory: dir });
  for (const call of [() => storage.get(idOf(2)), () => storage.list(), () => storage.updateChannel(idOf(2), () => channel(2, 1))]) {
    await assert.rejects(call(), (error) => error.code === 'ERR_STATE_DAMAGED' && !/[0-9a-f]{64}/i.test(error.message));
  }
});
