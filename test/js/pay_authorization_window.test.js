// Short-lived authorizations (lib/pay/authorization_window.js): whatever
// maxTimeoutSeconds a seller asks for, the signed EIP-3009 validBefore is at
// most now + maxAuthorizationSeconds, in v2 (PAYMENT-SIGNATURE, `accepted`
// left exactly the seller's offer) and v1 (X-PAYMENT); the option and the
// variable are checked. Scripted sellers; the e2e proof against the official
// server and our paywall is test/e2e/pay_terms.test.js.
import assert from 'node:assert/strict';
import test from 'node:test';

import { decodePaymentSignatureHeader, encodePaymentRequiredHeader, encodePaymentResponseHeader } from '@x402/core/http';

import { Signer, toViemAccount } from '../../lib/index.js';
import { createPayer, loadConfig } from '../../lib/pay/index.js';
import { RecordStore } from '../../lib/record_store.js';
import { ShortLivedScheme, withinWindow } from '../../lib/pay/authorization_window.js';
import { signPayment } from '../../lib/pay/payment_signature.js';
import { LOCAL_TOKEN, PAY_TO, TEST_KEY, localChainEnv } from './support/local_chain_env.js';

const URL_A = 'http://seller.test/api/weather';
const FOREVER = 2 ** 53;

const env = localChainEnv();

const offerV2 = (maxTimeoutSeconds) => ({
  scheme: 'exact', network: 'eip155:31337', amount: '10000', asset: LOCAL_TOKEN, payTo: PAY_TO, maxTimeoutSeconds,
  extra: { name: 'USD Coin', version: '2' },
});
const offerV1 = (maxTimeoutSeconds) => ({
  scheme: 'exact', network: 'devnet-31337', maxAmountRequired: '10000', resource: URL_A, description: '', mimeType: 'application/json',
  asset: LOCAL_TOKEN, payTo: PAY_TO, maxTimeoutSeconds, extra: { name: 'USD Coin', version: '2' },
});

/** A seller that asks in v2 or v1 and settles whatever it is sent, keeping the decoded payloads. */
function seller(version, maxTimeoutSeconds) {
  const payloads = [];
  const fetch = async (url, init) => {
    const headers = new Headers(init.headers);
    const header = headers.get(version === 2 ? 'payment-signature' : 'x-payment');
    if (!header) {
      if (version === 2) {
        const required = encodePaymentRequiredHeader({ x402Version: 2, error: 'payment_required', resource: { url, description: '', mimeType: '' }, accepts: [offerV2(maxTimeoutSeconds)] });
        return new Response('{}', { status: 402, headers: { 'payment-required': required } });
      }
      return new Response(JSON.stringify({ x402Version: 1, error: 'payment_required', accepts: [offerV1(maxTimeoutSeconds)] }), { status: 402, headers: { 'content-type': 'application/json' } });
    }
    const payload = decodePaymentSignatureHeader(header);
    payloads.push(payload);
    const receipt = encodePaymentResponseHeader({ success: true, transaction: `0x${'ab'.repeat(32)}`, network: 'eip155:31337', payer: payload.payload.authorization.from });
    return new Response('{"ok":true}', { status: 200, headers: { [version === 2 ? 'payment-response' : 'x-payment-response']: receipt } });
  };
  return { fetch, payloads };
}

function payerFor(fetch, { config = loadConfig(env), ...options } = {}) {
  const signer = Signer.fromPrivateKey(TEST_KEY);
  const payer = createPayer({ config, store: new RecordStore(), fetch, account: toViemAccount(signer), chainReader: null, ...options });
  return { payer, close: () => { payer.close(); signer.destroy(); } };
}

const seconds = () => Math.floor(Date.now() / 1000);

for (const version of [2, 1]) {
  test(`x402 v${version}: a seller asking 2^53 seconds gets an authorization valid for at most 300 s; its offer is echoed unchanged`, async () => {
    const { fetch, payloads } = seller(version, FOREVER);
    const { payer, close } = payerFor(fetch);
    const before = seconds();
    const result = await payer.fetch(URL_A);
    const after = seconds();
    assert.equal(result.payment.status, 'settled');
    const { authorization } = payloads[0].payload;
    assert.ok(BigInt(authorization.validBefore) >= BigInt(before + 300), authorization.validBefore);
    assert.ok(BigInt(authorization.validBefore) <= BigInt(after + 300), authorization.validBefore);
    if (version === 2) assert.deepEqual(payloads[0].accepted, offerV2(FOREVER)); // exactly the seller's
    else assert.equal(payloads[0].accepted, undefined);
    close();
  });
}

