#!/usr/bin/env node
// One replica of the devnet's paid API, as its own process, on a Redis
// store shared with its siblings: what runs behind a load balancer. Used by
// the multi-replica tests and bench/redis.js.
//   node lib/devnet/paywall_replica.js '<json>'
// with {redisUrl, facilitatorUrl, token: {address, name, version, decimals},
// network, payTo, v1Names, publicUrl, nonceKey (hex, shared by the
// replicas)}; `"store": "memory"` puts it on its own in-memory journal
// instead (no redisUrl), `"store": "none"` serves the handler bare, without
// the paywall (both for comparison in bench/redis.js). Prints {"port": N} on
// stdout when it listens; GET /stats answers {handlerRuns}; stops on SIGTERM.
import express from 'express';

import { ReceiptLedger } from '../receipt_ledger.js';
import { createPaywall } from '../paywall/middleware.js';
import { journalStore } from '../paywall/journal_store.js';
import { redisStore } from '../paywall/redis_store.js';
import { devnetRoutes } from './paywall_server.js';

const config = JSON.parse(process.argv[2]);
const kind = config.store ?? 'redis';
const store = kind === 'redis' ? redisStore({ url: config.redisUrl }) : journalStore(new ReceiptLedger());
await store.ready;
const paywall = kind === 'none' ? null : await createPaywall({
  facilitatorUrl: config.facilitatorUrl,
  store,
  v1Names: config.v1Names,
  routes: devnetRoutes({ token: config.token, network: config.network, payTo: config.payTo }),
  // Every replica names resources after the balancer's origin, not its own.
  publicUrl: config.publicUrl,
  siwx: { nonceKey: Buffer.from(config.nonceKey, 'hex') },
});

let handlerRuns = 0;
const app = express();
app.disable('x-powered-by');
app.get('/stats', (req, res) => res.json({ handlerRuns }));
if (paywall) app.use(paywall.middleware);
app.get('/api/weather', (req, res) => {
  handlerRuns += 1;
  res.json({ city: 'Lisbon', forecast: 'sunny', temperatureC: 21 });
});
app.get('/session/:topic', (req, res) => {
  handlerRuns += 1;
  res.json({ topic: req.params.topic, session: req.clawpay?.session?.sessionId ?? null, signedIn: req.clawpay?.signedIn?.address ?? null });
});

const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  Promise.resolve(store.close()).finally(() => process.exit(0));
});
