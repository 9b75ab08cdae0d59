// The Redis backend of the PaywallStore (store.js), for replicas behind a
// load balancer sharing one Redis (standalone or primary; not a cluster).
// Every state change is one Lua script, so it is atomic across replicas;
// with AOF (`appendonly yes`, `appendfsync always`) what Redis acknowledged
// survives a kill -9 of Redis.
//
// Keys (prefix `clawpay:` unless given):
//   receipt:<paymentId>   hash: intent (JSON), status, transaction, settledAt,
//                         failure, failedAt, revokedAt
//   receipts              list of payment ids, in the order first begun
//   tx:<transaction>      the payment id it settled
//   payer:<address>       set of the payment ids a payer settled
//   revoked:<transaction> when its session was revoked
//   nonce:<nonce>         a used single-use nonce, until it expires (PX)
//   replay:<paymentId>    a served outcome for replays, until its window ends (PX)
//   (channel:…            reserved for the channel state of payment channels, issue #17)
//
// The client does not queue commands while disconnected: an operation during
// an outage fails at once with ERR_STORE_UNAVAILABLE (the paywall answers
// 503) and the client reconnects by itself.
import { createHash } from 'node:crypto';

import { createClient, ErrorReply } from 'redis';

import { MAX_FAILURE_CHARS } from '../limits.js';
import { addressArg, intentJson, nonceArgs, paymentIdArg, textArg, transactionArg } from '../receipt_ledger.js';
import { argError, expectObject, expectString, invalidArg, unixMillis } from '../validate.js';
import { storeUnavailable } from './store.js';

const LIST_PAGE = 500;
const LONGEST_RECONNECT_MS = 500;
const PREFIX = /^[\x21-\x7e]{0,64}$/;

const SCRIPTS = {
  // KEYS receipt, receipts; ARGV paymentId, intent
  begin: `
    local status = redis.call('HGET', KEYS[1], 'status')
    if status == 'pending' or status == 'settled' then return 0 end
    if not status then redis.call('RPUSH', KEYS[2], ARGV[1]) end
    redis.call('DEL', KEYS[1])
    redis.call('HSET', KEYS[1], 'status', 'pending', 'intent', ARGV[2])
    return 1`,
  // KEYS receipt, tx, replay; ARGV transaction, settledAt, paymentId, prefix, replay, replayMs.
  // Repeating a settlement that was recorded (a reply lost to a dropped
  // connection) gives the receipt again.
  settle: `
    local status = redis.call('HGET', KEYS[1], 'status')
    if status == 'settled' and redis.call('HGET', KEYS[1], 'transaction') == ARGV[1] then
      return redis.call('HGETALL', KEYS[1])
    end
    if status ~= 'pending' then return redis.error_reply('CLAWPAY_STATE payment is ' .. tostring(status) .. ', not pending') end
    redis.call('HSET', KEYS[1], 'status', 'settled', 'transaction', ARGV[1], 'settledAt', ARGV[2])
    redis.call('SET', KEYS[2], ARGV[3])
    local payer = string.lower(cjson.decode(redis.call('HGET', KEYS[1], 'intent')).payer)
    redis.call('SADD', ARGV[4] .. 'payer:' .. payer, ARGV[3])
    if ARGV[5] ~= '' then redis.call('SET', KEYS[3], ARGV[5], 'PX', ARGV[6]) end
    return redis.call('HGETALL', KEYS[1])`,
  // KEYS receipt; ARGV reason, at
  fail: `
    local status = redis.call('HGET', KEYS[1], 'status')
    if status == 'failed' then return 1 end
    if status ~= 'pending' then return redis.error_reply('CLAWPAY_STATE payment is ' .. tostring(status) .. ', not pending') end
    redis.call('HSET', KEYS[1], 'status', 'failed', 'failure', ARGV[1], 'failedAt', ARGV[2])
    return 1`,
  // KEYS tx, revoked; ARGV at, prefix
  revoke: `
    local id = redis.call('GET', KEYS[1])
    if not id then return 'not_found' end
    if not redis.call('SET', KEYS[2], ARGV[1], 'NX') then return 'already_revoked' end
    redis.call('HSET', ARGV[2] .. 'receipt:' .. id, 'revokedAt', ARGV[1])
    return 'revoked'`,
  // KEYS tx; ARGV prefix
  byTransaction: `
    local id = redis.call('GET', KEYS[1])
    if not id then return {} end
    return redis.call('HGETALL', ARGV[1] .. 'receipt:' .. id)`,
};

