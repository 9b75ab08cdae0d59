// Payment channel state on the project's native journal (record_store.js):
// the default ChannelStorage of `channels.directory` (store.js
// channelStorage), with the official @x402/evm interface and result shapes
// (get, list, updateChannel), so the official server scheme and channel
// manager read and write it unchanged.
//
// Why not the official FileChannelStorage: its update takes an O_EXCL lock
// file that a process killed mid-update leaves behind, and every later
// update of that channel then polls for it forever; it never fsyncs, so a
// power loss can take the state of vouchers already served. Here an update
// runs under the journal's flock (released by the kernel when its process
// dies) and is fdatasync'ed before it resolves; a torn append is cut off at
// the next open (src/journal.h). Processes sharing the directory share the
// journal, each update an atomic read-modify-write across them.
//
// Layout: `<directory>/channels.journal` (listed in the directory's
// clawpay.manifest), one record `channel:<lowercased id>` per channel. A
// deleted channel keeps a tombstone, so the one-time import of the
// official storage's files (`<directory>/server/<id>.json`, what a seller
// kept before this storage) can never bring it back: a channel the journal
// has any record of is not imported again. Those files are left as they
// were; do not run the official file storage on the same directory too.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { RecordStore } from '../record_store.js';
import { expectObject, expectString } from '../validate.js';

export const CHANNELS_JOURNAL = 'channels.journal';
const PREFIX = 'channel:';
const TOMBSTONE = Object.freeze({ deleted: true });
const CHANNEL_ID = /^0x[0-9a-fA-F]{64}$/;
// The official storages' error for a channel id that is not a bytes32 (@x402/evm errors.ts).
const INVALID_CHANNEL_ID = 'invalid_batch_settlement_evm_channel_id_invalid';

function recordId(channelId) {
  if (typeof channelId !== 'string' || !CHANNEL_ID.test(channelId)) throw new Error(INVALID_CHANNEL_ID);
  return `${PREFIX}${channelId.toLowerCase()}`;
}

const live = (value) => (value === null || value.deleted === true ? undefined : value);

// The official files under `directory`, each {id, channel}; what cannot be read as a channel is skipped.
function officialFiles(directory) {
  const dir = join(directory, 'server');
  let names;
  try {
    names = readdirSync(dir);
  } catch (error) {
    if (error.code === 'ENOENT') return [];
    throw error;
  }
  const found = [];
  for (const name of names) {
    const channelId = name.endsWith('.json') ? name.slice(0, -'.json'.length) : null;
    if (channelId === null || !CHANNEL_ID.test(channelId)) continue;
    let channel;
    try {
      channel = JSON.parse(readFileSync(join(dir, name), 'utf8'));
    } catch {
      continue;
    }
    if (channel !== null && typeof channel === 'object' && typeof channel.channelId === 'string') found.push({ id: recordId(channelId), channel });
  }
  return found;
}

export class JournalChannels {
  #directory;
  #store = null;

  /**
   * Channels under `directory` (created on first use, as the official file
   * storage's is: configuring a paywall touches no disk).
   * @param {{directory: string}} options
   */
  constructor(options) {
    const { directory } = expectObject(options, 'options');
    this.#directory = expectString(directory, 'options.directory');
  }

  #open() {
    if (this.#store !== null) return this.#store;
    const store = new RecordStore({ path: join(this.#directory, CHANNELS_JOURNAL) });
    try {
      // Every process imports, and only what the journal has no record of: importing twice changes nothing.
      for (const { id, channel } of officialFiles(this.#directory)) store.update(id, (current) => (current === null ? channel : undefined));
    } catch (error) {
      store.close();
      throw error;
    }
    this.#store = store;
    return store;
  }

  /** The channel's record, or undefined. */
  async get(channelId) {
    return live(this.#open().get(recordId(channelId)));
  }

  /** Every channel's record, by channel id (as the official file storage sorts them). */
  async list() {
    return this.#open().list(PREFIX).map(({ value }) => live(value)).filter((channel) => channel !== undefined)
      .sort((a, b) => a.channelId.localeCompare(b.channelId));
  }

  /**
   * Atomic read-modify-write of one channel, across processes: `update` is
   * called synchronously with the current record (or undefined) under the
   * journal's lock and returns the next one, `current` to leave it, or
   * undefined to delete it. Resolves to {channel, status: 'updated' |
   * 'unchanged' | 'deleted'} once the change is on disk.
   */
  async updateChannel(channelId, update) {
    const id = recordId(channelId);
    let result;
    this.#open().update(id, (stored) => {
      const current = live(stored);
      const next = update(current);
      if (next === current) {
        result = { channel: current, status: 'unchanged' };
        return undefined;
      }
      if (!next) {
        result = { channel: undefined, status: current ? 'deleted' : 'unchanged' };
        return current ? TOMBSTONE : undefined;
      }
      result = { channel: next, status: 'updated' };
      return next;
    });
    return result;
  }

  /** Closes the journal (a later call opens it again). */
  close() {
    this.#store?.close();
    this.#store = null;
  }
}
