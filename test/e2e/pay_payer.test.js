// The paying fetch (lib/pay) on the local world: it pays our paywall (v2 and
// v1, per call and sessions) and the official @x402/express seller, refuses
// by policy and cap before anything is signed, never lets a payment or
// session header reach another origin, and after an ambiguous outcome
// resends the same authorization — the balance moves once.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import express from 'express';

import { Signer, buildSessionToken, toViemAccount } from '../../lib/index.js';
import { ReceiptLedger } from '../../lib/receipt_ledger.js';
import { RecordStore } from '../../lib/record_store.js';
import { createPaywall } from '../../lib/paywall/middleware.js';
import { startPaidServer } from '../../lib/devnet/paid_server.js';
import { PER_CALL_PRICE, SESSION_PRICE } from '../../lib/devnet/paywall_server.js';
import { usdcBalance } from '../../lib/devnet/token.js';
import { describeWorld, startWorld } from '../../lib/devnet/world.js';
import { PolicyError, createPayer, loadConfig, parseCallCap } from '../../lib/pay/index.js';

const GUARDED = ['payment-signature', 'x-payment', 'x-session-token', 'x-session-wallet', 'payment-session', 'authorization'];

async function listen(handler) {
  const server = createServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    stop: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

const isPaid = (init) => {
  const headers = new Headers(init?.headers);
  return headers.has('payment-signature') || headers.has('x-payment');
};

describe('the paying fetch on a local chain', { timeout: 240_000 }, () => {
  let world;
  let info;
  let dir;
  let seller;
  let odd;
  let keySigner;
  const stops = [];

  const balance = (address) => usdcBalance({ chain: world.chain, token: world.token, address });
  const balances = async () => ({ payer: await balance(world.payer.address), payTo: await balance(world.payTo) });
  const configWith = (extra = {}) => loadConfig({ ...info.mcpEnv, CLAWPAY_STATE_DIR: dir, ...extra });

  /** A payer whose account counts every signature it is asked for. */
  function payerWith({ config = configWith(), fetch = globalThis.fetch, store = new RecordStore() } = {}) {
    const account = toViemAccount(keySigner);
    const signs = { count: 0 };
    const counted = (fn) => async (...args) => {
      signs.count += 1;
      return fn(...args);
    };
    const wrapped = {
      ...account,
      signTypedData: counted(account.signTypedData),
      signMessage: counted(account.signMessage),
      sign: counted(account.sign),
    };
    const payer = createPayer({ config, store, fetch, account: wrapped });
    return { payer, signs, store };
  }

  before(async () => {
    world = await startWorld();
    info = describeWorld(world);
    dir = mkdtempSync(join(tmpdir(), 'pay-payer-'));
    keySigner = Signer.fromPrivateKey(world.payer.privateKey);
    seller = await startPaidServer({ chain: world.chain, token: world.token, facilitatorUrl: world.facilitator.url, payTo: world.payTo });

    // A route priced one base unit above 0.01 USDC, for caps in real units.
    const ledger = new ReceiptLedger();
    let url = null;
    const paywall = await createPaywall({
      facilitatorUrl: world.facilitator.url, ledger, v1Names: world.v1Names, publicUrl: () => url,
      routes: {
        'GET /odd': {
          price: {
            amount: 10_001n, asset: world.token.address, network: world.chain.network, payTo: world.payTo,
            name: world.token.name, version: world.token.version, decimals: world.token.decimals,
          },
        },
      },
    });
    const app = express();
    app.use(paywall.middleware);
    app.get('/odd', (req, res) => res.json({ odd: true }));
    const server = await new Promise((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    url = `http://127.0.0.1:${server.address().port}`;
    odd = { url: `${url}/odd`, stop: () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections(); }), ledger };
  });

  after(async () => {
    for (const stop of stops.reverse()) await stop();
    await odd?.stop();
    odd?.ledger.close();
    await seller?.stop();
    keySigner?.destroy();
    await world?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('pays a per-call route with x402 v2; the balances move by exactly the price', async () => {
    const { payer, signs } = payerWith();
    const before = await balances();
    const result = await payer.fetch(info.routes.perCall);
    assert.equal(result.status, 200, result.body);
    assert.deepEqual(JSON.parse(result.body), { city: 'Lisbon', forecast: 'sunny', temperatureC: 21 });
    assert.equal(result.timedOut, false);
    const { payment } = result;
    assert.equal(payment.status, 'settled');
    assert.equal(payment.amount, PER_CALL_PRICE.toString());
    assert.equal(payment.amountDecimal, '0.01');
    assert.equal(payment.asset, world.token.address);
    assert.equal(payment.network, world.chain.network);
    assert.equal(payment.payTo, world.payTo);
    assert.equal(payment.payer, world.payer.address);
    assert.equal(payment.x402Version, 2);
    assert.equal(payment.kind, 'call');
    assert.match(payment.transaction, /^0x[0-9a-f]{64}$/);
    assert.equal(result.offer.amount, PER_CALL_PRICE.toString());
    assert.equal(signs.count, 1);
    const after = await balances();
    assert.equal(after.payer, before.payer - PER_CALL_PRICE);
    assert.equal(after.payTo, before.payTo + PER_CALL_PRICE);

    // The seller's receipt and ours name the same transaction.
    assert.equal(world.ledger.byTransaction(payment.transaction).status, 'settled');
    const [record] = payer.ledger.list();
    assert.equal(record.state, 'settled');
    assert.equal(record.transaction, payment.transaction);
    assert.equal(record.nonce, payment.nonce);
    assert.equal(payer.policy.spent(), PER_CALL_PRICE);
    payer.close();
  });

  test('pays the official @x402/express seller', async () => {
    const { payer } = payerWith();
    const before = await balances();
    const result = await payer.fetch(seller.routes.perCall);
    assert.equal(result.status, 200, result.body);
    assert.equal(JSON.parse(result.body).paid, true);
    assert.equal(result.payment.status, 'settled');
    assert.equal(result.payment.amount, '10000');
    const after = await balances();
    assert.equal(after.payer, before.payer - 10_000n);
    assert.equal(after.payTo, before.payTo + 10_000n);
    payer.close();
  });

  test('pays a v1-only offer with X-PAYMENT and reads X-PAYMENT-RESPONSE', async () => {
    // The same paywall seen by a v1 client: the PAYMENT-REQUIRED header removed.
    const v1Only = async (url, init) => {
      const res = await fetch(url, init);
      if (res.status !== 402) return res;
      const headers = new Headers(res.headers);
      headers.delete('payment-required');
      return new Response(await res.arrayBuffer(), { status: 402, headers });
    };
    let sentV1 = false;
    const watching = async (url, init) => {
      if (new Headers(init.headers).has('x-payment')) sentV1 = true;
      return v1Only(url, init);
    };
    const { payer } = payerWith({ fetch: watching });
    const before = await balance(world.payTo);
    const result = await payer.fetch(info.routes.perCall);
    assert.equal(result.status, 200, result.body);
    assert.ok(sentV1);
    assert.equal(result.payment.x402Version, 1);
    assert.equal(result.payment.status, 'settled');
    assert.equal(result.payment.network, world.chain.network);
    assert.equal(result.offer.network, info.v1Network);
    assert.equal(await balance(world.payTo), before + PER_CALL_PRICE);
    payer.close();
  });

  test('purpose "session" buys the session offer; its terms come back for the token', async () => {
    const { payer } = payerWith();
    const before = await balance(world.payer.address);
    const result = await payer.fetch(info.routes.session, { purpose: 'session' });
    assert.equal(result.status, 200, result.body);
    assert.equal(result.payment.kind, 'session');
    assert.equal(result.payment.amount, SESSION_PRICE.toString());
    assert.equal(result.payment.amountDecimal, '0.05');
    assert.deepEqual(result.sessionTerms, {
      maxTtlSeconds: 3600, scope: 'prefix', endpoint: info.routes.sessionEndpoint, revokeUrl: `${info.paidApiUrl}/x402/session/revoke`,
    });
    assert.deepEqual(result.offer.extra.clawpaySession, result.sessionTerms);
    assert.equal(await balance(world.payer.address), before - SESSION_PRICE);
    assert.equal(world.ledger.byTransaction(result.payment.transaction).kind, 'session');

    // The session then serves calls through the same fetch, with nothing paid.
    const now = Math.floor(Date.now() / 1000);
    const { token } = await buildSessionToken({
      version: 'clawpay/1.1', sessionId: randomUUID(), walletAddress: keySigner.address, endpoint: info.routes.sessionEndpoint,
      scope: 'prefix', createdAt: now, expiresAt: now + 3600, paymentTxHash: result.payment.transaction, paymentAmount: result.payment.amount,
    }, keySigner);
    const sessionHeaders = { 'X-Session-Token': token, 'X-Session-Wallet': keySigner.address };
    for (const topic of ['a', 'b', 'c']) {
      const call = await payer.fetch(`${info.routes.sessionEndpoint}/${topic}`, {
        sessionHeaders, sessionScope: { endpoint: info.routes.sessionEndpoint, scope: 'prefix' }, pay: false,
      });
      assert.equal(call.status, 200, call.body);
      assert.equal(JSON.parse(call.body).topic, topic);
      assert.equal(call.payment, null);
    }
    assert.equal(await balance(world.payer.address), before - SESSION_PRICE);

    // A plain call on the same route never buys a session: the wallet that
    // bought one signs in with SIWX instead, and nothing is paid.
    const single = await payer.fetch(info.routes.session);
    assert.equal(single.status, 200, single.body);
    assert.equal(single.payment, null);
    assert.deepEqual(single.signedIn, { address: keySigner.address, chainId: world.chain.network });
    assert.equal(await balance(world.payer.address), before - SESSION_PRICE);
    payer.close();
  });

  test('pay: false reports the offers of a 402 and pays nothing', async () => {
    const { payer, signs } = payerWith();
    const result = await payer.fetch(info.routes.session, { pay: false });
    assert.equal(result.status, 402);
    assert.equal(result.payment, null);
    assert.equal(result.paymentRequired.x402Version, 2);
    assert.equal(result.paymentRequired.accepts.length, 2);
    assert.equal(result.sessionTerms.endpoint, info.routes.sessionEndpoint);
    assert.equal(signs.count, 0);
    payer.close();
  });

  test('policy refusals happen before signing: no signature, no balance change', async () => {
    const cases = [
      [{ CLAWPAY_MAX_PER_CALL: '0.009999' }, 'per_call', /0\.01 USD Coin \(10000 base units\).*0\.009999 USD Coin \(9999 base units\)/],
      [{ CLAWPAY_ALLOWED_PAYEES: keySigner.address }, 'payee', new RegExp(world.payTo)],
      [{ CLAWPAY_ALLOWED_ASSETS: '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913' }, 'asset', new RegExp(world.token.address)],
      [{ CLAWPAY_ALLOWED_NETWORKS: 'eip155:8453' }, 'network', /eip155:31337/],
    ];
    const before = await balances();
    for (const [extra, rule, message] of cases) {
      const { payer, signs, store } = payerWith({ config: configWith(extra) });
      await assert.rejects(payer.fetch(info.routes.perCall), (error) => {
        assert.ok(error instanceof PolicyError, error.stack);
        assert.equal(error.code, 'ERR_POLICY_REFUSED');
        assert.equal(error.rule, rule);
        assert.match(error.message, message);
        assert.equal(error.response.status, 402);
        return true;
      });
      assert.equal(signs.count, 0, rule);
      assert.equal(payer.ledger.list().length, 0, 'nothing recorded');
      assert.equal(store.list('spend/day/').length, 0, 'nothing reserved');
      payer.close();
    }
    // per_session: a session offer above the session limit.
    const { payer, signs } = payerWith({ config: configWith({ CLAWPAY_MAX_PER_SESSION: '0.04' }) });
    await assert.rejects(payer.fetch(info.routes.session, { purpose: 'session' }), { rule: 'per_session' });
    assert.equal(signs.count, 0);
    payer.close();
    assert.deepEqual(await balances(), before);
  });

  test('the daily limit: the call that would exceed it is refused unsigned', async () => {
    const { payer, signs } = payerWith({ config: configWith({ CLAWPAY_MAX_PER_DAY: '0.015' }) });
    const before = await balance(world.payer.address);
    assert.equal((await payer.fetch(info.routes.perCall)).payment.status, 'settled');
    await assert.rejects(payer.fetch(info.routes.perCall), { rule: 'per_day', message: /0\.015 USD Coin \(15000 base units\)/ });
    assert.equal(signs.count, 1);
    assert.equal(await balance(world.payer.address), before - PER_CALL_PRICE);
    payer.close();
  });

  test('a 0.01 USDC cap (max_payment_eth: 0.01) pays a 10000-unit price and refuses 10001', async () => {
    const { payer, signs } = payerWith();
    const cap = parseCallCap({ max_payment_eth: 0.01 }, world.token);
    assert.equal(cap, 10_000n);
    const before = await balance(world.payer.address);
    const paid = await payer.fetch(info.routes.perCall, { maxPayment: cap });
    assert.equal(paid.payment.status, 'settled');
    await assert.rejects(payer.fetch(odd.url, { maxPayment: cap }), (error) => {
      assert.equal(error.rule, 'per_call');
      assert.match(error.message, /0\.010001 USD Coin \(10001 base units\) is above the max_payment cap given with this call of 0\.01 USD Coin \(10000 base units\)/);
      return true;
    });
    assert.equal(signs.count, 1);
    assert.equal(await balance(world.payer.address), before - 10_000n);
    // Without the cap the policy (1.00 USDC) allows it.
    assert.equal((await payer.fetch(odd.url)).payment.amount, '10001');
    payer.close();
  });

  test('payment, session and credential headers never reach another origin', async () => {
    const seen = [];
    const other = await listen((req, res) => {
      seen.push({ url: req.url, headers: req.headers });
      if (req.url === '/pay402') {
        // A 402 offered by the other origin.
        fetch(info.routes.perCall).then(async (upstream) => {
          res.writeHead(402, { 'content-type': 'application/json', 'payment-required': upstream.headers.get('payment-required') });
          res.end(await upstream.text());
        });
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"collected":true}');
    });
    stops.push(other.stop);
    const echoed = [];
    const origin = await listen((req, res) => {
      const paid = req.headers['payment-signature'] !== undefined;
      if (req.url === '/thing' && !paid) {
        fetch(info.routes.perCall).then(async (upstream) => {
          res.writeHead(402, { 'content-type': 'application/json', 'payment-required': upstream.headers.get('payment-required') });
          res.end(await upstream.text());
        });
        return;
      }
      if (req.url === '/thing') res.writeHead(307, { location: `${other.url}/collect` });
      else if (req.url === '/hop') res.writeHead(302, { location: `${other.url}/collect` });
      else if (req.url === '/same') res.writeHead(302, { location: '/echo' });
      else if (req.url === '/to-402') res.writeHead(302, { location: `${other.url}/pay402` });
      else {
        echoed.push(req.headers);
        res.writeHead(200, { 'content-type': 'application/json' });
      }
      res.end('{}');
    });
    stops.push(origin.stop);

    const { payer, signs } = payerWith();
    const before = await balance(world.payer.address);
    const sessionHeaders = { 'X-Session-Token': 'token', 'X-Session-Wallet': keySigner.address, 'PAYMENT-SESSION': randomUUID() };

    // The paid retry is redirected away: the payment header stays home.
    const paid = await payer.fetch(`${origin.url}/thing`, { sessionHeaders, headers: { Authorization: 'Bearer secret' } });
    assert.equal(paid.status, 200);
    assert.equal(paid.url, `${other.url}/collect`);
    assert.deepEqual(paid.redirects.map((hop) => hop.crossOrigin), [true]);
    assert.equal(signs.count, 1);
    // No settlement reached us (and the chain shows the nonce unused): the outcome stays open.
    assert.equal(paid.payment.status, 'pending');

    // Session headers and credentials on an unpaid request, redirected away.
    const hop = await payer.fetch(`${origin.url}/hop`, { sessionHeaders, headers: { Authorization: 'Bearer secret' } });
    assert.equal(hop.status, 200);
    assert.equal(seen.length, 2);
    for (const { headers } of seen) {
      for (const name of GUARDED) assert.equal(headers[name], undefined, `${name} reached the other origin`);
    }

    // Within the origin they are kept.
    const same = await payer.fetch(`${origin.url}/same`, { sessionHeaders });
    assert.equal(same.status, 200);
    assert.equal(echoed.at(-1)['x-session-token'], 'token');

    // A 402 reached through a cross-origin redirect is reported, not paid.
    await assert.rejects(payer.fetch(`${origin.url}/to-402`), (error) => {
      assert.equal(error.code, 'ERR_CROSS_ORIGIN_402');
      assert.equal(error.response.status, 402);
      return true;
    });
    assert.equal(signs.count, 1);
    assert.equal(await balance(world.payer.address), before);
    payer.close();
  });

  test('a paid response lost after settlement: the retry resends the same nonce; the balance moves once', async () => {
    let drop = true;
    const dropping = async (url, init) => {
      const res = await fetch(url, init);
      if (drop && isPaid(init)) {
        drop = false;
        await res.arrayBuffer(); // the server settled and answered; the answer is lost
        throw new TypeError('fetch failed', { cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
      }
      return res;
    };
    const { payer, signs } = payerWith({ fetch: dropping });
    const before = await balance(world.payer.address);
    const first = await payer.fetch(info.routes.perCall);
    assert.equal(first.status, null);
    assert.equal(first.timedOut, false);
    assert.equal(first.error.code, 'ERR_FETCH_FAILED');
    assert.match(first.error.message, /outcome is unknown.*resends the same authorization/);
    assert.equal(first.payment.status, 'pending');
    assert.equal(await balance(world.payer.address), before - PER_CALL_PRICE);

    const retry = await payer.fetch(info.routes.perCall);
    assert.equal(retry.status, 200, retry.body);
    assert.equal(retry.payment.nonce, first.payment.nonce);
    assert.equal(retry.payment.replayed, true);
    assert.equal(retry.payment.status, 'settled');
    assert.equal(retry.headers['x-payment-replayed'], 'true');
    assert.equal(signs.count, 1);
    assert.equal(await balance(world.payer.address), before - PER_CALL_PRICE);
    assert.equal(payer.policy.spent(), PER_CALL_PRICE);

    // Once settled, the same request again is a new purchase.
    const again = await payer.fetch(info.routes.perCall);
    assert.notEqual(again.payment.nonce, first.payment.nonce);
    assert.equal(await balance(world.payer.address), before - 2n * PER_CALL_PRICE);
    payer.close();
  });

  test('a timeout on the paid retry survives a restart: the same key resends the same authorization', async () => {
    const path = join(dir, 'timeout.records');
    let hold = true;
    const slow = async (url, init) => {
      const res = await fetch(url, init);
      if (hold && isPaid(init)) {
        hold = false;
        // Settled on the server; the answer arrives after the caller gave up.
        await new Promise((resolve, reject) => {
          if (init.signal.aborted) reject(init.signal.reason);
          init.signal.addEventListener('abort', () => reject(init.signal.reason), { once: true });
        });
      }
      return res;
    };
    const before = await balance(world.payer.address);
    const store1 = new RecordStore({ path });
    const { payer: payer1, signs } = payerWith({ fetch: slow, store: store1 });
    const first = await payer1.fetch(info.routes.perCall, { idempotencyKey: 'tool-call-7', timeoutMs: 1000 });
    assert.equal(first.timedOut, true);
    assert.equal(first.status, null);
    assert.equal(first.error.code, 'ERR_TIMEOUT');
    assert.match(first.error.message, /timed out after 1000 ms/);
    assert.equal(first.payment.status, 'pending');
    payer1.close();
    store1.close();

    const store2 = new RecordStore({ path });
    const { payer: payer2 } = payerWith({ store: store2 });
    const retry = await payer2.fetch(info.routes.perCall, { idempotencyKey: 'tool-call-7' });
    assert.equal(retry.status, 200, retry.body);
    assert.equal(retry.payment.nonce, first.payment.nonce);
    assert.equal(retry.payment.status, 'settled');
    assert.equal(signs.count, 1);
    // An explicit key never pays twice: a third try replays, it does not sign.
    const third = await payer2.fetch(info.routes.perCall, { idempotencyKey: 'tool-call-7' });
    assert.equal(third.status, 200);
    assert.equal(third.payment.nonce, first.payment.nonce);
    assert.equal(await balance(world.payer.address), before - PER_CALL_PRICE);
    // The same key for another request is refused.
    await assert.rejects(payer2.fetch(info.routes.session, { idempotencyKey: 'tool-call-7' }), { code: 'ERR_IDEMPOTENCY_CONFLICT' });
    payer2.close();
    store2.close();
  });

  test('a seller that cannot replay: the chain says the resent authorization was used, so nothing is paid again', async () => {
    let drop = true;
    const dropping = async (url, init) => {
      const res = await fetch(url, init);
      if (drop && isPaid(init)) {
        drop = false;
        await res.arrayBuffer();
        throw new TypeError('fetch failed', { cause: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }) });
      }
      return res;
    };
    const { payer, signs } = payerWith({ fetch: dropping });
    const before = await balance(world.payer.address);
    const first = await payer.fetch(seller.routes.perCall);
    assert.equal(first.payment.status, 'pending');
    const retry = await payer.fetch(seller.routes.perCall);
    // @x402/express refuses the used authorization with a 402; the chain has the truth.
    assert.equal(retry.status, 402);
    assert.equal(retry.payment.status, 'settled');
    assert.equal(retry.payment.nonce, first.payment.nonce);
    assert.match(retry.payment.transaction, /^0x[0-9a-f]{64}$/);
    assert.equal(signs.count, 1);
    assert.equal(await balance(world.payer.address), before - 10_000n);
    payer.close();
  });

  test('a refused payment stays open and counted while its authorization could still settle', async () => {
    // The first paid request is answered 402 without reaching the paywall.
    let refuse = true;
    const refusing = async (url, init) => {
      if (refuse && isPaid(init)) {
        refuse = false;
        return new Response('{"error":"insufficient_funds"}', { status: 402, headers: { 'content-type': 'application/json' } });
      }
      return fetch(url, init);
    };
    const { payer } = payerWith({ fetch: refusing });
    const before = await balance(world.payer.address);
    const refused = await payer.fetch(info.routes.perCall);
    assert.equal(refused.status, 402);
    assert.equal(refused.payment.status, 'refused');
    assert.match(refused.payment.refusal, /insufficient_funds/);
    // Unused on chain, but until validBefore it could still be: spent-pending.
    assert.equal(payer.policy.spent(), PER_CALL_PRICE);
    const paid = await payer.fetch(info.routes.perCall);
    assert.equal(paid.payment.status, 'settled');
    assert.notEqual(paid.payment.nonce, refused.payment.nonce);
    assert.equal(await balance(world.payer.address), before - PER_CALL_PRICE);
    const view = await payer.spend();
    assert.deepEqual([view.spent, view.pending], [PER_CALL_PRICE, PER_CALL_PRICE]);
    assert.deepEqual(view.open.map((p) => p.paymentId), [refused.payment.paymentId]);
    payer.close();
  });

  test('reconcile settles what the chain knows and frees expired, unused authorizations', async () => {
    // Sent to a server that never settles it: pending, then expired and freed.
    const blackhole = await listen((req, res) => {
      if (req.headers['payment-signature']) {
        res.writeHead(503);
        res.end();
        return;
      }
      fetch(info.routes.perCall).then(async (upstream) => {
        res.writeHead(402, { 'content-type': 'application/json', 'payment-required': upstream.headers.get('payment-required') });
        res.end(await upstream.text());
      });
    });
    stops.push(blackhole.stop);
    let clock = Date.now();
    const store = new RecordStore();
    const config = configWith();
    const payer = createPayer({ config, store, now: () => clock });
    const result = await payer.fetch(`${blackhole.url}/x`);
    assert.equal(result.status, 503);
    assert.equal(result.payment.status, 'pending');
    assert.equal(payer.policy.spent(), PER_CALL_PRICE);
    assert.deepEqual(await payer.reconcile(), { settled: 0, failed: 0, open: 1 });
    clock = (result.payment.validBefore + 60) * 1000;
    assert.deepEqual(await payer.reconcile(), { settled: 0, failed: 1, open: 0 });
    assert.equal(payer.ledger.list()[0].state, 'failed');
    assert.equal(payer.policy.spent(new Date(Date.now()).toISOString().slice(0, 10)), 0n);
    payer.close();
  });
});
