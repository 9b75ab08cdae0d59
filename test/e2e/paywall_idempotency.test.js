// Replays and idempotency on the local chain: a stored response is given to
// a replayed payment only while its authorization is valid (and within
// replayTtlSeconds); x402's payment-identifier is declared and honoured by
// our paywall and sent by our buyer; createPaywall refuses a facilitator
// that cannot settle what a route offers. The clock the paywall reads is
// moved instead of sleeping; the chain and the facilitator run on real time.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import express from 'express';
import { paymentMiddlewareFromHTTPServer } from '@x402/express';
import { HTTPFacilitatorClient, x402HTTPResourceServer, x402ResourceServer } from '@x402/core/server';
import {
  decodePaymentRequiredHeader, decodePaymentResponseHeader, decodePaymentSignatureHeader, encodePaymentSignatureHeader,
} from '@x402/core/http';
import { ExactEvmScheme as ExactEvmServerScheme } from '@x402/evm/exact/server';
import { ExactEvmScheme } from '@x402/evm/exact/client';
import {
  PAYMENT_IDENTIFIER, appendPaymentIdentifierToExtensions, declarePaymentIdentifierExtension, extractPaymentIdentifier,
  isValidPaymentId,
} from '@x402/extensions/payment-identifier';
import { wrapFetchWithPayment, x402Client } from '@x402/fetch';

import { Signer, toViemAccount } from '../../lib/index.js';
import { ReceiptLedger } from '../../lib/receipt_ledger.js';
import { createPaywall } from '../../lib/paywall/middleware.js';
import { createPayer, loadConfig } from '../../lib/pay/index.js';
import { RecordStore } from '../../lib/record_store.js';
import { paymentIdentifierFor } from '../../lib/pay/payment_identifier.js';
import { startFacilitator } from '../../lib/devnet/facilitator.js';
import { usdcBalance } from '../../lib/devnet/token.js';
import { describeWorld, startWorld } from '../../lib/devnet/world.js';

const PRICE = 10_000n; // 0.01 USDC

