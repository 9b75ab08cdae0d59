// Session tokens: byte-identical to ClawPay 1.1's, and every way a token can
// be wrong is refused with its stable reason.
import assert from 'node:assert/strict';
import test from 'node:test';

import * as viem from 'viem';
import { generatePrivateKey } from 'viem/accounts';
import { privateKeyToAccount } from 'viem/accounts';

import {
  Signer, buildSessionToken, decodeSessionToken, recoverSessionToken, verifySessionToken, verifySessionTokens, TOKEN_REASONS,
} from '../../lib/index.js';
import { referenceToken } from './support/clawpay_reference.js';
import { Random, resolveSeed } from './support/random.js';

const seed = resolveSeed();
const NOW = 1_800_000_000;

function payloadFor(signer, overrides = {}) {
  return {
    version: 'clawpay/1.1',
    sessionId: '3b241101-e2bb-4255-8caf-4136c566a962',
    walletAddress: signer.address,
    endpoint: 'https://api.example.com/v1',
    scope: 'prefix',
    createdAt: NOW - 60,
    expiresAt: NOW + 3600,
    paymentTxHash: `0x${'ab'.repeat(32)}`,
    paymentAmount: '10000',
    ...overrides,
  };
}

function randomPayload(rng) {
  const integer = () => rng.pick([0, 1, NOW, rng.int(0, 2 ** 31), Number.MAX_SAFE_INTEGER, -rng.int(1, 1000), -Number.MAX_SAFE_INTEGER]);
  return {
    version: rng.bool() ? 'clawpay/1.1' : rng.text(20),
    sessionId: rng.bool() ? crypto.randomUUID() : rng.text(40),
    walletAddress: rng.bool() ? rng.hex(20) : rng.text(42),
    endpoint: rng.text(60),
    scope: rng.pick(['prefix', 'exact']),
    createdAt: integer(),
    expiresAt: integer(),
    paymentTxHash: rng.bool() ? rng.hex(32) : rng.text(66),
    paymentAmount: rng.bool() ? String(rng.u32() * 1000) : rng.text(10),
  };
}

const b64 = (text) => Buffer.from(text).toString('base64url');
const withPayloadJson = (token, json) => `${b64(json)}.${token.split('.')[1]}`;

test(`tokens are byte-identical to ClawPay 1.1's on 1000 random payloads with unicode, controls and lone surrogates (seed ${seed})`, async () => {
  const rng = new Random(seed);
  const key = rng.privateKey();
  const signer = Signer.fromPrivateKey(key);
  for (let i = 0; i < 1000; i++) {
    const payload = randomPayload(rng);
    const ours = await buildSessionToken(payload, signer);
    const reference = await referenceToken(payload, key);
    assert.equal(ours.canonicalJson, reference.canonicalJson, `canonical JSON, case ${i}`);
    assert.equal(ours.signature, reference.signature, `signature, case ${i}`);
    assert.equal(ours.token, reference.token, `token, case ${i}`);
    // Decoding returns the payload as given, lone surrogates included.
    const decoded = decodeSessionToken(ours.token);
    assert.deepEqual(decoded.payload, payload, `decode, case ${i}`);
    assert.equal(decoded.signature, ours.signature);
  }
});

test('a ClawPay-built token verifies, with the signer, wallet and URL checks passing', async () => {
  const key = generatePrivateKey();
  const signer = Signer.fromPrivateKey(key);
  const { token } = await referenceToken(payloadFor(signer), key);
  const result = await verifySessionToken(token, { now: NOW, wallet: signer.address, url: 'https://api.example.com/v1/search?q=1' });
  assert.deepEqual(result, { valid: true, reason: null, detail: null, payload: payloadFor(signer), signer: signer.address });
  // Wallet comparison ignores address case.
  assert.equal((await verifySessionToken(token, { now: NOW, wallet: signer.address.toLowerCase() })).valid, true);
  // `now` may be a Date.
  assert.equal((await verifySessionToken(token, { now: new Date(NOW * 1000) })).valid, true);
});

