// The paying fetch against scripted sellers (no chain, no network): argument
// checks, what is and is not payable, the ledger's state at each step, keys
// and resends, the chain's word on open outcomes, timeouts, redirects, and
// that the key appears nowhere.
import assert from 'node:assert/strict';
import test from 'node:test';

import { decodePaymentSignatureHeader, encodePaymentRequiredHeader, encodePaymentResponseHeader } from '@x402/core/http';

import { Signer, toViemAccount } from '../../lib/index.js';
import { createPayer, loadConfig } from '../../lib/pay/index.js';
import { normalize } from '../../lib/pay/fetch_request.js';
import { RecordStore } from '../../lib/record_store.js';
import { LOCAL_TOKEN, PAY_TO, TEST_KEY, localChainEnv } from './support/local_chain_env.js';

const TX = `0x${'ab'.repeat(32)}`;
const URL_A = 'http://seller.test/api/weather';

const config = loadConfig(localChainEnv({ AGENT_WALLET_ADDRESS: PAY_TO }));

const offer = (amount = '10000', extra = {}) => ({
  scheme: 'exact', network: 'eip155:31337', amount, asset: LOCAL_TOKEN, payTo: PAY_TO, maxTimeoutSeconds: 300,
  extra: { name: 'USD Coin', version: '2', ...extra },
});

const paymentRequired = (accepts, url = URL_A) => encodePaymentRequiredHeader({
  x402Version: 2, error: 'payment_required', resource: { url, description: '', mimeType: 'application/json' }, accepts,
});

/**
 * A scripted seller as a fetch: 402 with `accepts` until paid, then
 * `onPaid(payload, attempt)` decides the answer (default: 200 + settlement).
 */
function seller({ accepts = [offer()], onPaid } = {}) {
  const paid = [];
  const requests = [];
  const fetch = async (url, init) => {
    const headers = new Headers(init.headers);
    requests.push({ url, method: init.method, headers });
    const header = headers.get('payment-signature') ?? headers.get('x-payment');
    if (!header) {
      return new Response('{}', { status: 402, headers: { 'payment-required': paymentRequired(accepts, url), 'content-type': 'application/json' } });
    }
    paid.push(header);
    const payload = decodePaymentSignatureHeader(header);
    if (onPaid) return onPaid(payload, paid.length, init);
    return settledResponse(payload);
  };
  return { fetch, paid, requests };
}

function settledResponse(payload, status = 200) {
  const receipt = encodePaymentResponseHeader({ success: true, transaction: TX, network: 'eip155:31337', payer: payload.payload.authorization.from });
  return new Response('{"ok":true}', { status, headers: { 'payment-response': receipt, 'content-type': 'application/json' } });
}

function payerFor(fetch, { store = new RecordStore(), chainReader = null, now, cfg = config } = {}) {
  const signer = Signer.fromPrivateKey(TEST_KEY);
  const account = toViemAccount(signer);
  const signs = { count: 0 };
  const wrapped = { ...account, signTypedData: async (td) => { signs.count += 1; return account.signTypedData(td); } };
  const payer = createPayer({ config: cfg, store, fetch, account: wrapped, chainReader, now });
  return { payer, signs, store, close: () => { payer.close(); signer.destroy(); } };
}

