// Sign-In-With-X gate: headers are built by @x402/extensions' own client
// helpers and signed for real (viem accounts and our native Signer); nothing
// in the library is mocked.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import test from 'node:test';

import { wrapFetchWithPayment, x402Client } from '@x402/fetch';
import {
  SIGN_IN_WITH_X,
  buildSIWxSchema,
  createSIWxClientExtension,
  createSIWxClientHook,
  createSIWxMessage,
  createSIWxPayload,
  encodeSIWxHeader,
  wrapFetchWithSIWx,
} from '@x402/extensions/sign-in-with-x';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';

import { Signer, toViemAccount } from '../../lib/index.js';
import { MAX_SIWX_HEADER_BYTES } from '../../lib/limits.js';
import { SIWX_ERRORS, createSiwxGate } from '../../lib/paywall/siwx.js';

const RESOURCE = 'https://api.example.com:8443/v1/report?q=1';
const ROUTE = 'report';
const NETWORKS = ['eip155:31337', 'eip155:84532'];
const T0 = Date.parse('2030-01-01T00:00:00.000Z');

// An in-memory stand-in for the ReceiptLedger's useNonce contract: true the
// first time a nonce is seen, false while a used nonce has not expired; the
// decision is made atomically at call time and delivered asynchronously, as
// a native ledger would. The durable (native, on-disk) ledger is tested in
// its own suite.
function memoryLedger() {
  const used = new Map();
  const calls = [];
  return {
    calls,
    useNonce(nonce, { expiresAt, now }) {
      calls.push({ nonce, expiresAt, now });
      const until = used.get(nonce);
      if (until !== undefined && until > now) return Promise.resolve(false);
      used.set(nonce, expiresAt);
      return Promise.resolve(true);
    },
  };
}

// A clock the test moves by hand.
function manualClock(start = T0) {
  const clock = { t: start, now: () => clock.t };
  return clock;
}

function setup({ paid = true, clock = manualClock(), ...options } = {}) {
  const ledger = memoryLedger();
  const paidCalls = [];
  const gate = createSiwxGate({
    ledger,
    hasPaid: async (address, context) => {
      paidCalls.push({ address, context });
      return typeof paid === 'function' ? paid(address) : paid;
    },
    statement: 'Sign in to use what you bought',
    now: clock.now,
    ...options,
  });
  return { gate, ledger, paidCalls, clock };
}

const newAccount = () => privateKeyToAccount(generatePrivateKey());

// What @x402/fetch does on a 402 carrying the extension: the official client
// hook picks an eip191 chain and signs the challenge.
async function officialHeader(account, declaration, requestUrl = RESOURCE) {
  const hook = createSIWxClientHook(account);
  const result = await hook({
    paymentRequired: { x402Version: 2, accepts: [], extensions: { [SIGN_IN_WITH_X]: declaration } },
    requestUrl,
  });
  // The hook names the header in lower case (SIGN_IN_WITH_X); HTTP does not mind.
  assert.ok(result?.headers?.[SIGN_IN_WITH_X], 'the official client hook produced no header');
  return result.headers[SIGN_IN_WITH_X];
}

// The official payload builder on a challenge the test edits first.
async function customHeader(signer, declaration, edit, requestUrl = RESOURCE) {
  const info = edit({ ...declaration.info, chainId: declaration.supportedChains[0].chainId, type: 'eip191' });
  return encodeSIWxHeader(await createSIWxPayload(info, signer, requestUrl));
}

// A header the official client would refuse to build (its origin binding
// check), signed over the library's own message text.
async function unboundHeader(account, declaration, edit) {
  const info = edit({ ...declaration.info, chainId: declaration.supportedChains[0].chainId, type: 'eip191' });
  const signature = await account.signMessage({ message: createSIWxMessage(info, account.address) });
  return base64Json({ ...info, address: account.address, signature });
}

const base64Json = (value) => Buffer.from(JSON.stringify(value)).toString('base64');
const decodeHeader = (header) => JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
const context = { resourceUrl: RESOURCE, routeId: ROUTE };

