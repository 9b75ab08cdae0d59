// The server side of the channel route benchmark, in its own process so the
// load generator does not share its event loop. Starts the local world and
// serves one handler four times: bare; bare plus the work no voucher request
// can avoid (the floor: decode the PAYMENT-SIGNATURE header as the paywall
// does, payment_headers.js; one native voucher check; advance the channel's
// running total in a Map); behind our paywall's batch-settlement route; and
// behind the official server (@x402/express with @x402/evm's
// batch-settlement server scheme), both on the devnet facilitator and
// in-memory channel storage (the official default), each with its own payee.
// Then, before any timing, opens `channels` channels on each paid server
// with the official client (one deposit each: the first paid call) and signs
// each channel's next `vouchers` cumulative vouchers natively, in order.
// Writes them to `out` as JSON {price, ours: [channel], official: [channel]},
// a channel being {requirements, channelConfig, channelId, signatures}, and
// prints one JSON line: {bare, floor, ours, official, cpu}. Stops on SIGTERM.
// With "storage": "directory", our paywalls keep their channels where a
// seller's are by default (channels.directory, a fresh temporary directory
// each) instead of in memory, so the route's cost includes its storage.
// With "before": a checkout's directory, its paywall serves a fifth route
// ("before", channels in `out` too), to compare two versions in one run.
//   node bench/support/channel_server.js '{"channels":16,"vouchers":1500,"out":"/tmp/x.json"}'
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

import express from 'express';
import { decodePaymentRequiredHeader, decodePaymentResponseHeader } from '@x402/core/http';
import { HTTPFacilitatorClient, x402HTTPResourceServer, x402ResourceServer } from '@x402/core/server';
import { paymentMiddlewareFromHTTPServer } from '@x402/express';
import { toClientEvmSigner } from '@x402/evm';
import { BatchSettlementEvmScheme as ClientScheme } from '@x402/evm/batch-settlement/client';
import { BatchSettlementEvmScheme as ServerScheme, InMemoryChannelStorage } from '@x402/evm/batch-settlement/server';
import { wrapFetchWithPayment, x402Client } from '@x402/fetch';

import { ReceiptLedger, Signer, VoucherVerifier, toViemAccount } from '../../lib/index.js';
import { BATCH_SETTLEMENT_ADDRESS, signVoucher } from '../../lib/channels/voucher.js';
import { createPaywall } from '../../lib/paywall/middleware.js';
import { decodePaymentSignature } from '../../lib/paywall/payment_headers.js';
import { mintUsdCoin } from '../../lib/devnet/token.js';
import { startWorld } from '../../lib/devnet/world.js';

const { channels, vouchers, out, before: beforeDir, storage = 'memory' } = JSON.parse(process.argv[2]);
if (storage !== 'memory' && storage !== 'directory') throw new Error(`storage: "memory" or "directory", not ${JSON.stringify(storage)}`);
const storageDirs = [];
async function paywallChannelStorage() {
  if (storage === 'memory') return { storage: new InMemoryChannelStorage() };
  const directory = await mkdtemp(join(tmpdir(), 'clawpay-channel-bench-'));
  storageDirs.push(directory);
  return { directory };
}
const PRICE = 1n; // one base unit per request: deposits stay small
const DEPOSIT = PRICE * BigInt(vouchers + 1);
const PATH = '/paid/channel';

const world = await startWorld();
const network = world.chain.network;
const { token } = world;
const authorizer = Signer.fromPrivateKey(world.chain.accounts[5].privateKey);
const payer = Signer.fromPrivateKey(world.chain.accounts[6].privateKey);
const minter = Signer.fromPrivateKey(world.chain.accounts[0].privateKey);
await mintUsdCoin({ chain: world.chain, token, owner: minter, to: payer.address, amount: 3n * BigInt(channels) * DEPOSIT });
minter.destroy();

const handler = (req, res) => res.json({ forecast: 'clear skies all week' });

async function listen(app) {
  app.disable('x-powered-by');
  app.get(PATH, handler);
  const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
  return { server, url: `http://127.0.0.1:${server.address().port}${PATH}` };
}

const bareApp = express();
bareApp.get('/cpu', (req, res) => {
  const { user, system } = process.cpuUsage();
  res.json({ micros: user + system });
});
const bare = await listen(bareApp);

// The floor: the bare handler after the one check a voucher cannot skip.
// A channel's record starts at the first voucher it sees (the load
// generator sends each channel's vouchers in order from its deposit on); a
// voucher that fails the check gets a 402, so the bench stops on it.
const floorVerifier = new VoucherVerifier({ chainId: world.chain.chainId, verifyingContract: BATCH_SETTLEMENT_ADDRESS });
const floorChannels = new Map();
const floorApp = express();
floorApp.use((req, res, next) => {
  const payload = decodePaymentSignature(req.get('PAYMENT-SIGNATURE')).payload;
  const { channelId, maxClaimableAmount } = payload.voucher;
  let channel = floorChannels.get(channelId);
  if (channel === undefined) {
    channel = { channelId, channelConfig: payload.channelConfig, balance: String(DEPOSIT), totalClaimed: '0', chargedCumulativeAmount: String(BigInt(maxClaimableAmount) - PRICE) };
    floorChannels.set(channelId, channel);
  }
  const verdict = floorVerifier.check(payload, channel, { price: PRICE });
  if (!verdict.valid) return res.status(402).json({ error: verdict.reason });
  channel.chargedCumulativeAmount = maxClaimableAmount;
  return next();
});
const floor = await listen(floorApp);