test('arguments are checked before anything is sent', async () => {
  const { fetch, requests } = seller();
  const { payer, close } = payerFor(fetch);
  const cases = [
    [['ftp://x/'], /http\(s\) URL/],
    [['not a url'], /absolute http\(s\) URL/],
    [['http://user:pw@seller.test/'], /user name or password/],
    [[URL_A, { method: 'TRACE' }], /method/],
    [[URL_A, { method: 'GET', body: '{"a":1}' }], /GET request cannot carry a body/],
    [[URL_A, { method: 'HEAD', body: 'x' }], /HEAD request cannot carry a body/],
    [[URL_A, { timeoutMs: 0 }], /timeoutMs/],
    [[URL_A, { maxPayment: 10000 }], /maxPayment/],
    [[URL_A, { purpose: 'subscription' }], /purpose/],
    [[URL_A, { idempotencyKey: '' }], /idempotencyKey/],
    [[URL_A, { headers: { 'bad header': 'x' } }], /Invalid headers/],
    [[URL_A, { sessionScope: { endpoint: URL_A, scope: 'wide' } }], /sessionScope/],
  ];
  for (const [args, message] of cases) {
    await assert.rejects(payer.fetch(...args), message, JSON.stringify(args));
  }
  assert.equal(requests.length, 0);
  // An empty body on a GET is no body.
  assert.equal((await payer.fetch(URL_A, { method: 'GET', body: '' })).status, 200);
  close();
});

test('a call\'s headers are what the platform\'s Headers makes of them, plain objects taken without building one included', () => {
  const asHeaders = (headers) => Object.fromEntries(new Headers(headers));
  const accepted = [
    { Accept: 'application/json', 'X-Trace': 'a b\tc' }, { 'x-a': '' }, { A: '1', a: '2' }, { a: ' padded ' }, { a: 'caf\u00e9' },
    { a: 'x\u0001y' }, Object.assign(Object.create(null), { Q: 'r' }), [['K', 'v']], new Headers({ h: 'i' }), { n: 7 },
  ];
  for (const headers of accepted) {
    const { headers: sent, guards } = normalize('http://seller.test/a', { headers, sessionHeaders: { 'X-Session-Token': 't.0x1' } });
    assert.deepEqual(sent, asHeaders(headers), JSON.stringify(headers));
    assert.deepEqual(guards[0].headers, { 'x-session-token': 't.0x1' });
  }
  for (const headers of [{ 'bad name': 'x' }, { a: 'x\r\ny' }, { a: 'x\u0000' }, { a: '\u0100' }, { [Symbol('s')]: 'x' }]) {
    assert.throws(() => normalize('http://seller.test/a', { headers }), (e) => e.code === 'ERR_INVALID_ARG_VALUE' && /Invalid headers/.test(e.message), String(Object.keys(headers)));
  }
});

test('the ledger records the intent before signing, the header before sending, then the receipt', async () => {
  const states = [];
  let store;
  const { fetch } = seller({
    onPaid: (payload) => {
      const [record] = store.list('payment/');
      states.push(record.value.state, record.value.nonce === payload.payload.authorization.nonce);
      return settledResponse(payload);
    },
  });
  const made = payerFor(fetch);
  store = made.store;
  const result = await made.payer.fetch(URL_A);
  assert.deepEqual(states, ['sent', true]);
  const [record] = made.payer.ledger.list();
  assert.equal(record.state, 'settled');
  assert.equal(record.transaction, TX);
  assert.equal(record.amount, '10000');
  assert.equal(record.kind, 'call');
  assert.equal(record.url, URL_A);
  assert.equal(record.offer.amount, '10000');
  assert.equal(record.headerName, 'payment-signature');
  assert.deepEqual(result.payment, {
    status: 'settled', paymentId: record.paymentId, kind: 'call', amount: '10000', amountDecimal: '0.01', asset: LOCAL_TOKEN,
    network: 'eip155:31337', payTo: PAY_TO, transaction: TX, payer: made.payer.address, x402Version: 2,
    nonce: record.nonce, validBefore: Number(record.validBefore), attempts: 1, replayed: false, failure: null,
    refusal: null, settledAfterRefusal: null, cancelled: false, cancel: null,
  });
  // The private key is nowhere: not in the result, the records, or the payer.
  const everything = JSON.stringify([result, made.store.list(), Object.keys(made.payer)]);
  assert.ok(!everything.includes(TEST_KEY.slice(2)));
  made.close();
});