test('CLAWPAY_MAX_AUTHORIZATION_SECONDS and the maxAuthorizationSeconds option shorten it; a shorter offer keeps its own', async () => {
  const a = seller(2, FOREVER);
  const fromEnv = payerFor(a.fetch, { config: loadConfig({ ...env, CLAWPAY_MAX_AUTHORIZATION_SECONDS: '30' }) });
  await fromEnv.payer.fetch(URL_A);
  assert.ok(BigInt(a.payloads[0].payload.authorization.validBefore) <= BigInt(seconds() + 30));
  fromEnv.close();

  const b = seller(1, FOREVER);
  const fromOption = payerFor(b.fetch, { maxAuthorizationSeconds: 45 });
  await fromOption.payer.fetch(URL_A);
  const validBefore = BigInt(b.payloads[0].payload.authorization.validBefore);
  assert.ok(validBefore <= BigInt(seconds() + 45) && validBefore >= BigInt(seconds() + 40), String(validBefore));
  fromOption.close();

  const c = seller(2, 60);
  const shorter = payerFor(c.fetch);
  const before = seconds();
  await shorter.payer.fetch(URL_A);
  const own = BigInt(c.payloads[0].payload.authorization.validBefore);
  assert.ok(own >= BigInt(before + 60) && own <= BigInt(seconds() + 60), String(own));
  shorter.close();
});

test('maxAuthorizationSeconds is checked: an integer from 10 to 86400', () => {
  const config = loadConfig(env);
  for (const bad of [9, 86_401, 300.5, '300', null, Number.NaN]) {
    assert.throws(() => createPayer({ config, store: new RecordStore(), chainReader: null, maxAuthorizationSeconds: bad }),
      { code: 'ERR_INVALID_ARG_VALUE', message: /Expected an integer from 10 to 86400 \(seconds\) for maxAuthorizationSeconds/ }, String(bad));
  }
});

test('an authorization signed beyond the window is never recorded as sendable (the second lock)', async () => {
  assert.equal(withinWindow(String(seconds() + 3600), 300, seconds()), false);
  assert.equal(withinWindow(String(seconds() + 300), 300, seconds()), true);
  assert.equal(withinWindow('not a number', 300, seconds()), false);

  // A signer that ignores the wrapper cannot be produced with the official
  // client, so this fault is injected: a client answering with an hour.
  const client = {
    createPaymentPayload: async () => ({
      x402Version: 2,
      payload: { signature: `0x${'11'.repeat(65)}`, authorization: { from: PAY_TO, to: PAY_TO, value: '1', validAfter: '0', validBefore: String(seconds() + 3600), nonce: `0x${'22'.repeat(32)}` } },
      accepted: offerV2(3600),
    }),
  };
  const failed = [];
  const ledger = { signed: () => assert.fail('a header beyond the window must not be recorded as signed') };
  const record = { paymentId: 'p1' };
  await assert.rejects(
    signPayment({ client, ledger, fail: (r, why) => failed.push([r, why]), maxAuthorizationSeconds: 300 },
      { record, paymentRequired: { x402Version: 2, accepts: [offerV2(3600)] }, chosen: { offer: offerV2(3600) }, unpaid: { status: 402 } }),
    { code: 'ERR_SIGNING_FAILED', message: /valid for longer than maxAuthorizationSeconds \(300 s\); it was not sent/ },
  );
  assert.deepEqual(failed, [[record, 'the signed authorization was valid for longer than 300 s']]);
});

test('the wrapper passes the signer a capped copy and keeps the scheme name and default-asset lookup', async () => {
  const seen = [];
  const inner = { scheme: 'exact', findDefaultAsset() { return this; }, createPaymentPayload: async (v, r, c) => { seen.push([v, r, c]); return { x402Version: v }; } };
  const scheme = new ShortLivedScheme(inner, 300);
  assert.equal(scheme.scheme, 'exact');
  assert.equal(scheme.findDefaultAsset(), inner);
  const requirements = offerV2(FOREVER);
  await scheme.createPaymentPayload(2, requirements, { extensions: {} });
  assert.equal(seen[0][1].maxTimeoutSeconds, 300);
  assert.equal(requirements.maxTimeoutSeconds, FOREVER, 'the offer itself is not changed');
  assert.deepEqual(seen[0][2], { extensions: {} });
});
