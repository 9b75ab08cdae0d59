// The Cloudflare peer as a seller: an MCP SDK 1.x McpServer whose `weather`
// tool is a paid tool of agents/x402 (withX402 → server.paidTool), priced in
// dollars, settled through the devnet's facilitator, served statelessly over
// Streamable HTTP at /mcp (a fresh server per request, as the SDK's examples do).
import { createServer } from 'node:http';

import { withX402 } from 'agents/x402';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import * as z from 'zod';

/** agents/x402 takes a price in dollars. */
export const AGENTS_PRICE_USD = 0.02;

/** Starts it; {url, calls, stop}. `calls` counts the times the tool itself ran. */
export async function startAgentsPaidMcp({ facilitatorUrl, recipient, network = 'base-sepolia' }) {
  const state = { calls: 0 };
  const makeServer = () => {
    const server = withX402(new McpServer({ name: 'agents-x402-seller', version: '1.0.0' }), {
      network, recipient, facilitator: { url: facilitatorUrl },
    });
    server.paidTool('weather', 'Weather report for a city, paid with agents/x402', AGENTS_PRICE_USD,
      { city: z.string().max(100) }, {}, async ({ city }) => {
        state.calls += 1;
        return { content: [{ type: 'text', text: `${city}: cloudy, 14°C` }] };
      });
    server.registerTool('ping', { description: 'Free: answers pong' }, async () => ({ content: [{ type: 'text', text: 'pong' }] }));
    return server;
  };
  const http = createServer(async (req, res) => {
    if (new URL(req.url, 'http://localhost').pathname !== '/mcp') {
      res.writeHead(404).end();
      return;
    }
    const server = makeServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      transport.close();
      server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500).end(String(error));
    }
  });
  await new Promise((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${http.address().port}/mcp`,
    get calls() {
      return state.calls;
    },
    stop: () => new Promise((resolve) => {
      http.close(() => resolve());
      http.closeAllConnections();
    }),
  };
}