test('offers this payer cannot pay are named, and nothing is signed', async () => {
  const accepts = [
    { ...offer(), scheme: 'upto' },
    { ...offer(), network: 'solana:mainnet' },
    offer('10000', { assetTransferMethod: 'permit2' }),
    { ...offer(), extra: {} },
    { ...offer(), amount: '1.5' },
  ];
  const { fetch } = seller({ accepts });
  const { payer, signs, close } = payerFor(fetch);
  await assert.rejects(payer.fetch(URL_A), (error) => {
    assert.equal(error.code, 'ERR_NO_PAYABLE_OFFER');
    for (const why of ['scheme "upto"', 'network "solana:mainnet"', 'permit2', 'EIP-712 domain', 'amount "1.5"']) {
      assert.ok(error.message.includes(why), `${why}: ${error.message}`);
    }
    assert.equal(error.response.status, 402);
    return true;
  });
  assert.equal(signs.count, 0);
  close();
});

test('a call never buys a session; a session purchase takes the session offer', async () => {
  const session = offer('50000', { clawpaySession: { maxTtlSeconds: 3600, scope: 'prefix', endpoint: 'http://seller.test/api' } });
  const onlySession = seller({ accepts: [session] });
  const a = payerFor(onlySession.fetch);
  await assert.rejects(a.payer.fetch(URL_A), { code: 'ERR_NO_PAYABLE_OFFER', message: /session offer/ });
  assert.equal(a.signs.count, 0);
  a.close();

  const both = seller({ accepts: [offer('10000'), session] });
  const b = payerFor(both.fetch);
  const bought = await b.payer.fetch(URL_A, { purpose: 'session' });
  assert.equal(bought.payment.amount, '50000');
  assert.equal(bought.payment.kind, 'session');
  assert.equal(bought.sessionTerms.endpoint, 'http://seller.test/api');
  const call = await b.payer.fetch(URL_A);
  assert.equal(call.payment.amount, '10000');
  assert.equal(call.sessionTerms.endpoint, 'http://seller.test/api'); // still reported
  b.close();

  // No session offer at all: a session purchase pays the first payable offer.
  const plain = seller({ accepts: [offer('20000')] });
  const c = payerFor(plain.fetch);
  const fallback = await c.payer.fetch(URL_A, { purpose: 'session' });
  assert.equal(fallback.payment.amount, '20000');
  assert.equal(fallback.sessionTerms, null);
  c.close();
});

test('the first offer within the policy is paid; when none is, the first refusal is reported', async () => {
  const { fetch } = seller({ accepts: [offer('2000000'), offer('30000')] });
  const { payer, close } = payerFor(fetch);
  assert.equal((await payer.fetch(URL_A)).payment.amount, '30000');
  await assert.rejects(payer.fetch(URL_A, { maxPayment: 20_000n }), { rule: 'per_call', message: /2\.00 USD Coin \(2000000 base units\)/ });
  close();
});

test('a 402 that is not x402 is reported as such', async () => {
  const garbage = async () => new Response('nope', { status: 402, headers: { 'payment-required': '%%%' } });
  const a = payerFor(garbage);
  await assert.rejects(a.payer.fetch(URL_A), { code: 'ERR_MALFORMED_402', message: /not base64-encoded JSON/ });
  a.close();
  const bare = async () => new Response('{"error":"pay me"}', { status: 402 });
  const b = payerFor(bare);
  await assert.rejects(b.payer.fetch(URL_A), { code: 'ERR_MALFORMED_402', message: /neither a PAYMENT-REQUIRED header/ });
  b.close();
});

