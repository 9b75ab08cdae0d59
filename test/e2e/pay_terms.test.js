// The buyer's terms checks on the local world (issue #10): a seller asking
// 2^53 seconds is still paid — by the official @x402/express server (v2) and
// by our paywall (v2 and v1) — with an authorization whose validBefore is at
// most now + 300 s (decoded from the header sent), the money moving once, to
// the base unit; a seller naming another EIP-712 domain gets nothing signed,
// no budget, no ledger entry, no money.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';

import express from 'express';
import { paymentMiddlewareFromHTTPServer } from '@x402/express';
import { decodePaymentSignatureHeader, encodePaymentRequiredHeader } from '@x402/core/http';
import { HTTPFacilitatorClient, x402HTTPResourceServer, x402ResourceServer } from '@x402/core/server';
import { ExactEvmScheme } from '@x402/evm/exact/server';

import { Signer, toViemAccount } from '../../lib/index.js';
import { ReceiptLedger } from '../../lib/receipt_ledger.js';
import { createPaywall } from '../../lib/paywall/middleware.js';
import { usdcBalance } from '../../lib/devnet/token.js';
import { describeWorld, startWorld } from '../../lib/devnet/world.js';
import { createPayer, loadConfig } from '../../lib/pay/index.js';
import { RecordStore } from '../../lib/record_store.js';
import { KNOWN_CHAINS } from '../../lib/pay/config_asset.js';

const PRICE = 10_000n; // 0.01 USDC
const FOREVER = 2 ** 53;

