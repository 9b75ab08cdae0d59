// Our paywall on the local world, paid by the official @x402/fetch client
// and by hand-built payloads from the official x402Client: per-call and
// session routes, v2 and v1, sessions bound to settlements, replays.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, request } from 'node:http';
import { after, before, describe, test } from 'node:test';

import express from 'express';
import {
  decodePaymentRequiredHeader, decodePaymentResponseHeader, decodePaymentSignatureHeader, encodePaymentSignatureHeader,
} from '@x402/core/http';
import { wrapFetchWithPayment, x402Client } from '@x402/fetch';
import { ExactEvmScheme } from '@x402/evm/exact/client';
import { ExactEvmSchemeV1 } from '@x402/evm/exact/v1/client';
import { createSIWxClientExtension } from '@x402/extensions/sign-in-with-x';

import { Signer, buildSessionToken, toViemAccount } from '../../lib/index.js';
import { ReceiptLedger } from '../../lib/receipt_ledger.js';
import { createPaywall } from '../../lib/paywall/middleware.js';
import { SESSION_EXTRA } from '../../lib/paywall/offers.js';
import { STALE_CLAIM_MS } from '../../lib/paywall/engine.js';
import { PER_CALL_PRICE, SESSION_PRICE, devnetRoutes } from '../../lib/devnet/paywall_server.js';
import { usdcBalance } from '../../lib/devnet/token.js';
import { startWorld } from '../../lib/devnet/world.js';

