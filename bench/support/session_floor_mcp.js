// The true floor of (c) in bench/session_call.js: a stdio MCP server made
// with the same SDK and transport as clawpay-mcp, whose one tool is
// registered as x402_session_fetch is (its zod input and output schemas,
// lib/mcp/schemas.js and output_schemas.js) and does the least a session
// fetch must: one undici request on a kept-alive pool to the session route,
// the session's headers prepared once, and the body returned as text and in
// structuredContent, as clawpay-mcp's result carries it. No journal, no
// policy, no scope check: what is left is the SDK's share of a session fetch.
//   FLOOR_URL      the session route
//   FLOOR_HEADERS  the session's headers, JSON
import { McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { Agent } from 'undici';

import { sessionFetchOutput } from '../../lib/mcp/output_schemas.js';
import { sessionFetchInput } from '../../lib/mcp/schemas.js';

const url = new URL(process.env.FLOOR_URL);
const headers = { accept: 'application/json, text/plain, */*', ...JSON.parse(process.env.FLOOR_HEADERS) };
const agent = new Agent({ connections: 16, keepAliveTimeout: 10_000 });
const path = `${url.pathname}${url.search}`;

async function sessionFetch(args) {
  const startedAt = Date.now();
  const res = await agent.request({ origin: url.origin, path, method: 'GET', headers });
  const body = await res.body.text();
  return {
    content: [{ type: 'text', text: body }],
    structuredContent: {
      url: args.url, method: args.method, status: res.statusCode, elapsedMs: Date.now() - startedAt,
      contentType: res.headers['content-type'] ?? null, body, payment: null, refused: null,
    },
  };
}

serveStdio(() => {
  const server = new McpServer({ name: 'session-floor', version: '1.0.0' });
  server.registerTool('session_fetch', {
    title: 'Session fetch floor', description: 'One kept-alive request to the session route.',
    inputSchema: sessionFetchInput, outputSchema: sessionFetchOutput,
  }, sessionFetch);
  return server;
});
process.stdin.once('end', () => process.exit(0));
