// The server side of the paywall load benchmark, in its own process so the
// load generator does not share its event loop. Starts the local world, then
// serves one handler twice: bare on one port, behind the paywall (session
// route) on another. Buys a real session, builds its token, and prints
// {bare, paid, perCall, cpu, ownNs, token, world} as one JSON line; `cpu` answers this
// process's CPU time so far (µs), so the bench can charge each load window
// its CPU per request. Stops on SIGTERM.
import { randomUUID } from 'node:crypto';

import express from 'express';
import { decodePaymentResponseHeader } from '@x402/core/http';
import { wrapFetchWithPayment, x402Client } from '@x402/fetch';
import { ExactEvmScheme } from '@x402/evm/exact/client';

import { Signer, buildSessionToken, toViemAccount } from '../../lib/index.js';
import { createPaywall } from '../../lib/paywall/middleware.js';
import { SESSION_EXTRA } from '../../lib/paywall/offers.js';
import { devnetRoutes } from '../../lib/devnet/paywall_server.js';
import { describeWorld, startWorld } from '../../lib/devnet/world.js';

const world = await startWorld();
const handler = (req, res) => res.json({ topic: req.params.topic, forecast: 'clear skies all week' });

async function listen(app) {
  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
  return { server, url: `http://127.0.0.1:${server.address().port}` };
}

const bareApp = express();
bareApp.disable('x-powered-by');
bareApp.get('/session/:topic', handler);
bareApp.get('/cpu', (req, res) => {
  const { user, system } = process.cpuUsage();
  res.json({ micros: user + system });
});
const bare = await listen(bareApp);

let paidBase;
const paywall = await createPaywall({
  facilitatorUrl: world.facilitator.url,
  ledger: world.ledger,
  v1Names: world.v1Names,
  routes: devnetRoutes({ token: world.token, network: world.chain.network, payTo: world.payTo }),
  publicUrl: () => paidBase,
});
const paidApp = express();
paidApp.disable('x-powered-by');
paidApp.use(paywall.middleware);
paidApp.get('/session/:topic', handler);
const paid = await listen(paidApp);
paidBase = paid.url;

// Buy a session the way a client does, then make its token.
const signer = Signer.fromPrivateKey(world.payer.privateKey);
const client = new x402Client((version, offers) => offers.find((o) => o.extra?.[SESSION_EXTRA]))
  .setSpendControls({ allowedAssets: [{ network: world.chain.network, asset: world.token.address, maxAmountPerPayment: '1000000' }] })
  .register(world.chain.network, new ExactEvmScheme(toViemAccount(signer)));
const bought = await wrapFetchWithPayment(fetch, client)(`${paid.url}/session/forecast`);
if (bought.status !== 200) throw new Error(`buying a session failed: ${bought.status} ${await bought.text()}`);
const { transaction } = decodePaymentResponseHeader(bought.headers.get('payment-response'));
const now = Math.floor(Date.now() / 1000);
const { token } = await buildSessionToken({
  version: 'clawpay/1.1', sessionId: randomUUID(), walletAddress: signer.address,
  endpoint: `${paid.url}/session`, scope: 'prefix', createdAt: now, expiresAt: now + 3600,
  paymentTxHash: transaction, paymentAmount: '50000',
}, signer);
signer.destroy();

// The paywall's own work on a session request, in this process on a stand-in
// request and response (the handler is a no-op): the figure a shared
// machine sways least. Best of 5 batches.
async function ownNsPerRequest(calls = 50_000) {
  const req = { method: 'GET', url: '/session/forecast', headers: { 'x-session-token': token } };
  const res = { writeHead() { throw new Error('the paywall refused the bench session'); }, end() {}, getHeaderNames: () => [] };
  let admitted = 0;
  const next = () => { admitted += 1; };
  paywall.middleware(req, res, next); // a token's first check waits for its recovery
  await new Promise((resolve) => setImmediate(resolve));
  for (let i = 0; i < calls; i++) paywall.middleware(req, res, next);
  let best = Infinity;
  for (let batch = 0; batch < 5; batch++) {
    const start = process.hrtime.bigint();
    for (let i = 0; i < calls; i++) paywall.middleware(req, res, next);
    best = Math.min(best, Number(process.hrtime.bigint() - start) / calls);
  }
  if (admitted !== 6 * calls + 1) throw new Error(`the paywall admitted ${admitted} of ${6 * calls + 1} session requests`);
  return best;
}

process.stdout.write(`${JSON.stringify({
  ownNs: await ownNsPerRequest(),
  bare: `${bare.url}/session/forecast`,
  paid: `${paid.url}/session/forecast`,
  perCall: world.api.routes.perCall,
  cpu: `${bare.url}/cpu`,
  token,
  world: describeWorld(world),
})}\n`);

process.once('SIGTERM', async () => {
  bare.server.closeAllConnections();
  paid.server.closeAllConnections();
  bare.server.close();
  paid.server.close();
  await world.stop();
  process.exit(0);
});