function assertRefused(result, error) {
  assert.equal(result.ok, false, `expected ${error}, got ok`);
  assert.equal(result.error, error, result.message);
  assert.equal(result.status, SIWX_ERRORS[error]);
  assert.equal(typeof result.message, 'string');
}

test('headerName and extensionKey are the names the official client uses', () => {
  const { gate } = setup();
  assert.equal(gate.headerName, 'SIGN-IN-WITH-X');
  assert.equal(gate.headerName.toLowerCase(), SIGN_IN_WITH_X);
  assert.equal(gate.extensionKey, 'sign-in-with-x');
});

test('declare() builds the official challenge shape bound to the resource', () => {
  const { gate } = setup();
  const declaration = gate.declare({ resourceUrl: `${RESOURCE}#fragment`, routeId: ROUTE, networks: NETWORKS });
  assert.deepEqual(Object.keys(declaration).sort(), ['info', 'schema', 'supportedChains']);
  assert.deepEqual(declaration.schema, buildSIWxSchema());
  assert.deepEqual(declaration.supportedChains, NETWORKS.map((chainId) => ({ chainId, type: 'eip191' })));
  const { info } = declaration;
  assert.equal(info.domain, 'api.example.com:8443');
  assert.equal(info.uri, RESOURCE);
  assert.deepEqual(info.resources, [RESOURCE]);
  assert.equal(info.version, '1');
  assert.equal(info.statement, 'Sign in to use what you bought');
  assert.equal(info.issuedAt, new Date(T0).toISOString());
  assert.equal(info.expirationTime, new Date(T0 + 300_000).toISOString());
  assert.match(info.nonce, /^[0-9a-f]{64}$/);
  const again = gate.declare({ resourceUrl: RESOURCE, routeId: ROUTE, networks: NETWORKS });
  assert.notEqual(again.info.nonce, info.nonce, 'every challenge has a fresh nonce');
  // JSON round trip (it travels base64 JSON in PAYMENT-REQUIRED) changes nothing.
  assert.deepEqual(JSON.parse(JSON.stringify(declaration)), declaration);
});

test('declare() leaves the default port out of the domain', () => {
  const { gate } = setup();
  const { info } = gate.declare({ resourceUrl: 'https://api.example.com:443/a', routeId: ROUTE, networks: NETWORKS });
  assert.equal(info.domain, 'api.example.com');
  assert.equal(info.uri, 'https://api.example.com/a');
});

test('declare() and createSiwxGate() refuse bad arguments', () => {
  const { gate } = setup();
  const ok = { resourceUrl: RESOURCE, routeId: ROUTE, networks: NETWORKS };
  assert.throws(() => gate.declare({ ...ok, resourceUrl: 'ftp://example.com/x' }), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => gate.declare({ ...ok, resourceUrl: 'https://user:pw@example.com/x' }), TypeError);
  assert.throws(() => gate.declare({ ...ok, resourceUrl: '/relative' }), TypeError);
  assert.throws(() => gate.declare({ ...ok, networks: [] }), TypeError);
  assert.throws(() => gate.declare({ ...ok, networks: ['solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp'] }), TypeError);
  assert.throws(() => gate.declare({ ...ok, networks: ['base'] }), TypeError);
  assert.throws(() => gate.declare({ ...ok, routeId: undefined }), TypeError);
  const hasPaid = async () => true;
  const ledger = memoryLedger();
  assert.throws(() => createSiwxGate({ hasPaid }), TypeError);
  assert.throws(() => createSiwxGate({ ledger: {}, hasPaid }), TypeError);
  assert.throws(() => createSiwxGate({ ledger }), TypeError);
  assert.throws(() => createSiwxGate({ ledger, hasPaid, expirationSeconds: 0 }), RangeError);
  assert.throws(() => createSiwxGate({ ledger, hasPaid, statement: 'two\nlines' }), RangeError);
  assert.throws(() => createSiwxGate({ ledger, hasPaid, nonceKey: new Uint8Array(8) }), TypeError);
});