test('a timeout before any payment says nothing was paid', async () => {
  // A server that never answers. (AbortSignal.timeout's timer does not keep
  // Node alive; a real socket would, so this one holds a timer instead.)
  const hanging = (url, init) => new Promise((resolve, reject) => {
    const alive = setTimeout(() => {}, 10_000);
    init.signal.addEventListener('abort', () => {
      clearTimeout(alive);
      reject(init.signal.reason);
    }, { once: true });
  });
  const { payer, close } = payerFor(hanging);
  const started = Date.now();
  const result = await payer.fetch(URL_A, { timeoutMs: 50 });
  assert.ok(Date.now() - started < 2000);
  assert.equal(result.timedOut, true);
  assert.equal(result.status, null);
  assert.equal(result.payment, null);
  assert.equal(result.error.code, 'ERR_TIMEOUT');
  assert.match(result.error.message, /GET http:\/\/seller\.test\/api\/weather timed out after 50 ms\. Nothing was paid\./);
  close();
});

test('a 5xx without a settlement leaves the payment open; the retry sends the identical header', async () => {
  const { fetch, paid } = seller({
    onPaid: (payload, attempt) => (attempt === 1 ? new Response('oops', { status: 502 }) : settledResponse(payload)),
  });
  const { payer, signs, close } = payerFor(fetch);
  const first = await payer.fetch(URL_A, { method: 'POST', body: '{"q":1}' });
  assert.equal(first.status, 502);
  assert.equal(first.payment.status, 'pending');
  assert.equal(payer.policy.spent(), 10_000n);
  const retry = await payer.fetch(URL_A, { method: 'POST', body: '{"q":1}' });
  assert.equal(retry.status, 200);
  assert.equal(retry.payment.attempts, 2);
  assert.equal(paid[0], paid[1]);
  assert.equal(signs.count, 1);
  // Another body is another call: it pays for itself.
  const other = await payer.fetch(URL_A, { method: 'POST', body: '{"q":2}' });
  assert.notEqual(other.payment.nonce, retry.payment.nonce);
  assert.equal(signs.count, 2);
  close();
});

test('the chain decides open outcomes: used means paid; refused and unused stays open, counted, until it expires unused', async () => {
  const used = new Set();
  const chainReader = {
    network: 'eip155:31337',
    authorizationUsed: async ({ nonce }) => used.has(nonce),
    findTransaction: async () => TX,
  };
  // Settled on chain, then answered 402 (the seller cannot replay).
  const { fetch } = seller({
    onPaid: (payload) => {
      used.add(payload.payload.authorization.nonce);
      return new Response('{"error":"invalid_exact_evm_payload_authorization_nonce_used"}', { status: 402 });
    },
  });
  const a = payerFor(fetch, { chainReader });
  const result = await a.payer.fetch(URL_A);
  assert.equal(result.status, 402);
  assert.equal(result.payment.status, 'settled');
  assert.equal(result.payment.transaction, TX);
  assert.equal(a.payer.policy.spent(), 10_000n);
  a.close();

  // Refused and (so far) unused: the seller still holds a signed
  // authorization, so its reservation is kept until it expires unused.
  let clock = Date.now();
  const refusing = seller({ onPaid: () => new Response('{"error":"insufficient_funds"}', { status: 402 }) });
  const b = payerFor(refusing.fetch, { chainReader, now: () => clock });
  const refused = await b.payer.fetch(URL_A);
  assert.equal(refused.payment.status, 'refused');
  assert.match(refused.payment.refusal, /insufficient_funds/);
  assert.equal(refused.payment.cancel, `clawpay payments cancel ${refused.payment.paymentId}`);
  assert.equal(b.payer.policy.spent(), 10_000n);
  const open = await b.payer.spend();
  assert.equal(open.pending, 10_000n);
  assert.equal(open.spent, 0n);
  clock = (refused.payment.validBefore + 29) * 1000;
  assert.deepEqual(await b.payer.reconcile(), { settled: 0, failed: 0, open: 1 }, 'within the margin after validBefore it may still settle');
  clock = (refused.payment.validBefore + 31) * 1000;
  const day = new Date(refused.payment.validBefore * 1000).toISOString().slice(0, 10);
  assert.deepEqual(await b.payer.reconcile(), { settled: 0, failed: 1, open: 0 });
  assert.equal(b.payer.ledger.get(refused.payment.paymentId).state, 'failed');
  assert.equal(b.payer.policy.spent(day), 0n);
  b.close();
});

