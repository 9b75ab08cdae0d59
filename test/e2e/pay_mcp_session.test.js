// Sessions over MCP: a session bought on the devnet's paid `weather` tool
// (its server, behind our paywall, sells one) is shown as X-Session-Token on
// the MCP client's HTTP requests (the transport fetches through
// mcpSessionFetch), so ten calls move nothing on chain after the session
// price; a server that no longer honours it gets paid per call under the
// policy and the session is closed as refused, as payer.fetch does.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

import { PER_CALL_PRICE, SESSION_PRICE, startPaywallServer } from '../../lib/devnet/paywall_server.js';
import { startPaidMcp } from '../../lib/devnet/paid_mcp.js';
import { usdcBalance } from '../../lib/devnet/token.js';
import { describeWorld, startWorld } from '../../lib/devnet/world.js';
import { createPayer, mcpSessionFetch } from '../../lib/pay/public.js';
import { ReceiptLedger } from '../../lib/receipt_ledger.js';
import { launchClawpay } from './support/clawpay_child.js';

const PRICE = BigInt(PER_CALL_PRICE);
const SESSION = BigInt(SESSION_PRICE);

describe('payer.mcpClient in a session bought on a paid MCP tool', { timeout: 180_000 }, () => {
  let world;
  let info;
  let client;
  let payer;
  let paying;
  const extra = [];
  const balances = async () => Promise.all([info.payer.address, info.payTo].map(
    (address) => usdcBalance({ chain: world.chain, token: world.token, address })));
  const moved = (before, now) => [before[0] - now[0], now[1] - before[1]];

  before(async () => {
    world = await startWorld();
    info = describeWorld(world);
    client = new Client({ name: 'session-agent', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(info.paidMcpUrl), { fetch: mcpSessionFetch() }));
    payer = await createPayer({
      privateKey: info.payer.privateKey, chainId: info.chainId, rpcUrl: info.rpcUrl, asset: { ...info.asset, symbol: 'USDC' },
      memory: true, policy: { maxPerCall: '0.10', maxPerDay: '1.00' },
    });
    paying = payer.mcpClient(client, { url: info.paidMcpUrl });
  });

  after(async () => {
    await payer?.close();
    await client?.close();
    for (const stop of extra.reverse()) await stop();
    await world?.stop();
  });

  test('startSession pays the session price once; ten calls in it pay nothing and are counted', async () => {
    const before = await balances();
    const { session, result, payment } = await paying.startSession({ name: 'weather', arguments: { city: 'Faro' } });
    assert.deepEqual(result.structuredContent, { city: 'Faro', forecast: 'sunny', temperatureC: 21 });
    assert.equal(payment.amount, SESSION);
    assert.equal(payment.status, 'settled');
    const info0 = session.status();
    assert.equal(info0.state, 'active');
    assert.equal(info0.endpoint, info.paidMcpUrl);
    assert.equal(info0.tool, 'weather');
    assert.deepEqual(moved(before, await balances()), [SESSION, SESSION]);

    for (let i = 1; i <= 10; i += 1) {
      const call = await paying.callTool({ name: 'weather', arguments: { city: `City ${i}` } });
      assert.notEqual(call.result.isError, true, JSON.stringify(call.result));
      assert.equal(call.result.structuredContent.city, `City ${i}`);
      assert.equal(call.payment, null, `call ${i} paid nothing`);
      assert.equal(call.settlement, null);
      assert.equal(call.session.id, info0.id);
      assert.equal(call.session.callCount, i);
    }
    assert.deepEqual(moved(before, await balances()), [SESSION, SESSION], 'the chain moved the session price once');
    assert.equal(payer.payments().length, 1);
  });

  test('a tool the session was not bought on is paid per call, and the session stays active', async () => {
    const before = await balances();
    const call = await paying.callTool({ name: 'echo', arguments: { text: 'outside' } });
    assert.deepEqual(call.result.content, [{ type: 'text', text: 'outside' }]);
    assert.equal(call.payment.amount, PRICE);
    assert.equal(call.session, null);
    assert.deepEqual(moved(before, await balances()), [PRICE, PRICE]);
    assert.equal(payer.sessions()[0].state, 'active');
  });

  test('useSession: false pays per call and leaves the session as it was', async () => {
    const before = await balances();
    const count = payer.sessions()[0].callCount;
    const call = await paying.callTool({ name: 'weather', arguments: { city: 'Paid' } }, { useSession: false });
    assert.equal(call.payment.amount, PRICE);
    assert.equal(call.session, null);
    assert.deepEqual(moved(before, await balances()), [PRICE, PRICE]);
    assert.equal(payer.sessions()[0].callCount, count);
  });

  test('clawpay-mcp --upstream calls the upstream in a session its state holds: three calls, nothing moves, each counted', async () => {
    const stateDir = mkdtempSync(join(tmpdir(), 'clawpay-mcp-session-'));
    extra.push(async () => rmSync(stateDir, { recursive: true, force: true }));
    const buyer = await createPayer({
      privateKey: info.payer.privateKey, chainId: info.chainId, rpcUrl: info.rpcUrl, asset: info.asset, stateDir,
      policy: { maxPerCall: '0.10', maxPerDay: '1.00' },
    });
    const own = new Client({ name: 'session-buyer', version: '1.0.0' });
    let id;
    try {
      await own.connect(new StreamableHTTPClientTransport(new URL(info.paidMcpUrl)));
      ({ session: { id } } = await buyer.mcpClient(own, { url: info.paidMcpUrl }).startSession({ name: 'weather', arguments: { city: 'Bought' } }));
    } finally {
      await own.close();
      await buyer.close();
    }
    const child = await launchClawpay({ ...info.mcpEnv, CLAWPAY_STATE_DIR: stateDir, CLAWPAY_MAX_PER_CALL: '0.05' },
      { args: ['--upstream', `devnet=${info.paidMcpUrl}`] });
    try {
      const before = await balances();
      for (let i = 1; i <= 3; i += 1) {
        const result = await child.callOk('devnet_weather', { city: `Up ${i}` });
        assert.equal(result.structuredContent.city, `Up ${i}`);
        assert.equal(result._meta['clawpay/payment'], null, JSON.stringify(result._meta));
        assert.equal(result._meta['clawpay/session'].sessionId, id);
        assert.equal(result._meta['clawpay/session'].callCount, i);
        assert.equal(result._meta['clawpay/session'].sessionToken, undefined, 'the token is not shown');
      }
      assert.deepEqual(moved(before, await balances()), [0n, 0n]);
    } finally {
      await child.close();
    }
  });

  test('a server that no longer honours the token is paid per call under the policy; the session is closed as refused', async () => {
    // The seller restarts on the same URL with its records lost: it knows no settlement of the session.
    const port = new URL(info.paidMcpUrl).port;
    const id = payer.sessions()[0].id;
    await world.mcp.stop();
    const ledger = new ReceiptLedger({});
    extra.push(() => ledger.close());
    const api = await startPaywallServer({ chain: world.chain, token: world.token, facilitatorUrl: info.facilitatorUrl, payTo: info.payTo, ledger, v1Names: world.v1Names });
    extra.push(() => api.stop());
    const mcp = await startPaidMcp({ engine: api.paywall.engine, token: world.token, network: world.chain.network, payTo: info.payTo, port: Number(port) });
    extra.push(() => mcp.stop());
    assert.equal(mcp.url, info.paidMcpUrl);

    const before = await balances();
    const refused = await paying.callTool({ name: 'weather', arguments: { city: 'Again' } });
    assert.equal(refused.result.structuredContent.city, 'Again');
    assert.equal(refused.payment.amount, PRICE, 'paid per call');
    assert.equal(refused.session, null);
    assert.deepEqual(moved(before, await balances()), [PRICE, PRICE]);
    const closed = payer.session(id).status();
    assert.equal(closed.state, 'refused');
    assert.match(closed.refusal.reason, /did not accept the session token/);

    // Never shown again: the next call pays per call without it.
    const next = await paying.callTool({ name: 'weather', arguments: { city: 'Later' } });
    assert.equal(next.payment.amount, PRICE);
    assert.deepEqual(moved(before, await balances()), [2n * PRICE, 2n * PRICE]);
  });

  test('a session over the per-session limit is refused before signing: nothing moves, nothing signed', async () => {
    const strict = await createPayer({
      privateKey: info.payer.privateKey, chainId: info.chainId, rpcUrl: info.rpcUrl, asset: { ...info.asset, symbol: 'USDC' },
      memory: true, policy: { maxPerCall: '0.10', maxPerSession: '0.01', maxPerDay: '1.00' },
    });
    try {
      const before = await balances();
      await assert.rejects(strict.mcpClient(client, { url: info.paidMcpUrl }).startSession({ name: 'weather', arguments: { city: 'No' } }),
        { code: 'ERR_POLICY_REFUSED', rule: 'per_session' });
      assert.deepEqual(await balances(), before);
      assert.deepEqual(strict.payments(), []);
    } finally {
      await strict.close();
    }
  });
});
