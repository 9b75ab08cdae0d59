// x402_pay's and the session tools' outputSchemas, as MCP SDK 1.x clients
// check them: a 1.x Client over stdio validates every structuredContent
// against the tool's outputSchema — failures (isError) included — and throws
// when one does not conform. Each tool's successes and failures pass here.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as StdioV1 } from '@modelcontextprotocol/sdk/client/stdio.js';

import { describeWorld, startWorld } from '../../lib/devnet/world.js';
import { BIN, ROOT } from './support/clawpay_child.js';

const TOOLS = ['x402_pay', 'x402_session_start', 'x402_session_fetch', 'x402_session_status', 'x402_session_end'];

describe('clawpay-mcp x402_pay and session tools under an MCP SDK 1.x client (outputSchema checked)', { timeout: 300_000 }, () => {
  let world;
  let info;
  let stateDir;
  let client;

  before(async () => {
    world = await startWorld();
    info = describeWorld(world);
    stateDir = mkdtempSync(join(tmpdir(), 'clawpay-mcp-schemas-'));
    const transport = new StdioV1({
      command: process.execPath, args: [BIN], cwd: ROOT, stderr: 'pipe',
      env: { ...info.mcpEnv, CLAWPAY_STATE_DIR: stateDir, HOME: stateDir, PATH: process.env.PATH },
    });
    client = new ClientV1({ name: 'sdk1-schemas-test', version: '1.0.0' });
    await client.connect(transport);
  });

  after(async () => {
    await client?.close().catch(() => {});
    await world?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  // The 1.x client throws when structuredContent does not match the outputSchema.
  const call = (name, args) => client.callTool({ name, arguments: args });

  test('tools/list gives x402_pay and the four session tools an outputSchema', async () => {
    const { tools } = await client.listTools();
    for (const name of TOOLS) {
      const tool = tools.find((t) => t.name === name);
      assert.equal(tool.outputSchema?.type, 'object', name);
    }
  });

  test('successes and failures of x402_pay and every session tool conform to their outputSchemas', async () => {
    const paid = await call('x402_pay', { url: info.routes.perCall });
    assert.notEqual(paid.isError, true, paid.content[0].text);
    assert.equal(paid.structuredContent.payment.amount, '10000');
    const free = await call('x402_pay', { url: `${info.paidApiUrl}/health` });
    assert.equal(free.structuredContent.payment, null);
    const refused = await call('x402_pay', { url: info.routes.perCall, max_payment: '0.001' });
    assert.equal(refused.structuredContent.error, 'policy_refused');
    const badUrl = await call('x402_pay', { url: 'ftp://x.example/' });
    assert.equal(badUrl.structuredContent.error, 'invalid_input');
    const noAnswer = await call('x402_pay', { url: 'http://127.0.0.1:9/x', timeout_ms: 1000 });
    assert.equal(noAnswer.isError, true);

    const started = await call('x402_session_start', { endpoint: info.routes.session, ttl_seconds: 600 });
    assert.notEqual(started.isError, true, started.content[0].text);
    const id = started.structuredContent.sessionId;
    assert.equal(started.structuredContent.session.sessionId, id);

    const fetched = await call('x402_session_fetch', { session_id: id, url: `${info.routes.session}?day=1` });
    assert.notEqual(fetched.isError, true, fetched.content[0].text);
    assert.equal(fetched.structuredContent.callCount, 1);
    // x402_pay through the covering session: its session-used result.
    const viaPay = await call('x402_pay', { url: info.routes.session });
    assert.equal(viaPay.structuredContent.payment, null);
    assert.equal(viaPay.structuredContent.session.sessionId, id);
    assert.equal(viaPay.structuredContent.callCount, 2);

    const outside = await call('x402_session_fetch', { session_id: id, url: info.routes.perCall });
    assert.equal(outside.isError, true);
    assert.equal(outside.structuredContent.error, 'out_of_scope');

    const one = await call('x402_session_status', { session_id: id });
    assert.equal(one.structuredContent.session.state, 'active');
    const list = await call('x402_session_status', {});
    assert.equal(list.structuredContent.count, 1);
    const missing = await call('x402_session_status', { session_id: 'not-a-session' });
    assert.equal(missing.structuredContent.error, 'session_not_found');

    const ended = await call('x402_session_end', { session_id: id });
    assert.equal(ended.structuredContent.ended, true);
    assert.equal(ended.structuredContent.revocation.ok, true);
    const again = await call('x402_session_end', { session_id: id });
    assert.equal(again.structuredContent.alreadyEnded, true);
    const afterEnd = await call('x402_session_fetch', { session_id: id, url: info.routes.session });
    assert.equal(afterEnd.structuredContent.error, 'session_ended');
    const unknown = await call('x402_session_end', { session_id: '00000000-0000-4000-8000-000000000000' });
    assert.equal(unknown.structuredContent.error, 'session_not_found');

    const bad = await call('x402_session_start', { endpoint: `${info.routes.session}/../x` });
    assert.equal(bad.structuredContent.error, 'invalid_input');
    const freeStart = await call('x402_session_start', { endpoint: `${info.paidApiUrl}/health` });
    assert.ok(freeStart.structuredContent, freeStart.content[0].text);
  });
});
