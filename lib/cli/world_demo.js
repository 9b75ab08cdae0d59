// The second half of `clawpay demo`: the local x402 world paid for real
// through clawpay-mcp. The demo starts the world, launches `clawpay-mcp`
// the way an MCP client does (stdio, the official MCP client, the
// environment `clawpay devnet` prints), and drives its tools: one x402_pay,
// one session with 20 x402_session_fetch calls, status, end. Then the wallet
// tools on the devnet's AgentAccountV2: its limits, a send within them, one
// over them (queued on chain for the owner). It prints what was paid, how
// balances moved, and per-call times.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';

import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';

import { formatUnits } from '../pay/amount.js';
import { usdcBalance } from '../devnet/token.js';
import { describeWorld, startWorld } from '../devnet/world.js';

const SESSION_CALLS = 20;
const BIN = fileURLToPath(new URL('../../bin/clawpay-mcp.js', import.meta.url));

const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;
const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1];

// A one-line progress bar on a terminal; nothing (the summary line says it
// all) when the output is a file or a pipe.
function progress(done, total) {
  if (!process.stdout.isTTY) return;
  const width = 20;
  const filled = Math.round((done / total) * width);
  process.stdout.write(`\r         [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} session calls`);
  if (done === total) process.stdout.write('\r\x1b[K');
}

/** clawpay-mcp over stdio with `env`, as an MCP client launches it. */
async function launchClawpay(env) {
  const client = new Client({ name: 'clawpay-demo', version: '1.0.0' });
  await client.connect(new StdioClientTransport({
    command: process.execPath,
    args: [BIN],
    env: { ...env, PATH: process.env.PATH ?? '' },
    stderr: 'ignore',
  }));
  return client;
}

async function tool(client, name, args) {
  const start = process.hrtime.bigint();
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name} failed: ${result.content?.[0]?.text ?? JSON.stringify(result)}`);
  return { out: result.structuredContent, elapsed: ms(start) };
}

export async function worldDemo(log = console.log) {
  const started = process.hrtime.bigint();
  const world = await startWorld();
  const info = describeWorld(world);
  const stateDir = mkdtempSync(join(tmpdir(), 'clawpay-demo-'));
  let client;
  let walletClient;
  try {
    const { token, chain } = world;
    const units = (n) => `${formatUnits(n, token.decimals)} USDC`;
    const balance = (address) => usdcBalance({ chain, token, address });
    log(`world    anvil, USD Coin, facilitator, paid API and MCP up in ${ms(started).toFixed(0)} ms`);

    const launchedAt = process.hrtime.bigint();
    client = await launchClawpay({ ...info.mcpEnv, CLAWPAY_STATE_DIR: join(stateDir, 'key') });
    const { tools } = await client.listTools();
    log(`mcp      clawpay-mcp launched over stdio in ${ms(launchedAt).toFixed(0)} ms: ${tools.length} tools`);
    const before = [await balance(info.payer.address), await balance(info.payTo)];

    const pay = await tool(client, 'x402_pay', { url: info.routes.perCall });
    log(`x402_pay ${info.routes.perCall.replace(info.paidApiUrl, '')}: ${pay.out.status}, paid ${units(BigInt(pay.out.payment.amount))} ` +
      `(x402 v${pay.out.payment.x402Version}, tx ${pay.out.payment.transaction.slice(0, 14)}…) in ${pay.elapsed.toFixed(1)} ms`);

    const start = await tool(client, 'x402_session_start', { endpoint: info.routes.session, label: 'demo' });
    const sessionId = start.out.sessionId;
    log(`session  started: paid ${units(BigInt(start.out.payment.amount))} once in ${start.elapsed.toFixed(1)} ms (session ${sessionId.slice(0, 8)}…)`);

    const times = [];
    for (let i = 0; i < SESSION_CALLS; i++) {
      const fetched = await tool(client, 'x402_session_fetch', { session_id: sessionId, url: `${info.routes.session}?day=${i + 1}` });
      if (fetched.out.status !== 200) throw new Error(`session call ${i + 1}: status ${fetched.out.status}`);
      times.push(fetched.elapsed);
      progress(i + 1, SESSION_CALLS);
    }
    log(`session  ${SESSION_CALLS} x402_session_fetch calls, no payment each: median ${median(times).toFixed(1)} ms ` +
      `(x402_pay per call: ${pay.elapsed.toFixed(1)} ms)`);

    const status = await tool(client, 'x402_session_status', { session_id: sessionId });
    log(`status   ${status.out.session.callCount} calls under the session, state ${status.out.session.state}`);
    const end = await tool(client, 'x402_session_end', { session_id: sessionId });
    log(`end      session ended${end.out.revocation?.ok ? ' and revoked on the server' : ''}`);

    const after = [await balance(info.payer.address), await balance(info.payTo)];
    log(`balances payer ${units(after[0] - before[0])}, payee +${units(after[1] - before[1])} (one call 0.01 + one session 0.05)`);
    log(`ledger   ${(await world.store.list()).filter((r) => r.status === 'settled').length} settlements recorded by the paywall`);

    // The wallet tools, on the contract wallet the devnet deployed.
    walletClient = await launchClawpay({ ...info.mcpEnv, AGENT_WALLET_ADDRESS: info.agentWallet.address, CLAWPAY_STATE_DIR: join(stateDir, 'contract') });
    const wallet = (await tool(walletClient, 'get_wallet_info', {})).out;
    const limits = wallet.limits.find((l) => l.token === token.address);
    log(`wallet   AgentAccountV2 ${wallet.address.slice(0, 10)}…, agent key ${wallet.contract.operatorActive ? 'an operator' : 'NOT an operator'}: ${limits.perTx.amount} USDC per payment, ` +
      `${limits.periodLimit.amount} a day, ${limits.remainingInPeriod.amount} left`);
    const supplier = privateKeyToAccount(generatePrivateKey()).address;
    const sent = await tool(walletClient, 'send_payment', { to: supplier, amount_eth: '0.50', token: token.address });
    log(`send     0.50 USDC within the limit: ${sent.out.status} on chain (tx ${sent.out.txHash.slice(0, 14)}…) in ${sent.elapsed.toFixed(0)} ms; ` +
      `the supplier holds ${units(await balance(supplier))}`);
    const queued = await tool(walletClient, 'send_payment', { to: supplier, amount_eth: '2', token: token.address });
    const approval = await walletClient.callTool({ name: 'queue_approval', arguments: { action: 'approve', tx_id: queued.out.queueId } });
    log(`send     2 USDC, over the limit: ${queued.out.status} as #${queued.out.queueId}, nothing moved; approving it is ` +
      `${approval.structuredContent?.error === 'owner_action_required' ? 'left to the owner (the agent key never sends owner calls)' : 'NOT refused'}`);
  } finally {
    await walletClient?.close();
    await client?.close();
    await world.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}
