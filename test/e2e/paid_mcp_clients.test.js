// The devnet's paid MCP tools with both lines of the official MCP client:
// @modelcontextprotocol/sdk 1.x (what most MCP hosts and @x402/mcp's client
// run) and @modelcontextprotocol/client 2.x. SDK 1.x checks any
// structuredContent against a tool's outputSchema even on an isError result,
// so a PaymentRequired there made it throw -32602 before anyone could pay.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';
import { x402Client } from '@x402/core/client';
import { ExactEvmScheme } from '@x402/evm/exact/client';

import { Signer, toViemAccount } from '../../lib/index.js';
import { PER_CALL_PRICE } from '../../lib/devnet/paywall_server.js';
import { usdcBalance } from '../../lib/devnet/token.js';
import { startWorld } from '../../lib/devnet/world.js';
import { PAYMENT_META_KEY, PAYMENT_REQUIRED_META_KEY, PAYMENT_RESPONSE_META_KEY } from '../../lib/paywall/mcp.js';

const PRICE = BigInt(PER_CALL_PRICE);

const CLIENTS = {
  'MCP SDK 1.x': (url) => ({ client: new ClientV1({ name: 'sdk1-agent', version: '1.0.0' }), transport: new TransportV1(new URL(url)) }),
  'MCP SDK 2.x': (url) => ({ client: new ClientV2({ name: 'sdk2-agent', version: '1.0.0' }), transport: new TransportV2(new URL(url)) }),
};

describe('the devnet paid MCP tools with every MCP client', { timeout: 120_000 }, () => {
  let world;
  let signer;
  const balances = async () => Promise.all([world.payer.address, world.payTo].map(
    (address) => usdcBalance({ chain: world.chain, token: world.token, address })));

  before(async () => {
    world = await startWorld();
    signer = Signer.fromPrivateKey(world.payer.privateKey);
  });

  after(async () => {
    signer?.destroy();
    await world?.stop();
  });

  // The official x402 client signing with the native key; the devnet token is
  // no default asset, so spend controls name it.
  function paymentFor(paymentRequired) {
    const { network } = world.chain;
    const payments = new x402Client()
      .setSpendControls({ allowedAssets: [{ network, asset: world.token.address, maxAmountPerPayment: String(PRICE) }] })
      .register(network, new ExactEvmScheme(toViemAccount(signer)));
    return payments.createPaymentPayload({ ...paymentRequired, accepts: [paymentRequired.accepts[0]] });
  }

  for (const [label, make] of Object.entries(CLIENTS)) {
    describe(label, () => {
      let client;

      before(async () => {
        const made = make(world.mcp.url);
        client = made.client;
        await client.connect(made.transport);
      });

      after(() => client?.close());

      test('lists the paid tools; weather declares an outputSchema', async () => {
        const { tools } = await client.listTools();
        assert.deepEqual(tools.map((t) => t.name).sort(), ['echo', 'weather']);
        const weather = tools.find((t) => t.name === 'weather');
        assert.equal(weather.outputSchema?.type, 'object');
        assert.ok(weather.outputSchema.properties.temperatureC, JSON.stringify(weather.outputSchema));
      });

      test('an unpaid weather call is a payment-required error result, not a protocol error', async () => {
        const before = await balances();
        const result = await client.callTool({ name: 'weather', arguments: { city: 'Lisbon' } });
        assert.equal(result.isError, true, JSON.stringify(result));
        assert.equal(result.structuredContent, undefined, 'nothing the outputSchema would refuse');
        const required = JSON.parse(result.content[0].text);
        assert.deepEqual(result._meta[PAYMENT_REQUIRED_META_KEY], required);
        assert.equal(required.x402Version, 2);
        assert.equal(required.error, 'payment_required');
        assert.equal(required.resource.url, `${world.mcp.url}#tool=weather`);
        assert.equal(required.accepts[0].amount, String(PRICE));
        assert.equal(required.accepts[0].network, world.chain.network);
        assert.deepEqual(await balances(), before);
      });

      test('a tool without an outputSchema keeps the PaymentRequired as structuredContent too', async () => {
        const result = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
        assert.equal(result.isError, true);
        assert.deepEqual(result.structuredContent, JSON.parse(result.content[0].text));
        assert.deepEqual(result._meta[PAYMENT_REQUIRED_META_KEY], result.structuredContent);
      });

      test('paid, weather returns the report and moves exactly the price on chain', async () => {
        const city = `Porto (${label})`;
        const unpaid = await client.callTool({ name: 'weather', arguments: { city } });
        const payment = await paymentFor(JSON.parse(unpaid.content[0].text));
        const [payerBefore, payToBefore] = await balances();

        const result = await client.callTool({ name: 'weather', arguments: { city }, _meta: { [PAYMENT_META_KEY]: payment } });
        assert.notEqual(result.isError, true, JSON.stringify(result));
        assert.deepEqual(result.structuredContent, { city, forecast: 'sunny', temperatureC: 21 });
        const receipt = result._meta[PAYMENT_RESPONSE_META_KEY];
        assert.equal(receipt.success, true);
        assert.equal(receipt.payer.toLowerCase(), world.payer.address.toLowerCase());
        const mined = await world.chain.publicClient.getTransactionReceipt({ hash: receipt.transaction });
        assert.equal(mined.status, 'success');
        assert.deepEqual(await balances(), [payerBefore - PRICE, payToBefore + PRICE]);
      });

      test('a refused payment is an error result with the PaymentRequired, and nothing moves', async () => {
        const city = `Faro (${label})`;
        const unpaid = await client.callTool({ name: 'weather', arguments: { city } });
        const payment = await paymentFor(JSON.parse(unpaid.content[0].text));
        const forged = { ...payment, payload: { ...payment.payload, signature: `${payment.payload.signature.slice(0, -4)}beef` } };
        const before = await balances();

        const result = await client.callTool({ name: 'weather', arguments: { city }, _meta: { [PAYMENT_META_KEY]: forged } });
        assert.equal(result.isError, true, JSON.stringify(result));
        assert.equal(result.structuredContent, undefined);
        const required = JSON.parse(result.content[0].text);
        assert.equal(required.x402Version, 2);
        assert.match(required.error, /signature/);
        assert.deepEqual(result._meta[PAYMENT_REQUIRED_META_KEY], required);
        assert.deepEqual(await balances(), before);
      });
    });
  }
});
