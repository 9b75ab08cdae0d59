#!/usr/bin/env node
// A seller behind our paywall with one batch-settlement route, GET
// /paid/channel, its channel state in the official file storage under
// `directory`. Imported, startChannelSeller() runs it in this process; run
// as a program it is a seller process of its own (the kill -9 test):
//   CHANNEL_AUTHORIZER_KEY=0x… node test/e2e/support/channel_seller.js '<json>'
// with {facilitatorUrl, token: {address, name, version, decimals}, network,
// payTo, directory, price, minDeposit, withdrawDelaySeconds, claimIntervalMs,
// handlerRunsFile, ledgerPath, rpcUrl, settledFile} (rpcUrl: the chain the
// books are reconciled with; ledgerPath: a journaled receipt ledger, else in
// memory). It prints {"port": N} when it listens and counts handler runs
// into handlerRunsFile (one line each, written before the response).
// Each receipt onSettled is told of goes to settledFile, one JSON line each.
// GET /paid/channel?fail=1 runs the handler, which answers 500.
// spawnChannelSeller() starts that program as a child process of a test.
import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

import express from 'express';

import { ReceiptLedger } from '../../../lib/receipt_ledger.js';
import { Signer } from '../../../lib/signer.js';
import { createPaywall } from '../../../lib/paywall/middleware.js';

export async function startChannelSeller({
  facilitatorUrl, token, network, payTo, directory, storage, authorizer, price, minDeposit, withdrawDelaySeconds = 900,
  claimIntervalMs = 0, handlerRunsFile, onClaimError, ledgerPath, onSettled, rpcUrl,
}) {
  const ledger = new ReceiptLedger(ledgerPath ? { path: ledgerPath } : {});
  let url = null;
  const paywall = await createPaywall({
    facilitatorUrl,
    publicUrl: () => url,
    routes: {
      'GET /paid/channel': {
        scheme: 'batch-settlement',
        price: { amount: price, asset: token.address, network, payTo, name: token.name, version: token.version, decimals: token.decimals },
        channel: { minDeposit, withdrawDelaySeconds },
        description: 'A metered resource, paid by channel voucher',
      },
    },
    channels: { ...(storage ? { storage } : { directory }), receiverAuthorizer: authorizer, claimIntervalMs, onClaimError, rpcUrl },
    ledger,
    onSettled,
  });
  let served = 0;
  const app = express();
  app.disable('x-powered-by');
  app.use(paywall.middleware);
  app.get('/paid/channel', (req, res) => {
    served += 1;
    // A failing handler (?fail=1): its request must not be charged.
    if (req.query.fail) return res.status(500).json({ failed: true });
    if (handlerRunsFile) appendFileSync(handlerRunsFile, `${served}\n`);
    res.json({ served });
  });
  const server = await new Promise((resolve, reject) => {
    const listening = app.listen(0, '127.0.0.1', (error) => (error ? reject(error) : resolve(listening)));
  });
  url = `http://127.0.0.1:${server.address().port}`;
  return {
    url: `${url}/paid/channel`,
    port: server.address().port,
    paywall,
    served: () => served,
    stop: async () => {
      await new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await paywall.close();
      ledger.close();
    },
  };
}

const PROGRAM = fileURLToPath(import.meta.url);

/**
 * This seller as a process of its own, on `world`'s chain and token (the
 * facilitator at `facilitatorUrl`, by default the world's), the receiver
 * authorizer being `authorizerKey`: resolves once it listens, to
 * {child, url, exited} (exited: a promise of {code, signal, stderr()}).
 */
export async function spawnChannelSeller(world, {
  payTo, directory, price, minDeposit, authorizerKey, claimIntervalMs = 0, handlerRunsFile, ledgerPath, facilitatorUrl = world.facilitator.url,
  rpcUrl = world.chain.rpcUrl, settledFile,
}) {
  const { token } = world;
  const child = spawn(process.execPath, [PROGRAM, JSON.stringify({
    facilitatorUrl, network: world.chain.network, payTo,
    token: { address: token.address, name: token.name, version: token.version, decimals: token.decimals },
    directory, price: String(price), minDeposit: String(minDeposit), claimIntervalMs, handlerRunsFile, ledgerPath, rpcUrl, settledFile,
  })], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CHANNEL_AUTHORIZER_KEY: authorizerKey } });
  let stderr = '';
  child.stderr.on('data', (chunk) => { stderr += chunk; });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal, stderr: () => stderr })));
  const line = await Promise.race([
    new Promise((resolve) => createInterface({ input: child.stdout }).once('line', resolve)),
    exited.then(({ code }) => { throw new Error(`seller exited (${code}): ${stderr}`); }),
  ]);
  return { child, exited, url: `http://127.0.0.1:${JSON.parse(line).port}/paid/channel` };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const config = JSON.parse(process.argv[2]);
  const authorizer = Signer.fromPrivateKey(process.env.CHANNEL_AUTHORIZER_KEY);
  const { settledFile, ...options } = config;
  const onSettled = settledFile ? (receipt) => appendFileSync(settledFile, `${JSON.stringify(receipt)}\n`) : undefined;
  const seller = await startChannelSeller({ ...options, authorizer, price: BigInt(config.price), minDeposit: BigInt(config.minDeposit), onSettled });
  process.once('SIGTERM', () => {
    seller.stop().then(() => process.exit(0), (error) => {
      process.stderr.write(`stop failed: ${error.message}\n`);
      process.exit(1);
    });
  });
  // Only now: a SIGTERM that follows the port line must find its handler.
  process.stdout.write(`${JSON.stringify({ port: seller.port })}\n`);
}
