// clawpay-mcp's tools in process: the server from lib/mcp/server.js's factory,
// with the real payer, session cache and key-mode wallet on a local world
// (anvil, our USD Coin, the official facilitator, the paywall), driven by
// the official MCP client over the SDK's in-memory linked transport pair —
// no child process. It needs a real world, so it lives under test/e2e/.
// Money is checked on chain to the base unit.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Client, InMemoryTransport } from '@modelcontextprotocol/client';

import { usdcBalance } from '../../lib/devnet/token.js';
import { describeWorld, startWorld } from '../../lib/devnet/world.js';
import { createClawpayServer } from '../../lib/mcp/server.js';
import { loadConfig } from '../../lib/pay/config.js';
import { createPayer } from '../../lib/pay/payer.js';
import { openPayStore } from '../../lib/pay/store.js';
import { SessionStore } from '../../lib/session_store.js';
import { Signer } from '../../lib/signer.js';
import { openWallet } from '../../lib/wallet/index.js';

const PER_CALL = 10_000n; // 0.01 USDC
const SESSION = 50_000n; // 0.05 USDC
const TX_HASH = /^0x[0-9a-f]{64}$/;
const TOOLS = [
  'check_spend_limit', 'deploy_wallet', 'get_transaction_history', 'get_wallet_info', 'queue_approval', 'send_payment',
  'x402_pay', 'x402_session_end', 'x402_session_fetch', 'x402_session_start', 'x402_session_status',
];