describe('replays and payment identifiers on a local chain', { timeout: 240_000 }, () => {
  let world;
  let signer;
  let account;
  let dir;
  const stops = [];

  const payToBalance = () => usdcBalance({ chain: world.chain, token: world.token, address: world.payTo });
  const route = ({ maxTimeoutSeconds = 300 } = {}) => ({
    'GET /api/weather': {
      price: {
        amount: PRICE, asset: world.token.address, network: world.chain.network, payTo: world.payTo,
        name: world.token.name, version: world.token.version, decimals: world.token.decimals, maxTimeoutSeconds,
      },
    },
  });

  /**
   * Our paywall in front of a counting handler, on a clock `skew()` ms
   * ahead of real time.
   */
  async function startSeller({ ledger = new ReceiptLedger(), maxTimeoutSeconds, ...options } = {}) {
    let base;
    let skew = 0;
    let served = 0;
    const paywall = await createPaywall({
      facilitatorUrl: world.facilitator.url, ledger, v1Names: world.v1Names, routes: route({ maxTimeoutSeconds }),
      publicUrl: () => base, now: () => Date.now() + skew, ...options,
    });
    const app = express();
    app.use(paywall.middleware);
    app.get('/api/weather', (req, res) => {
      served += 1;
      res.json({ n: served });
    });
    const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
    base = `http://127.0.0.1:${server.address().port}`;
    const stop = () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); });
    stops.push(stop);
    return {
      url: `${base}/api/weather`, paywall, ledger, stop,
      served: () => served,
      setSkew: (ms) => { skew = ms; },
    };
  }

  const officialClient = () => new x402Client().setSpendControls({
    allowedAssets: [{ network: world.chain.network, asset: world.token.address, maxAmountPerPayment: '1000000' }],
  }).register(world.chain.network, new ExactEvmScheme(account));

  /** Pays `url` with @x402/fetch and returns the response and the PAYMENT-SIGNATURE header it sent. */
  async function payWithFetch(url) {
    let header;
    const watching = async (input, init) => {
      const request = new Request(input, init);
      header = request.headers.get('payment-signature') ?? header;
      return fetch(request);
    };
    const res = await wrapFetchWithPayment(watching, officialClient())(url);
    assert.equal(res.status, 200, await res.clone().text());
    assert.ok(header, '@x402/fetch sent a PAYMENT-SIGNATURE');
    return { res, header };
  }

  /** A fresh signed payment for `url`, carrying payment identifier `id` when given. */
  async function signedPayment(url, id) {
    const res = await fetch(url);
    assert.equal(res.status, 402);
    const required = decodePaymentRequiredHeader(res.headers.get('payment-required'));
    // The package's helper refuses a malformed id; a misbehaving client is written by hand.
    if (id !== undefined && isValidPaymentId(id)) appendPaymentIdentifierToExtensions(required.extensions, id);
    else if (id !== undefined) required.extensions[PAYMENT_IDENTIFIER].info.id = id;
    return encodePaymentSignatureHeader(await officialClient().createPaymentPayload(required));
  }

  const send = (url, header) => fetch(url, { headers: { 'PAYMENT-SIGNATURE': header } });
  const validBeforeMs = (header) => Number(decodePaymentSignatureHeader(header).payload.authorization.validBefore) * 1000;

  before(async () => {
    world = await startWorld();
    signer = Signer.fromPrivateKey(world.payer.privateKey);
    account = toViemAccount(signer);
    dir = mkdtempSync(join(tmpdir(), 'paywall-idempotency-'));
  });

  after(async () => {
    for (const stop of stops.reverse()) await stop();
    signer?.destroy();
    await world?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a replayed payment gets its stored response until its authorization expires, then 409 with the original PAYMENT-RESPONSE', async () => {
    // Replays are allowed for an hour, so the authorization's 60 s validity is what ends them.
    const seller = await startSeller({ maxTimeoutSeconds: 60, replayTtlSeconds: 3600 });
    const before = await payToBalance();
    const { res: first, header } = await payWithFetch(seller.url);
    const firstBody = await first.json();
    const deadline = validBeforeMs(header);

    seller.setSkew(deadline - Date.now() - 5_000);
    const late = await send(seller.url, header);
    assert.equal(late.status, 200, 'still valid: the stored response');
    assert.equal(late.headers.get('x-payment-replayed'), 'true');
    assert.deepEqual(await late.json(), firstBody);

    seller.setSkew(deadline - Date.now() + 1_000);
    const expired = await send(seller.url, header);
    assert.equal(expired.status, 409);
    assert.equal((await expired.json()).error, 'payment_already_used');
    assert.deepEqual(decodePaymentResponseHeader(expired.headers.get('payment-response')),
      decodePaymentResponseHeader(first.headers.get('payment-response')));
    // And it stays refused: the facilitator now answers for the used authorization.
    const again = await send(seller.url, header);
    assert.equal(again.status, 409);
    assert.equal((await again.json()).error, 'payment_already_used');

    assert.equal(seller.served(), 1);
    assert.equal(await payToBalance(), before + PRICE);
  });

  test('replayTtlSeconds ends replays before the authorization expires', async () => {
    const seller = await startSeller({ replayTtlSeconds: 30 });
    const before = await payToBalance();
    const { res: first, header } = await payWithFetch(seller.url);
    assert.ok(validBeforeMs(header) > Date.now() + 200_000, 'the authorization itself stays valid for minutes');

    seller.setSkew(29_000);
    assert.equal((await send(seller.url, header)).status, 200);
    seller.setSkew(31_000);
    const stale = await send(seller.url, header);
    assert.equal(stale.status, 409);
    assert.equal((await stale.json()).error, 'payment_already_used');
    assert.deepEqual(decodePaymentResponseHeader(stale.headers.get('payment-response')),
      decodePaymentResponseHeader(first.headers.get('payment-response')));
    assert.equal(seller.served(), 1);
    assert.equal(await payToBalance(), before + PRICE);
  });

  test('the 402 declares payment-identifier, optional by default and required on request', async () => {
    const optional = await startSeller();
    const required = await startSeller({ paymentIdentifier: 'required' });
    const none = await startSeller({ paymentIdentifier: false });
    const declared = async (url) => decodePaymentRequiredHeader((await fetch(url)).headers.get('payment-required')).extensions;
    assert.deepEqual((await declared(optional.url))[PAYMENT_IDENTIFIER], declarePaymentIdentifierExtension(false));
    assert.deepEqual((await declared(required.url))[PAYMENT_IDENTIFIER], declarePaymentIdentifierExtension(true));
    assert.equal((await declared(none.url))?.[PAYMENT_IDENTIFIER], undefined);

    const before = await payToBalance();
    const missing = await send(required.url, await signedPayment(required.url));
    assert.equal(missing.status, 400);
    assert.equal((await missing.json()).error, 'payment_identifier_required');
    const malformed = await send(optional.url, await signedPayment(optional.url, 'short'.padEnd(16, '!')));
    assert.equal(malformed.status, 400);
    const body = await malformed.json();
    assert.equal(body.error, 'invalid_payment_identifier');
    assert.doesNotMatch(body.message, /short!/, 'the id is not echoed');
    assert.equal(required.served() + optional.served(), 0);
    assert.equal(await payToBalance(), before);
  });

  test('the same payment identifier with another authorization gets 409 payment_identifier_conflict and is not charged', async () => {
    const seller = await startSeller();
    const id = 'pay_conflict_0000000000000001';
    const before = await payToBalance();
    const header = await signedPayment(seller.url, id);
    const first = await send(seller.url, header);
    assert.equal(first.status, 200);

    const other = await send(seller.url, await signedPayment(seller.url, id));
    assert.equal(other.status, 409);
    assert.equal((await other.json()).error, 'payment_identifier_conflict');

    const same = await send(seller.url, header);
    assert.equal(same.status, 200, 'the same id with the same payload: the stored outcome');
    assert.equal(same.headers.get('x-payment-replayed'), 'true');

    // Two authorizations under one new id at once: one is served, one refused.
    const racing = 'pay_conflict_0000000000000002';
    const [a, b] = [await signedPayment(seller.url, racing), await signedPayment(seller.url, racing)];
    const statuses = (await Promise.all([send(seller.url, a), send(seller.url, b)])).map((r) => r.status).sort();
    assert.deepEqual(statuses, [200, 409]);

    assert.equal(seller.served(), 2);
    assert.equal(await payToBalance(), before + 2n * PRICE);
  });

  test('after a restart (journaled ledger reopened) an identifier still names its payment', async () => {
    const path = join(dir, 'receipts.journal');
    const seller = await startSeller({ ledger: new ReceiptLedger({ path }) });
    const id = 'pay_restart_000000000000000001';
    const before = await payToBalance();
    const header = await signedPayment(seller.url, id);
    const first = await send(seller.url, header);
    assert.equal(first.status, 200);
    await seller.stop();
    seller.ledger.close();

    const restarted = await startSeller({ ledger: new ReceiptLedger({ path }) });
    try {
      const other = await send(restarted.url, await signedPayment(restarted.url, id));
      assert.equal(other.status, 409);
      assert.equal((await other.json()).error, 'payment_identifier_conflict');
      const replay = await send(restarted.url, header);
      assert.equal(replay.status, 409, 'no stored response survives a restart');
      assert.equal((await replay.json()).error, 'payment_already_used');
      assert.deepEqual(decodePaymentResponseHeader(replay.headers.get('payment-response')),
        decodePaymentResponseHeader(first.headers.get('payment-response')));
      assert.equal(restarted.served(), 0);
      assert.equal(await payToBalance(), before + PRICE);
    } finally {
      restarted.ledger.close();
    }
  });

  test('createPaywall fails, naming the route, when the facilitator supports only x402 v1', async () => {
    const relayer = Signer.fromPrivateKey(world.chain.accounts[2].privateKey);
    const v1Only = await startFacilitator({ chain: world.chain, relayer, versions: [1] });
    try {
      const supported = await (await fetch(`${v1Only.url}/supported`)).json();
      assert.deepEqual(supported.kinds.map((k) => k.x402Version), [1]);
      await assert.rejects(createPaywall({
        facilitatorUrl: v1Only.url, ledger: new ReceiptLedger(), v1Names: world.v1Names, routes: route(),
        publicUrl: 'http://127.0.0.1:1',
      }), (error) => {
        assert.equal(error.code, 'ERR_FACILITATOR_UNSUPPORTED');
        assert.match(error.message, /route "GET \/api\/weather" needs exact on eip155:31337 \(x402 v2\)/);
        assert.match(error.message, new RegExp(`It supports: exact on ${v1Only.v1Network} \\(x402 v1\\)`));
        return true;
      });
    } finally {
      await v1Only.stop();
      relayer.destroy();
    }
  });

  test('createPaywall fails when the route offers v1 and the facilitator supports only v2', async () => {
    const relayer = Signer.fromPrivateKey(world.chain.accounts[2].privateKey);
    const v2Only = await startFacilitator({ chain: world.chain, relayer, versions: [2] });
    try {
      await assert.rejects(createPaywall({
        facilitatorUrl: v2Only.url, ledger: new ReceiptLedger(), v1Names: world.v1Names, routes: route(),
        publicUrl: 'http://127.0.0.1:1',
      }), (error) => {
        assert.equal(error.code, 'ERR_FACILITATOR_UNSUPPORTED');
        assert.match(error.message, new RegExp(`needs exact on ${v2Only.v1Network} \\(x402 v1\\)`));
        assert.doesNotMatch(error.message, /needs exact on eip155:31337/);
        return true;
      });
    } finally {
      await v2Only.stop();
      relayer.destroy();
    }
  });

  test('our buyer sends one stable payment identifier to an official @x402/express seller that declares it', async () => {
    const seen = [];
    const resourceServer = new x402ResourceServer(new HTTPFacilitatorClient({ url: world.facilitator.url }))
      .register(world.chain.network, new ExactEvmServerScheme());
    resourceServer.onAfterVerify(async ({ paymentPayload }) => {
      seen.push(extractPaymentIdentifier(paymentPayload));
    });
    const httpServer = new x402HTTPResourceServer(resourceServer, {
      'GET /order': {
        accepts: {
          scheme: 'exact', network: world.chain.network, payTo: world.payTo, maxTimeoutSeconds: 120,
          price: { amount: PRICE.toString(), asset: world.token.address, extra: { name: world.token.name, version: world.token.version } },
        },
        extensions: { [PAYMENT_IDENTIFIER]: declarePaymentIdentifierExtension(true) },
      },
    });
    await httpServer.initialize();
    const app = express();
    app.use(paymentMiddlewareFromHTTPServer(httpServer, undefined, undefined, false));
    app.get('/order', (req, res) => res.json({ ordered: true }));
    const server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
    stops.push(() => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }));
    const url = `http://127.0.0.1:${server.address().port}/order`;

    const config = loadConfig({ ...describeWorld(world).mcpEnv, CLAWPAY_STATE_DIR: join(dir, 'buyer') });
    const payer = createPayer({ config, store: new RecordStore(), account });
    try {
      const before = await payToBalance();
      const result = await payer.fetch(url);
      assert.equal(result.status, 200, result.body);
      const [record] = payer.ledger.list();
      const expected = paymentIdentifierFor(record.paymentId);
      assert.equal(isValidPaymentId(expected), true);
      assert.deepEqual(seen, [expected]);
      // The header a resend after an ambiguous outcome would repeat carries the same id.
      assert.equal(extractPaymentIdentifier(decodePaymentSignatureHeader(record.header)), expected);
      assert.equal(await payToBalance(), before + PRICE);

      // A seller that does not declare it gets no identifier.
      const plain = await startSeller({ paymentIdentifier: false });
      const paid = await payer.fetch(plain.url);
      assert.equal(paid.status, 200, paid.body);
      const latest = payer.ledger.list().find((r) => r.paymentId !== record.paymentId);
      assert.equal(decodePaymentSignatureHeader(latest.header).extensions?.[PAYMENT_IDENTIFIER], undefined);
    } finally {
      payer.close();
    }
  });
});
