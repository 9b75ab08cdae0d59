// clawpay-native/pay's mcpClient: an official MCP Client (SDK 2.x and 1.x)
// whose paid tools are paid under the same policy and ledger as HTTP
// payments, on the devnet's chain and its paid MCP server (lib/paywall/mcp.js).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { Client as ClientV2, StreamableHTTPClientTransport as TransportV2 } from '@modelcontextprotocol/client';

import { PER_CALL_PRICE } from '../../lib/devnet/paywall_server.js';
import { usdcBalance } from '../../lib/devnet/token.js';
import { describeWorld, startWorld } from '../../lib/devnet/world.js';
import { createPayer, PolicyError } from '../../lib/pay/public.js';

const PRICE = BigInt(PER_CALL_PRICE);

const CLIENTS = {
  'MCP SDK 1.x': (url) => ({ client: new ClientV1({ name: 'sdk1-agent', version: '1.0.0' }), transport: new TransportV1(new URL(url)) }),
  'MCP SDK 2.x': (url) => ({ client: new ClientV2({ name: 'sdk2-agent', version: '1.0.0' }), transport: new TransportV2(new URL(url)) }),
};

describe('payer.mcpClient pays paid MCP tools', { timeout: 180_000 }, () => {
  let world;
  let info;
  const balances = async () => Promise.all([info.payer.address, info.payTo].map(
    (address) => usdcBalance({ chain: world.chain, token: world.token, address })));
  const payerFor = (policy) => createPayer({
    privateKey: info.payer.privateKey, chainId: info.chainId, rpcUrl: info.rpcUrl, asset: { ...info.asset, symbol: 'USDC' },
    memory: true, policy,
  });

  before(async () => {
    world = await startWorld();
    info = describeWorld(world);
  });

  after(async () => {
    await world?.stop();
  });

  for (const [label, make] of Object.entries(CLIENTS)) {
    describe(label, () => {
      let client;
      let payer;

      before(async () => {
        const made = make(info.paidMcpUrl);
        client = made.client;
        await client.connect(made.transport);
        payer = await payerFor({ maxPerCall: '0.05', maxPerDay: '1.00' });
      });

      after(async () => {
        await payer?.close();
        await client?.close();
      });

      test('a paid tool is paid once and its result returned with the settlement; the chain moves exactly the price', async () => {
        const paying = payer.mcpClient(client, { url: info.paidMcpUrl });
        const before = await balances();
        const { result, payment, settlement } = await paying.callTool({ name: 'weather', arguments: { city: 'Lisbon' } });
        assert.notEqual(result.isError, true, JSON.stringify(result));
        assert.deepEqual(result.structuredContent, { city: 'Lisbon', forecast: 'sunny', temperatureC: 21 });
        assert.equal(payment.status, 'settled');
        assert.equal(payment.amount, PRICE);
        assert.equal(settlement.success, true);
        assert.equal(settlement.transaction, payment.transaction);
        const afterPay = await balances();
        assert.deepEqual([before[0] - afterPay[0], afterPay[1] - before[1]], [PRICE, PRICE]);
        const recorded = payer.payments().filter((p) => p.url?.startsWith(info.paidMcpUrl));
        assert.equal(recorded.at(-1).url, `${info.paidMcpUrl}#tool=weather`);
      });

      test('a tool over the policy is refused before signing: nothing moves, nothing signed in the ledger', async () => {
        const strict = await payerFor({ maxPerCall: '0.001', maxPerDay: '1.00' });
        try {
          const paying = strict.mcpClient(client, { url: info.paidMcpUrl });
          const before = await balances();
          await assert.rejects(paying.callTool({ name: 'echo', arguments: { text: 'hi' } }), (error) => {
            assert.ok(error instanceof PolicyError, String(error));
            assert.equal(error.result.isError, true, 'the unpaid result comes with the refusal');
            return true;
          });
          assert.deepEqual(await balances(), before);
          assert.deepEqual(strict.payments(), []);
        } finally {
          await strict.close();
        }
      });

      test('pay: false returns the payment-required result as it came, unpaid', async () => {
        const paying = payer.mcpClient(client, { url: info.paidMcpUrl });
        const { result, payment } = await paying.callTool({ name: 'echo', arguments: { text: 'x' } }, { pay: false });
        assert.equal(result.isError, true);
        assert.equal(payment, null);
        assert.equal(result._meta['x402/payment-required'].accepts[0].amount, String(PRICE));
      });

      test('an idempotencyKey is never paid twice: the repeat replays the same payment', async () => {
        const paying = payer.mcpClient(client, { url: info.paidMcpUrl });
        const before = await balances();
        const first = await paying.callTool({ name: 'echo', arguments: { text: 'once' } }, { idempotencyKey: `echo-once-${label}` });
        const again = await paying.callTool({ name: 'echo', arguments: { text: 'once' } }, { idempotencyKey: `echo-once-${label}` });
        assert.equal(first.result.content[0].text, 'once');
        assert.equal(again.result.content[0].text, 'once');
        assert.equal(again.payment.paymentId, first.payment.paymentId);
        assert.equal(again.payment.replayed, true);
        const afterPay = await balances();
        assert.deepEqual([before[0] - afterPay[0], afterPay[1] - before[1]], [PRICE, PRICE]);
      });
    });
  }

  test('bad arguments are refused with codes before anything is sent', async () => {
    const payer = await payerFor({ maxPerCall: '0.05' });
    try {
      assert.throws(() => payer.mcpClient({}, { url: info.paidMcpUrl }), { code: 'ERR_INVALID_ARG_TYPE' });
      const made = CLIENTS['MCP SDK 2.x'](info.paidMcpUrl);
      assert.throws(() => payer.mcpClient(made.client, { url: 'mcp://x' }), { code: 'ERR_INVALID_ARG_VALUE' });
      assert.throws(() => payer.mcpClient(made.client, { url: info.paidMcpUrl, extra: 1 }), { code: 'ERR_INVALID_ARG_VALUE' });
      const paying = payer.mcpClient(made.client, { url: info.paidMcpUrl });
      await assert.rejects(paying.callTool({ name: 'echo', arguments: [] }), { code: 'ERR_INVALID_ARG_TYPE' });
      await assert.rejects(paying.callTool({ name: 'echo' }, { signal: 1 }), { code: 'ERR_INVALID_ARG_VALUE' });
    } finally {
      await payer.close();
    }
  });
});