test('a refused authorization the seller settles later is paid: settledAfterRefusal, seller named, spend counted', async () => {
  const used = new Set();
  const chainReader = {
    network: 'eip155:31337',
    authorizationUsed: async ({ nonce }) => used.has(nonce),
    authorizationEvent: async ({ nonce }) => (used.has(nonce) ? { event: 'used', transaction: TX } : null),
  };
  let held = null;
  const { fetch } = seller({
    onPaid: (payload) => {
      held = payload.payload.authorization.nonce;
      return new Response('{"error":"invalid_payment"}', { status: 402 });
    },
  });
  const { payer, close } = payerFor(fetch, { chainReader });
  const refused = await payer.fetch(URL_A);
  assert.equal(refused.payment.status, 'refused');
  used.add(held);
  const view = await payer.spend();
  assert.deepEqual([view.spent, view.pending], [10_000n, 0n]);
  const record = payer.ledger.get(refused.payment.paymentId);
  assert.equal(record.state, 'settled');
  assert.equal(record.transaction, TX);
  assert.deepEqual(record.settledAfterRefusal, { payTo: PAY_TO, origin: 'http://seller.test', refusal: 'refused by the server: invalid_payment' });
  close();
});

test('under an explicit idempotencyKey a refused authorization is resent, never replaced by a second one', async () => {
  const chainReader = { network: 'eip155:31337', authorizationUsed: async () => false, findTransaction: async () => null };
  const { fetch, paid } = seller({
    onPaid: (payload, attempt) => (attempt === 1 ? new Response('{"error":"busy"}', { status: 402 }) : settledResponse(payload)),
  });
  const { payer, signs, close } = payerFor(fetch, { chainReader });
  const refused = await payer.fetch(URL_A, { idempotencyKey: 'order-7' });
  assert.equal(refused.payment.status, 'refused');
  const retry = await payer.fetch(URL_A, { idempotencyKey: 'order-7' });
  assert.equal(retry.payment.status, 'settled');
  assert.equal(retry.payment.paymentId, refused.payment.paymentId);
  assert.equal(paid[0], paid[1], 'the same header went again');
  assert.equal(signs.count, 1);
  assert.equal(payer.policy.spent(), 10_000n);
  close();
});

test('a refused authorization cancelled on chain is released; a cancel is told from a transfer by its log', async () => {
  const spent = new Map();
  const chainReader = {
    network: 'eip155:31337',
    authorizationUsed: async ({ nonce }) => spent.has(nonce),
    authorizationEvent: async ({ nonce }) => spent.get(nonce) ?? null,
  };
  const nonces = [];
  const { fetch } = seller({
    onPaid: (payload) => {
      nonces.push(payload.payload.authorization.nonce);
      return new Response('{"error":"no"}', { status: 402 });
    },
  });
  const { payer, close } = payerFor(fetch, { chainReader });
  const first = await payer.fetch(URL_A);
  const second = await payer.fetch(URL_A);
  assert.equal(payer.policy.spent(), 20_000n);
  spent.set(nonces[0], { event: 'canceled', transaction: TX });
  spent.set(nonces[1], { event: 'used', transaction: TX });
  assert.deepEqual(await payer.reconcile(), { settled: 1, failed: 1, open: 0, settledAfterRefusal: 1 });
  assert.equal(payer.ledger.get(first.payment.paymentId).cancelled, true);
  assert.equal(payer.ledger.get(second.payment.paymentId).state, 'settled');
  assert.equal(payer.policy.spent(), 10_000n);
  // A payer that cannot send transactions says so, naming no key.
  await assert.rejects(payer.cancel(first.payment.paymentId), { code: 'ERR_NOT_CANCELLABLE' });
  await assert.rejects(payer.cancel('nope'), { code: 'ERR_PAYMENT_NOT_FOUND' });
  close();
});

