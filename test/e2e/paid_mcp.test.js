// Paid MCP tools on a local chain: the official MCP client calls tools of an
// McpServer served over Streamable HTTP, pays with the official x402 client
// (signatures from the native Signer) in _meta["x402/payment"], and the
// paywall's engine verifies and settles through the devnet facilitator.
// Covers both protocol eras the SDK speaks: the 2025 initialize handshake
// (the client's default) and 2026-07-28 per-request envelopes.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/server';
import { x402Client } from '@x402/core/client';
import { ExactEvmScheme } from '@x402/evm/exact/client';
import * as z from 'zod';

import { buildSessionToken, Signer, toViemAccount } from '../../lib/index.js';
import { usdcBalance, walletClientFor } from '../../lib/devnet/token.js';
import { startWorld } from '../../lib/devnet/world.js';
import {
  createPaidMcpHttpHandler, PAYMENT_META_KEY, PAYMENT_REQUIRED_META_KEY, PAYMENT_RESPONSE_META_KEY, paidTool,
} from '../../lib/paywall/mcp.js';

const USDC = 1_000_000n;
const PRICE = 10_000n; // 0.01 USDC a call
const SESSION_PRICE = 250_000n; // 0.25 USDC an hour

describe('paid MCP tools on a local chain', { timeout: 120_000 }, () => {
  let world;
  let chain;
  let token;
  let engine;
  let endpoint;
  let payer;
  let payTo;
  let stopMcp;
  // How many times each tool body ran: a payment that is not good must never
  // get this far.
  const runs = { weather: 0, flaky: 0 };
  // Something a test makes happen while the weather tool runs, i.e. after the
  // payment was verified and before it is settled.
  let whileWeatherRuns = async () => {};

  const balance = (address) => usdcBalance({ chain, token, address });
  async function transfer(from, to, amount) {
    const wallet = walletClientFor(chain, Signer.fromPrivateKey(from.privateKey));
    const hash = await wallet.writeContract({ address: token.address, abi: token.abi, functionName: 'transfer', args: [to, amount] });
    await chain.publicClient.waitForTransactionReceipt({ hash });
  }
  const balances = async () => [await balance(payer.address), await balance(payTo)];

  function paidTools() {
    const server = new McpServer({ name: 'paid-tools', version: '1.0.0' });
    const price = { amount: PRICE, asset: token.address, network: chain.network, payTo, name: token.name, version: token.version };
    const options = { engine, endpoint: () => endpoint };
    paidTool(server, 'weather', {
      description: 'Weather report',
      inputSchema: z.object({ city: z.string() }),
      outputSchema: z.object({ city: z.string(), forecast: z.string() }),
      price,
      session: { price: SESSION_PRICE, maxTtlSeconds: 3600 },
    }, async ({ city }) => {
      runs.weather += 1;
      await whileWeatherRuns();
      const report = { city, forecast: 'sunny' };
      return { content: [{ type: 'text', text: JSON.stringify(report) }], structuredContent: report };
    }, options);
    paidTool(server, 'flaky', {
      description: 'A tool whose upstream is down',
      inputSchema: z.object({ fail: z.enum(['result', 'throw', 'schema']) }),
      outputSchema: z.object({ temperatureC: z.number() }),
      price,
    }, async ({ fail }) => {
      runs.flaky += 1;
      if (fail === 'throw') throw new Error('upstream exploded');
      // A result the SDK would refuse to send: charging for it would charge for an error.
      if (fail === 'schema') return { content: [], structuredContent: { temperatureC: 'hot' } };
      return { isError: true, content: [{ type: 'text', text: 'upstream unavailable' }] };
    }, options);
    return server;
  }

  // An MCP client on its own connection. `modern` negotiates the 2026-07-28
  // revision; the default is the 2025 handshake. `bodies` collects the raw
  // JSON the server answered, to see what the SDK's client hides.
  async function connect(t, { modern = false, headers } = {}) {
    const bodies = [];
    const recordingFetch = async (url, init) => {
      const response = await fetch(url, init);
      if (response.headers.get('content-type')?.includes('application/json')) bodies.push(await response.clone().text());
      return response;
    };
    const client = new Client({ name: 'paying-agent', version: '1.0.0' },
      modern ? { versionNegotiation: { mode: 'auto' } } : undefined);
    const transport = new StreamableHTTPClientTransport(new URL(endpoint), {
      fetch: recordingFetch,
      ...(headers ? { requestInit: { headers } } : {}),
    });
    await client.connect(transport);
    t.after(() => client.close());
    return { client, bodies };
  }

  // The buyer's x402 client: the official exact/EVM scheme signing with the
  // native Signer. A local token is no default asset, so spend controls name it.
  function paymentClient(account = payer) {
    const signer = toViemAccount(Signer.fromPrivateKey(account.privateKey));
    return new x402Client()
      .setSpendControls({ allowedAssets: [{ network: chain.network, asset: token.address, maxAmountPerPayment: String(USDC) }] })
      .register(chain.network, new ExactEvmScheme(signer));
  }

  /** A PaymentPayload for one offer (by its index in `accepts`) of a PaymentRequired. */
  function pay(paymentRequired, { offer = 0, account } = {}) {
    return paymentClient(account).createPaymentPayload({ ...paymentRequired, accepts: [paymentRequired.accepts[offer]] });
  }

  // The PaymentRequired of a payment error. Both tools here declare an
  // outputSchema, so it is not structuredContent (SDK 1.x clients would check
  // it against the schema): it is JSON in content[0].text and the same in _meta.
  function paymentRequiredOf(result) {
    assert.equal(result.isError, true, JSON.stringify(result));
    assert.equal(result.structuredContent, undefined, 'no structuredContent on a tool with an outputSchema');
    assert.equal(result.content[0].type, 'text');
    const required = JSON.parse(result.content[0].text);
    assert.deepEqual(result._meta?.[PAYMENT_REQUIRED_META_KEY], required);
    return required;
  }

  async function paymentRequiredFor(client, name, args) {
    return paymentRequiredOf(await client.callTool({ name, arguments: args }));
  }

  const callPaid = (client, name, args, payment, options) =>
    client.callTool({ name, arguments: args, _meta: { [PAYMENT_META_KEY]: payment } }, options);

  before(async () => {
    world = await startWorld();
    ({ chain, token, payer, payTo } = world);
    // The world's paywall engine: one per process, for HTTP routes and MCP tools alike.
    engine = world.api.paywall.engine;

    const mcp = createPaidMcpHttpHandler({ createServer: paidTools });
    const server = createServer((req, res) => {
      if (new URL(req.url, 'http://localhost').pathname === '/mcp') return mcp(req, res);
      res.writeHead(404).end();
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${server.address().port}/mcp`;
    stopMcp = async () => {
      await mcp.close();
      await new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    };
  });

  after(async () => {
    await stopMcp?.();
    await world?.stop();
  });

  test('tools/list shows paid tools like any other', async (t) => {
    const { client } = await connect(t);
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), ['flaky', 'weather']);
  });

  for (const modern of [false, true]) {
    const era = modern ? '2026-07-28' : '2025-11-25';

    test(`[${era}] an unpaid call gets isError with the PaymentRequired as text and in _meta`, async (t) => {
      const { client, bodies } = await connect(t, { modern });
      const runsBefore = runs.weather;
      const result = await client.callTool({ name: 'weather', arguments: { city: 'Lisbon' } });
      const required = paymentRequiredOf(result);
      assert.equal(required.x402Version, 2);
      assert.equal(required.error, 'payment_required');
      assert.deepEqual(required.resource, { url: `${endpoint}#tool=weather`, description: 'Weather report', mimeType: 'application/json' });
      const [call, session] = required.accepts;
      assert.equal(call.scheme, 'exact');
      assert.equal(call.network, chain.network);
      assert.equal(call.amount, String(PRICE));
      assert.equal(call.asset.toLowerCase(), token.address.toLowerCase());
      assert.equal(call.payTo.toLowerCase(), payTo.toLowerCase());
      assert.deepEqual({ name: call.extra.name, version: call.extra.version }, { name: 'USD Coin', version: '2' });
      assert.equal(session.amount, String(SESSION_PRICE));
      assert.equal(session.extra.clawpaySession.endpoint, endpoint);
      assert.equal(runs.weather, runsBefore, 'the tool did not run');
      if (modern) assert.match(bodies.at(-1), /"resultType":"complete"/);
    });

    test(`[${era}] a paid call runs the tool once, settles, and returns the SettlementResponse in _meta`, async (t) => {
      const { client, bodies } = await connect(t, { modern });
      const args = { city: `Porto-${era}` };
      const payment = await pay(await paymentRequiredFor(client, 'weather', args));
      const [payerBefore, payToBefore] = await balances();
      const runsBefore = runs.weather;

      const result = await callPaid(client, 'weather', args, payment);
      assert.notEqual(result.isError, true, JSON.stringify(result));
      assert.deepEqual(result.structuredContent, { city: args.city, forecast: 'sunny' });
      const receipt = result._meta[PAYMENT_RESPONSE_META_KEY];
      assert.equal(receipt.success, true);
      assert.match(receipt.transaction, /^0x[0-9a-f]{64}$/);
      assert.equal(receipt.network, chain.network);
      assert.equal(receipt.payer.toLowerCase(), payer.address.toLowerCase());
      const mined = await chain.publicClient.getTransactionReceipt({ hash: receipt.transaction });
      assert.equal(mined.status, 'success');

      assert.equal(runs.weather, runsBefore + 1);
      assert.deepEqual(await balances(), [payerBefore - PRICE, payToBefore + PRICE]);
      if (modern) assert.match(bodies.at(-1), /"resultType":"complete"/);
    });
  }

  test('a payment with a tampered signature is refused and the tool does not run', async (t) => {
    const { client } = await connect(t);
    const args = { city: 'Faro' };
    const payment = await pay(await paymentRequiredFor(client, 'weather', args));
    const signature = payment.payload.signature;
    const flipped = (parseInt(signature[10], 16) ^ 1).toString(16);
    const forged = { ...payment, payload: { ...payment.payload, signature: `${signature.slice(0, 10)}${flipped}${signature.slice(11)}` } };
    const [payerBefore, payToBefore] = await balances();
    const runsBefore = runs.weather;

    const result = await callPaid(client, 'weather', args, forged);
    const required = paymentRequiredOf(result);
    assert.equal(required.x402Version, 2);
    assert.match(required.error, /signature/);
    assert.equal(result._meta?.[PAYMENT_RESPONSE_META_KEY], undefined);
    assert.equal(runs.weather, runsBefore, 'the tool did not run');
    assert.deepEqual(await balances(), [payerBefore, payToBefore]);
  });

  test('a malformed payment is refused and the tool does not run', async (t) => {
    const { client } = await connect(t);
    const runsBefore = runs.weather;
    for (const payment of ['eyJ4NDAyVmVyc2lvbiI6Mn0=', { x402Version: 2 }, { x402Version: 2, payload: { authorization: {} } }]) {
      const result = await callPaid(client, 'weather', { city: 'Leiria' }, payment);
      assert.equal(paymentRequiredOf(result).error, 'invalid_payment', JSON.stringify(payment));
    }
    assert.equal(runs.weather, runsBefore);
  });

  test('a payment from a payer without funds is refused before the tool runs', async (t) => {
    const { client } = await connect(t);
    const broke = chain.accounts[5];
    assert.equal(await balance(broke.address), 0n);
    const args = { city: 'Braga' };
    const payment = await pay(await paymentRequiredFor(client, 'weather', args), { account: broke });
    const runsBefore = runs.weather;
    const result = await callPaid(client, 'weather', args, payment);
    assert.equal(paymentRequiredOf(result).error, 'invalid_exact_evm_insufficient_balance');
    assert.equal(runs.weather, runsBefore);
  });

  test('a payment for another amount is refused and the tool does not run', async (t) => {
    const { client } = await connect(t);
    const required = await paymentRequiredFor(client, 'weather', { city: 'Evora' });
    const cheap = { ...required, accepts: [{ ...required.accepts[0], amount: '1' }] };
    const runsBefore = runs.weather;
    const result = await callPaid(client, 'weather', { city: 'Evora' }, await pay(cheap));
    assert.equal(paymentRequiredOf(result).error, 'no_matching_offer');
    assert.equal(runs.weather, runsBefore);
  });

  test('a tool that fails with a valid payment is not charged: isError, a throw, or a result breaking its output schema', async (t) => {
    const { client } = await connect(t);
    const expected = { result: /upstream unavailable/, throw: /upstream exploded/, schema: /output schema/ };
    for (const fail of ['result', 'throw', 'schema']) {
      const args = { fail };
      const payment = await pay(await paymentRequiredFor(client, 'flaky', args));
      const [payerBefore, payToBefore] = await balances();
      const runsBefore = runs.flaky;

      const result = await callPaid(client, 'flaky', args, payment);
      assert.equal(result.isError, true);
      assert.equal(result.structuredContent, undefined);
      assert.equal(result._meta?.[PAYMENT_REQUIRED_META_KEY], undefined, 'the tool error, not a PaymentRequired');
      assert.match(result.content[0].text, expected[fail]);
      assert.equal(result._meta?.[PAYMENT_RESPONSE_META_KEY], undefined);
      assert.equal(runs.flaky, runsBefore + 1);
      assert.deepEqual(await balances(), [payerBefore, payToBefore], `nothing settled (${fail})`);
    }
  });

  test('a settlement that fails after the tool ran returns only the payment error', async (t) => {
    const { client } = await connect(t);
    const spender = chain.accounts[7];
    await transfer(payer, spender.address, PRICE);
    const args = { city: 'Guarda' };
    const payment = await pay(await paymentRequiredFor(client, 'weather', args), { account: spender });
    const payToBefore = await balance(payTo);
    const runsBefore = runs.weather;

    // The payer spends the money elsewhere once the payment has been verified.
    whileWeatherRuns = () => transfer(spender, payer.address, PRICE);
    t.after(() => { whileWeatherRuns = async () => {}; });

    const result = await callPaid(client, 'weather', args, payment);
    assert.equal(runs.weather, runsBefore + 1, 'the tool ran');
    const required = paymentRequiredOf(result);
    assert.equal(required.x402Version, 2, 'a PaymentRequired, not the tool result');
    assert.equal(required.error, 'invalid_exact_evm_insufficient_balance');
    assert.doesNotMatch(JSON.stringify(result), /Guarda/, "none of the tool's content");
    assert.equal(await balance(payTo), payToBefore);
  });

  test('replaying a settled payment returns the stored result and settles nothing more', async (t) => {
    const { client } = await connect(t);
    const args = { city: 'Coimbra' };
    const payment = await pay(await paymentRequiredFor(client, 'weather', args));
    const [payerBefore, payToBefore] = await balances();
    const first = await callPaid(client, 'weather', args, payment);
    assert.equal(first._meta[PAYMENT_RESPONSE_META_KEY].success, true);
    const runsAfterFirst = runs.weather;

    const again = await callPaid(client, 'weather', args, payment);
    assert.deepEqual(again.structuredContent, first.structuredContent);
    assert.equal(again._meta[PAYMENT_RESPONSE_META_KEY].transaction, first._meta[PAYMENT_RESPONSE_META_KEY].transaction);
    assert.equal(runs.weather, runsAfterFirst, 'the tool did not run again');
    assert.deepEqual(await balances(), [payerBefore - PRICE, payToBefore + PRICE], 'the balance moved once');

    // The same payment cannot buy a different call.
    const other = await callPaid(client, 'weather', { city: 'Aveiro' }, payment);
    assert.equal(paymentRequiredOf(other).error, 'payment_already_used');
    assert.equal(runs.weather, runsAfterFirst);
    assert.deepEqual(await balances(), [payerBefore - PRICE, payToBefore + PRICE]);
  });

  test('a copy of a settled payment with another signature does not get its result', async (t) => {
    const { client } = await connect(t);
    const args = { city: 'Viseu' };
    const payment = await pay(await paymentRequiredFor(client, 'weather', args));
    const first = await callPaid(client, 'weather', args, payment);
    assert.equal(first._meta[PAYMENT_RESPONSE_META_KEY].success, true);
    const signature = payment.payload.signature;
    const forged = { ...payment, payload: { ...payment.payload, signature: `${signature.slice(0, -4)}beef` } };
    const result = await callPaid(client, 'weather', args, forged);
    const required = paymentRequiredOf(result);
    assert.equal(required.x402Version, 2);
    assert.equal(required.error, 'payment_already_used');
  });

  // On 2026-07-28 the client's timeout aborts its HTTP request; on the 2025
  // era it sends notifications/cancelled and the request stays open.
  for (const modern of [false, true]) {
    const era = modern ? '2026-07-28' : '2025-11-25';
    test(`[${era}] a client that gives up while settlement is slow gets the paid result when it retries`, async (t) => {
      const { client } = await connect(t, { modern });
      const args = { city: `Sintra-${era}` };
      const payment = await pay(await paymentRequiredFor(client, 'weather', args));
      const [payerBefore, payToBefore] = await balances();
      const runsBefore = runs.weather;

      // Stop mining: the settlement transaction waits in the mempool until we
      // mine it, so the first call outlives the client's patience.
      await chain.publicClient.request({ method: 'evm_setAutomine', params: [false] });
      t.after(() => chain.publicClient.request({ method: 'evm_setAutomine', params: [true] }));
      await assert.rejects(callPaid(client, 'weather', args, payment, { timeout: 500 }), /timed out/i);
      const retry = callPaid(client, 'weather', args, payment);
      await waitForPendingTransaction(chain);
      await chain.publicClient.request({ method: 'evm_mine', params: [] });

      const result = await retry;
      assert.notEqual(result.isError, true, JSON.stringify(result));
      assert.deepEqual(result.structuredContent, { city: args.city, forecast: 'sunny' });
      assert.equal(result._meta[PAYMENT_RESPONSE_META_KEY].success, true);
      assert.equal(runs.weather, runsBefore + 1, 'the tool ran once');
      assert.deepEqual(await balances(), [payerBefore - PRICE, payToBefore + PRICE], 'the balance moved once');
    });
  }

  test('a session bought on a tool opens it without payment, for its buyer only', async (t) => {
    const { client } = await connect(t);
    const args = { city: 'Lagos' };
    const required = await paymentRequiredFor(client, 'weather', args);
    const payment = await pay(required, { offer: 1 });
    const bought = await callPaid(client, 'weather', args, payment);
    const { transaction } = bought._meta[PAYMENT_RESPONSE_META_KEY];
    assert.match(transaction, /^0x[0-9a-f]{64}$/);

    const now = Math.floor(Date.now() / 1000);
    const sessionId = crypto.randomUUID();
    const claim = {
      version: 'clawpay/1.1', sessionId, walletAddress: payer.address, endpoint, scope: 'prefix',
      createdAt: now, expiresAt: now + 3600, paymentTxHash: transaction, paymentAmount: String(SESSION_PRICE),
    };
    const sessionHeaders = async (account) => {
      const { token: sessionToken } = await buildSessionToken(claim, Signer.fromPrivateKey(account.privateKey));
      return { 'X-Session-Token': sessionToken, 'X-Session-Wallet': payer.address, 'PAYMENT-SESSION': sessionId };
    };

    const holder = await connect(t, { headers: await sessionHeaders(payer) });
    const [payerBefore, payToBefore] = await balances();
    const runsBefore = runs.weather;
    for (const city of ['Tavira', 'Olhao']) {
      const result = await holder.client.callTool({ name: 'weather', arguments: { city } });
      assert.notEqual(result.isError, true, JSON.stringify(result));
      assert.deepEqual(result.structuredContent, { city, forecast: 'sunny' });
      assert.equal(result._meta?.[PAYMENT_RESPONSE_META_KEY], undefined, 'nothing settled');
    }
    assert.equal(runs.weather, runsBefore + 2);
    assert.deepEqual(await balances(), [payerBefore, payToBefore]);

    // The same claim signed by someone else opens nothing.
    const thief = await connect(t, { headers: await sessionHeaders(chain.accounts[6]) });
    const refused = await thief.client.callTool({ name: 'weather', arguments: { city: 'Tavira' } });
    assert.equal(paymentRequiredOf(refused).error, 'session_wrong_signer');
    assert.equal(runs.weather, runsBefore + 2);

    // Nor does the session open a tool it was not bought on.
    const elsewhere = await holder.client.callTool({ name: 'flaky', arguments: { fail: 'result' } });
    assert.equal(paymentRequiredOf(elsewhere).error, 'payment_required');
  });
});

// Resolves once a transaction waits in anvil's mempool.
async function waitForPendingTransaction(chain, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const { pending } = await chain.publicClient.request({ method: 'txpool_status', params: [] });
    if (Number(pending) > 0) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('no transaction reached the mempool');
}
