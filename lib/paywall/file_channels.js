// Payment channel state in files: the default ChannelStorage of
// `channels.directory` (store.js channelStorage), with the official @x402/evm
// interface and result shapes (get, list, updateChannel), so the official
// server scheme and channel manager read and write it unchanged.
//
// Why not the official FileChannelStorage: its update takes an O_EXCL lock
// file that a process killed mid-update leaves behind, after which every
// update of that channel polls for it forever; and each update replaces the
// channel's JSON file by a rename, which ext4 (auto_da_alloc) makes wait for
// the new file's data to be written out: ~2.4 ms per update on this
// machine's shared disk, two per request, ~1.3–1.7 ms of CPU per request.
//
// Here each channel is a log, `<directory>/channel-logs/<id>.jsonl`: every
// update appends the channel's whole new record as one line (one write(2)
// on the page cache, ~40 µs), a deleted channel a `null` line; the last
// complete line is the channel. A log past LOG_COMPACT_BYTES is rewritten as
// its last line (a temporary file renamed over it; ext4 waits for its data,
// ~2.4 ms, hence rarely). Updates run under the
// exclusive lock of `<directory>/channels.lock`, an empty journal of the
// project's native record store (record_store.js) used for its flock(2): the
// kernel releases it when its holder dies, however it dies (Node has no flock
// of its own). The callback never waits, so the lock is held for
// microseconds and one lock serves every channel of the directory; processes
// sharing the directory each read-modify-write a channel atomically. Each
// process caches the records it last read or wrote, keyed by the log's inode
// and size, so an update usually reads nothing.
//
// Durability, at least the official storage's: a served voucher's state is in
// the log once its update resolves and survives kill -9 (a write(2) is whole
// or absent; a rename replaces whole). There is no fsync per update (one
// fdatasync per update throttled the route to ~65 requests/s here): a power
// loss can lose the last updates the kernel had not written back, never an
// earlier one (ext4 writes appended data before the size that covers it), and
// a torn last line is skipped (the line before it is the channel) and cut off
// by the next update. The official storage's files in `<directory>/server/`
// are imported once, on first use (a channel with a log is never imported
// again, so one deleted since does not come back); do not run the official
// storage on the same directory at the same time.
import { closeSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

import { RecordStore } from '../record_store.js';
import { shownPath } from '../state_dir.js';
import { expectObject, expectString } from '../validate.js';

export const CHANNELS_LOCK = 'channels.lock';
export const CHANNEL_LOGS = 'channel-logs';
/** A channel's log is rewritten as its last record once it is this long. */
export const LOG_COMPACT_BYTES = 256 * 1024;
const CHANNEL_ID = /^0x[0-9a-fA-F]{64}$/;
// The official storages' error for a channel id that is not a bytes32 (@x402/evm errors.ts).
const INVALID_CHANNEL_ID = 'invalid_batch_settlement_evm_channel_id_invalid';
const NEWLINE = 0x0a;

function channelKey(channelId) {
  if (typeof channelId !== 'string' || !CHANNEL_ID.test(channelId)) throw new Error(INVALID_CHANNEL_ID);
  return channelId.toLowerCase();
}

const statOf = (path) => {
  try {
    return statSync(path);
  } catch (error) {
    if (error.code === 'ENOENT') return null;
    throw error;
  }
};

// The record on a log's last complete line (null: deleted) and the length up
// to that line's end (`whole`: false when bytes follow it, a torn write).
function readLog(path) {
  let bytes;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    if (error.code === 'ENOENT') return null;
    throw error;
  }
  const end = bytes.lastIndexOf(NEWLINE);
  if (end < 0) return { value: null, length: 0, whole: bytes.length === 0 };
  const start = bytes.lastIndexOf(NEWLINE, end - 1) + 1;
  return { value: JSON.parse(bytes.toString('utf8', start, end)), length: end + 1, whole: end + 1 === bytes.length };
}

// What tells one state of a log from another: appends grow it, a rewrite is a new inode
// (and, should the inode number come back, a new change time).
const versionOf = (stat) => `${stat.ino}:${stat.size}:${stat.ctimeMs}`;

// A short write (a full disk) leaves a torn line, which readers skip and the next update cuts off.
function wholeWrite(fd, bytes) {
  const written = writeSync(fd, bytes);
  if (written !== bytes.length) throw Object.assign(new Error(`channel storage: wrote ${written} of ${bytes.length} bytes (disk full?)`), { code: 'ERR_IO' });
}

// A temporary file's name only has to be unique among live writers: the process id and a counter.
let temporaries = 0;

export class FileChannels {
  #directory;
  #logs;
  #lock = null;
  #cache = new Map(); // key -> {ino, size, value}

  /**
   * Channels under `directory` (created on first use, as the official file
   * storage's is: configuring a paywall touches no disk).
   * @param {{directory: string}} options
   */
  constructor(options) {
    const { directory } = expectObject(options, 'options');
    this.#directory = expectString(directory, 'options.directory');
    this.#logs = join(directory, CHANNEL_LOGS);
  }