test('an open payment past its validBefore: resolved by the chain, or refused when the chain cannot say', async () => {
  let clock = Date.now();
  const { fetch } = seller({ onPaid: (payload, attempt) => (attempt === 1 ? new Response('', { status: 503 }) : settledResponse(payload)) });
  const store = new RecordStore();
  const blind = payerFor(fetch, { store, now: () => clock });
  const first = await blind.payer.fetch(URL_A, { idempotencyKey: 'k1' });
  assert.equal(first.payment.status, 'pending');
  clock = (first.payment.validBefore + 3600) * 1000;
  await assert.rejects(blind.payer.fetch(URL_A, { idempotencyKey: 'k1' }), { code: 'ERR_PAYMENT_UNRESOLVED', message: /not paid again/ });
  blind.close();

  const seeing = payerFor(fetch, {
    store, now: () => clock, chainReader: { network: 'eip155:31337', authorizationUsed: async () => false, findTransaction: async () => null },
  });
  const fresh = await seeing.payer.fetch(URL_A, { idempotencyKey: 'k1' });
  assert.equal(fresh.payment.status, 'settled');
  assert.notEqual(fresh.payment.nonce, first.payment.nonce);
  assert.equal(seeing.payer.ledger.get(first.payment.paymentId).state, 'failed');
  seeing.close();
});

test('identical calls at once run one after the other: two purchases, never a shared or doubled one', async () => {
  const { fetch, paid } = seller();
  const { payer, signs, close } = payerFor(fetch);
  const [a, b] = await Promise.all([payer.fetch(URL_A), payer.fetch(URL_A)]);
  assert.equal(a.payment.status, 'settled');
  assert.equal(b.payment.status, 'settled');
  assert.notEqual(a.payment.nonce, b.payment.nonce);
  assert.equal(paid.length, 2);
  assert.equal(signs.count, 2);
  close();
});

test('redirects: at most five, and a payment header follows only within its origin', async () => {
  let hops = 0;
  const looping = async (url) => {
    hops += 1;
    return new Response(null, { status: 302, headers: { location: `/loop/${hops}` } });
  };
  const a = payerFor(looping);
  await assert.rejects(a.payer.fetch(URL_A), { code: 'ERR_TOO_MANY_REDIRECTS' });
  assert.equal(hops, 6);
  a.close();

  // 402 at the end of a same-origin redirect: paid there, header and all.
  const inner = seller();
  const moved = async (url, init) => {
    if (url === URL_A) return new Response(null, { status: 301, headers: { location: '/api/v2/weather' } });
    return inner.fetch(url, init);
  };
  const b = payerFor(moved);
  const result = await b.payer.fetch(URL_A);
  assert.equal(result.status, 200);
  assert.equal(result.url, 'http://seller.test/api/v2/weather');
  assert.equal(inner.paid.length, 1);
  b.close();
});

test('session headers go only where the session scope covers', async () => {
  const seen = [];
  const fetch = async (url, init) => {
    seen.push({ url, token: new Headers(init.headers).get('x-session-token') });
    if (url.endsWith('/api/a')) return new Response(null, { status: 302, headers: { location: '/admin' } });
    return new Response('{}', { status: 200 });
  };
  const { payer, close } = payerFor(fetch);
  await payer.fetch('http://seller.test/api/a', {
    sessionHeaders: { 'X-Session-Token': 't' }, sessionScope: { endpoint: 'http://seller.test/api', scope: 'prefix' },
  });
  assert.deepEqual(seen, [{ url: 'http://seller.test/api/a', token: 't' }, { url: 'http://seller.test/admin', token: null }]);
  close();
});

test('a closed payer refuses to pay', async () => {
  const { payer, close } = payerFor(seller().fetch);
  close();
  await assert.rejects(payer.fetch(URL_A), { code: 'ERR_CLOSED' });
});
