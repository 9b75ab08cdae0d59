// clawpay-mcp as an MCP client runs it: `node bin/clawpay-mcp.js` launched
// over stdio by the official MCP client, with ClawPay 1.1's environment
// pointed at the local world (anvil, our USD Coin, the official facilitator,
// the paywall's paid API). Payments are checked on chain to the base unit.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';

import { usdcBalance } from '../../lib/devnet/token.js';
import { BIN, ROOT, launchClawpay } from './support/clawpay_child.js';
import { describeWorld, startWorld } from '../../lib/devnet/world.js';
import { startPaidServer } from '../../lib/devnet/paid_server.js';

const INSPECTOR = join(ROOT, 'node_modules', '.bin', 'mcp-inspector');

const PER_CALL = 10_000n; // 0.01 USDC
const SESSION = 50_000n; // 0.05 USDC
const TX_HASH = /^0x[0-9a-f]{64}$/;

// ClawPay MCP 1.1's input fields, tool by tool (ours adds max_payment, and deposit and top_up for channel sessions, where noted).
const REFERENCE_FIELDS = {
  deploy_wallet: { fields: ['token_id', 'factory_address', 'nft_contract_address'], required: ['token_id'] },
  get_wallet_info: { fields: ['token'], required: [] },
  send_payment: { fields: ['to', 'amount_eth', 'token', 'token_decimals', 'memo'], required: ['to', 'amount_eth'] },
  check_spend_limit: { fields: ['amount_eth', 'token'], required: ['amount_eth'] },
  queue_approval: { fields: ['action', 'tx_id'], required: ['action'] },
  x402_pay: {
    fields: ['url', 'method', 'headers', 'body', 'max_payment_eth', 'timeout_ms', 'skip_session_check'],
    added: ['max_payment'],
    required: ['url'],
  },
  get_transaction_history: { fields: ['limit', 'from_block', 'to_block', 'event_type'], required: [] },
  x402_session_start: {
    fields: ['endpoint', 'scope', 'ttl_seconds', 'label', 'max_payment_eth', 'method', 'headers', 'body', 'timeout_ms'],
    added: ['max_payment', 'deposit', 'top_up'],
    required: ['endpoint'],
  },
  x402_session_fetch: { fields: ['session_id', 'url', 'method', 'headers', 'body', 'timeout_ms'], required: ['session_id', 'url'] },
  x402_session_status: { fields: ['session_id'], required: [] },
  x402_session_end: { fields: ['session_id'], required: ['session_id'] },
};