async function listenApp(app) {
  const server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    stop: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

describe('terms checked before anything is signed, on a local chain', { timeout: 240_000 }, () => {
  let world;
  let info;
  let keySigner;
  let official;
  let paywall;
  let paywallLedger;
  const stops = [];

  const balance = (address) => usdcBalance({ chain: world.chain, token: world.token, address });
  const balances = async () => ({ payer: await balance(world.payer.address), payTo: await balance(world.payTo) });
  const configWith = (extra = {}) => loadConfig({ ...info.mcpEnv, CLAWPAY_STATE_DIR: '/tmp/clawpay-unused', ...extra });

  /** A payer that counts signatures and keeps every payment header it sends, decoded. */
  function payerWith({ config = configWith(), fetch = globalThis.fetch } = {}) {
    const account = toViemAccount(keySigner);
    const signs = { count: 0 };
    const sent = [];
    const watching = async (url, init) => {
      const headers = new Headers(init?.headers);
      const header = headers.get('payment-signature') ?? headers.get('x-payment');
      if (header) sent.push({ name: headers.has('payment-signature') ? 'payment-signature' : 'x-payment', payload: decodePaymentSignatureHeader(header) });
      return fetch(url, init);
    };
    const store = new RecordStore();
    const payer = createPayer({
      config, store, fetch: watching, account: { ...account, signTypedData: async (td) => { signs.count += 1; return account.signTypedData(td); } },
    });
    return { payer, signs, sent, store };
  }

  before(async () => {
    world = await startWorld();
    info = describeWorld(world);
    keySigner = Signer.fromPrivateKey(world.payer.privateKey);
    const { network } = world.chain;

    // The official seller, asking for an authorization valid for 2^53 seconds.
    const resourceServer = new x402ResourceServer(new HTTPFacilitatorClient({ url: world.facilitator.url })).register(network, new ExactEvmScheme());
    const httpServer = new x402HTTPResourceServer(resourceServer, {
      'GET /forever': {
        accepts: {
          scheme: 'exact', network, payTo: world.payTo, maxTimeoutSeconds: FOREVER,
          price: { amount: PRICE.toString(), asset: world.token.address, extra: { name: world.token.name, version: world.token.version } },
        },
        description: 'asks for a very long authorization',
        mimeType: 'application/json',
      },
    });
    await httpServer.initialize();
    const app = express();
    app.use(paymentMiddlewareFromHTTPServer(httpServer, undefined, undefined, false));
    app.get('/forever', (req, res) => res.json({ official: true }));
    official = await listenApp(app);
    stops.push(official.stop);

    // Our paywall, asking the most it can (a safe integer).
    paywallLedger = new ReceiptLedger();
    let url = null;
    const wall = await createPaywall({
      facilitatorUrl: world.facilitator.url, ledger: paywallLedger, v1Names: world.v1Names, publicUrl: () => url,
      routes: {
        'GET /forever': {
          price: {
            amount: PRICE, asset: world.token.address, network, payTo: world.payTo,
            name: world.token.name, version: world.token.version, decimals: world.token.decimals, maxTimeoutSeconds: Number.MAX_SAFE_INTEGER,
          },
        },
      },
    });
    const wallApp = express();
    wallApp.use(wall.middleware);
    wallApp.get('/forever', (req, res) => res.json({ paywall: true }));
    paywall = await listenApp(wallApp);
    url = paywall.url;
    stops.push(paywall.stop);
  });

  after(async () => {
    for (const stop of stops.reverse()) await stop();
    paywallLedger?.close();
    keySigner?.destroy();
    await world?.stop();
  });

  /** Pays `url` and checks the authorization sent: at most 300 s, `accepted` the seller's own offer. */
  async function paysShortLived(url, { fetch, version, askedSeconds }) {
    const { payer, signs, sent } = payerWith({ fetch });
    const start = await balances();
    const signedFrom = Math.floor(Date.now() / 1000);
    const result = await payer.fetch(url);
    const signedBy = Math.floor(Date.now() / 1000);
    assert.equal(result.status, 200, result.body);
    assert.equal(result.payment.status, 'settled');
    assert.equal(result.payment.x402Version, version);
    assert.equal(signs.count, 1);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].name, version === 2 ? 'payment-signature' : 'x-payment');
    const { authorization } = sent[0].payload.payload;
    const validBefore = BigInt(authorization.validBefore);
    assert.ok(validBefore >= BigInt(signedFrom + 300) && validBefore <= BigInt(signedBy + 300), `validBefore ${validBefore}, signed ${signedFrom}..${signedBy}`);
    if (version === 2) assert.equal(sent[0].payload.accepted.maxTimeoutSeconds, askedSeconds, 'accepted is the seller\'s offer, unchanged');
    const end = await balances();
    assert.equal(end.payer, start.payer - PRICE);
    assert.equal(end.payTo, start.payTo + PRICE);
    payer.close();
  }

  test('the official @x402/express server asking 2^53 seconds is paid with a 300-second authorization', async () => {
    await paysShortLived(`${official.url}/forever`, { version: 2, askedSeconds: FOREVER });
  });

  test('our paywall asking 2^53-1 seconds is paid with a 300-second authorization, in v2 and in v1 (X-PAYMENT)', async () => {
    await paysShortLived(`${paywall.url}/forever`, { version: 2, askedSeconds: Number.MAX_SAFE_INTEGER });
    // The same paywall seen by a v1 client: the PAYMENT-REQUIRED header removed.
    const v1Only = async (url, init) => {
      const res = await fetch(url, init);
      if (res.status !== 402) return res;
      const headers = new Headers(res.headers);
      headers.delete('payment-required');
      return new Response(await res.arrayBuffer(), { status: 402, headers });
    };
    await paysShortLived(`${paywall.url}/forever`, { fetch: v1Only, version: 1 });
  });

  test('a seller naming another EIP-712 domain gets nothing: no signature, no budget, no ledger entry, no money', async () => {
    const good = {
      scheme: 'exact', network: world.chain.network, amount: PRICE.toString(), asset: world.token.address, payTo: world.payTo,
      maxTimeoutSeconds: 60, extra: { name: world.token.name, version: world.token.version },
    };
    const wrong = [
      [{ ...good, extra: { ...good.extra, name: 'USD Coin ' } }, `extra.name "USD Coin " is not the asset's EIP-712 domain name "${world.token.name}"`],
      [{ ...good, extra: { ...good.extra, version: '1' } }, `extra.version "1" is not the asset's EIP-712 domain version "${world.token.version}"`],
      [{ ...good, asset: KNOWN_CHAINS[8453].asset.address },
        `asset (EIP-712 verifyingContract) "${KNOWN_CHAINS[8453].asset.address}" is not the configured asset ${world.token.address}`],
    ];
    const server = createServer((req, res) => {
      if (req.headers['payment-signature'] || req.headers['x-payment']) {
        res.writeHead(400).end('no payment was expected');
        return;
      }
      const accepts = wrong.map(([offer]) => offer);
      res.writeHead(402, { 'payment-required': encodePaymentRequiredHeader({ x402Version: 2, error: 'payment_required', resource: { url: req.url, description: '', mimeType: '' }, accepts }) }).end('{}');
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    stops.push(() => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }));

    const { payer, signs, sent, store } = payerWith();
    const start = await balances();
    await assert.rejects(payer.fetch(`http://127.0.0.1:${server.address().port}/paid`), (error) => {
      assert.equal(error.code, 'ERR_NO_PAYABLE_OFFER', error.stack);
      wrong.forEach(([, reason], i) => assert.ok(error.message.includes(`offer ${i + 1}: ${reason}`), `${reason}\n${error.message}`));
      assert.equal(error.response.status, 402);
      return true;
    });
    assert.equal(signs.count, 0);
    assert.equal(sent.length, 0);
    assert.deepEqual(payer.ledger.list(), []);
    assert.equal(payer.policy.spent(), 0n);
    assert.deepEqual(store.list(''), []);
    assert.deepEqual(await balances(), start);
    payer.close();
  });
});
