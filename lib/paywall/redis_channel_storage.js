// Payment channel state in Redis, for paywall replicas selling the same
// channel routes: the official @x402/evm RedisChannelStorage (each channel
// one JSON value, updated by a Lua compare-and-set, so a voucher two
// replicas receive at once reserves the channel on one of them only), over
// a node-redis client connected as the paywall's store connects
// (redis_store.js redisConnection). Pass it as `channels.storage`.
import { RedisChannelStorage } from '@x402/evm/batch-settlement/server/redis-storage';

import { expectObject, expectString, invalidArg } from '../validate.js';
import { redisConnection } from './redis_store.js';

const PREFIX = /^[\x21-\x7e]{0,64}$/;

export class RedisChannels extends RedisChannelStorage {
  #client;

  /**
   * Channels under `${prefix}channels:server:channel:` at `url` (redis://host:port[/db]);
   * `ready` resolves once connected.
   * @param {{url: string, prefix?: string}} options
   */
  constructor(options) {
    const { url, prefix = 'clawpay:' } = expectObject(options, 'options');
    expectString(url, 'options.url');
    if (!/^rediss?:\/\//.test(url)) throw invalidArg('a redis:// or rediss:// URL', 'options.url', url);
    if (!PREFIX.test(expectString(prefix, 'options.prefix'))) throw invalidArg('at most 64 printable characters, no spaces', 'options.prefix', prefix);
    const connection = redisConnection(url);
    super({ client: connection.client, keyPrefix: `${prefix}channels` });
    this.#client = connection.client;
    this.ready = connection.ready;
  }

  async close() {
    if (this.#client.isReady) await this.#client.close();
    else this.#client.destroy();
  }
}