describe('clawpay-mcp over stdio on a local chain', { timeout: 600_000 }, () => {
  let world;
  let info;
  let stateDir;
  let seller;
  const children = [];

  const balance = (address) => usdcBalance({ chain: world.chain, token: world.token, address });
  const balances = async () => [await balance(info.payer.address), await balance(info.payTo)];

  function childEnv(extra = {}) {
    return {
      ...info.mcpEnv,
      CLAWPAY_STATE_DIR: stateDir,
      PATH: process.env.PATH,
      HOME: stateDir,
      ...extra,
    };
  }

  /** clawpay-mcp as a child process, connected to the official client over stdio. */
  async function launch(extraEnv = {}) {
    const child = await launchClawpay(childEnv(extraEnv));
    children.push(child);
    return child;
  }

  async function call(client, name, args) {
    return client.callTool({ name, arguments: args });
  }

  async function callOk(client, name, args) {
    const result = await call(client, name, args);
    assert.notEqual(result.isError, true, `${name} failed: ${result.content?.[0]?.text}`);
    return result;
  }

  let main; // the child most tests talk to

  before(async () => {
    world = await startWorld();
    info = describeWorld(world);
    stateDir = mkdtempSync(join(tmpdir(), 'clawpay-mcp-test-'));
    main = await launch();
  });

  after(async () => {
    for (const child of children) await child.client.close().catch(() => {});
    await seller?.stop();
    await world?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  test('tools/list has the eleven ClawPay 1.1 tools with their input fields, types and ranges', async () => {
    const { tools } = await main.client.listTools();
    const byName = Object.fromEntries(tools.map((tool) => [tool.name, tool]));
    assert.deepEqual(Object.keys(byName).sort(), Object.keys(REFERENCE_FIELDS).sort());
    for (const [name, expected] of Object.entries(REFERENCE_FIELDS)) {
      const schema = byName[name].inputSchema;
      assert.equal(schema.type, 'object', name);
      assert.deepEqual(Object.keys(schema.properties).sort(), [...expected.fields, ...(expected.added ?? [])].sort(), name);
      assert.deepEqual([...(schema.required ?? [])].sort(), [...expected.required].sort(), name);
      assert.ok(byName[name].description.length > 20, name);
    }
    const pay = byName.x402_pay.inputSchema.properties;
    assert.deepEqual(pay.method.enum, ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
    assert.deepEqual([pay.timeout_ms.minimum, pay.timeout_ms.maximum, pay.timeout_ms.default], [1000, 60000, 30000]);
    assert.equal(pay.skip_session_check.type, 'boolean');
    assert.equal(pay.skip_session_check.default, false);
    assert.equal(pay.max_payment_eth.type, 'string');
    assert.equal(pay.headers.additionalProperties.type, 'string');
    const start = byName.x402_session_start.inputSchema.properties;
    assert.deepEqual(start.scope.enum, ['prefix', 'exact']);
    assert.equal(start.scope.default, 'prefix');
    assert.deepEqual([start.ttl_seconds.minimum, start.ttl_seconds.maximum], [60, 2592000]);
    assert.equal(start.label.maxLength, 100);
    assert.equal(byName.x402_session_fetch.inputSchema.properties.session_id.format, 'uuid');
    assert.equal(byName.x402_session_end.inputSchema.properties.session_id.format, 'uuid');
    const send = byName.send_payment.inputSchema.properties;
    // ClawPay 1.1 defaulted token_decimals to 18; here there is no default: the chain's decimals() decide.
    assert.deepEqual([send.token_decimals.minimum, send.token_decimals.maximum, send.token_decimals.default], [0, 18, undefined]);
    assert.equal(send.memo.maxLength, 200);
    const history = byName.get_transaction_history.inputSchema.properties;
    assert.deepEqual([history.limit.minimum, history.limit.maximum, history.limit.default], [1, 100, 20]);
    assert.deepEqual(history.event_type.enum, ['all', 'execution', 'queued', 'approved', 'cancelled', 'policy_update', 'operator_update']);
    assert.deepEqual(byName.queue_approval.inputSchema.properties.action.enum, ['list', 'approve', 'cancel']);
  });

  test('x402_pay pays 0.01 USDC for a paid call: exactly 10000 base units move on chain', async () => {
    const [payerBefore, payToBefore] = await balances();
    const result = await callOk(main.client, 'x402_pay', { url: info.routes.perCall });
    const out = result.structuredContent;
    assert.equal(out.status, 200);
    assert.equal(out.payment.amount, '10000');
    assert.equal(out.payment.amountDecimal, '0.01');
    assert.match(out.payment.transaction, TX_HASH);
    assert.equal(out.payment.network, info.network);
    assert.equal(out.payment.payTo.toLowerCase(), info.payTo.toLowerCase());
    assert.equal(out.session, null);
    assert.equal(JSON.parse(out.body).forecast, 'sunny');
    assert.equal(typeof out.elapsedMs, 'number');
    const mined = await world.chain.publicClient.getTransactionReceipt({ hash: out.payment.transaction });
    assert.equal(mined.status, 'success');
    assert.deepEqual(await balances(), [payerBefore - PER_CALL, payToBefore + PER_CALL]);
    const text = result.content[0].text;
    assert.match(text, /Payment Made/);
    // The devnet names its asset "USD Coin" (no CLAWPAY_ASSET_SYMBOL): the configured symbol, base units beside it.
    assert.match(text, /Amount: +0\.01 USD Coin \(10000 base units\)/);
    assert.match(text, new RegExp(out.payment.transaction));
  });

  let sessionId;

  test('x402_session_start pays the session price once and returns a session id', async () => {
    const [payerBefore, payToBefore] = await balances();
    const result = await callOk(main.client, 'x402_session_start', { endpoint: info.routes.session, label: 'forecasts' });
    const out = result.structuredContent;
    sessionId = out.sessionId;
    assert.match(sessionId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(out.payment.amount, String(SESSION));
    assert.match(out.payment.transaction, TX_HASH);
    assert.equal(out.session.endpoint, info.routes.session);
    assert.equal(out.session.scope, 'prefix');
    assert.equal(out.session.callCount, 0);
    assert.equal(out.session.revokeUrl, `${info.paidApiUrl}/x402/session/revoke`);
    // The server sells an hour; the default TTL is an hour too.
    assert.ok(out.session.expiresAt - out.session.createdAt <= 3600);
    assert.deepEqual(await balances(), [payerBefore - SESSION, payToBefore + SESSION]);
    assert.match(result.content[0].text, new RegExp(`session_id="${sessionId}"`));
    // The state directory is private.
    assert.equal(statSync(stateDir).mode & 0o777, 0o700);
  });

  test('no session when the paid request fails: x402_session_start on a URL the server answers 404 charges nothing', async () => {
    const before = await balances();
    const sessionsBefore = (await callOk(main.client, 'x402_session_status', {})).structuredContent.count;
    // /session is under the paid route, but the API has no page there.
    const result = await call(main.client, 'x402_session_start', { endpoint: info.routes.sessionEndpoint });
    assert.equal(result.isError, true);
    assert.equal(result.structuredContent.status, 404);
    assert.equal(result.structuredContent.session, null);
    assert.match(result.content[0].text, /no session was created\. Nothing was charged so far/);
    // The server holds a signed authorization it could still submit: counted, and cancellable.
    assert.equal(result.structuredContent.payment.status, 'refused');
    assert.match(result.content[0].text, new RegExp(`Cancel: +clawpay payments cancel ${result.structuredContent.payment.paymentId}`));
    assert.deepEqual(await balances(), before);
    assert.equal((await callOk(main.client, 'x402_session_status', {})).structuredContent.count, sessionsBefore);
  });

  test('five x402_session_fetch calls under the session move no money and are counted', async () => {
    const before = await balances();
    for (let i = 1; i <= 5; i += 1) {
      const url = i % 2 ? info.routes.session : `${info.routes.session}?day=${i}`;
      const result = await callOk(main.client, 'x402_session_fetch', { session_id: sessionId, url });
      const out = result.structuredContent;
      assert.equal(out.status, 200);
      assert.equal(out.payment, null);
      assert.equal(out.callCount, i);
      // The paywall admitted the request on this very session.
      assert.equal(JSON.parse(out.body).session, sessionId);
      assert.match(result.content[0].text, new RegExp(`call #${i}\\b`));
    }
    assert.deepEqual(await balances(), before);
  });

  test('x402_pay on a URL the session covers uses the session and pays nothing', async () => {
    const before = await balances();
    const result = await callOk(main.client, 'x402_pay', { url: `${info.routes.session}?day=7` });
    const out = result.structuredContent;
    assert.equal(out.status, 200);
    assert.equal(out.payment, null);
    assert.equal(out.session.sessionId, sessionId);
    assert.equal(out.callCount, 6);
    assert.equal(JSON.parse(out.body).session, sessionId);
    assert.match(result.content[0].text, /Session Used \(no payment\)/);
    assert.deepEqual(await balances(), before);
  });

  test('URLs the session does not cover are refused without sending the token: another host, a longer name, ".."', async () => {
    const port = new URL(info.paidApiUrl).port;
    const outside = [
      [`http://localhost:${port}/session/forecast`, /another origin/],
      [`${info.routes.session}X`, /neither/],
      [`${info.routes.session}/../../api/weather`, /not a plain absolute http\(s\) URL/],
      [`http://127.0.0.1:${port}@evil.example/session/forecast`, /another origin|not a plain/],
    ];
    for (const [url, why] of outside) {
      const result = await call(main.client, 'x402_session_fetch', { session_id: sessionId, url });
      assert.equal(result.isError, true, url);
      assert.equal(result.structuredContent.error, 'out_of_scope', url);
      assert.match(result.content[0].text, why, url);
      assert.equal(result.structuredContent.session.callCount, 6, 'nothing counted');
    }
  });

  test('x402_pay on a sibling path ("…/forecastX") does not use the session; the wallet that bought it signs in with SIWX and pays nothing', async () => {
    const before = await balances();
    const result = await callOk(main.client, 'x402_pay', { url: `${info.routes.sessionEndpoint}/forecastX` });
    assert.equal(result.structuredContent.session, null);
    assert.equal(result.structuredContent.payment, null);
    assert.deepEqual(result.structuredContent.signedIn, { address: info.payer.address, chainId: info.network });
    assert.match(result.content[0].text, /Signed in with SIWX as 0x[0-9a-fA-F]{40}; no payment/);
    assert.deepEqual(await balances(), before);
  });

  test('x402_session_status lists active sessions and shows one in full', async () => {
    const list = await callOk(main.client, 'x402_session_status', {});
    const mine = list.structuredContent.sessions.find((s) => s.sessionId === sessionId);
    assert.ok(mine, 'the session is listed');
    assert.equal(mine.callCount, 6);
    assert.match(list.content[0].text, /Active x402 Sessions/);

    const one = await callOk(main.client, 'x402_session_status', { session_id: sessionId });
    assert.equal(one.structuredContent.session.state, 'active');
    assert.equal(one.structuredContent.session.label, 'forecasts');
    assert.equal(one.structuredContent.session.paymentAmount, String(SESSION));
    assert.match(one.content[0].text, /Call Count: {4}6/);
    // The bearer token itself is never shown.
    assert.doesNotMatch(one.content[0].text, /X-Session-Token|\.0x[0-9a-f]{130}/);

    const unknown = await call(main.client, 'x402_session_status', { session_id: crypto.randomUUID() });
    assert.equal(unknown.isError, true);
  });

  test('a session the server revoked: x402_session_fetch reports the 402 without counting it; x402_pay signs in with SIWX instead', async () => {
    const started = await callOk(main.client, 'x402_session_start', { endpoint: `${info.routes.sessionEndpoint}/revoked` });
    const id = started.structuredContent.sessionId;
    // Not the tool: the server alone forgets the session.
    const token = await sessionToken(main.client, id);
    const revoked = await fetch(`${info.paidApiUrl}/x402/session/revoke`, { method: 'POST', headers: { 'X-Session-Token': token } });
    assert.equal(revoked.status, 200);

    const refused = await call(main.client, 'x402_session_fetch', { session_id: id, url: `${info.routes.sessionEndpoint}/revoked` });
    assert.equal(refused.isError, true);
    assert.equal(refused.structuredContent.error, 'session_revoked');
    assert.equal(refused.structuredContent.session.callCount, 0, 'a 402 is not a call');

    const before = await balances();
    const paid = await callOk(main.client, 'x402_pay', { url: `${info.routes.sessionEndpoint}/revoked` });
    assert.equal(paid.structuredContent.sessionRefused.sessionId, id);
    assert.equal(paid.structuredContent.sessionRefused.error, 'session_revoked');
    // The wallet's first session is still live on this route, so the server lets it in by SIWX.
    assert.equal(paid.structuredContent.payment, null);
    assert.equal(paid.structuredContent.signedIn.address, info.payer.address);
    assert.match(paid.content[0].text, /session_revoked\); signed in instead/);
    assert.deepEqual(await balances(), before);
    await callOk(main.client, 'x402_session_end', { session_id: id });
  });

  // The token, as the journal keeps it (the tools never show it).
  async function sessionToken(client, id) {
    const { SessionStore } = await import('../../lib/session_store.js');
    const cache = new SessionStore({ path: join(stateDir, 'sessions.journal') });
    try {
      return cache.get(id).sessionToken;
    } finally {
      cache.close();
    }
  }

  test('x402_session_end ends the session here and on the server, which then refuses its token', async () => {
    const token = await sessionToken(main.client, sessionId);
    const result = await callOk(main.client, 'x402_session_end', { session_id: sessionId });
    const out = result.structuredContent;
    assert.equal(out.ended, true);
    assert.equal(out.revocation.ok, true);
    assert.equal(out.revocation.status, 200);
    assert.equal(out.revocation.answer.revoked, true);
    assert.match(result.content[0].text, /Server revocation: done/);

    const direct = await fetch(info.routes.session, {
      headers: { 'X-Session-Token': token, 'X-Session-Wallet': info.payer.address, 'PAYMENT-SESSION': sessionId },
    });
    assert.equal(direct.status, 402);
    assert.equal((await direct.json()).error, 'session_revoked');

    const after = await call(main.client, 'x402_session_fetch', { session_id: sessionId, url: info.routes.session });
    assert.equal(after.isError, true);
    assert.equal(after.structuredContent.error, 'session_ended');
    const again = await callOk(main.client, 'x402_session_end', { session_id: sessionId });
    assert.equal(again.structuredContent.alreadyEnded, true);
  });

  test('a revocation that fails is reported, and the session still ends here', async () => {
    // A session whose server is gone: written to the shared journal as
    // another clawpay-mcp process would, with a revocation URL nobody answers.
    const gone = createServer();
    await new Promise((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${gone.address().port}`;
    await new Promise((resolve) => gone.close(resolve));
    const id = crypto.randomUUID();
    const now = Math.floor(Date.now() / 1000);
    const { SessionStore } = await import('../../lib/session_store.js');
    const cache = new SessionStore({ path: join(stateDir, 'sessions.journal') });
    cache.add({
      sessionId: id, endpoint: `${origin}/api`, scope: 'prefix', walletAddress: info.payer.address, createdAt: now, expiresAt: now + 600,
      paymentTxHash: `0x${'ab'.repeat(32)}`, paymentAmount: '50000', paymentToken: info.asset.address, paymentRecipient: info.payTo,
      sessionToken: 'not-a-real-token', signature: `0x${'cd'.repeat(65)}`, callCount: 0, lastUsedAt: 0, revokeUrl: `${origin}/x402/session/revoke`,
    });
    cache.close();

    const result = await callOk(main.client, 'x402_session_end', { session_id: id });
    assert.equal(result.structuredContent.ended, true);
    assert.equal(result.structuredContent.revocation.ok, false);
    assert.match(result.structuredContent.revocation.error, /failed|ECONNREFUSED/);
    assert.match(result.content[0].text, /Server revocation: FAILED/);
    const status = await callOk(main.client, 'x402_session_status', { session_id: id });
    assert.equal(status.structuredContent.session.state, 'ended');
  });

  test('a session survives kill -9: a restarted clawpay-mcp with the same state dir uses it without paying', async () => {
    const started = await callOk(main.client, 'x402_session_start', { endpoint: info.routes.session, label: 'survivor' });
    const id = started.structuredContent.sessionId;
    await callOk(main.client, 'x402_session_fetch', { session_id: id, url: info.routes.session });
    // The session and its payment are on disk before the start answers; its
    // call count within a second (lib/pay/call_counts.js): polled, not slept.
    const counted = () => readFileSync(join(stateDir, 'sessions.journal'), 'utf8').split('\n')
      .some((line) => line.includes('"op":"call"') && line.includes(id));
    while (!counted()) await new Promise((resolve) => setTimeout(resolve, 20));

    const exited = new Promise((resolve) => { main.transport.onclose = resolve; });
    process.kill(main.pid, 'SIGKILL');
    await exited;
    await main.client.close().catch(() => {});

    main = await launch();
    const before = await balances();
    const result = await callOk(main.client, 'x402_session_fetch', { session_id: id, url: `${info.routes.session}?after=restart` });
    assert.equal(result.structuredContent.payment, null);
    assert.equal(result.structuredContent.callCount, 2);
    assert.equal(JSON.parse(result.structuredContent.body).session, id);
    const viaPay = await callOk(main.client, 'x402_pay', { url: info.routes.session });
    assert.equal(viaPay.structuredContent.session.sessionId, id);
    assert.deepEqual(await balances(), before);
    const status = await callOk(main.client, 'x402_session_status', {});
    assert.ok(status.structuredContent.sessions.some((s) => s.sessionId === id && s.label === 'survivor'));
  });

  test('x402_pay pays an official @x402/express seller', async () => {
    seller = await startPaidServer({ chain: world.chain, token: world.token, facilitatorUrl: world.facilitator.url, payTo: info.payTo });
    const before = await balances();
    const result = await callOk(main.client, 'x402_pay', { url: seller.routes.perCall });
    const out = result.structuredContent;
    assert.equal(out.status, 200);
    assert.equal(JSON.parse(out.body).paid, true);
    assert.equal(out.payment.amount, String(PER_CALL));
    assert.match(out.payment.transaction, TX_HASH);
    assert.deepEqual(await balances(), [before[0] - PER_CALL, before[1] + PER_CALL]);
  });

  test('caps: max_payment_eth is read in USDC units and refuses a dearer payment; nothing moves', async () => {
    const before = await balances();
    const result = await call(main.client, 'x402_pay', { url: info.routes.perCall, max_payment_eth: '0.005' });
    assert.equal(result.isError, true, result.content[0].text);
    assert.doesNotMatch(result.content[0].text, /Payment Made/);
    const session = await call(main.client, 'x402_session_start', { endpoint: info.routes.session, max_payment: '0.04' });
    assert.equal(session.isError, true, session.content[0].text);
    assert.deepEqual(await balances(), before);
    const bad = await call(main.client, 'x402_pay', { url: info.routes.perCall, max_payment: '0.0000001' });
    assert.equal(bad.isError, true);
    assert.match(bad.content[0].text, /max_payment/);
  });

  test('a server that does not answer in time is reported as a timeout, not a generic failure', async () => {
    const silent = createServer(() => {}); // never answers
    await new Promise((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const startedAt = Date.now();
      const result = await call(main.client, 'x402_pay', { url: `http://127.0.0.1:${silent.address().port}/slow`, timeout_ms: 1000 });
      assert.equal(result.isError, true);
      assert.match(result.content[0].text, /timed out after 1000 ms/);
      assert.equal(result.structuredContent.error, 'timeout');
      assert.ok(Date.now() - startedAt < 10_000);
    } finally {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  test('a GET with a body is refused clearly before anything is sent', async () => {
    const result = await call(main.client, 'x402_pay', { url: info.routes.perCall, body: '{}' });
    assert.equal(result.isError, true);
    assert.match(result.content[0].text, /GET request cannot carry a body/);
  });

  test('the MCP Inspector CLI lists the tools of the stdio server and calls x402_session_status', async () => {
    const env = childEnv();
    const envArgs = Object.entries(env).filter(([key]) => key !== 'PATH' && key !== 'HOME').flatMap(([k, v]) => ['-e', `${k}=${v}`]);
    const inspectorEnv = { ...process.env, HOME: stateDir, MCP_CATALOG_PATH: join(stateDir, 'inspector-catalog.json') };
    // --strict: exit 6 on any tool-schema portability problem.
    const list = await run(INSPECTOR, ['--cli', ...envArgs, '--strict', '--format', 'json', '--method', 'tools/list', '--', process.execPath, BIN], inspectorEnv);
    assert.equal(list.code, 0, list.stderr);
    const listed = JSON.parse(list.stdout).result;
    assert.deepEqual(listed.tools.map((t) => t.name).sort(), Object.keys(REFERENCE_FIELDS).sort());

    const status = await run(INSPECTOR, ['--cli', ...envArgs, '--format', 'json', '--method', 'tools/call', '--tool-name', 'x402_session_status',
      '--', process.execPath, BIN], inspectorEnv);
    assert.equal(status.code, 0, status.stderr);
    const { result } = JSON.parse(status.stdout);
    assert.notEqual(result.isError, true);
    assert.equal(typeof result.structuredContent.count, 'number');
    assert.match(result.content[0].text, /Active x402 Sessions|Active Sessions/);

    // A tool that fails exits 5 (isError).
    const failing = await run(INSPECTOR, ['--cli', ...envArgs, '--format', 'json', '--method', 'tools/call', '--tool-name', 'check_spend_limit',
      '--tool-arg', 'amount_eth=abc', '--', process.execPath, BIN], inspectorEnv);
    assert.equal(failing.code, 5, failing.stdout + failing.stderr);
    assert.match(JSON.parse(failing.stdout).result.content[0].text, /amount_eth must be a plain non-negative decimal|amount_eth/);
    assert.equal(JSON.parse(failing.stdout).result.structuredContent.error, 'invalid_input');
  });

  test('over Streamable HTTP (--http 0): loopback only, a bearer token, local Host checks, the same tools and sessions', async () => {
    const token = 'local-test-token-3f9a';
    const child = spawn(process.execPath, [BIN, '--http', '0'], {
      env: childEnv({ CLAWPAY_MCP_HTTP_TOKEN: token }), cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    try {
      const url = await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL on stderr: ${stderr}`)), 20_000);
        child.stderr.on('data', () => {
          const match = /at (http:\/\/127\.0\.0\.1:\d+\/mcp)/.exec(stderr);
          if (match) {
            clearTimeout(timer);
            resolve(match[1]);
          }
        });
        child.once('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
      });
      const client = new Client({ name: 'clawpay-mcp-http-test', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
      const { tools } = await client.listTools();
      assert.equal(tools.length, 11);
      const status = await client.callTool({ name: 'x402_session_status', arguments: {} });
      assert.notEqual(status.isError, true);
      assert.ok(status.structuredContent.sessions.length >= 1, 'the sessions on disk are shared with the stdio server');
      await client.close();

      const port = new URL(url).port;
      const auth = { authorization: `Bearer ${token}` };
      assert.equal(await rawPost(port, { host: `127.0.0.1:${port}` }), 401, 'no token');
      assert.equal(await rawPost(port, { host: `127.0.0.1:${port}`, authorization: 'Bearer wrong-token-3f9a' }), 401, 'wrong token');
      assert.equal(await rawPost(port, { host: `evil.example:${port}`, ...auth }), 421, 'DNS rebinding');
      assert.equal(await rawPost(port, { host: `127.0.0.1:${port}`, origin: 'https://evil.example', ...auth }), 403, 'a web page');
      assert.ok(!stderr.includes(token), 'the token is not logged');
    } finally {
      const exit = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
      child.kill('SIGTERM');
      const { code } = await exit;
      assert.equal(code, 0, `clean exit on SIGTERM: ${stderr}`);
    }
  });

  test('a configuration error is one line on stderr naming the variable, exit code 2, and never shows the key', async () => {
    const badKey = `0x${'ab'.repeat(31)}zz`;
    const result = await run(process.execPath, [BIN], { ...childEnv(), AGENT_PRIVATE_KEY: badKey });
    assert.equal(result.code, 2);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0], /AGENT_PRIVATE_KEY/);
    assert.ok(!result.stderr.includes(badKey) && !result.stderr.includes(info.payer.privateKey));

    const missing = { ...childEnv() };
    delete missing.AGENT_PRIVATE_KEY;
    const second = await run(process.execPath, [BIN], missing);
    assert.equal(second.code, 2);
    assert.match(second.stderr, /AGENT_PRIVATE_KEY is required/);

    const third = await run(process.execPath, [BIN], { ...childEnv(), AGENT_WALLET_ADDRESS: '0x1234' });
    assert.equal(third.code, 2);
    assert.match(third.stderr, /AGENT_WALLET_ADDRESS must be an address/);
    assert.ok(!third.stderr.includes(info.payer.privateKey));
  });

  test('stdin closing ends the stdio server cleanly (exit 0)', async () => {
    const child = spawn(process.execPath, [BIN], { env: childEnv(), cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    await new Promise((resolve) => {
      child.stderr.on('data', () => { if (/serving MCP over stdio/.test(stderr)) resolve(); });
    });
    const exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.stdin.end();
    assert.equal(await exit, 0, stderr);
    assert.ok(!stderr.includes(info.payer.privateKey));
  });
});

function run(command, args, env) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => { stdout += chunk; });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

// A POST to the MCP endpoint with chosen Host / Origin headers; resolves to the status.
function rawPost(port, headers) {
  return new Promise((resolve, reject) => {
    import('node:http').then(({ request }) => {
      const req = request({ host: '127.0.0.1', port, path: '/mcp', method: 'POST', headers: { 'content-type': 'application/json', ...headers } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.once('error', reject);
      req.end('{"jsonrpc":"2.0","id":1,"method":"ping"}');
    });
  });
}