describe('clawpay-mcp tools over the in-memory transport on a local chain', { timeout: 300_000 }, () => {
  let world;
  let info;
  let stateDir;
  let client;
  const closers = [];

  const balance = (address) => usdcBalance({ chain: world.chain, token: world.token, address });
  const balances = async () => [await balance(info.payer.address), await balance(info.payTo)];
  const call = (name, args = {}) => client.callTool({ name, arguments: args });
  async function callOk(name, args) {
    const result = await call(name, args);
    assert.notEqual(result.isError, true, `${name} failed: ${result.content?.[0]?.text}`);
    return result;
  }

  before(async () => {
    world = await startWorld();
    info = describeWorld(world);
    stateDir = mkdtempSync(join(tmpdir(), 'clawpay-mcp-tools-'));
    const config = loadConfig({ ...info.mcpEnv, CLAWPAY_STATE_DIR: stateDir });
    const sessions = new SessionStore({ path: join(stateDir, 'sessions.journal') });
    closers.push(() => sessions.close());
    const store = await openPayStore(config);
    closers.push(() => store.close());
    const signer = Signer.fromPrivateKey(config.privateKey);
    closers.push(() => signer.destroy());
    const payer = await createPayer({ config, store });
    closers.push(() => payer.close());
    const wallet = openWallet({ config, store, signer });
    const server = createClawpayServer({ config, payer, sessions, signer, wallet });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    client = new Client({ name: 'mcp-tools-test', version: '1.0.0' });
    await client.connect(clientSide);
  });

  after(async () => {
    await client?.close().catch(() => {});
    for (const close of closers.reverse()) {
      try {
        await close();
      } catch {
        // keep closing the rest
      }
    }
    await world?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  test('tools/list over the in-memory pair has the eleven tools, each with an object input schema', async () => {
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), TOOLS);
    for (const tool of tools) {
      assert.equal(tool.inputSchema.type, 'object', tool.name);
      assert.ok(tool.description.length > 20, tool.name);
    }
  });

  test('bad input to each tool is an isError result, not a protocol error, and no transaction is sent', async () => {
    const nonceBefore = await world.chain.publicClient.getTransactionCount({ address: info.payer.address });
    const moneyBefore = await balances();
    // Refused by the tools' own checks: structuredContent.error is invalid_input.
    const ours = [
      ['deploy_wallet', { token_id: '-1' }],
      ['get_wallet_info', { token: 'xyz' }],
      ['send_payment', { to: 'nobody', amount_eth: '0.1' }],
      ['check_spend_limit', { amount_eth: 'ten' }],
      ['queue_approval', { action: 'cancel', tx_id: '1.5' }],
      ['get_transaction_history', { from_block: 'yesterday' }],
      ['x402_pay', { url: 'ftp://example.test/file' }],
      ['x402_session_start', { endpoint: 'ftp://example.test/files' }],
    ];
    for (const [name, args] of ours) {
      const result = await call(name, args);
      assert.equal(result.isError, true, `${name} ${JSON.stringify(args)}: ${result.content?.[0]?.text}`);
      assert.equal(result.structuredContent?.error, 'invalid_input', `${name} ${JSON.stringify(args)}: ${result.content?.[0]?.text}`);
    }
    // A well-formed session id that names no session.
    const unknown = randomUUID();
    for (const [name, args] of [
      ['x402_session_fetch', { session_id: unknown, url: info.routes.session }],
      ['x402_session_status', { session_id: unknown }],
      ['x402_session_end', { session_id: unknown }],
    ]) {
      const result = await call(name, args);
      assert.equal(result.isError, true, `${name}: ${result.content?.[0]?.text}`);
      assert.equal(result.structuredContent?.error, 'session_not_found', `${name}: ${result.content?.[0]?.text}`);
    }
    // Refused by the input schemas (types, ranges, required fields).
    const schema = [
      ['x402_session_start', { endpoint: 'not a url' }],
      ['x402_session_fetch', { session_id: 'not-a-uuid', url: info.routes.session }],
      ['x402_session_end', {}],
      ['x402_session_status', { session_id: 42 }],
      ['x402_pay', { url: info.routes.perCall, timeout_ms: 10 }],
      ['send_payment', { to: info.payTo, amount_eth: 1 }],
    ];
    for (const [name, args] of schema) {
      const result = await call(name, args);
      assert.equal(result.isError, true, `${name} ${JSON.stringify(args)} should be refused by the schema`);
    }
    assert.equal(await world.chain.publicClient.getTransactionCount({ address: info.payer.address }), nonceBefore, 'nothing was sent');
    assert.deepEqual(await balances(), moneyBefore, 'no money moved');
  });

  test('x402_pay pays 0.01 USDC for a paid call: exactly 10000 base units move on chain', async () => {
    const [payerBefore, payToBefore] = await balances();
    const out = (await callOk('x402_pay', { url: info.routes.perCall })).structuredContent;
    assert.equal(out.status, 200);
    assert.equal(out.payment.amount, String(PER_CALL));
    assert.match(out.payment.transaction, TX_HASH);
    assert.equal(JSON.parse(out.body).forecast, 'sunny');
    const mined = await world.chain.publicClient.getTransactionReceipt({ hash: out.payment.transaction });
    assert.equal(mined.status, 'success');
    assert.deepEqual(await balances(), [payerBefore - PER_CALL, payToBefore + PER_CALL]);
  });

  test('a session: start pays its price once, fetches under it move nothing, status counts them, end closes it', async () => {
    const [payerBefore, payToBefore] = await balances();
    const started = (await callOk('x402_session_start', { endpoint: info.routes.session, label: 'in-memory' })).structuredContent;
    const sessionId = started.sessionId;
    assert.equal(started.payment.amount, String(SESSION));
    assert.match(started.payment.transaction, TX_HASH);
    assert.deepEqual(await balances(), [payerBefore - SESSION, payToBefore + SESSION]);

    const paid = await balances();
    for (let i = 0; i < 2; i += 1) {
      const fetched = (await callOk('x402_session_fetch', { session_id: sessionId, url: `${info.routes.session}?n=${i}` })).structuredContent;
      assert.equal(fetched.status, 200);
    }
    assert.deepEqual(await balances(), paid, 'no money moves under the session');

    const status = (await callOk('x402_session_status', { session_id: sessionId })).structuredContent;
    assert.equal(status.session.sessionId, sessionId);
    assert.equal(status.session.callCount, 2);

    const ended = (await callOk('x402_session_end', { session_id: sessionId })).structuredContent;
    assert.equal(ended.ended, true);
    const afterEnd = await call('x402_session_fetch', { session_id: sessionId, url: info.routes.session });
    assert.equal(afterEnd.isError, true);
    assert.equal(afterEnd.structuredContent?.error, 'session_ended', afterEnd.content[0].text);
    assert.deepEqual(await balances(), paid, 'an ended session is not paid again');
  });

  test('check_spend_limit answers from the key-mode send policy: within the per-transaction limit or not', async () => {
    const small = (await callOk('check_spend_limit', { amount_eth: '0.01', token: info.asset.address })).structuredContent;
    assert.equal(small.allowed, true, JSON.stringify(small));
    assert.equal(small.value.units, '10000');
    assert.equal(small.value.decimals, 6);
    const huge = (await callOk('check_spend_limit', { amount_eth: '1000000', token: info.asset.address })).structuredContent;
    assert.equal(huge.allowed, false, JSON.stringify(huge));
    assert.equal(typeof huge.reason, 'string');
    assert.equal(huge.value.units, '1000000000000');
  });
});
