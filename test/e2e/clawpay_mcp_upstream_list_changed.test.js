// clawpay-mcp --upstream follows its upstream's tool list: the upstream gains
// a tool after clawpay-mcp connected and sends notifications/tools/list_changed
// — an MCP SDK 2.x server (2026-07-28, on the subscriptions/listen stream) and
// an SDK 1.x stateful server (2025, on its GET event stream) — and clawpay-mcp
// re-reads the list, tells its own client (list_changed), and offers the new
// NAME_TOOL. Every wait is an event bounded by a timeout that fails the test,
// never a sleep.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { randomUUID } from 'node:crypto';

import { McpServer } from '@modelcontextprotocol/server';
import { McpServer as McpServerV1 } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport as ServerTransportV1 } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import * as z from 'zod';

import { createPaidMcpHttpHandler } from '../../lib/paywall/mcp.js';
import { launchClawpay } from './support/clawpay_child.js';

const WAIT_MS = 15_000;

/**
 * An event to await: fire(value) may come before or after wait(), which
 * resolves with the value or rejects (failing the test) WAIT_MS after it was
 * called — the bound counts from the wait, not from a slow start before it.
 */
function nextEvent(what) {
  let fire;
  const fired = new Promise((resolve) => { fire = resolve; });
  const wait = () => Promise.race([fired, new Promise((resolve, reject) => {
    setTimeout(() => reject(new Error(`no ${what} within ${WAIT_MS} ms`)), WAIT_MS).unref();
  })]);
  return { fire: (value) => fire(value), wait };
}

/** An SDK 2.x upstream (stateless, per-request servers) whose `beta` tool appears when addBeta() is called. */
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
    ready: { wait: () => Promise.resolve() },
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

const addBetaTo = (server) => server.registerTool('beta', { description: 'Added later', inputSchema: { n: z.number() } },
  async ({ n }) => ({ content: [{ type: 'text', text: `beta ${n}` }] }));

/**
 * An SDK 1.x upstream with sessions: one McpServer per MCP session, whose
 * registerTool after connect sends list_changed on the session's GET event
 * stream. `ready` resolves once that stream is open (its headers written).
 */
async function startChangingUpstreamV1() {
  const transports = new Map();
  const servers = [];
  const open = nextEvent('the upstream\'s GET event stream');
  const http = createServer(async (req, res) => {
    const id = req.headers['mcp-session-id'];
    let transport = id ? transports.get(id) : undefined;
    if (!transport) {
      const server = new McpServerV1({ name: 'changing-v1', version: '1.0.0' });
      server.registerTool('alpha', { description: 'First tool', inputSchema: {} }, async () => ({ content: [{ type: 'text', text: 'alpha' }] }));
      servers.push(server);
      transport = new ServerTransportV1({ sessionIdGenerator: randomUUID, onsessioninitialized: (sid) => transports.set(sid, transport) });
      await server.connect(transport);
    }
    if (req.method === 'GET') {
      const writeHead = res.writeHead.bind(res);
      res.writeHead = (...args) => {
        const written = writeHead(...args);
        open.fire();
        return written;
      };
    }
    await transport.handleRequest(req, res);
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${http.address().port}/mcp`,
    ready: open,
    addBeta() {
      for (const server of servers) addBetaTo(server);
    },
    stop: async () => {
      for (const server of servers) await server.close().catch(() => {});
      await new Promise((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    },
  };
}

const UPSTREAMS = { 'MCP SDK 2.x (2026-07-28)': startChangingUpstream, 'MCP SDK 1.x (2025, sessions)': startChangingUpstreamV1 };

for (const [label, start] of Object.entries(UPSTREAMS)) {
  describe(`clawpay-mcp --upstream forwards tools/list_changed from an ${label} upstream`, { timeout: 90_000 }, () => {
    let upstream;
    let stateDir;

    before(async () => {
      upstream = await start();
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

        await upstream.ready.wait();
        upstream.addBeta();
        const { error, tools } = await changed.wait().catch((e) => {
          throw new Error(`${e.message}; clawpay-mcp said:\n${child.stderr()}`);
        });
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
}