test('expiry: valid until the second before expiresAt, expired from expiresAt on', async () => {
  const signer = Signer.generate();
  const { token } = await buildSessionToken(payloadFor(signer), signer);
  assert.equal((await verifySessionToken(token, { now: NOW + 3599 })).valid, true);
  for (const now of [NOW + 3600, NOW + 10 ** 6]) {
    const result = await verifySessionToken(token, { now });
    assert.equal(result.reason, 'expired');
    assert.equal(result.signer, signer.address, 'the signer is still reported');
  }
  // The default clock is now: a token that expired in 2027 is expired today only if today is later.
  const old = await buildSessionToken(payloadFor(signer, { expiresAt: 1_000_000_000 }), signer);
  assert.equal((await verifySessionToken(old.token)).reason, 'expired');
});

test('wrong_signer when the token was signed by another key than the required wallet', async () => {
  const signer = Signer.generate();
  const other = Signer.generate();
  const { token } = await buildSessionToken(payloadFor(signer), signer);
  const result = await verifySessionToken(token, { now: NOW, wallet: other.address });
  assert.equal(result.reason, 'wrong_signer');
  assert.equal(result.signer, signer.address);
  // ClawPay's walletAddress claim (a contract wallet) is not the signer: the
  // caller decides which address must have signed.
  const claim = await buildSessionToken(payloadFor(signer, { walletAddress: other.address }), signer);
  assert.equal((await verifySessionToken(claim.token, { now: NOW, wallet: other.address })).reason, 'wrong_signer');
  assert.equal((await verifySessionToken(claim.token, { now: NOW, wallet: signer.address })).valid, true);
});

test('out_of_scope for every URL-confusion form, in scope for real sub-paths', async () => {
  const signer = Signer.generate();
  const { token } = await buildSessionToken(payloadFor(signer), signer);
  for (const url of ['https://api.example.com.evil.io/', 'https://api.example.com@evil.io/', 'https://api.example.com/v10',
    'https://api.example.com/v1/../admin', 'http://api.example.com/v1', 'https://api.example.com/v1/%2e%2e/admin',
    'https://api.example.com:8443/v1', 'https://evil.io/https://api.example.com/v1', 'not a url', '',
    'https://api.example.com/v1/x/../y', 'https://api.example.com/admin/.x/../../v1/a']) {
    assert.equal((await verifySessionToken(token, { now: NOW, url })).reason, 'out_of_scope', url);
  }
  for (const url of ['https://api.example.com/v1', 'https://API.EXAMPLE.COM/v1/x', 'https://api.example.com:443/v1/a/b?c=d#e']) {
    assert.equal((await verifySessionToken(token, { now: NOW, url })).valid, true, url);
  }
  const exact = await buildSessionToken(payloadFor(signer, { scope: 'exact', endpoint: 'https://api.example.com/v1/item?id=1' }), signer);
  assert.equal((await verifySessionToken(exact.token, { now: NOW, url: 'https://api.example.com/v1/item?id=1' })).valid, true);
  assert.equal((await verifySessionToken(exact.token, { now: NOW, url: 'https://api.example.com/v1/item?id=2' })).reason, 'out_of_scope');
  assert.equal((await verifySessionToken(exact.token, { now: NOW, url: 'https://api.example.com/v1/item/x?id=1' })).reason, 'out_of_scope');
});

test('unsupported_version for a well-signed token of another version', async () => {
  const signer = Signer.generate();
  const { token } = await buildSessionToken(payloadFor(signer, { version: 'clawpay/1.0' }), signer);
  assert.equal((await verifySessionToken(token, { now: NOW })).reason, 'unsupported_version');
});

test('bad_signature for bad v, the malleable high-s twin, and an unrecoverable r', async () => {
  const signer = Signer.generate();
  const { token, signature } = await buildSessionToken(payloadFor(signer), signer);
  const [body] = token.split('.');
  const { r, s, yParity } = viem.parseSignature(signature);
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const twin = viem.serializeSignature({ r, s: viem.numberToHex(n - BigInt(s), { size: 32 }), yParity: 1 - yParity });
  // viem itself still recovers the signer from the twin: that is what makes it a forgery vector.
  assert.equal(await viem.recoverMessageAddress({ message: decodeSessionToken(token).payload && Buffer.from(body, 'base64url').toString(), signature: twin }), signer.address);
  const cases = [`${signature.slice(0, 130)}00`, `${signature.slice(0, 130)}01`, `${signature.slice(0, 130)}1d`, twin.toLowerCase(),
    `0x${'00'.repeat(32)}${signature.slice(66)}`, `0x${'ff'.repeat(32)}${signature.slice(66)}`];
  for (const sig of cases) {
    const result = await verifySessionToken(`${body}.${sig}`, { now: NOW, wallet: signer.address });
    assert.equal(result.reason, 'bad_signature', sig);
    assert.equal(result.signer, null);
    assert.ok(result.detail.length > 0);
  }
});

