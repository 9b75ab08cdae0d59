// The MCP floor of bench/session_call.js: a stdio MCP server made with the
// same SDK and transport as clawpay-mcp, with one tool that does nothing.
// What a call to it costs is what any tool call costs before its own work.
import { McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';

serveStdio(() => {
  const server = new McpServer({ name: 'noop', version: '1.0.0' });
  server.registerTool('noop', { title: 'No-op', description: 'Answers "ok".' }, async () => ({ content: [{ type: 'text', text: 'ok' }] }));
  return server;
});
process.stdin.once('end', () => process.exit(0));
