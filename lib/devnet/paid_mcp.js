// The devnet's paid MCP server: an McpServer from the official SDK with two
// paid tools, served over Streamable HTTP at /mcp and paid through the same
// engine (and receipt ledger) as the paid API.
import { createServer } from 'node:http';

import { McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';

import { createPaidMcpHttpHandler, paidTool } from '../paywall/mcp.js';
import { PER_CALL_PRICE, SESSION_PRICE, SESSION_TTL_SECONDS } from './paywall_server.js';

function paidTools({ engine, price, endpoint }) {
  const server = new McpServer({ name: 'clawpay-devnet-tools', version: '1.0.0' });
  const options = { engine, endpoint };
  paidTool(server, 'weather', {
    description: 'Weather report for a city: 0.01 USDC per call, or 0.05 USDC for an hour of calls',
    inputSchema: z.object({ city: z.string().max(100) }),
    outputSchema: z.object({ city: z.string(), forecast: z.string(), temperatureC: z.number() }),
    price: price(PER_CALL_PRICE),
    session: { price: SESSION_PRICE, maxTtlSeconds: SESSION_TTL_SECONDS },
  }, async ({ city }) => {
    const report = { city, forecast: 'sunny', temperatureC: 21 };
    return { content: [{ type: 'text', text: JSON.stringify(report) }], structuredContent: report };
  }, options);
  paidTool(server, 'echo', {
    description: 'Echoes its text back: 0.01 USDC per call',
    inputSchema: z.object({ text: z.string().max(1000) }),
    price: price(PER_CALL_PRICE),
  }, async ({ text }) => ({ content: [{ type: 'text', text }] }), options);
  return server;
}

/** Listens on 127.0.0.1; the MCP endpoint is `${url}/mcp`. */
export async function startPaidMcp({ engine, token, network, payTo, port = 0 }) {
  let endpoint = null;
  const price = (amount) => ({
    amount, asset: token.address, network, payTo, name: token.name, version: token.version, decimals: token.decimals,
  });
  const mcp = createPaidMcpHttpHandler({ createServer: () => paidTools({ engine, price, endpoint: () => endpoint }) });
  const server = createServer((req, res) => {
    if (new URL(req.url, 'http://localhost').pathname === '/mcp') return mcp(req, res);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: the MCP endpoint is /mcp\n');
    return undefined;
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  endpoint = `http://127.0.0.1:${server.address().port}/mcp`;
  return {
    url: endpoint,
    stop: async () => {
      await mcp.close?.();
      await new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