const SHAS = Object.fromEntries(Object.entries(SCRIPTS).map(([name, text]) => [name, createHash('sha1').update(text).digest('hex')]));

const sortedKeys = (object) => Object.fromEntries(Object.keys(object).sort().map((key) => [key, object[key]]));

/** A receipt as ReceiptLedger gives it, from its hash (a flat [field, value, ...] reply or an object). */
function receiptOf(reply) {
  const fields = Array.isArray(reply) ? Object.fromEntries(pairs(reply)) : reply;
  if (!fields || fields.intent === undefined) return null;
  const receipt = { ...JSON.parse(fields.intent), status: fields.status };
  if (fields.transaction !== undefined) receipt.transaction = fields.transaction;
  for (const time of ['settledAt', 'failedAt', 'revokedAt']) if (fields[time] !== undefined) receipt[time] = Number(fields[time]);
  if (fields.failure !== undefined) receipt.failure = fields.failure;
  return sortedKeys(receipt);
}

function* pairs(flat) {
  for (let i = 0; i + 1 < flat.length; i += 2) yield [flat[i], flat[i + 1]];
}

/** A Redis URL as messages show it: without its user and password. */
const redisLocation = (url) => url.replace(/\/\/[^@/]*@/, '//…@');

/**
 * redisStore(options), once connected: rejects with ERR_STORE_UNAVAILABLE
 * (and closes the store) when Redis does not answer within `timeoutMs`.
 * For commands and startup, where an unreachable Redis is a mistake to report.
 */
export async function connectRedisStore(options, { timeoutMs = 5000 } = {}) {
  const store = redisStore(options);
  let timer;
  try {
    await Promise.race([store.ready, new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(storeUnavailable(`cannot connect to Redis at ${redisLocation(options.url)} within ${timeoutMs} ms`)), timeoutMs);
    })]);
  } catch (error) {
    await store.close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
  return store;
}

/**
 * The paywall's Redis client (node-redis): no offline queue, reconnecting by
 * itself; {client, ready, lastError} (the last connection error, or null).
 * The channel storage (redis_channel_storage.js) connects the same way.
 */
export function redisConnection(url) {
  const connection = { client: null, ready: null, lastError: null };
  connection.client = createClient({
    url,
    disableOfflineQueue: true,
    socket: { reconnectStrategy: (retries) => Math.min(25 * 2 ** retries, LONGEST_RECONNECT_MS), connectTimeout: 2000 },
  });
  // Connection errors are answered per operation (503); the client reconnects by itself.
  connection.client.on('error', (error) => { connection.lastError = error; });
  connection.ready = connection.client.connect().then(() => undefined);
  connection.ready.catch(() => {});
  return connection;
}

/**
 * A PaywallStore on Redis at `url` (redis://host:port[/db]). Connecting
 * starts at once; `store.ready` resolves when the first connection is up
 * (operations before that get ERR_STORE_UNAVAILABLE).
 * @param {{url: string, prefix?: string}} options
 */