// The status of a GET whose path goes out exactly as written.
function rawStatus(url) {
  const { host, pathname } = new URL(url.replace(/\/[^/]*$/, '/'));
  const path = url.slice(url.indexOf('/', url.indexOf('//') + 2));
  return new Promise((resolve, reject) => {
    const req = request({ host: host.split(':')[0], port: host.split(':')[1], path, method: 'GET' }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('error', reject);
    req.end();
    void pathname;
  });
}

const isSessionOffer = (offer) => offer.extra?.[SESSION_EXTRA] !== undefined;

describe('the paywall on a local chain', { timeout: 180_000 }, () => {
  let world;
  let chain;
  let payerSigner;
  let account;

  const balance = (address) => usdcBalance({ chain, token: world.token, address });
  const spend = (network) => ({
    allowedAssets: [{ network, asset: world.token.address, maxAmountPerPayment: '1000000' }],
  });

  // The official client; `pick` chooses among the offers (default: the first).
  function client({ pick, v1 = false } = {}) {
    const network = v1 ? world.facilitator.v1Network : chain.network;
    const c = new x402Client(pick ? (version, offers) => pick(offers) : undefined).setSpendControls(spend(network));
    if (v1) c.registerV1(network, new ExactEvmSchemeV1(account));
    else c.register(chain.network, new ExactEvmScheme(account));
    return c;
  }
  const payingFetch = (options) => wrapFetchWithPayment(fetch, client(options));

  async function offersAt(url) {
    const res = await fetch(url);
    assert.equal(res.status, 402);
    return { v2: decodePaymentRequiredHeader(res.headers.get('payment-required')), v1: await res.json() };
  }

  // A signed payment for `url`, as the official client makes it, ready to send.
  async function paymentFor(url, { session = false } = {}) {
    const { v2 } = await offersAt(url);
    const c = client({ pick: (offers) => offers.find((o) => isSessionOffer(o) === session) });
    const payload = await c.createPaymentPayload(v2);
    return { payload, header: encodePaymentSignatureHeader(payload) };
  }

  async function buySession(url = world.api.routes.session) {
    const res = await payingFetch({ pick: (offers) => offers.find(isSessionOffer) })(url);
    assert.equal(res.status, 200, await res.clone().text());
    return decodePaymentResponseHeader(res.headers.get('payment-response'));
  }

  async function tokenFor(transaction, overrides = {}, signer = payerSigner) {
    const now = Math.floor(Date.now() / 1000);
    const { token } = await buildSessionToken({
      version: 'clawpay/1.1',
      sessionId: randomUUID(),
      walletAddress: signer.address,
      endpoint: world.api.routes.sessionEndpoint,
      scope: 'prefix',
      createdAt: now,
      expiresAt: now + 3600,
      paymentTxHash: transaction,
      paymentAmount: SESSION_PRICE.toString(),
      ...overrides,
    }, signer);
    return token;
  }

  const withToken = (url, token) => fetch(url, { headers: { 'X-Session-Token': token } });

  before(async () => {
    world = await startWorld();
    chain = world.chain;
    payerSigner = Signer.fromPrivateKey(world.payer.privateKey);
    account = toViemAccount(payerSigner);
  });

  after(async () => {
    payerSigner?.destroy();
    await world?.stop();
  });

  test('an unpaid request gets 402: v2 offers in PAYMENT-REQUIRED, v1 offers in the body', async () => {
    const { v2, v1 } = await offersAt(world.api.routes.perCall);
    assert.equal(v2.x402Version, 2);
    assert.equal(v2.resource.url, world.api.routes.perCall);
    assert.equal(v2.accepts.length, 1);
    assert.equal(v2.accepts[0].amount, PER_CALL_PRICE.toString());
    assert.equal(v2.accepts[0].asset, world.token.address);
    assert.equal(v2.accepts[0].payTo, world.payTo);
    assert.equal(v1.x402Version, 1);
    assert.equal(v1.accepts[0].maxAmountRequired, PER_CALL_PRICE.toString());
    assert.equal(v1.accepts[0].network, world.facilitator.v1Network);
    assert.equal(v1.accepts[0].resource, world.api.routes.perCall);
  });

  test('a session route advertises the session terms beside the per-call price', async () => {
    const { v2, v1 } = await offersAt(world.api.routes.session);
    assert.deepEqual(v2.accepts.map((o) => o.amount), [PER_CALL_PRICE.toString(), SESSION_PRICE.toString()]);
    assert.deepEqual(v2.accepts[1].extra[SESSION_EXTRA], {
      maxTtlSeconds: 3600, scope: 'prefix',
      endpoint: world.api.routes.sessionEndpoint, revokeUrl: `${world.api.url}/x402/session/revoke`,
    });
    assert.equal(isSessionOffer(v2.accepts[0]), false);
    assert.deepEqual(v1.accepts.map((o) => o.maxAmountRequired), [PER_CALL_PRICE.toString(), SESSION_PRICE.toString()]);
  });

  test('@x402/fetch pays a per-call route; the balances move by exactly the price', async () => {
    const [payerBefore, payToBefore] = [await balance(world.payer.address), await balance(world.payTo)];
    const res = await payingFetch()(world.api.routes.perCall);
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(await res.json(), { city: 'Lisbon', forecast: 'sunny', temperatureC: 21 });
    const settlement = decodePaymentResponseHeader(res.headers.get('payment-response'));
    assert.equal(settlement.success, true);
    assert.equal(await balance(world.payer.address), payerBefore - PER_CALL_PRICE);
    assert.equal(await balance(world.payTo), payToBefore + PER_CALL_PRICE);

    const receipt = world.ledger.byTransaction(settlement.transaction);
    assert.equal(receipt.status, 'settled');
    assert.equal(receipt.kind, 'call');
    assert.equal(receipt.amount, PER_CALL_PRICE.toString());
    assert.equal(receipt.payer.toLowerCase(), world.payer.address.toLowerCase());
    assert.equal(receipt.resource, world.api.routes.perCall);
  });

  test('a v1 client pays with X-PAYMENT and gets X-PAYMENT-RESPONSE', async () => {
    const before = await balance(world.payTo);
    const { v1 } = await offersAt(world.api.routes.perCall);
    const payload = await client({ v1: true }).createPaymentPayload(v1);
    assert.equal(payload.x402Version, 1);
    const res = await fetch(world.api.routes.perCall, { headers: { 'X-PAYMENT': encodePaymentSignatureHeader(payload) } });
    assert.equal(res.status, 200, await res.clone().text());
    const settlement = decodePaymentResponseHeader(res.headers.get('x-payment-response'));
    assert.equal(settlement.success, true);
    assert.equal(await balance(world.payTo), before + PER_CALL_PRICE);
  });

  test('a session bought once serves 20 calls without paying again', async () => {
    const payerBefore = await balance(world.payer.address);
    const settlement = await buySession();
    assert.equal(await balance(world.payer.address), payerBefore - SESSION_PRICE);
    const token = await tokenFor(settlement.transaction);
    for (let i = 0; i < 20; i++) {
      const res = await withToken(`${world.api.routes.sessionEndpoint}/day-${i}`, token);
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal((await res.json()).topic, `day-${i}`);
    }
    assert.equal(await balance(world.payer.address), payerBefore - SESSION_PRICE);
    assert.equal(world.ledger.byTransaction(settlement.transaction).kind, 'session');
  });

  test('tokens that are forged, foreign, expired, out of scope or unpaid are refused', async () => {
    const settlement = await buySession();
    const good = await tokenFor(settlement.transaction);
    const url = world.api.routes.session;
    const expectRefusal = async (token, status, error, target = url) => {
      const res = await withToken(target, token);
      assert.equal(res.status, status, `${error}: ${await res.clone().text()}`);
      const { error: got } = await res.json();
      if (error instanceof RegExp) assert.match(got, error);
      else assert.equal(got, error);
    };

    const [body, signature] = good.split('.');
    const flipped = `${signature.slice(0, 10)}${signature[10] === 'a' ? 'b' : 'a'}${signature.slice(11)}`;
    // A changed r either recovers no key or some other key: refused either way.
    await expectRefusal(`${body}.${flipped}`, 401, /^session_(bad_signature|wrong_signer)$/);
    await expectRefusal(`${body}x.${signature}`, 401, 'session_malformed');
    await expectRefusal('not a token', 401, 'session_malformed');

    const stranger = Signer.generate();
    await expectRefusal(await tokenFor(settlement.transaction, {}, stranger), 401, 'session_wrong_signer');
    stranger.destroy();

    const now = Math.floor(Date.now() / 1000);
    await expectRefusal(await tokenFor(settlement.transaction, { createdAt: now - 7200, expiresAt: now - 1 }), 402, 'session_expired');
    await expectRefusal(await tokenFor(settlement.transaction, { endpoint: url, scope: 'exact' }), 402, 'session_out_of_scope',
      `${world.api.routes.sessionEndpoint}/other`);
    // A token claiming a scope that does not hold the paid resource.
    await expectRefusal(await tokenFor(settlement.transaction, { endpoint: `${world.api.routes.sessionEndpoint}/elsewhere` }),
      402, 'session_out_of_scope', `${world.api.routes.sessionEndpoint}/elsewhere/x`);

    // A real transaction, signed by the real payer, that this server never
    // received as a payment: the token's signature is valid, and it is refused.
    const mint = (await chain.publicClient.getBlock({ blockNumber: 1n, includeTransactions: true })).transactions[0].hash;
    await expectRefusal(await tokenFor(mint), 402, 'session_unknown_payment');

    // A per-call payment does not buy a session.
    const call = await payingFetch()(world.api.routes.session);
    assert.equal(call.status, 200);
    const callTx = decodePaymentResponseHeader(call.headers.get('payment-response')).transaction;
    await expectRefusal(await tokenFor(callTx), 402, 'session_wrong_route');

    // The refusal is a 402 the client can act on: it carries the offers.
    const res = await withToken(url, await tokenFor(mint));
    assert.ok(res.headers.get('payment-required'));
    assert.equal((await withToken(url, good)).status, 200);
  });

  test('the payer can revoke a session; every token for that payment stops working', async () => {
    const settlement = await buySession();
    const [first, second] = [await tokenFor(settlement.transaction), await tokenFor(settlement.transaction)];
    assert.equal((await withToken(world.api.routes.session, second)).status, 200);

    const stranger = Signer.generate();
    const forged = await tokenFor(settlement.transaction, {}, stranger);
    stranger.destroy();
    const revokeUrl = `${world.api.url}/x402/session/revoke`;
    const refused = await fetch(revokeUrl, { method: 'POST', headers: { 'X-Session-Token': forged } });
    assert.equal(refused.status, 401);
    assert.equal((await withToken(world.api.routes.session, first)).status, 200);

    const res = await fetch(revokeUrl, { method: 'POST', headers: { 'X-Session-Token': first } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { revoked: true, result: 'revoked', transaction: settlement.transaction });
    for (const token of [first, second]) {
      const after = await withToken(world.api.routes.session, token);
      assert.equal(after.status, 402);
      assert.equal((await after.json()).error, 'session_revoked');
    }
    const again = await fetch(revokeUrl, { method: 'POST', headers: { 'X-Session-Token': first } });
    assert.equal((await again.json()).result, 'already_revoked');
  });

  test('a wallet that bought a session signs in with SIWX instead of paying; a captured header does not replay', async () => {
    // Another wallet, so no earlier session of the payer's counts.
    const buyer = chain.accounts[5];
    await (await import('../../lib/devnet/token.js')).mintUsdCoin({
      chain, token: world.token, owner: Signer.fromPrivateKey(chain.accounts[0].privateKey), to: buyer.address, amount: 1_000_000n,
    });
    const buyerAccount = toViemAccount(Signer.fromPrivateKey(buyer.privateKey));
    const sent = [];
    const recording = (input, init) => {
      const request = new Request(input, init);
      sent.push(request.headers.get('sign-in-with-x'));
      return fetch(request);
    };
    const c = new x402Client((version, offers) => offers.find(isSessionOffer))
      .setSpendControls(spend(chain.network))
      .register(chain.network, new ExactEvmScheme(buyerAccount));
    c.registerExtension(createSIWxClientExtension({ signers: [buyerAccount] }));
    const paying = wrapFetchWithPayment(recording, c);

    const before = await balance(buyer.address);
    const first = await paying(world.api.routes.session);
    assert.equal(first.status, 200, await first.clone().text());
    assert.equal(await balance(buyer.address), before - SESSION_PRICE);

    sent.length = 0;
    const second = await paying(`${world.api.routes.sessionEndpoint}/tomorrow`);
    assert.equal(second.status, 200, await second.clone().text());
    assert.equal(second.headers.get('payment-response'), null, 'signed in, not paid');
    assert.equal(await balance(buyer.address), before - SESSION_PRICE);

    const header = sent.find((h) => h !== null);
    assert.ok(header, 'the client sent SIGN-IN-WITH-X');
    const replay = await fetch(`${world.api.routes.sessionEndpoint}/tomorrow`, { headers: { 'SIGN-IN-WITH-X': header } });
    assert.equal(replay.status, 402);
    assert.equal((await replay.json()).error, 'siwx_replayed');
  });

  test('bad payment headers, wrong offers and ambiguous paths are refused before anything runs', async () => {
    const url = world.api.routes.perCall;
    const garbage = await fetch(url, { headers: { 'PAYMENT-SIGNATURE': '%%%not-base64' } });
    assert.equal(garbage.status, 400);
    assert.equal((await garbage.json()).error, 'invalid_payment_header');

    const { payload } = await paymentFor(url);
    const wrongNetwork = { ...payload, accepted: { ...payload.accepted, network: 'eip155:8453' } };
    const res = await fetch(url, { headers: { 'PAYMENT-SIGNATURE': encodePaymentSignatureHeader(wrongNetwork) } });
    assert.equal(res.status, 402);
    assert.equal((await res.json()).error, 'no_matching_offer');

    const underpaid = {
      ...payload,
      accepted: { ...payload.accepted, amount: '1' },
      payload: { ...payload.payload, authorization: { ...payload.payload.authorization, value: '1' } },
    };
    const under = await fetch(url, { headers: { 'PAYMENT-SIGNATURE': encodePaymentSignatureHeader(underpaid) } });
    assert.equal(under.status, 402);
    assert.equal((await under.json()).error, 'no_matching_offer');

    const tampered = { ...payload, payload: { ...payload.payload, signature: `${payload.payload.signature.slice(0, -4)}0000` } };
    const bad = await fetch(url, { headers: { 'PAYMENT-SIGNATURE': encodePaymentSignatureHeader(tampered) } });
    assert.equal(bad.status, 402);
    assert.match((await bad.json()).error, /signature/);

    // Spellings Express would route to the paid handler are paid routes too.
    for (const spelling of ['/API/Weather', '/api/weather/', '/api/weath%65r']) {
      assert.equal((await fetch(`${world.api.url}${spelling}`)).status, 402, spelling);
    }
    // fetch() resolves dot segments itself; send these paths byte for byte.
    for (const spelling of ['/api/./weather', '/x/../api/weather', '/api%2Fweather', '/api/weather/..']) {
      assert.equal(await rawStatus(`${world.api.url}${spelling}`), 400, spelling);
    }
    assert.equal((await fetch(`${world.api.url}/health`)).status, 200);
  });
});

describe('one payment pays for one response', { timeout: 180_000 }, () => {
  let world;
  let server;
  let url;
  let served = 0;
  let account;
  let signer;
  let paywall;
  let ledger;

  before(async () => {
    world = await startWorld();
    signer = Signer.fromPrivateKey(world.payer.privateKey);
    account = toViemAccount(signer);
    let base;
    ledger = new ReceiptLedger();
    paywall = await createPaywall({
      facilitatorUrl: world.facilitator.url,
      ledger,
      v1Names: world.v1Names,
      routes: devnetRoutes({ token: world.token, network: world.chain.network, payTo: world.payTo }),
      publicUrl: () => base,
    });
    const app = express();
    app.use(paywall.middleware);
    app.get('/api/weather', (req, res) => {
      served += 1;
      res.json({ n: served });
    });
    server = await new Promise((resolve) => { const s = app.listen(0, '127.0.0.1', () => resolve(s)); });
    base = `http://127.0.0.1:${server.address().port}`;
    url = `${base}/api/weather`;
  });

  after(async () => {
    server?.closeAllConnections();
    server?.close();
    signer?.destroy();
    await world?.stop();
  });

  async function signedPayment() {
    const res = await fetch(url);
    const required = decodePaymentRequiredHeader(res.headers.get('payment-required'));
    const c = new x402Client().setSpendControls({
      allowedAssets: [{ network: world.chain.network, asset: world.token.address, maxAmountPerPayment: '1000000' }],
    }).register(world.chain.network, new ExactEvmScheme(account));
    return encodePaymentSignatureHeader(await c.createPaymentPayload(required));
  }
  const balance = () => usdcBalance({ chain: world.chain, token: world.token, address: world.payTo });

  test('the same payment sent twice in sequence: one settlement, the same response again', async () => {
    const header = await signedPayment();
    const [before, servedBefore] = [await balance(), served];
    const first = await fetch(url, { headers: { 'PAYMENT-SIGNATURE': header } });
    const second = await fetch(url, { headers: { 'PAYMENT-SIGNATURE': header } });
    assert.equal(first.status, 200);
    assert.equal(second.status, 200);
    assert.deepEqual(await second.json(), await first.json());
    assert.equal(second.headers.get('x-payment-replayed'), 'true');
    assert.equal(second.headers.get('payment-response'), first.headers.get('payment-response'));
    assert.equal(served, servedBefore + 1);
    assert.equal(await balance(), before + PER_CALL_PRICE);
  });

  test('the same payment sent 100 times at once: settled once, the handler runs once', async () => {
    const header = await signedPayment();
    const [before, servedBefore] = [await balance(), served];
    const responses = await Promise.all(Array.from({ length: 100 }, () => fetch(url, { headers: { 'PAYMENT-SIGNATURE': header } })));
    const bodies = await Promise.all(responses.map((r) => r.text()));
    assert.deepEqual(new Set(responses.map((r) => r.status)), new Set([200]));
    assert.equal(new Set(bodies).size, 1);
    assert.equal(responses.filter((r) => r.headers.get('x-payment-replayed') !== 'true').length, 1);
    assert.equal(served, servedBefore + 1);
    assert.equal(await balance(), before + PER_CALL_PRICE);
  });

  test('a payment reused for another URL is refused with the original settlement', async () => {
    const header = await signedPayment();
    const first = await fetch(url, { headers: { 'PAYMENT-SIGNATURE': header } });
    assert.equal(first.status, 200);
    const other = await fetch(`${url}?city=Porto`, { headers: { 'PAYMENT-SIGNATURE': header } });
    assert.equal(other.status, 409);
    assert.equal((await other.json()).error, 'payment_already_used');
    assert.deepEqual(decodePaymentResponseHeader(other.headers.get('payment-response')),
      decodePaymentResponseHeader(first.headers.get('payment-response')));
  });

  test('a claim left pending by a stopped process is taken over only when stale and still unsettled on chain', async () => {
    const header = await signedPayment();
    const { payload } = decodePaymentSignatureHeader(header);
    const route = paywall.routes.find((r) => r.id === 'GET /api/weather');
    const id = paywall.engine.paymentId(route, payload.authorization);
    const intent = {
      paymentId: id, kind: 'call', route: route.id, resource: url, method: 'GET', network: world.chain.network,
      asset: world.token.address, amount: PER_CALL_PRICE, decimals: 6, payer: payload.authorization.from,
      payTo: world.payTo, x402Version: 2,
    };
    const before = await balance();

    // Claimed a moment ago: some process may be settling it right now.
    assert.equal(ledger.begin({ ...intent, startedAt: Date.now() }), true);
    const busy = await fetch(url, { headers: { 'PAYMENT-SIGNATURE': header } });
    assert.equal(busy.status, 409);
    assert.equal((await busy.json()).error, 'payment_pending');

    // The same claim, abandoned two minutes ago by a process that died.
    ledger.fail(id, { reason: 'test: reset', at: Date.now() });
    assert.equal(ledger.begin({ ...intent, startedAt: Date.now() - 2 * STALE_CLAIM_MS }), true);
    const res = await fetch(url, { headers: { 'PAYMENT-SIGNATURE': header } });
    assert.equal(res.status, 200, await res.clone().text());
    assert.equal(ledger.get(id).status, 'settled');
    assert.equal(await balance(), before + PER_CALL_PRICE);
  });

  test('after a restart (same ledger, nothing in memory) a settled payment gets 409 with its settlement, not a 402', async () => {
    const header = await signedPayment();
    const first = await fetch(url, { headers: { 'PAYMENT-SIGNATURE': header } });
    assert.equal(first.status, 200);
    let base;
    const restarted = await createPaywall({
      facilitatorUrl: world.facilitator.url, ledger, v1Names: world.v1Names,
      routes: devnetRoutes({ token: world.token, network: world.chain.network, payTo: world.payTo }),
      publicUrl: () => base,
    });
    const app = express();
    app.use(restarted.middleware);
    app.get('/api/weather', (req, res) => res.json({ never: true }));
    const server = await new Promise((resolve) => { const s2 = app.listen(0, '127.0.0.1', () => resolve(s2)); });
    base = `http://127.0.0.1:${server.address().port}`;
    try {
      // Same URL path as before the restart: the resource is the same.
      const again = await fetch(`${base}/api/weather`, { headers: { 'PAYMENT-SIGNATURE': header } });
      assert.equal(again.status, 409);
      assert.equal((await again.json()).error, 'payment_already_used');
      assert.deepEqual(decodePaymentResponseHeader(again.headers.get('payment-response')),
        decodePaymentResponseHeader(first.headers.get('payment-response')));
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  test('plain node:http: the middleware in front of a handler, paid by @x402/fetch', async () => {
    let base;
    const plain = await createPaywall({
      facilitatorUrl: world.facilitator.url, ledger, v1Names: world.v1Names,
      routes: devnetRoutes({ token: world.token, network: world.chain.network, payTo: world.payTo }),
      publicUrl: () => base,
    });
    const server = createServer((req, res) => plain.middleware(req, res, () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('paid ');
      res.end('in two writes');
    }));
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${server.address().port}`;
    try {
      const before = await balance();
      const c = new x402Client().setSpendControls({
        allowedAssets: [{ network: world.chain.network, asset: world.token.address, maxAmountPerPayment: '1000000' }],
      }).register(world.chain.network, new ExactEvmScheme(account));
      const res = await wrapFetchWithPayment(fetch, c)(`${base}/api/weather`);
      assert.equal(res.status, 200);
      assert.equal(await res.text(), 'paid in two writes');
      assert.equal(decodePaymentResponseHeader(res.headers.get('payment-response')).success, true);
      assert.equal(await balance(), before + PER_CALL_PRICE);
      assert.equal((await fetch(`${base}/free`)).status, 200, 'unpaid routes pass through');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