  // Opens the lock and imports the official files once per process, before anything is read.
  #open() {
    if (this.#lock === null) {
      const lock = new RecordStore({ path: join(this.#directory, CHANNELS_LOCK) });
      try {
        mkdirSync(this.#logs, { recursive: true, mode: 0o700 });
        lock.update('lock', () => this.#importOfficial());
      } catch (error) {
        lock.close();
        throw error;
      }
      this.#lock = lock;
    }
    return this.#lock;
  }

  #locked(body) {
    let result;
    // The callback changes no record: the journal stays empty, and only its lock is taken.
    this.#open().update('lock', () => {
      result = body();
    });
    return result;
  }

  // Under the lock: each official file whose channel has no log yet becomes its log.
  #importOfficial() {
    const official = join(this.#directory, 'server');
    let names;
    try {
      names = readdirSync(official);
    } catch (error) {
      if (error.code === 'ENOENT') return;
      throw error;
    }
    for (const name of names) {
      const id = name.endsWith('.json') ? name.slice(0, -'.json'.length) : '';
      if (!CHANNEL_ID.test(id) || statOf(this.#logPath(id.toLowerCase())) !== null) continue;
      let channel;
      try {
        channel = JSON.parse(readFileSync(join(official, name), 'utf8'));
      } catch (cause) {
        channel = cause;
      }
      // The official storage renames whole files into place: one that is not a channel is damage, not skipped.
      if (channel === null || typeof channel !== 'object' || Array.isArray(channel) || channel instanceof Error) {
        throw Object.assign(new Error(`A channel file of the official storage in ${shownPath(official)} is not a channel record; `
          + 'nothing was imported from it. Restore it from a backup or remove it.', channel instanceof Error ? { cause: channel } : {}), { code: 'ERR_STATE_DAMAGED' });
      }
      this.#rewrite(id.toLowerCase(), channel);
    }
  }

  #logPath(key) {
    return join(this.#logs, `${key}.jsonl`);
  }

  // The channel's current state: {value, ino, size, whole} (value undefined: none), from the cache when the log is unchanged.
  #current(key) {
    const path = this.#logPath(key);
    const stat = statOf(path);
    if (stat === null) return { value: undefined, stat: null, whole: true };
    const cached = this.#cache.get(key);
    if (cached !== undefined && cached.version === versionOf(stat)) return { value: cached.value, stat, whole: true };
    const read = readLog(path);
    if (read === null) return { value: undefined, stat: null, whole: true };
    const value = read.value ?? undefined;
    if (read.whole && read.length === stat.size) this.#cache.set(key, { version: versionOf(stat), value });
    return { value, stat, whole: read.whole };
  }

  /** The channel's record, or undefined. */
  async get(channelId) {
    const key = channelKey(channelId);
    this.#open();
    return this.#current(key).value;
  }

  /** Every channel's record, by channel id (as the official file storage lists them). */
  async list() {
    this.#open();
    const channels = [];
    for (const name of readdirSync(this.#logs)) {
      if (!name.endsWith('.jsonl')) continue;
      const { value } = this.#current(name.slice(0, -'.jsonl'.length));
      if (value !== undefined) channels.push(value);
    }
    return channels.sort((a, b) => a.channelId.localeCompare(b.channelId));
  }

  /**
   * Atomic read-modify-write of one channel, across processes: `update` is
   * called synchronously with the current record (or undefined) under the
   * lock and returns the next one, `current` to leave it, or undefined to
   * delete it. Resolves to {channel, status: 'updated' | 'unchanged' | 'deleted'}
   * once the change is in the channel's log.
   */
  async updateChannel(channelId, update) {
    const key = channelKey(channelId);
    return this.#locked(() => {
      const { value: current, stat, whole } = this.#current(key);
      const next = update(current);
      if (next === current) return { channel: current, status: 'unchanged' };
      if (!next && current === undefined) return { channel: undefined, status: 'unchanged' };
      const value = next || null;
      const line = Buffer.from(`${JSON.stringify(value)}\n`);
      if (stat === null || !whole || stat.size + line.length > LOG_COMPACT_BYTES) this.#rewrite(key, value, line);
      else this.#append(key, value, line);
      return next ? { channel: next, status: 'updated' } : { channel: undefined, status: 'deleted' };
    });
  }

  #append(key, value, line) {
    const fd = openSync(this.#logPath(key), 'a');
    try {
      wholeWrite(fd, line);
      this.#cache.set(key, { version: versionOf(fstatSync(fd)), value: value ?? undefined });
    } finally {
      closeSync(fd);
    }
  }

  // The log as one line, replacing any it had whole (a new log, a torn one, one past LOG_COMPACT_BYTES).
  #rewrite(key, value, line = Buffer.from(`${JSON.stringify(value)}\n`)) {
    const tmp = join(this.#logs, `.${process.pid}.${temporaries++}.tmp`);
    const fd = openSync(tmp, 'w', 0o600);
    let version;
    try {
      wholeWrite(fd, line);
      version = versionOf(fstatSync(fd));
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.#logPath(key));
    this.#cache.set(key, { version, value: value ?? undefined });
  }

  /** Closes the lock's journal (a later call opens it again). */
  close() {
    this.#lock?.close();
    this.#lock = null;
  }
}