test('a tampered payload no longer verifies for the wallet that signed it', async () => {
  const signer = Signer.generate();
  const { token, canonicalJson } = await buildSessionToken(payloadFor(signer), signer);
  for (const [from, to] of [[`${NOW + 3600}`, `${NOW + 999999}`], ['/v1', '/'], ['prefix', 'exact'], ['10000', '1']]) {
    const forged = withPayloadJson(token, canonicalJson.replace(from, to));
    const result = await verifySessionToken(forged, { now: NOW, wallet: signer.address });
    assert.ok(['wrong_signer', 'bad_signature'].includes(result.reason), `${from} -> ${to}: ${result.reason}`);
  }
});

test('malformed tokens of every kind are refused with reason malformed, never a crash', async () => {
  const signer = Signer.generate();
  const { token, canonicalJson, signature } = await buildSessionToken(payloadFor(signer), signer);
  const obj = JSON.parse(canonicalJson);
  const reorder = JSON.stringify(Object.fromEntries(Object.entries(obj).reverse()));
  const cases = {
    empty: '',
    'no dot': token.replace('.', ''),
    'two dots': `${token}.x`,
    'padding': `${token.split('.')[0]}=.${signature}`,
    'non-base64url': `${token.split('.')[0].slice(0, -1)}+.${signature}`,
    'uppercase signature': `${token.split('.')[0]}.0x${signature.slice(2).toUpperCase()}`,
    'short signature': token.slice(0, -2),
    'signature without 0x': `${token.split('.')[0]}.${signature.slice(2)}`,
    'oversized': `${'A'.repeat(20000)}.${signature}`,
    'whitespace in JSON': withPayloadJson(token, JSON.stringify(obj, null, 1)),
    'reordered keys': withPayloadJson(token, reorder),
    'extra field': withPayloadJson(token, canonicalJson.replace('{', '{"admin":"true",')),
    'missing field': withPayloadJson(token, canonicalJson.replace(/"scope":"prefix",/, '')),
    'duplicate key': withPayloadJson(token, canonicalJson.replace('{', `{"createdAt":${obj.createdAt},`)),
    'number as string': withPayloadJson(token, canonicalJson.replace(`"expiresAt":${obj.expiresAt}`, `"expiresAt":"${obj.expiresAt}"`)),
    'float time': withPayloadJson(token, canonicalJson.replace(`"expiresAt":${obj.expiresAt}`, `"expiresAt":${obj.expiresAt}.5`)),
    'exponent time': withPayloadJson(token, canonicalJson.replace(`"expiresAt":${obj.expiresAt}`, '"expiresAt":1e12')),
    'unsafe integer': withPayloadJson(token, canonicalJson.replace(`"expiresAt":${obj.expiresAt}`, '"expiresAt":9007199254740993')),
    'needless escape': withPayloadJson(token, canonicalJson.replace('"prefix"', '"pr\\u0065fix"')),
    'bad scope': withPayloadJson(token, canonicalJson.replace('"prefix"', '"wide"')),
    'array payload': withPayloadJson(token, '[1,2]'),
    'nested object': withPayloadJson(token, canonicalJson.replace('"10000"', '{"a":1}')),
    'invalid UTF-8': `${Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x7d]).toString('base64url')}.${signature}`,
    'truncated JSON': withPayloadJson(token, canonicalJson.slice(0, -1)),
  };
  for (const [name, bad] of Object.entries(cases)) {
    const result = await verifySessionToken(bad, { now: NOW });
    assert.equal(result.reason, 'malformed', name);
    assert.equal(result.valid, false);
    assert.equal(typeof result.detail, 'string');
    assert.throws(() => decodeSessionToken(bad), (e) => e.code === 'ERR_MALFORMED_TOKEN' && /Malformed session token/.test(e.message), name);
  }
  // Truncated at every position.
  for (let cut = 0; cut < token.length; cut += 7) {
    assert.equal((await verifySessionToken(token.slice(0, cut), { now: NOW })).valid, false);
  }
  for (const notString of [undefined, null, 42, {}, ['a']]) {
    assert.equal((await verifySessionToken(notString, { now: NOW })).reason, 'malformed');
  }
});

