// clawpay-mcp --upstream follows its upstream's tool list: the upstream (MCP
// SDK 2.x server) gains a tool after clawpay-mcp connected and publishes
// notifications/tools/list_changed; clawpay-mcp re-reads the list, tells its
// own client (list_changed), and offers the new NAME_TOOL. Every wait is an
// event bounded by a timeout that fails the test, never a sleep.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { McpServer } from '@modelcontextprotocol/server';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import * as z from 'zod';

import { createPaidMcpHttpHandler } from '../../lib/paywall/mcp.js';
import { launchClawpay } from './support/clawpay_child.js';

const WAIT_MS = 15_000;

/** Resolves with the next value `arm` hands to its callback; rejects (failing the test) after WAIT_MS. */
function nextEvent(what) {
  let resolve;
  const promise = new Promise((res, rej) => {
    resolve = res;
    setTimeout(() => rej(new Error(`no ${what} within ${WAIT_MS} ms`)), WAIT_MS).unref();
  });
  return { promise, fire: (value) => resolve(value) };
}

/** An upstream whose `beta` tool appears when addBeta() is called. */
async function startChangingUpstream() {
  let withBeta = false;
  const make = () => {
    const server = new McpServer({ name: 'changing', version: '1.0.0' });
    server.registerTool('alpha', { description: 'First tool', inputSchema: z.object({}) }, async () => ({ content: [{ type: 'text', text: 'alpha' }] }));
    if (withBeta) {
      server.registerTool('beta', { description: 'Added later', inputSchema: z.object({ n: z.number() }) },
        async ({ n }) => ({ content: [{ type: 'text', text: `beta ${n}` }] }));
    }
    return server;
  };
  const mcp = createPaidMcpHttpHandler({ createServer: make });
  const http = createServer((req, res) => mcp(req, res));
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${http.address().port}/mcp`,
    addBeta() {
      withBeta = true;
      mcp.notify.toolsChanged();
    },
    stop: async () => {
      await mcp.close();
      await new Promise((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  };
}

describe('clawpay-mcp --upstream forwards tools/list_changed', { timeout: 90_000 }, () => {
  let upstream;
  let stateDir;

  before(async () => {
    upstream = await startChangingUpstream();
    stateDir = mkdtempSync(join(tmpdir(), 'clawpay-list-changed-'));
  });

  after(async () => {
    await upstream?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  test('a tool the upstream adds after connect reaches the agent as list_changed, then as changing_beta in tools/list, and answers', async () => {
    const key = generatePrivateKey();
    const changed = nextEvent('tools list_changed at the agent');
    const child = await launchClawpay({
      AGENT_PRIVATE_KEY: key, AGENT_WALLET_ADDRESS: privateKeyToAccount(key).address, CHAIN_ID: '31337',
      // No chain is needed for free tools: the RPC is down, which clawpay-mcp only warns about.
      RPC_URL: 'http://127.0.0.1:9', CLAWPAY_ASSET_ADDRESS: privateKeyToAccount(generatePrivateKey()).address,
      CLAWPAY_ASSET_NAME: 'USD Coin', CLAWPAY_ASSET_VERSION: '2', CLAWPAY_ASSET_DECIMALS: '6', CLAWPAY_STATE_DIR: stateDir,
    }, {
      args: ['--upstream', `changing=${upstream.url}`],
      clientOptions: { listChanged: { tools: { onChanged: (error, tools) => changed.fire({ error, tools }) } } },
    });
    try {
      const before = (await child.client.listTools()).tools.map((t) => t.name);
      assert.ok(before.includes('changing_alpha'), before.join(', '));
      assert.ok(!before.includes('changing_beta'));

      upstream.addBeta();
      const { error, tools } = await changed.promise;
      assert.equal(error, null);
      const names = tools.map((t) => t.name);
      assert.ok(names.includes('changing_beta') && names.includes('changing_alpha'), names.join(', '));
      const listed = (await child.client.listTools()).tools.find((t) => t.name === 'changing_beta');
      assert.deepEqual(listed.inputSchema.required, ['n']);
      const result = await child.callOk('changing_beta', { n: 7 });
      assert.deepEqual(result.content, [{ type: 'text', text: 'beta 7' }]);
    } finally {
      await child.close();
    }
  });
});