export function redisStore(options) {
  const { url, prefix = 'clawpay:' } = expectObject(options, 'options');
  expectString(url, 'options.url');
  if (!/^rediss?:\/\//.test(url)) throw invalidArg('a redis:// or rediss:// URL', 'options.url', url);
  if (!PREFIX.test(expectString(prefix, 'options.prefix'))) throw invalidArg('at most 64 printable characters, no spaces', 'options.prefix', prefix);

  const connection = redisConnection(url);
  const { client, ready } = connection;
  const where = redisLocation(url);

  async function call(fn) {
    if (!client.isReady) throw storeUnavailable(`Redis at ${where} is not connected${connection.lastError ? ` (${connection.lastError.message})` : ''}`);
    try {
      return await fn();
    } catch (error) {
      if (error instanceof ErrorReply && error.message.startsWith('CLAWPAY_STATE ')) {
        throw argError(Error, 'ERR_INVALID_ARG', error.message.slice('CLAWPAY_STATE '.length));
      }
      // Any other reply error (LOADING after a restart, READONLY, OOM ...) or a dropped connection.
      throw storeUnavailable(`Redis at ${where} failed: ${error.message}`, error);
    }
  }

  async function script(name, keys, args) {
    const options = { keys, arguments: args.map(String) };
    try {
      return await client.evalSha(SHAS[name], options);
    } catch (error) {
      // A restarted Redis has forgotten its scripts.
      if (error instanceof ErrorReply && error.message.startsWith('NOSCRIPT')) return client.eval(SCRIPTS[name], options);
      throw error;
    }
  }

  const key = (kind, id) => `${prefix}${kind}:${id}`;
  const receiptKey = (paymentId) => key('receipt', paymentId);
  const txKey = (transaction) => key('tx', transaction.toLowerCase());

  async function receiptsOf(ids) {
    const receipts = [];
    for (let i = 0; i < ids.length; i += LIST_PAGE) {
      const page = await Promise.all(ids.slice(i, i + LIST_PAGE).map((id) => client.hGetAll(receiptKey(id))));
      for (const fields of page) {
        const receipt = receiptOf(fields);
        if (receipt) receipts.push(receipt);
      }
    }
    return receipts;
  }

  return Object.freeze({
    sharedByReplicas: true,
    ready,
    begin(intent) {
      const json = intentJson(intent);
      const { paymentId } = intent;
      return call(async () => (await script('begin', [receiptKey(paymentId), `${prefix}receipts`], [paymentId, json])) === 1);
    },
    settle(paymentId, options) {
      const { transaction, settledAt, replay } = expectObject(options, 'options');
      paymentIdArg(paymentId, 'paymentId');
      const tx = transactionArg(transaction, 'options.transaction').toLowerCase();
      const at = unixMillis(settledAt, 'options.settledAt');
      const replayMs = replay ? replay.expiresAt - at : 0;
      const remembered = replayMs > 0 ? expectString(replay.outcome, 'options.replay.outcome') : '';
      return call(async () => receiptOf(await script('settle', [receiptKey(paymentId), txKey(tx), key('replay', paymentId)],
        [tx, at, paymentId, prefix, remembered, Math.max(replayMs, 1)])));
    },
    fail(paymentId, options) {
      const { reason, at } = expectObject(options, 'options');
      paymentIdArg(paymentId, 'paymentId');
      const text = textArg(typeof reason === 'string' ? reason.toWellFormed() : reason, 'options.reason', MAX_FAILURE_CHARS, 0);
      const when = unixMillis(at, 'options.at');
      return call(async () => { await script('fail', [receiptKey(paymentId)], [text, when]); });
    },
    get(paymentId) {
      paymentIdArg(paymentId, 'paymentId');
      return call(async () => receiptOf(await client.hGetAll(receiptKey(paymentId))));
    },
    byTransaction(transaction) {
      transactionArg(transaction, 'transaction');
      return call(async () => receiptOf(await script('byTransaction', [txKey(transaction)], [prefix])));
    },
    paidBy(payer) {
      addressArg(payer, 'payer');
      return call(async () => {
        const ids = await client.sMembers(key('payer', payer.toLowerCase()));
        const receipts = await receiptsOf(ids);
        return receipts.filter((receipt) => receipt.status === 'settled').sort((a, b) => a.startedAt - b.startedAt);
      });
    },
    list() {
      return call(async () => receiptsOf(await client.lRange(`${prefix}receipts`, 0, -1)));
    },
    revoke(transaction, options = {}) {
      transactionArg(transaction, 'transaction');
      const at = unixMillis(expectObject(options, 'options').at, 'options.at');
      return call(() => script('revoke', [txKey(transaction), key('revoked', transaction.toLowerCase())], [at, prefix]));
    },
    revokedAt(transaction) {
      transactionArg(transaction, 'transaction');
      return call(async () => {
        const at = await client.get(key('revoked', transaction.toLowerCase()));
        return at === null ? null : Number(at);
      });
    },
    useNonce(nonce, options) {
      const { expires, current } = nonceArgs(nonce, options);
      return call(async () => (await client.set(key('nonce', nonce), '1', { NX: true, PX: expires - current })) === 'OK');
    },
    replayOf(paymentId) {
      paymentIdArg(paymentId, 'paymentId');
      return call(() => client.get(key('replay', paymentId)));
    },
    async close() {
      if (client.isReady) await client.close();
      else client.destroy();
    },
  });
}