test('building rejects payloads that are not ClawPay 1.1 payloads, naming the field', async () => {
  const signer = Signer.generate();
  const good = payloadFor(signer);
  const cases = [
    [{ ...good, extra: 1 }, TypeError, /Unknown session payload field "extra"/],
    [{ ...good, createdAt: 1.5 }, TypeError, /payload.createdAt/],
    [{ ...good, expiresAt: '1800003600' }, TypeError, /payload.expiresAt/],
    [{ ...good, expiresAt: 2 ** 53 }, TypeError, /payload.expiresAt/],
    [{ ...good, endpoint: undefined }, TypeError, /payload.endpoint/],
    [{ ...good, scope: 'all' }, RangeError, /payload.scope/],
    [null, TypeError, /payload/],
  ];
  for (const [payload, ErrorClass, pattern] of cases) {
    await assert.rejects(buildSessionToken(payload, signer), (e) => e instanceof ErrorClass && pattern.test(e.message) && typeof e.code === 'string');
  }
  await assert.rejects(buildSessionToken(good, { address: signer.address }), (e) => e instanceof TypeError && /Signer/.test(e.message));
  // A bigint amount is written as ClawPay writes it (bigint.toString()).
  const { canonicalJson } = await buildSessionToken({ ...good, paymentAmount: 10000n }, signer);
  assert.match(canonicalJson, /"paymentAmount":"10000"/);
  const destroyed = Signer.generate();
  destroyed.destroy();
  await assert.rejects(buildSessionToken(good, destroyed), (e) => e.code === 'ERR_DESTROYED');
});

test('verify options are checked: bad wallet, url or now throw; the token itself never throws', async () => {
  const signer = Signer.generate();
  const { token } = await buildSessionToken(payloadFor(signer), signer);
  await assert.rejects(verifySessionToken(token, { wallet: '0x1234' }), (e) => e.code === 'ERR_INVALID_ADDRESS');
  await assert.rejects(verifySessionToken(token, { url: 42 }), TypeError);
  await assert.rejects(verifySessionToken(token, { now: 'soon' }), TypeError);
  await assert.rejects(verifySessionToken(token, 'opts'), TypeError);
  assert.deepEqual([...TOKEN_REASONS].sort(), ['bad_signature', 'expired', 'malformed', 'out_of_scope', 'unsupported_version', 'wrong_signer']);
});

test(`batch verification equals one-by-one verification, on 1 thread and on all cores (seed ${seed})`, async () => {
  const rng = new Random(seed + 7);
  const signers = [Signer.generate(), Signer.generate()];
  const tokens = [];
  for (let i = 0; i < 300; i++) {
    const signer = rng.pick(signers);
    const { token } = await buildSessionToken(payloadFor(signer, { expiresAt: NOW + rng.int(-10, 10), endpoint: rng.pick(['https://api.example.com/v1', 'https://other.example/v1']) }), signer);
    tokens.push(rng.int(0, 9) === 0 ? token.slice(0, rng.int(0, token.length)) : token);
  }
  tokens.push(42, null);
  const options = { now: NOW, wallet: signers[0].address, url: 'https://api.example.com/v1/x' };
  const single = await Promise.all(tokens.map((t) => verifySessionToken(t, options)));
  assert.deepEqual(await verifySessionTokens(tokens, { ...options, threads: 1 }), single);
  assert.deepEqual(await verifySessionTokens(tokens, options), single);
  assert.ok(single.some((r) => r.valid) && single.some((r) => r.reason === 'expired') && single.some((r) => r.reason === 'wrong_signer'));
  assert.deepEqual(await verifySessionTokens([], options), []);
  await assert.rejects(verifySessionTokens('x', options), TypeError);
  await assert.rejects(verifySessionTokens(tokens, { threads: -1 }), RangeError);
  await assert.rejects(verifySessionTokens(tokens, { threads: 3000 }), (e) => e instanceof RangeError && /at most 1024/.test(e.message));
  assert.deepEqual(await verifySessionTokens(tokens, { ...options, threads: 1024 }), single);
  await assert.rejects(verifySessionTokens(tokens, null), (e) => e instanceof TypeError && /options/.test(e.message));
  await assert.rejects(verifySessionTokens(tokens, { threads: 1.5 }), (e) => e instanceof TypeError && /options.threads/.test(e.message));
});

