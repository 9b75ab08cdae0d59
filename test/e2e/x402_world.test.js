// The whole x402 round trip on a local chain, every party an official
// library: anvil + an EIP-3009 "USD Coin", the @x402/core facilitator with
// the @x402/evm exact scheme, an @x402/express seller and an @x402/fetch
// buyer whose signatures come from the native Signer.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';

import { decodePaymentRequiredHeader, decodePaymentResponseHeader, HTTPFacilitatorClient } from '@x402/core/http';
import { wrapFetchWithPayment, x402Client } from '@x402/fetch';
import { ExactEvmScheme } from '@x402/evm/exact/client';
import { ExactEvmSchemeV1 } from '@x402/evm/exact/v1/client';

import { Signer, toViemAccount } from '../../lib/index.js';
import { startChain } from '../../lib/devnet/chain.js';
import { deployUsdCoin, installMulticall3, mintUsdCoin, usdcBalance } from '../../lib/devnet/token.js';
import { startFacilitator } from '../../lib/devnet/facilitator.js';
import { PER_CALL_PRICE, startPaidServer } from '../../lib/devnet/paid_server.js';

const USDC = 1_000_000n;
const PRICE = BigInt(PER_CALL_PRICE);

// A v1 seller. @x402/express only answers in v2, so this is the smallest
// honest v1 resource: a JSON 402 body, X-PAYMENT in, the official
// HTTPFacilitatorClient for verify/settle, X-PAYMENT-RESPONSE out.
async function startV1Seller({ facilitatorUrl, requirements }) {
  const facilitator = new HTTPFacilitatorClient({ url: facilitatorUrl });
  const server = createServer(async (req, res) => {
    const reply = (status, body, headers = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    const resource = `http://${req.headers.host}${req.url}`;
    const accepts = [{ ...requirements, resource }];
    const header = req.headers['x-payment'];
    if (!header) return reply(402, { x402Version: 1, error: 'X-PAYMENT header is required', accepts });
    try {
      const payload = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
      const verified = await facilitator.verify(payload, accepts[0]);
      if (!verified.isValid) return reply(402, { x402Version: 1, error: verified.invalidReason, accepts });
      const settled = await facilitator.settle(payload, accepts[0]);
      if (!settled.success) return reply(402, { x402Version: 1, error: settled.errorReason, accepts });
      const receipt = Buffer.from(JSON.stringify(settled)).toString('base64');
      return reply(200, { paid: true, version: 1 }, { 'X-PAYMENT-RESPONSE': receipt });
    } catch (error) {
      return reply(500, { error: error.message });
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/v1/weather`,
    stop: () => new Promise((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}

describe('x402 world on a local chain', { timeout: 120_000 }, () => {
  let chain;
  let token;
  let facilitator;
  let paid;
  let payer;
  let payTo;
  const stops = [];

  const balance = (address) => usdcBalance({ chain, token, address });

  // The buyer: the official client with the exact scheme, the payer's key in
  // native memory. A local token is not one of @x402/evm's default assets,
  // so spend controls must name it or the client refuses to pay.
  function payingFetch({ v1Network, account: from = payer } = {}) {
    const account = toViemAccount(Signer.fromPrivateKey(from.privateKey));
    const network = v1Network ?? `eip155:${chain.chainId}`;
    const client = new x402Client().setSpendControls({
      allowedAssets: [{ network, asset: token.address, maxAmountPerPayment: String(1n * USDC) }],
    });
    if (v1Network) client.registerV1(v1Network, new ExactEvmSchemeV1(account));
    else client.register(network, new ExactEvmScheme(account));
    return wrapFetchWithPayment(fetch, client);
  }

  before(async () => {
    chain = await startChain();
    stops.push(() => chain.stop());
    await installMulticall3(chain);
    const [deployerAccount, payerAccount, relayerAccount, payToAccount] = chain.accounts;
    const deployer = Signer.fromPrivateKey(deployerAccount.privateKey);
    token = await deployUsdCoin({ chain, deployer });
    payer = payerAccount;
    payTo = payToAccount.address;
    await mintUsdCoin({ chain, token, owner: deployer, to: payer.address, amount: 100n * USDC });

    facilitator = await startFacilitator({ chain, relayer: Signer.fromPrivateKey(relayerAccount.privateKey) });
    stops.push(() => facilitator.stop());
    paid = await startPaidServer({ chain, token, facilitatorUrl: facilitator.url, payTo });
    stops.push(() => paid.stop());
  });

  after(async () => {
    for (const stop of stops.reverse()) await stop();
  });

  test('the facilitator lists exact on the chain for v2 and v1', async () => {
    const res = await fetch(`${facilitator.url}/supported`);
    assert.equal(res.status, 200);
    const { kinds } = await res.json();
    const has = (x402Version, network) =>
      kinds.some((k) => k.x402Version === x402Version && k.scheme === 'exact' && k.network === network);
    assert.ok(has(2, 'eip155:31337'), JSON.stringify(kinds));
    assert.ok(has(1, facilitator.v1Network), JSON.stringify(kinds));
  });

  test('the facilitator answers a malformed request with 400', async () => {
    const post = (path, body) => fetch(`${facilitator.url}${path}`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body,
    });
    for (const path of ['/verify', '/settle']) {
      const notJson = await post(path, '{"x402Version":');
      assert.equal(notJson.status, 400);
      assert.match((await notJson.json()).error, /not JSON/);
      const noPayload = await post(path, JSON.stringify({ x402Version: 2 }));
      assert.equal(noPayload.status, 400);
      assert.match((await noPayload.json()).error, /paymentPayload/);
    }
    assert.equal((await fetch(`${facilitator.url}/verify`)).status, 405);
  });

  test('an unpaid request gets 402 with the terms in PAYMENT-REQUIRED', async () => {
    const res = await fetch(paid.routes.perCall);
    assert.equal(res.status, 402);
    const header = res.headers.get('payment-required');
    assert.ok(header, 'PAYMENT-REQUIRED header');
    const required = decodePaymentRequiredHeader(header);
    assert.equal(required.x402Version, 2);
    assert.equal(required.resource.url, paid.routes.perCall);
    assert.equal(required.accepts.length, 1);
    const [terms] = required.accepts;
    assert.equal(terms.scheme, 'exact');
    assert.equal(terms.network, 'eip155:31337');
    assert.equal(terms.amount, '10000');
    assert.equal(terms.asset.toLowerCase(), token.address.toLowerCase());
    assert.equal(terms.payTo.toLowerCase(), payTo.toLowerCase());
    assert.deepEqual({ name: terms.extra.name, version: terms.extra.version }, { name: 'USD Coin', version: '2' });
  });

  test('the client refuses a local asset unless spend controls name it', async () => {
    const account = toViemAccount(Signer.fromPrivateKey(payer.privateKey));
    const client = new x402Client().register('eip155:31337', new ExactEvmScheme(account));
    const start = await balance(payer.address);
    await assert.rejects(wrapFetchWithPayment(fetch, client)(paid.routes.perCall), /spendControls/);
    assert.equal(await balance(payer.address), start);
  });

  test('a v2 client pays 0.01 USDC and the transfer lands on chain', async () => {
    const [payerBefore, payToBefore] = [await balance(payer.address), await balance(payTo)];
    const res = await payingFetch()(paid.routes.perCall);
    assert.equal(res.status, 200, await res.clone().text());
    assert.deepEqual(await res.json(), { city: 'Lisbon', forecast: 'sunny', temperatureC: 21, paid: true });

    const receipt = decodePaymentResponseHeader(res.headers.get('payment-response'));
    assert.equal(receipt.success, true);
    assert.match(receipt.transaction, /^0x[0-9a-f]{64}$/);
    assert.equal(receipt.network, 'eip155:31337');
    assert.equal(receipt.payer.toLowerCase(), payer.address.toLowerCase());
    const mined = await chain.publicClient.getTransactionReceipt({ hash: receipt.transaction });
    assert.equal(mined.status, 'success');

    assert.equal(await balance(payer.address), payerBefore - PRICE);
    assert.equal(await balance(payTo), payToBefore + PRICE);
  });

  // With Multicall3 installed the facilitator names the cause; without it
  // this same case reports only "transaction_simulation_failed".
  test('a payer without USDC gets 402 naming the shortfall, and nothing moves', async () => {
    const broke = chain.accounts[4];
    assert.equal(await balance(broke.address), 0n);
    const payToBefore = await balance(payTo);
    const res = await payingFetch({ account: broke })(paid.routes.perCall);
    assert.equal(res.status, 402);
    const required = decodePaymentRequiredHeader(res.headers.get('payment-required'));
    assert.equal(required.error, 'invalid_exact_evm_insufficient_balance');
    assert.equal(await balance(payTo), payToBefore);
  });

  test('a v1 client pays a v1 seller through the same facilitator', async () => {
    const seller = await startV1Seller({
      facilitatorUrl: facilitator.url,
      requirements: {
        scheme: 'exact',
        network: facilitator.v1Network,
        maxAmountRequired: PER_CALL_PRICE,
        description: 'Weather report, v1',
        mimeType: 'application/json',
        payTo,
        maxTimeoutSeconds: 120,
        asset: token.address,
        extra: { name: token.name, version: token.version },
      },
    });
    try {
      const [payerBefore, payToBefore] = [await balance(payer.address), await balance(payTo)];
      const res = await payingFetch({ v1Network: facilitator.v1Network })(seller.url);
      assert.equal(res.status, 200, await res.clone().text());
      const receipt = decodePaymentResponseHeader(res.headers.get('x-payment-response'));
      assert.equal(receipt.success, true);
      assert.match(receipt.transaction, /^0x[0-9a-f]{64}$/);
      assert.equal(await balance(payer.address), payerBefore - PRICE);
      assert.equal(await balance(payTo), payToBefore + PRICE);
    } finally {
      await seller.stop();
    }
  });
});