test('a valid header passes once; the identical header is then refused as siwx_replayed', async () => {
  const { gate, ledger, paidCalls } = setup();
  const account = newAccount();
  const header = await officialHeader(account, gate.declare({ ...context, networks: NETWORKS }));

  assert.deepEqual(await gate.check(header, context), { ok: true, address: account.address });
  assertRefused(await gate.check(header, context), 'siwx_replayed');
  assert.deepEqual(paidCalls, [{ address: account.address, context }]);
  assert.equal(ledger.calls.length, 2);
  assert.deepEqual(ledger.calls[0], { nonce: decodeHeader(header).nonce, expiresAt: T0 + 300_000, now: T0 });
});

test('the gate works with a native-key viem account (toViemAccount(Signer.generate()))', async () => {
  const { gate } = setup();
  const signer = Signer.generate();
  const header = await officialHeader(toViemAccount(signer), gate.declare({ ...context, networks: NETWORKS }));
  assert.deepEqual(await gate.check(header, context), { ok: true, address: signer.address });
  signer.destroy();
});

test('100 concurrent checks of one header: exactly one is ok, 99 are siwx_replayed', async () => {
  const { gate } = setup();
  const header = await officialHeader(newAccount(), gate.declare({ ...context, networks: NETWORKS }));
  const results = await Promise.all(Array.from({ length: 100 }, () => gate.check(header, context)));
  assert.equal(results.filter((r) => r.ok).length, 1);
  assert.equal(results.filter((r) => r.error === 'siwx_replayed').length, 99);
});

test('a header signed for another domain is siwx_wrong_domain', async () => {
  const { gate } = setup();
  const elsewhere = 'https://evil.example/v1/report?q=1';
  const header = await officialHeader(newAccount(), gate.declare({ resourceUrl: elsewhere, routeId: ROUTE, networks: NETWORKS }), elsewhere);
  assertRefused(await gate.check(header, context), 'siwx_wrong_domain');
  // Same host, another port, is another domain too.
  const otherPort = 'https://api.example.com:9443/v1/report?q=1';
  const header2 = await officialHeader(newAccount(), gate.declare({ resourceUrl: otherPort, routeId: ROUTE, networks: NETWORKS }), otherPort);
  assertRefused(await gate.check(header2, context), 'siwx_wrong_domain');
});

test('a header whose uri has another origin is siwx_wrong_uri', async () => {
  const { gate } = setup();
  const declaration = gate.declare({ ...context, networks: NETWORKS });
  const plainHttp = 'http://api.example.com:8443/v1/report?q=1'; // same host:port, other scheme
  const header = await customHeader(newAccount(), declaration, (info) => ({ ...info, uri: plainHttp }), plainHttp);
  assertRefused(await gate.check(header, context), 'siwx_wrong_uri');
  const notAUrl = await unboundHeader(newAccount(), declaration, (info) => ({ ...info, uri: 'urn:isbn:0451450523' }));
  assertRefused(await gate.check(notAUrl, context), 'siwx_wrong_uri');
});

test('a header for a chain the route did not declare is siwx_wrong_chain', async () => {
  const { gate } = setup();
  const declaration = gate.declare({ ...context, networks: NETWORKS });
  const mainnet = await customHeader(newAccount(), declaration, (info) => ({ ...info, chainId: 'eip155:1' }));
  assertRefused(await gate.check(mainnet, context), 'siwx_wrong_chain');
  // Both declared chains are accepted.
  const second = await customHeader(newAccount(), declaration, (info) => ({ ...info, chainId: NETWORKS[1] }));
  assert.equal((await gate.check(second, context)).ok, true);
  // check() may be given the route's networks explicitly (several instances).
  const declaration2 = gate.declare({ ...context, networks: NETWORKS });
  const header = await officialHeader(newAccount(), declaration2);
  assertRefused(await gate.check(header, { ...context, networks: ['eip155:84532'] }), 'siwx_wrong_chain');
  // A route never declared by this gate has no chains: fail closed.
  assertRefused(await gate.check(header, { ...context, routeId: 'never-declared' }), 'siwx_wrong_chain');
});

test('an expired header is siwx_expired; the window is expirationSeconds from issuedAt', async () => {
  const { gate, clock } = setup();
  const header = await officialHeader(newAccount(), gate.declare({ ...context, networks: NETWORKS }));
  clock.t = T0 + 300_000;
  assertRefused(await gate.check(header, context), 'siwx_expired');
  clock.t = T0 + 299_999;
  assert.equal((await gate.check(header, context)).ok, true);
});