test(`verify reports the payload exactly as given, lone surrogates included, keys in ClawPay's order, one by one and in a batch (seed ${seed})`, async () => {
  const rng = new Random(seed + 11);
  const signer = Signer.generate();
  const payloads = [];
  const tokens = [];
  for (let i = 0; i < 200; i++) {
    const payload = randomPayload(rng);
    payloads.push(payload);
    tokens.push((await buildSessionToken(payload, signer)).token);
  }
  const order = ['version', 'sessionId', 'walletAddress', 'endpoint', 'scope', 'createdAt', 'expiresAt', 'paymentTxHash', 'paymentAmount'];
  const batch = await verifySessionTokens(tokens, { now: 0 });
  for (const [i, token] of tokens.entries()) {
    const result = await verifySessionToken(token, { now: 0 });
    assert.notEqual(result.reason, 'malformed', `case ${i}: ${result.detail}`);
    assert.deepEqual(result.payload, payloads[i], `case ${i}`);
    assert.deepEqual(Object.keys(result.payload), order, `case ${i}`);
    assert.deepEqual(Object.keys(result), ['valid', 'reason', 'detail', 'payload', 'signer']);
    assert.deepEqual(batch[i], result, `batch, case ${i}`);
  }
});

test('a detail quoting a lone-surrogate key of a hostile token reads as before (U+FFFD per byte), alone and in a batch', async () => {
  const hostile = `${b64('{"\\ud800x":1}')}.0x${'ab'.repeat(65)}`;
  const expected = { valid: false, reason: 'malformed', detail: 'Malformed session token: unknown field "\ufffd\ufffd\ufffdx"', payload: null, signer: null };
  assert.deepEqual(await verifySessionToken(hostile, { now: 0 }), expected);
  const signer = Signer.generate();
  const { token } = await buildSessionToken(payloadFor(signer), signer);
  const results = await verifySessionTokens([token, hostile, 7], { now: NOW });
  assert.deepEqual(results[1], expected);
  assert.deepEqual(results[0], await verifySessionToken(token, { now: NOW }));
  assert.deepEqual(results[2], { valid: false, reason: 'malformed', detail: 'token is not a string', payload: null, signer: null });
});

test('a token signed with the account viem holds verifies for that address (interop with viem signers)', async () => {
  const key = generatePrivateKey();
  const account = privateKeyToAccount(key);
  const signer = Signer.fromPrivateKey(key);
  const { token } = await buildSessionToken(payloadFor(signer), signer);
  const [body, signature] = token.split('.');
  assert.equal(await viem.verifyMessage({ address: account.address, message: Buffer.from(body, 'base64url').toString(), signature }), true);
});

test('recoverSessionToken is the token-only half of verify: time, wallet and URL are left to the caller', async () => {
  const signer = Signer.generate();
  const other = Signer.generate();
  const { token } = await buildSessionToken(payloadFor(signer), signer);
  const recovered = recoverSessionToken(token);
  // Valid however late, for any wallet and URL: those are per-request checks.
  assert.deepEqual(recovered, await verifySessionToken(token, { now: 0 }));
  assert.equal(recovered.valid, true);
  assert.equal(recovered.signer, signer.address);
  assert.equal((await verifySessionToken(token, { now: NOW + 10 * 3600, wallet: other.address })).reason, 'wrong_signer');
  // Its own refusals are the token-only ones, with verify's wording.
  const forged = `${token.slice(0, -2)}1d`;
  assert.deepEqual(recoverSessionToken(forged), await verifySessionToken(forged, { now: 0 }));
  assert.equal(recoverSessionToken(forged).reason, 'bad_signature');
  assert.equal(recoverSessionToken('nope').reason, 'malformed');
  assert.deepEqual(recoverSessionToken(7), { valid: false, reason: 'malformed', detail: 'token is not a string', payload: null, signer: null });
  signer.destroy();
  other.destroy();
});
