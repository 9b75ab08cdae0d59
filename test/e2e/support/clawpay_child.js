// clawpay-mcp as MCP clients launch it: `node bin/clawpay-mcp.js` over stdio,
// connected to the official MCP client, with helpers that call its tools.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BIN = join(ROOT, 'bin', 'clawpay-mcp.js');

/**
 * Starts clawpay-mcp with exactly `env` (plus PATH) and `args`, and connects a client.
 * @returns {Promise<{client, transport, pid, stderr: () => string, call, callOk, callFails, close}>}
 */
export async function launchClawpay(env, { args = [], clientOptions } = {}) {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [BIN, ...args],
    env: { PATH: process.env.PATH, ...env },
    stderr: 'pipe',
    cwd: ROOT,
  });
  let stderr = '';
  transport.stderr.on('data', (chunk) => { stderr += chunk; });
  const client = new Client({ name: 'clawpay-mcp-test', version: '1.0.0' }, clientOptions);
  await client.connect(transport);
  const call = (name, args = {}) => client.callTool({ name, arguments: args });
  return {
    client,
    transport,
    pid: transport.pid,
    stderr: () => stderr,
    call,
    /** Calls a tool and asserts it did not fail; returns the result. */
    async callOk(name, args = {}) {
      const result = await call(name, args);
      assert.notEqual(result.isError, true, `${name} failed: ${result.content?.[0]?.text}`);
      return result;
    },
    /** Calls a tool and asserts it failed with `error`; returns the result. */
    async callFails(name, args, error) {
      const result = await call(name, args);
      assert.equal(result.isError, true, `${name} should have failed: ${result.content?.[0]?.text}`);
      if (error !== undefined) assert.equal(result.structuredContent?.error, error, result.content?.[0]?.text);
      return result;
    },
    close: () => client.close(),
  };
}