test('issuedAt more than 60 s ahead is siwx_expired; 30 s ahead is tolerated', async () => {
  // Two instances sharing a nonce key, the issuer's clock ahead of the checker's.
  const nonceKey = randomBytes(32);
  const checker = setup({ nonceKey });
  const issuerClock = manualClock(T0 + 30_000);
  const issuer = setup({ nonceKey, clock: issuerClock });
  const declare = () => issuer.gate.declare({ ...context, networks: NETWORKS });
  const checkOptions = { ...context, networks: NETWORKS };
  assert.equal((await checker.gate.check(await officialHeader(newAccount(), declare()), checkOptions)).ok, true);
  issuerClock.t = T0 + 61_000;
  assertRefused(await checker.gate.check(await officialHeader(newAccount(), declare()), checkOptions), 'siwx_expired');
});

test('the ledger entry expires at the earlier of expirationTime and issuedAt + expirationSeconds', async () => {
  const nonceKey = randomBytes(32);
  const issuer = setup({ nonceKey, expirationSeconds: 300 });
  const strict = setup({ nonceKey, expirationSeconds: 60, clock: issuer.clock });
  const checkOptions = { ...context, networks: NETWORKS };
  const header = await officialHeader(newAccount(), issuer.gate.declare(checkOptions));
  assert.equal((await strict.gate.check(header, checkOptions)).ok, true);
  assert.equal(strict.ledger.calls[0].expiresAt, T0 + 60_000);
  // And the stricter gate refuses it once older than its own window.
  const late = await officialHeader(newAccount(), issuer.gate.declare(checkOptions));
  strict.clock.t = T0 + 60_000;
  assertRefused(await strict.gate.check(late, checkOptions), 'siwx_expired');
});

test('notBefore in the future is siwx_not_yet_valid', async () => {
  const { gate, clock } = setup();
  const declaration = gate.declare({ ...context, networks: NETWORKS });
  const header = await customHeader(newAccount(), declaration, (info) => ({ ...info, notBefore: new Date(T0 + 10_000).toISOString() }));
  assertRefused(await gate.check(header, context), 'siwx_not_yet_valid');
  clock.t = T0 + 10_000;
  assert.equal((await gate.check(header, context)).ok, true);
});

test('nonces this gate did not issue for this resource and route are siwx_unknown_nonce', async () => {
  const { gate } = setup();
  const declaration = gate.declare({ ...context, networks: NETWORKS });
  const own = await customHeader(newAccount(), declaration, (info) => ({ ...info, nonce: randomBytes(32).toString('hex') }));
  assertRefused(await gate.check(own, context), 'siwx_unknown_nonce');
  const stretched = await customHeader(newAccount(), declaration, (info) => ({ ...info, expirationTime: new Date(T0 + 3_600_000).toISOString() }));
  assertRefused(await gate.check(stretched, context), 'siwx_unknown_nonce');
  const noExpiry = await customHeader(newAccount(), declaration, (info) => ({ ...info, expirationTime: undefined }));
  assertRefused(await gate.check(noExpiry, context), 'siwx_unknown_nonce');
  // Issued for another route, or another path on the same origin.
  const header = await officialHeader(newAccount(), declaration);
  assertRefused(await gate.check(header, { ...context, routeId: 'other', networks: NETWORKS }), 'siwx_unknown_nonce');
  assertRefused(await gate.check(header, { ...context, resourceUrl: 'https://api.example.com:8443/v1/other' }), 'siwx_unknown_nonce');
  // Another gate (another key) did not issue it either.
  assertRefused(await setup().gate.check(header, { ...context, networks: NETWORKS }), 'siwx_unknown_nonce');
  // None of that used the nonce up.
  assert.equal((await gate.check(header, context)).ok, true);
});

