// clawpay-mcp --upstream devnet=<paidMcpUrl>: the devnet's paid MCP tools
// offered to the agent as devnet_*, paid under the spend policy, and, after a
// kill -9 between the upstream's settlement and the answer reaching the
// agent, the identical call after restart answered without paying again.
// The agents are the official MCP clients, 2.x and 1.x, over stdio.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest, createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as StdioV1 } from '@modelcontextprotocol/sdk/client/stdio.js';

import { PER_CALL_PRICE } from '../../lib/devnet/paywall_server.js';
import { usdcBalance } from '../../lib/devnet/token.js';
import { describeWorld, startWorld } from '../../lib/devnet/world.js';
import { createPayer } from '../../lib/pay/public.js';
import { BIN, ROOT, launchClawpay } from './support/clawpay_child.js';

const PRICE = BigInt(PER_CALL_PRICE);

/**
 * A pass-through HTTP proxy in front of the upstream. While `hold` is set, a
 * request carrying a payment is forwarded, its whole answer read (the
 * upstream has settled by then), `onHeld()` awaited, and the connection then
 * dropped: the answer never reaches clawpay-mcp.
 */
async function startProxy(target) {
  const proxy = { hold: false, onHeld: async () => {}, held: 0 };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const holding = proxy.hold && body.includes('"x402/payment"');
      const url = new URL(req.url, target);
      const upstream = httpRequest(url, { method: req.method, headers: { ...req.headers, host: url.host } }, (answer) => {
        if (!holding) {
          res.writeHead(answer.statusCode, answer.headers);
          answer.pipe(res);
          return;
        }
        answer.resume();
        answer.on('end', async () => {
          proxy.held += 1;
          await proxy.onHeld();
          res.destroy();
        });
      });
      upstream.on('error', () => res.destroy());
      upstream.end(body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  proxy.url = `http://127.0.0.1:${server.address().port}/mcp`;
  proxy.stop = () => new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
  return proxy;
}

describe('clawpay-mcp --upstream devnet=<paidMcpUrl>', { timeout: 300_000 }, () => {
  let world;
  let info;
  let proxy;
  const dirs = [];
  const children = [];
  const tempDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'clawpay-upstream-'));
    dirs.push(dir);
    return dir;
  };
  const balances = async () => Promise.all([info.payer.address, info.payTo].map(
    (address) => usdcBalance({ chain: world.chain, token: world.token, address })));
  const moved = (before, now) => [before[0] - now[0], now[1] - before[1]];
  const launch = async (env, url = info.paidMcpUrl) => {
    const child = await launchClawpay({ ...info.mcpEnv, CLAWPAY_MAX_PER_CALL: '0.05', ...env }, { args: ['--upstream', `devnet=${url}`] });
    children.push(child);
    return child;
  };
  const ledgerOf = async (stateDir) => {
    const payer = await createPayer({
      privateKey: info.payer.privateKey, chainId: info.chainId, rpcUrl: info.rpcUrl, asset: info.asset, stateDir,
    });
    try {
      return payer.payments();
    } finally {
      await payer.close();
    }
  };

  before(async () => {
    world = await startWorld();
    info = describeWorld(world);
    proxy = await startProxy(info.paidMcpUrl);
  });

  after(async () => {
    for (const child of children) await child.close().catch(() => {});
    await proxy?.stop();
    await world?.stop();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('lists devnet_weather and devnet_echo beside its own tools, with the upstream\'s schemas and a marked description', async () => {
    const child = await launch({ CLAWPAY_STATE_DIR: tempDir() });
    const { tools } = await child.client.listTools();
    const names = tools.map((t) => t.name);
    assert.ok(names.includes('x402_pay'));
    assert.ok(names.includes('devnet_weather') && names.includes('devnet_echo'), names.join(', '));
    const weather = tools.find((t) => t.name === 'devnet_weather');
    assert.deepEqual(weather.inputSchema.required, ['city']);
    assert.equal(weather.inputSchema.properties.city.maxLength, 100);
    assert.deepEqual(weather.outputSchema.required, ['city', 'forecast', 'temperatureC']);
    assert.match(weather.description, /^\[Tool "weather" of the upstream MCP server "devnet" at http:\/\/127\.0\.0\.1:\d+\/mcp; .*not clawpay-mcp's/);
    assert.match(weather.description, /Weather report for a city: 0\.01 USDC per call/);
    await child.close();
  });

  test('calling devnet_weather pays exactly the price on chain and answers the upstream\'s result unchanged', async () => {
    const child = await launch({ CLAWPAY_STATE_DIR: tempDir() });
    const before = await balances();
    const result = await child.callOk('devnet_weather', { city: 'Oslo' });
    assert.deepEqual(result.structuredContent, { city: 'Oslo', forecast: 'sunny', temperatureC: 21 });
    assert.deepEqual(result.content, [{ type: 'text', text: JSON.stringify({ city: 'Oslo', forecast: 'sunny', temperatureC: 21 }) }]);
    const payment = result._meta['clawpay/payment'];
    assert.equal(payment.status, 'settled');
    assert.equal(payment.amount, String(PRICE));
    assert.equal(result._meta['x402/payment-response'].transaction, payment.transaction);
    assert.deepEqual(result._meta['clawpay/upstream'], { name: 'devnet', url: info.paidMcpUrl, tool: 'weather' });
    assert.deepEqual(moved(before, await balances()), [PRICE, PRICE]);
    await child.close();
  });

  test('over the policy it is refused before signing: no balance moves, nothing in the ledger', async () => {
    const stateDir = tempDir();
    const child = await launch({ CLAWPAY_STATE_DIR: stateDir, CLAWPAY_MAX_PER_CALL: '0.001' });
    const before = await balances();
    const result = await child.call('devnet_weather', { city: 'Oslo' });
    assert.equal(result.isError, true);
    assert.equal(result.structuredContent, undefined, 'weather has an outputSchema: the facts are in _meta');
    assert.equal(result._meta['clawpay/error'].error, 'policy_refused', result.content[0].text);
    assert.match(result.content[0].text, /^devnet_weather refused: .*\nNothing was paid\.$/s);
    assert.deepEqual(await balances(), before);
    await child.close();
    assert.deepEqual(await ledgerOf(stateDir), []);
  });

  test('killed (-9) after the upstream settled, before the answer reached the agent: the identical call after restart is answered without paying again', async () => {
    const stateDir = tempDir();
    const first = await launch({ CLAWPAY_STATE_DIR: stateDir }, proxy.url);
    const before = await balances();
    let killed;
    const exited = new Promise((resolve) => { killed = resolve; });
    proxy.hold = true;
    proxy.onHeld = async () => {
      // The upstream has settled: the chain moved once already.
      assert.deepEqual(moved(before, await balances()), [PRICE, PRICE]);
      first.transport._process.once('exit', (code, signal) => killed(signal));
      process.kill(first.pid, 'SIGKILL');
      await exited;
    };
    const lost = await first.call('devnet_echo', { text: 'after the crash' }).then((r) => ({ result: r }), (error) => ({ error }));
    assert.ok(lost.error, `the killed call has no result: ${JSON.stringify(lost.result)}`);
    assert.equal(await exited, 'SIGKILL');
    assert.equal(proxy.held, 1);
    proxy.hold = false;

    const second = await launch({ CLAWPAY_STATE_DIR: stateDir }, proxy.url);
    const result = await second.callOk('devnet_echo', { text: 'after the crash' });
    assert.deepEqual(result.content, [{ type: 'text', text: 'after the crash' }]);
    assert.equal(result._meta['clawpay/payment'].status, 'settled');
    assert.deepEqual(moved(before, await balances()), [PRICE, PRICE], 'paid once');
    await second.close();
    const ledger = await ledgerOf(stateDir);
    assert.equal(ledger.length, 1);
    assert.equal(ledger[0].status, 'settled');
  });

  test('an MCP SDK 1.x agent lists and calls devnet_weather, and takes a refusal of a tool with an outputSchema', async () => {
    const run = async (env) => {
      const transport = new StdioV1({
        command: process.execPath, args: [BIN, '--upstream', `devnet=${info.paidMcpUrl}`], cwd: ROOT, stderr: 'pipe',
        env: { PATH: process.env.PATH, ...info.mcpEnv, CLAWPAY_STATE_DIR: tempDir(), ...env },
      });
      const client = new ClientV1({ name: 'sdk1-agent', version: '1.0.0' });
      await client.connect(transport);
      try {
        await client.listTools(); // SDK 1.x checks results against the listed outputSchema
        return await client.callTool({ name: 'devnet_weather', arguments: { city: 'Porto' } });
      } finally {
        await client.close();
      }
    };
    const before = await balances();
    const paid = await run({ CLAWPAY_MAX_PER_CALL: '0.05' });
    assert.deepEqual(paid.structuredContent, { city: 'Porto', forecast: 'sunny', temperatureC: 21 });
    assert.deepEqual(moved(before, await balances()), [PRICE, PRICE]);
    const refused = await run({ CLAWPAY_MAX_PER_CALL: '0.001' });
    assert.equal(refused.isError, true);
    assert.equal(refused._meta['clawpay/error'].error, 'policy_refused');
    assert.deepEqual(moved(before, await balances()), [PRICE, PRICE]);
  });
});
