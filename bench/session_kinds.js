// Session fetches of each kind beside per-call payments, through the MCP
// client: clawpay-mcp over stdio driven by the official MCP client on the
// devnet's chain. Timed: one tools/call round trip, median of `samples`.
//   - siwx:    x402_session_fetch on the official @x402/express SIWX route
//              (lib/devnet/siwx_server.js), each call signing a fresh challenge
//   - per call: x402_pay on the official route of the same handler without
//              SIWX, each call an EIP-3009 payment settled on chain
//   - clawpay: x402_session_fetch on our paywall's session route (official
//              servers sell no ClawPay sessions), and x402_pay per call on its
//              per-call route beside it
//   node bench/session_kinds.js [--samples N]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

import { startSiwxServer } from '../lib/devnet/siwx_server.js';
import { describeWorld, startWorld } from '../lib/devnet/world.js';
import { formatNs } from './harness.js';

const BIN = fileURLToPath(new URL('../bin/clawpay-mcp.js', import.meta.url));

async function launch(env) {
  const transport = new StdioClientTransport({ command: process.execPath, args: [BIN], env: { PATH: process.env.PATH, ...env }, stderr: 'ignore' });
  const client = new Client({ name: 'clawpay-bench', version: '1.0.0' });
  await client.connect(transport);
  const call = async (name, args) => {
    const result = await client.callTool({ name, arguments: args });
    if (result.isError) throw new Error(`${name}: ${result.content?.[0]?.text}`);
    return result.structuredContent;
  };
  return { call, close: () => client.close() };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/** Median ns of `samples` awaited calls of `fn`, after `warmup` untimed ones. */
async function timed(fn, { samples, warmup = 3 }) {
  for (let i = 0; i < warmup; i += 1) await fn();
  const times = [];
  for (let i = 0; i < samples; i += 1) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start));
  }
  return median(times);
}

export async function sessionKindRows({ samples = 30 } = {}) {
  const world = await startWorld();
  const info = describeWorld(world);
  const seller = await startSiwxServer({ chain: world.chain, token: world.token, facilitatorUrl: world.facilitator.url, payTo: world.payTo });
  const stateDir = mkdtempSync(join(tmpdir(), 'clawpay-bench-kinds-'));
  // A budget for the per-call payments and purchases below.
  const mcp = await launch({ ...info.mcpEnv, CLAWPAY_STATE_DIR: stateDir, HOME: stateDir, CLAWPAY_MAX_PER_DAY: '50' });
  try {
    const siwx = await mcp.call('x402_session_start', { endpoint: seller.routes.siwx });
    const clawpay = await mcp.call('x402_session_start', { endpoint: info.routes.session });
    const rows = [
      ['siwx session fetch (official server)', () => mcp.call('x402_session_fetch', { session_id: siwx.sessionId, url: seller.routes.siwx })],
      ['per-call payment (official server)', () => mcp.call('x402_pay', { url: seller.routes.plain, skip_session_check: true })],
      ['clawpay session fetch (our paywall)', () => mcp.call('x402_session_fetch', { session_id: clawpay.sessionId, url: info.routes.session })],
      ['per-call payment (our paywall)', () => mcp.call('x402_pay', { url: info.routes.perCall, skip_session_check: true })],
    ];
    const out = [];
    for (const [name, fn] of rows) out.push({ name, ns: await timed(fn, { samples }) });
    return out;
  } finally {
    await mcp.close();
    await seller.stop();
    await world.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

export function printSessionKinds(rows) {
  console.log('\nSession kinds through the MCP client (clawpay-mcp over stdio, one tools/call, median)');
  const base = rows.find((row) => row.name.startsWith('per-call payment (official'));
  for (const row of rows) {
    const vs = row === base ? '' : `  ${(base.ns / row.ns).toFixed(1)}× as fast as the official per-call payment`;
    console.log(`  ${row.name.padEnd(40)} ${formatNs(row.ns).padStart(10)}${vs}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--samples');
  const samples = at > 0 ? Number(process.argv[at + 1]) : 30;
  printSessionKinds(await sessionKindRows({ samples }));
}