test('a tampered signature or signed field is siwx_bad_signature', async () => {
  const { gate } = setup();
  const declaration = gate.declare({ ...context, networks: NETWORKS });
  const header = await officialHeader(newAccount(), declaration);
  const payload = decodeHeader(header);
  const flip = (hex, at) => hex.slice(0, at) + (hex[at] === '0' ? '1' : '0') + hex.slice(at + 1);
  for (const signature of [flip(payload.signature, 10), flip(payload.signature, 100), flip(payload.signature, 131), '0x', `0x${'00'.repeat(65)}`]) {
    assertRefused(await gate.check(base64Json({ ...payload, signature }), context), 'siwx_bad_signature');
  }
  assertRefused(await gate.check(base64Json({ ...payload, statement: 'Something else' }), context), 'siwx_bad_signature');
  assertRefused(await gate.check(base64Json({ ...payload, requestId: 'x' }), context), 'siwx_bad_signature');
  // Failed signatures did not use the nonce up.
  assert.equal((await gate.check(header, context)).ok, true);
});

test('a signature by another key claiming the address is siwx_bad_signature', async () => {
  const { gate, paidCalls } = setup();
  const victim = newAccount();
  const attacker = newAccount();
  const declaration = gate.declare({ ...context, networks: NETWORKS });
  const impostor = { address: victim.address, signMessage: attacker.signMessage };
  const header = await officialHeader(impostor, declaration);
  assert.equal(decodeHeader(header).address, victim.address);
  assertRefused(await gate.check(header, context), 'siwx_bad_signature');
  assert.equal(paidCalls.length, 0);
  // The victim can still use that challenge.
  assert.equal((await gate.check(await officialHeader(victim, declaration), context)).ok, true);
});

test('garbage headers are siwx_malformed (400)', async () => {
  const { gate } = setup();
  const account = newAccount();
  const declaration = gate.declare({ ...context, networks: NETWORKS });
  const payload = decodeHeader(await officialHeader(account, declaration));
  const { signature, ...unsigned } = payload;
  const letter = account.address.slice(2).search(/[a-fA-F]/) + 2; // a 40-digit address without a letter: p ~ 1e-8
  const swapCase = (c) => (c === c.toUpperCase() ? c.toLowerCase() : c.toUpperCase());
  const badChecksum = account.address.slice(0, letter) + swapCase(account.address[letter]) + account.address.slice(letter + 1);
  const garbage = [
    undefined,
    42,
    ['a', 'b'],
    '',
    '!!! not base64 !!!',
    Buffer.from('not json').toString('base64'),
    base64Json([]),
    base64Json(null),
    base64Json({}),
    base64Json(unsigned),
    base64Json({ ...payload, address: 7 }),
    base64Json({ ...payload, type: 'rsa' }),
    base64Json({ ...payload, version: '2' }),
    base64Json({ ...payload, issuedAt: 'yesterday' }),
    base64Json({ ...payload, expirationTime: '2030-01-01' }),
    'A'.repeat(MAX_SIWX_HEADER_BYTES + 1),
    base64Json({ ...payload, resources: ['x'.repeat(MAX_SIWX_HEADER_BYTES)] }),
  ];
  for (const header of garbage) assertRefused(await gate.check(header, context), 'siwx_malformed');
  // Fields that pass every other check but not the EIP-4361 grammar.
  assertRefused(await gate.check(base64Json({ ...payload, address: badChecksum }), context), 'siwx_malformed');
  assertRefused(await gate.check(base64Json({ ...payload, address: '0x1234' }), context), 'siwx_malformed');
  // ... and the real header was not used up by any of them.
  assert.equal((await gate.check(base64Json({ signature, ...unsigned }), context)).ok, true);
});

test('a valid header from a wallet that has not paid is 402 siwx_not_paid', async () => {
  const payer = newAccount();
  const stranger = newAccount();
  const { gate, paidCalls } = setup({ paid: (address) => address === payer.address });
  const declaration = gate.declare({ ...context, networks: NETWORKS });
  assertRefused(await gate.check(await officialHeader(stranger, declaration), context), 'siwx_not_paid');
  assert.deepEqual(paidCalls, [{ address: stranger.address, context }]);
  // A nonce is single-use whoever signed it; the payer signs a fresh challenge.
  assertRefused(await gate.check(await officialHeader(payer, declaration), context), 'siwx_replayed');
  const fresh = gate.declare({ ...context, networks: NETWORKS });
  assert.deepEqual(await gate.check(await officialHeader(payer, fresh), context), { ok: true, address: payer.address });
});

