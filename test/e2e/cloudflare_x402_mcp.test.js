// Cloudflare's agents/x402, both directions, on the devnet's chain: its
// withX402Client pays our paid MCP tool, and our payer.mcpClient and
// clawpay-mcp --upstream pay its withX402 tool. agents prices in dollars and
// pays only a network's canonical USDC, so the world runs on chain 84532
// with our token at Base Sepolia's USDC address (startWorld canonicalUsdc).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { withX402Client } from 'agents/x402';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { privateKeyToAccount } from 'viem/accounts';

import { PER_CALL_PRICE } from '../../lib/devnet/paywall_server.js';
import { usdcBalance } from '../../lib/devnet/token.js';
import { describeWorld, startWorld } from '../../lib/devnet/world.js';
import { createPayer, PolicyError } from '../../lib/pay/public.js';
import { AGENTS_PRICE_USD, startAgentsPaidMcp } from './support/agents_paid_mcp.js';
import { launchClawpay } from './support/clawpay_child.js';

const OUR_PRICE = BigInt(PER_CALL_PRICE);
const AGENTS_PRICE = BigInt(Math.round(AGENTS_PRICE_USD * 1e6));
const BASE_SEPOLIA_USDC = '0x036CbD53842c5426634e7929541eC2318f3dCF7e';

describe('Cloudflare agents/x402 on the devnet (chain 84532, our token at the canonical USDC)', { timeout: 240_000 }, () => {
  let world;
  let info;
  let seller;
  let sellerPayTo;
  const dirs = [];
  const balanceOf = (address) => usdcBalance({ chain: world.chain, token: world.token, address });
  const balances = async (to) => Promise.all([info.payer.address, to].map(balanceOf));
  const moved = (before, now) => [before[0] - now[0], now[1] - before[1]];
  const connectV1 = async (url) => {
    const client = new ClientV1({ name: 'agents-peer', version: '1.0.0' });
    await client.connect(new TransportV1(new URL(url)));
    return client;
  };
  const payerFor = (policy) => createPayer({
    privateKey: info.payer.privateKey, chainId: info.chainId, rpcUrl: info.rpcUrl, asset: { ...info.asset, symbol: 'USDC' },
    memory: true, policy,
  });

  before(async () => {
    world = await startWorld({ chainId: 84532, canonicalUsdc: true });
    info = describeWorld(world);
    // A recipient of its own, so the two sellers' takings are told apart.
    sellerPayTo = world.chain.accounts[5].address;
    seller = await startAgentsPaidMcp({ facilitatorUrl: info.facilitatorUrl, recipient: sellerPayTo });
  });

  after(async () => {
    await seller?.stop();
    await world?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('the world\'s token is at Base Sepolia\'s USDC address and signs as "USDC" version "2", as agents/x402 expects', async () => {
    await assert.rejects(startWorld({ canonicalUsdc: true }), { code: 'ERR_INVALID_ARG_VALUE', message: /chain 31337 has no canonical USDC/ });
    assert.deepEqual(info.asset, { address: BASE_SEPOLIA_USDC, name: 'USDC', version: '2', decimals: 6 });
    assert.equal(info.network, 'eip155:84532');
    assert.equal(info.v1Network, 'base-sepolia');
  });

  test('(a) withX402Client (agents) pays our paid weather tool: the chain moves exactly our price', async () => {
    const client = withX402Client(await connectV1(info.paidMcpUrl), {
      account: privateKeyToAccount(info.payer.privateKey), network: 'base-sepolia',
    });
    try {
      const before = await balances(info.payTo);
      const result = await client.callTool(null, { name: 'weather', arguments: { city: 'Lisbon' } });
      assert.notEqual(result.isError, true, JSON.stringify(result));
      assert.deepEqual(result.structuredContent, { city: 'Lisbon', forecast: 'sunny', temperatureC: 21 });
      const settlement = result._meta['x402/payment-response'];
      assert.equal(settlement.success, true);
      assert.equal(settlement.network, 'eip155:84532');
      assert.equal(settlement.payer.toLowerCase(), info.payer.address.toLowerCase());
      assert.deepEqual(moved(before, await balances(info.payTo)), [OUR_PRICE, OUR_PRICE]);
    } finally {
      await client.close();
    }
  });

  test('(b) payer.mcpClient pays the withX402 tool once, exactly its dollar price; over the policy it is refused before signing', async () => {
    const client = await connectV1(seller.url);
    const payer = await payerFor({ maxPerCall: '0.05', maxPerDay: '1.00' });
    const strict = await payerFor({ maxPerCall: '0.01', maxPerDay: '1.00' });
    try {
      const callsBefore = seller.calls;
      const before = await balances(sellerPayTo);
      const { result, payment, settlement } = await payer.mcpClient(client, { url: seller.url })
        .callTool({ name: 'weather', arguments: { city: 'Oslo' } });
      assert.deepEqual(result.content, [{ type: 'text', text: 'Oslo: cloudy, 14°C' }]);
      assert.equal(payment.status, 'settled');
      assert.equal(payment.amount, AGENTS_PRICE);
      assert.equal(settlement.transaction, payment.transaction);
      assert.deepEqual(moved(before, await balances(sellerPayTo)), [AGENTS_PRICE, AGENTS_PRICE]);
      assert.equal(seller.calls, callsBefore + 1);

      const refusedAt = await balances(sellerPayTo);
      await assert.rejects(strict.mcpClient(client, { url: seller.url }).callTool({ name: 'weather', arguments: { city: 'Rome' } }), (error) => {
        assert.ok(error instanceof PolicyError, String(error));
        assert.equal(error.result.isError, true);
        assert.equal(error.result._meta['x402/error'].accepts[0].amount, String(AGENTS_PRICE));
        return true;
      });
      assert.deepEqual(await balances(sellerPayTo), refusedAt);
      assert.deepEqual(strict.payments(), [], 'nothing signed');
      assert.equal(seller.calls, callsBefore + 1, 'the refused call never ran');
    } finally {
      await strict.close();
      await payer.close();
      await client.close();
    }
  });

  test('(c) clawpay-mcp --upstream cf=<url> lists cf_weather with agents\' price and pays it', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'clawpay-cf-'));
    dirs.push(stateDir);
    const child = await launchClawpay({ ...info.mcpEnv, CLAWPAY_STATE_DIR: stateDir, CLAWPAY_MAX_PER_CALL: '0.05' },
      { args: ['--upstream', `cf=${seller.url}`] });
    try {
      const { tools } = await child.client.listTools();
      const weather = tools.find((t) => t.name === 'cf_weather');
      assert.ok(weather, tools.map((t) => t.name).join(', '));
      assert.ok(tools.some((t) => t.name === 'cf_ping'));
      assert.match(weather.description, /it advertises \$0\.02 per call\.\] Weather report for a city, paid with agents\/x402$/);
      assert.deepEqual(weather.inputSchema.required, ['city']);
      const before = await balances(sellerPayTo);
      const result = await child.callOk('cf_weather', { city: 'Porto' });
      assert.deepEqual(result.content, [{ type: 'text', text: 'Porto: cloudy, 14°C' }]);
      assert.equal(result._meta['clawpay/payment'].status, 'settled');
      assert.equal(result._meta['clawpay/payment'].amount, String(AGENTS_PRICE));
      assert.deepEqual(moved(before, await balances(sellerPayTo)), [AGENTS_PRICE, AGENTS_PRICE]);
    } finally {
      await child.close();
    }
  });
});
