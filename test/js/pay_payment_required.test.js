// Reading a 402's terms (lib/pay/payment_required.js, bounded_json.js, asset_domain.js):
// a 402 nested or sized to exhaust the parser is malformed, within bounded
// work; an offer whose EIP-712 domain is not the configured asset's (or a
// known USDC deployment's) is skipped with a reason naming the field and
// both values; a seller's text in those reasons is sanitized and capped.
// The paying fetch against real node:http sellers: nothing signed, nothing
// reserved, nothing recorded.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import test from 'node:test';

import { encodePaymentRequiredHeader } from '@x402/core/http';

import { Signer, toViemAccount } from '../../lib/index.js';
import { createPayer, loadConfig } from '../../lib/pay/index.js';
import { RecordStore } from '../../lib/record_store.js';
import { KNOWN_CHAINS } from '../../lib/pay/config_asset.js';
import { PAYMENT_REQUIRED_LIMITS, candidateOffers, parsePaymentRequired } from '../../lib/pay/payment_required.js';
import { parseBoundedJson } from '../../lib/pay/bounded_json.js';
import { shownTerm } from '../../lib/pay/seller_text.js';
import { LOCAL_TOKEN, PAY_TO, TEST_KEY, localChainEnv } from './support/local_chain_env.js';

const OTHER_TOKEN = '0xe7f1725E7734CE288F8367e1Bb143E90bb3F0512';
const BASE_USDC = KNOWN_CHAINS[8453].asset;

const config = loadConfig(localChainEnv({ CLAWPAY_ALLOWED_NETWORKS: 'eip155:31337,eip155:8453' }));
const chain = { v1Network: config.v1Network, chainId: config.chainId, asset: config.asset };