test('ledger and hasPaid failures reject check() instead of granting', async () => {
  const failingLedger = createSiwxGate({
    ledger: { useNonce: () => { throw new Error('disk gone'); } },
    hasPaid: async () => true,
  });
  const header = await officialHeader(newAccount(), failingLedger.declare({ ...context, networks: NETWORKS }));
  await assert.rejects(failingLedger.check(header, context), /disk gone/);
  const failingPaid = createSiwxGate({ ledger: memoryLedger(), hasPaid: async () => { throw new Error('db down'); } });
  const header2 = await officialHeader(newAccount(), failingPaid.declare({ ...context, networks: NETWORKS }));
  await assert.rejects(failingPaid.check(header2, context), /db down/);
  // A truthy non-boolean is not a yes.
  const vague = createSiwxGate({ ledger: memoryLedger(), hasPaid: async () => 'yes' });
  const header3 = await officialHeader(newAccount(), vague.declare({ ...context, networks: NETWORKS }));
  assertRefused(await vague.check(header3, context), 'siwx_not_paid');
});

// A paywall in miniature, wired as the engine should be: the 402 carries the
// challenge in PAYMENT-REQUIRED; a failed SIWX answers 402 again (not 401), so
// the official client goes on to pay instead of giving up.
async function startPaywall(t, gate) {
  const seen = [];
  const server = createServer(async (req, res) => {
    const resourceUrl = `${origin}${req.url}`; // the configured public origin, never the Host header
    const header = req.headers['sign-in-with-x'];
    if (header !== undefined) {
      const result = await gate.check(header, { resourceUrl, routeId: ROUTE });
      seen.push(result);
      if (result.ok) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ for: result.address }));
        return;
      }
    }
    const paymentRequired = {
      x402Version: 2,
      error: 'Payment required',
      resource: { url: resourceUrl, description: 'report', mimeType: 'application/json' },
      accepts: [{
        scheme: 'exact',
        network: NETWORKS[0],
        amount: '1000',
        asset: '0x5FbDB2315678afecb367f032d93F642f64180aa3',
        payTo: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
        maxTimeoutSeconds: 60,
        extra: { name: 'USD Coin', version: '2' },
      }],
      extensions: { [SIGN_IN_WITH_X]: gate.declare({ resourceUrl, routeId: ROUTE, networks: NETWORKS }) },
    };
    res.writeHead(402, { 'PAYMENT-REQUIRED': base64Json(paymentRequired), 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  t.after(() => new Promise((resolve) => server.close(resolve)));
  return { url: `${origin}/v1/report?q=1`, seen };
}

test('round trip: @x402/fetch with the SIWX client extension signs the declared challenge and gets in', async (t) => {
  const account = newAccount();
  const { gate } = setup({ clock: { now: () => Date.now() }, paid: (address) => address === account.address });
  const { url, seen } = await startPaywall(t, gate);

  const client = new x402Client().registerExtension(createSIWxClientExtension({ signers: [account] }));
  const response = await wrapFetchWithPayment(fetch, client)(url);
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { for: account.address });
  assert.deepEqual(seen, [{ ok: true, address: account.address }]);

  // wrapFetchWithSIWx (the extension's stand-alone fetch wrapper) also gets in.
  const response2 = await wrapFetchWithSIWx(fetch, account)(url);
  assert.equal(response2.status, 200);
});

test('round trip: an unpaid wallet is refused and @x402/fetch falls through to paying', async (t) => {
  const { gate } = setup({ clock: { now: () => Date.now() }, paid: false });
  const { url, seen } = await startPaywall(t, gate);
  const client = new x402Client().registerExtension(createSIWxClientExtension({ signers: [newAccount()] }));
  // No payment scheme is registered, so the fall-through to paying fails here.
  await assert.rejects(wrapFetchWithPayment(fetch, client)(url), /Failed to create payment payload/);
  assert.deepEqual(seen.map((r) => r.error), ['siwx_not_paid']);
});