const oursPayee = Signer.generate();
const officialPayee = Signer.generate();
const beforePayee = Signer.generate();

// `lib`: the checkout's own classes (a Signer of another checkout is not one of its Signers).
async function paywallRoute(create, payee, lib = { ReceiptLedger, receiverAuthorizer: authorizer }) {
  let base;
  const paywall = await create({
    facilitatorUrl: world.facilitator.url,
    ledger: new lib.ReceiptLedger(),
    publicUrl: () => base,
    routes: {
      [`GET ${PATH}`]: {
        scheme: 'batch-settlement',
        price: { amount: PRICE, asset: token.address, network, payTo: payee.address, name: token.name, version: token.version, decimals: token.decimals },
        channel: { minDeposit: DEPOSIT },
      },
    },
    channels: { ...await paywallChannelStorage(), receiverAuthorizer: lib.receiverAuthorizer, claimIntervalMs: 0, rpcUrl: false },
  });
  const app = express();
  app.use(paywall.middleware);
  const served = await listen(app);
  base = new URL(served.url).origin;
  return served;
}
const ours = await paywallRoute(createPaywall, oursPayee);
const beforeLib = beforeDir ? await import(pathToFileURL(join(beforeDir, 'lib/index.js')).href) : null;
const beforeAuthorizer = beforeLib?.Signer.fromPrivateKey(world.chain.accounts[5].privateKey);
const before = beforeLib
  ? await paywallRoute((await import(pathToFileURL(join(beforeDir, 'lib/paywall/middleware.js')).href)).createPaywall, beforePayee, {
    ReceiptLedger: beforeLib.ReceiptLedger, receiverAuthorizer: beforeAuthorizer,
  })
  : null;

const officialScheme = new ServerScheme(officialPayee.address, {
  storage: new InMemoryChannelStorage(), receiverAuthorizerSigner: toViemAccount(authorizer), withdrawDelay: 900,
});
const officialResourceServer = new x402ResourceServer(new HTTPFacilitatorClient({ url: world.facilitator.url })).register(network, officialScheme);
const officialHttp = new x402HTTPResourceServer(officialResourceServer, {
  [`GET ${PATH}`]: {
    accepts: {
      scheme: 'batch-settlement', network, payTo: officialPayee.address, maxTimeoutSeconds: 300,
      price: { amount: String(PRICE), asset: token.address, extra: { name: token.name, version: token.version, minDeposit: String(DEPOSIT) } },
    },
    description: 'A metered resource, paid by channel voucher',
    mimeType: 'application/json',
  },
});
await officialHttp.initialize();
const officialApp = express();
officialApp.use(paymentMiddlewareFromHTTPServer(officialHttp, undefined, undefined, false));
const official = await listen(officialApp);

// One channel: its deposit paid by the official client, then the
// signatures of its next `vouchers` cumulative vouchers (the load generator
// builds each PAYMENT-SIGNATURE header from them).
const where = { chainId: world.chain.chainId, verifyingContract: BATCH_SETTLEMENT_ADDRESS };
async function openChannel(url, index) {
  const salt = `0x${index.toString(16).padStart(64, '0')}`;
  const scheme = new ClientScheme(toClientEvmSigner(toViemAccount(payer), world.chain.publicClient), { salt });
  const client = new x402Client().setSpendControls({
    allowedAssets: [{ network, asset: token.address, maxAmountPerPayment: String(DEPOSIT) }],
  });
  client.register(network, scheme);
  const paid = await wrapFetchWithPayment(fetch, client)(url);
  if (paid.status !== 200) throw new Error(`opening channel ${index} on ${url}: ${paid.status} ${await paid.text()}`);
  const { channelId, chargedCumulativeAmount } = decodePaymentResponseHeader(paid.headers.get('PAYMENT-RESPONSE')).extra.channelState;
  if (BigInt(chargedCumulativeAmount) !== PRICE) throw new Error(`channel ${index}: charged ${chargedCumulativeAmount} after one call`);
  const [requirements] = decodePaymentRequiredHeader((await fetch(url)).headers.get('PAYMENT-REQUIRED')).accepts;
  const signatures = [];
  for (let k = 2n; k <= BigInt(vouchers) + 1n; k++) {
    signatures.push(signVoucher(payer, { channelId, maxClaimableAmount: String(k * PRICE) }, where));
  }
  return { requirements, channelConfig: scheme.buildChannelConfig(requirements), channelId, signatures };
}

const signed = { price: String(PRICE), ours: [], official: [], ...(before ? { before: [] } : {}) };
for (let c = 0; c < channels; c++) {
  signed.ours.push(await openChannel(ours.url, c + 1));
  signed.official.push(await openChannel(official.url, channels + c + 1));
  if (before) signed.before.push(await openChannel(before.url, 2 * channels + c + 1));
}
await writeFile(out, JSON.stringify(signed));

process.stdout.write(`${JSON.stringify({
  bare: bare.url, floor: floor.url, ours: ours.url, official: official.url, ...(before ? { before: before.url } : {}), cpu: `${new URL(bare.url).origin}/cpu`,
})}\n`);

process.once('SIGTERM', async () => {
  for (const { server } of [bare, floor, ours, official, ...(before ? [before] : [])]) {
    server.closeAllConnections();
    server.close();
  }
  for (const s of [authorizer, payer, oursPayee, officialPayee, beforePayee, beforeAuthorizer]) s?.destroy();
  await world.stop();
  for (const directory of storageDirs) await rm(directory, { recursive: true, force: true });
  process.exit(0);
});