const offer = (fields = {}, extra = {}) => ({
  scheme: 'exact', network: 'eip155:31337', amount: '10000', asset: LOCAL_TOKEN, payTo: PAY_TO, maxTimeoutSeconds: 300,
  extra: { name: 'USD Coin', version: '2', ...extra },
  ...fields,
});
const v2 = (accepts) => ({ x402Version: 2, error: 'payment_required', resource: { url: 'http://seller.test/', description: '', mimeType: '' }, accepts });
const deep = (depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`;

test('the bounded JSON reader measures size and depth before parsing, brackets in strings aside', () => {
  assert.deepEqual(parseBoundedJson('{"a":[1,{"b":"[[[["}]}', { maxBytes: 100, maxDepth: 3 }), { value: { a: [1, { b: '[[[[' }] } });
  assert.deepEqual(parseBoundedJson('"\\"[[[["', { maxBytes: 100, maxDepth: 0 }), { value: '"[[[[' });
  assert.equal(parseBoundedJson(deep(4), { maxBytes: 100, maxDepth: 3 }).limit, true);
  assert.match(parseBoundedJson(deep(4), { maxBytes: 100, maxDepth: 3 }).error, /nested more than 3 levels/);
  assert.match(parseBoundedJson('"é"', { maxBytes: 3, maxDepth: 3 }).error, /larger than 3 bytes/); // 4 bytes of UTF-8
  assert.deepEqual(parseBoundedJson('{', { maxBytes: 100, maxDepth: 3 }), { error: 'is not JSON', limit: false });
});

test('a 402 nested to exhaust the parser is malformed, not a stack overflow', () => {
  const { maxDepth, maxBytes, maxOffers } = PAYMENT_REQUIRED_LIMITS;
  const cases = [
    // 5,000-deep accepts in the v1 body and in the v2 header
    [{ headers: {}, body: `{"x402Version":1,"accepts":${deep(5000)}}` }, /body is JSON nested more than 32 levels/],
    [{ headers: { 'payment-required': Buffer.from(`{"x402Version":2,"accepts":${deep(5000)}}`).toString('base64') }, body: '{}' },
      /PAYMENT-REQUIRED header is JSON nested more than 32 levels/],
    // deep inside an offer (a session's terms), one level past the limit
    [{ headers: {}, body: JSON.stringify({ x402Version: 1, accepts: [{ extra: { clawpaySession: JSON.parse(deep(maxDepth)) } }] }) }, /nested more than/],
    // a huge array of offers, and a huge body
    [{ headers: {}, body: JSON.stringify({ x402Version: 1, accepts: new Array(maxOffers + 1).fill(offer()) }) }, new RegExp(`v1 body lists ${maxOffers + 1} offers; at most ${maxOffers}`)],
    [{ headers: {}, body: `{"x402Version":1,"accepts":[${'0,'.repeat(150_000)}0]}` }, /larger than 262144 bytes/],
    [{ headers: { 'payment-required': encodePaymentRequiredHeader(v2(new Array(maxOffers + 1).fill(offer()))) }, body: '' }, /header lists 33 offers/],
    [{ headers: { 'payment-required': 'A'.repeat(Math.ceil(maxBytes / 3) * 4 + 4) }, body: '' }, /header is longer than 349528 characters/],
  ];
  for (const [answer, message] of cases) {
    const started = process.hrtime.bigint();
    const read = parsePaymentRequired(answer);
    assert.equal(read.invalid, true, message.source);
    assert.match(read.error, message);
    // bounded work: well under a second even for the largest input here
    assert.ok(process.hrtime.bigint() - started < 1_000_000_000n);
  }
  // Within the limits, deep enough for real extensions, it is read.
  const fine = JSON.stringify({ x402Version: 1, accepts: [{ ...offer(), extra: { name: 'USD Coin', version: '2', nested: JSON.parse(deep(maxDepth - 4)) } }] });
  assert.equal(parsePaymentRequired({ headers: {}, body: fine }).accepts.length, 1);
  // Not JSON at all is still "not x402", and a bad header still "not base64-encoded JSON".
  assert.match(parsePaymentRequired({ headers: {}, body: '<html>' }).error, /neither a PAYMENT-REQUIRED header/);
  assert.match(parsePaymentRequired({ headers: { 'payment-required': 'e30' }, body: '' }).error, /not an x402 v2 PaymentRequired/);
  assert.match(parsePaymentRequired({ headers: { 'payment-required': 'AAAA' }, body: '' }).error, /not base64-encoded JSON/);
});

test('an offer naming another EIP-712 domain is skipped with the field and both values', () => {
  const cases = [
    [offer({}, { name: 'USD C0in' }), 'extra.name "USD C0in" is not the asset\'s EIP-712 domain name "USD Coin"'],
    [offer({}, { version: '1' }), 'extra.version "1" is not the asset\'s EIP-712 domain version "2"'],
    [offer({ asset: OTHER_TOKEN }), `asset (EIP-712 verifyingContract) "${OTHER_TOKEN}" is not the configured asset ${LOCAL_TOKEN} on eip155:31337, nor a known USDC deployment on eip155:31337`],
    [offer({ network: 'eip155:8453' }), 'chain 8453 is not the configured asset\'s chain 31337 (EIP-712 chainId)'],
    [offer({ network: 'eip155:8453', asset: BASE_USDC.address }, { name: 'USDC' }), 'extra.name "USDC" is not the asset\'s EIP-712 domain name "USD Coin"'],
  ];
  for (const [bad, reason] of cases) {
    const { candidates, skipped } = candidateOffers(v2([bad]), 'call', chain);
    assert.equal(candidates.length, 0, reason);
    assert.deepEqual(skipped, [`offer 1: ${reason}`]);
  }
  // The configured asset (any case of its address) and a known USDC deployment on an allowed chain are payable.
  const good = [
    offer({ asset: LOCAL_TOKEN.toLowerCase() }),
    offer({ network: 'devnet-31337' }),
    offer({ network: 'eip155:8453', asset: BASE_USDC.address }),
    offer({ network: 'base', asset: BASE_USDC.address }),
  ];
  const { candidates, skipped } = candidateOffers({ x402Version: 1, accepts: good.map(({ amount, ...o }) => ({ ...o, maxAmountRequired: amount })) }, 'call', chain);
  assert.deepEqual(skipped, []);
  assert.equal(candidates.length, 4);
});

test('a seller\'s text in a reason is sanitized and capped', () => {
  assert.equal(shownTerm('a\u0000b\nc\u202ed\u2066e'), '"a\ufffdb\ufffdc\ufffdd\ufffde"');
  assert.equal(shownTerm('x'.repeat(100)), `"${'x'.repeat(64)}…"`);
  const { skipped } = candidateOffers(v2([offer({}, { name: `USD\u202eCoin${'!'.repeat(500)}` })]), 'call', chain);
  assert.match(skipped[0], /^offer 1: extra\.name "USD\ufffdCoin!+…" is not the asset's EIP-712 domain name "USD Coin"$/);
  assert.ok(skipped[0].length < 200);
});

async function listen(handler) {
  const server = createServer(handler);
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/`,
    stop: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

function payer() {
  const signer = Signer.fromPrivateKey(TEST_KEY);
  const account = toViemAccount(signer);
  const signs = { count: 0 };
  const wrapped = { ...account, signTypedData: async (td) => { signs.count += 1; return account.signTypedData(td); } };
  const store = new RecordStore();
  const p = createPayer({ config, store, account: wrapped, chainReader: null });
  return { payer: p, signs, store, close: () => { p.close(); signer.destroy(); } };
}

test('the paying fetch refuses oversized, deep and wrong-domain 402s from real servers: nothing signed, reserved or recorded', async () => {
  const answers = [
    ['v1 body with 5,000-deep accepts', 'ERR_MALFORMED_402', /body is JSON nested more than 32 levels/,
      (res) => res.writeHead(402, { 'content-type': 'application/json' }).end(`{"x402Version":1,"accepts":${deep(5000)}}`)],
    ['v2 header with 5,000-deep accepts', 'ERR_MALFORMED_402', /PAYMENT-REQUIRED header is JSON nested more than 32 levels/,
      (res) => res.writeHead(402, { 'payment-required': Buffer.from(`{"x402Version":2,"accepts":${deep(5000)}}`).toString('base64') }).end('{}')],
    ['v1 body with 100,000 offers', 'ERR_MALFORMED_402', /larger than 262144 bytes/,
      (res) => res.writeHead(402).end(JSON.stringify({ x402Version: 1, accepts: new Array(100_000).fill({}) }))],
    ['v2 header with 200 offers', 'ERR_MALFORMED_402', /lists 200 offers; at most 32/,
      (res) => res.writeHead(402, { 'payment-required': encodePaymentRequiredHeader(v2(new Array(200).fill({ a: 1 }))) }).end('{}')],
    ['a wrong domain name', 'ERR_NO_PAYABLE_OFFER', /extra\.name "Fake USD" is not the asset's EIP-712 domain name "USD Coin"/,
      (res) => res.writeHead(402, { 'payment-required': encodePaymentRequiredHeader(v2([offer({}, { name: 'Fake USD' })])) }).end('{}')],
  ];
  for (const [what, code, message, answer] of answers) {
    const server = await listen((req, res) => answer(res));
    const { payer: p, signs, store, close } = payer();
    try {
      await assert.rejects(p.fetch(server.url), (error) => {
        assert.equal(error.code, code, `${what}: ${error.stack}`);
        assert.match(error.message, message, what);
        assert.equal(error.response.status, 402);
        return true;
      });
      assert.equal(signs.count, 0, what);
      assert.deepEqual(p.ledger.list(), [], what);
      assert.deepEqual(store.list(''), [], what); // no budget held, no intent
    } finally {
      close();
      await server.stop();
    }
  }
});

test('a PAYMENT-REQUIRED header beyond what HTTP clients read fails closed: nothing signed, reserved or recorded', async () => {
  // 64 KiB of header: fetch (undici) refuses headers past 16 KiB before our
  // parser sees them; the call is then a network failure, never a payment.
  const huge = encodePaymentRequiredHeader(v2([offer({}, { pad: 'x'.repeat(48 * 1024) })]));
  const server = await listen((req, res) => res.writeHead(402, { 'payment-required': huge }).end('{}'));
  const { payer: p, signs, store, close } = payer();
  try {
    const result = await p.fetch(server.url);
    assert.equal(result.status, null);
    assert.equal(result.error.code, 'ERR_FETCH_FAILED');
    assert.match(result.error.message, /Nothing was paid/);
    assert.equal(signs.count, 0);
    assert.deepEqual(store.list(''), []);
  } finally {
    close();
    await server.stop();
  }
  // Were it read (another fetch), its one offer is too large to be paid.
  const read = parsePaymentRequired({ headers: { 'payment-required': huge }, body: '' });
  assert.equal(read.accepts.length, 1);
  assert.deepEqual(candidateOffers(read, 'call', chain).skipped, ['offer 1: larger than 8192 bytes as JSON']);
});
