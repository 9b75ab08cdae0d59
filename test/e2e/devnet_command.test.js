// `clawpay devnet` as a user runs it: one JSON line on stdout when ready,
// every advertised URL working, and nothing left running after SIGTERM.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { decodePaymentResponseHeader } from '@x402/core/http';
import { wrapFetchWithPayment, x402Client } from '@x402/fetch';
import { ExactEvmScheme } from '@x402/evm/exact/client';
import { createPublicClient, http } from 'viem';

import { Signer, toViemAccount } from '../../lib/index.js';

const BIN = fileURLToPath(new URL('../../bin/clawpay.js', import.meta.url));

async function firstLine(stream) {
  let text = '';
  for await (const chunk of stream) {
    text += chunk;
    const end = text.indexOf('\n');
    if (end >= 0) return text.slice(0, end);
  }
  throw new Error(`stdout ended before a line: ${text}`);
}

async function exitOf(child) {
  const [code] = await once(child, 'exit');
  return code;
}

describe('clawpay devnet', { timeout: 120_000 }, () => {
  let child;
  let info;
  let stderr = '';

  before(async () => {
    child = spawn(process.execPath, [BIN, 'devnet'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stderr.setEncoding('utf8').on('data', (d) => { stderr += d; });
    child.stdout.setEncoding('utf8');
    info = JSON.parse(await firstLine(child.stdout));
  });

  after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  test('prints the world as one JSON line with every field', () => {
    for (const key of ['rpcUrl', 'chainId', 'network', 'asset', 'facilitatorUrl', 'paidApiUrl', 'paidMcpUrl', 'routes', 'payer', 'payTo', 'mcpEnv']) {
      assert.ok(info[key] !== undefined && info[key] !== null, `${key} in ${JSON.stringify(info)}`);
    }
    assert.deepEqual(Object.keys(info.asset).sort(), ['address', 'decimals', 'name', 'version']);
    assert.equal(info.asset.decimals, 6);
    assert.equal(info.network, `eip155:${info.chainId}`);
    assert.equal(info.chainId, 31337);
    assert.equal(info.v1Network, 'devnet-31337', 'a chain id x402 v1 has no name for');
    assert.equal(info.mcpEnv.AGENT_PRIVATE_KEY, info.payer.privateKey);
    assert.equal(info.mcpEnv.CHAIN_ID, String(info.chainId));
    assert.equal(info.mcpEnv.RPC_URL, info.rpcUrl);
    assert.equal(info.mcpEnv.CLAWPAY_ASSET_ADDRESS, info.asset.address);
    // A Claude Desktop entry that starts this package's clawpay-mcp on the world.
    const server = info.claudeDesktop.mcpServers['clawpay-devnet'];
    assert.equal(server.command, process.execPath);
    assert.match(server.args[0], /bin\/clawpay-mcp\.js$/);
    assert.deepEqual(server.env, info.mcpEnv);
    // The session routes say which URL is x402_session_start's endpoint; the old names stay.
    assert.equal(info.routes.sessionStart, info.routes.session);
    assert.equal(info.routes.sessionScope, info.routes.sessionEndpoint);
    assert.ok(info.routes.sessionStart.startsWith(`${info.routes.sessionScope}/`));
  });

  test('routes.perCall costs 0.01 USDC, paid by the official client', async () => {
    const signer = Signer.fromPrivateKey(info.payer.privateKey);
    const client = new x402Client()
      .setSpendControls({ allowedAssets: [{ network: info.network, asset: info.asset.address, maxAmountPerPayment: '10000' }] })
      .register(info.network, new ExactEvmScheme(toViemAccount(signer)));
    const res = await wrapFetchWithPayment(fetch, client)(info.routes.perCall);
    assert.equal(res.status, 200, await res.clone().text());
    const settlement = decodePaymentResponseHeader(res.headers.get('payment-response'));
    const receipt = await createPublicClient({ transport: http(info.rpcUrl) }).getTransactionReceipt({ hash: settlement.transaction });
    assert.equal(receipt.status, 'success');
    signer.destroy();
  });

  test('routes.session advertises a session; paidMcpUrl lists the paid tools', async () => {
    const res = await fetch(info.routes.session);
    assert.equal(res.status, 402);
    const body = await res.json();
    assert.equal(body.accepts.length, 2);
    assert.ok(body.accepts[1].extra.clawpaySession);

    const client = new Client({ name: 'devnet-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(info.paidMcpUrl)));
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((t) => t.name).sort(), ['echo', 'weather']);
    const unpaid = await client.callTool({ name: 'echo', arguments: { text: 'hi' } });
    assert.equal(unpaid.isError, true);
    assert.equal(unpaid.structuredContent.accepts[0].amount, '10000');
    await client.close();
  });

  test('SIGTERM stops the command and everything it started', async () => {
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, stderr);
    assert.match(stderr, /ready in \d+ ms/);
    assert.match(stderr, /stopped \(SIGTERM\)/);
    await assert.rejects(fetch(info.rpcUrl, { method: 'POST', body: '{}' }));
    await assert.rejects(fetch(info.facilitatorUrl));
    await assert.rejects(fetch(info.paidApiUrl));
  });
});

describe('clawpay devnet --chain-id', { timeout: 120_000 }, () => {
  test('84532 prints v1Network base-sepolia, the name legacy v1 clients know', async () => {
    const child = spawn(process.execPath, [BIN, 'devnet', '--chain-id', '84532'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      child.stdout.setEncoding('utf8');
      const info = JSON.parse(await firstLine(child.stdout));
      assert.equal(info.chainId, 84532);
      assert.equal(info.network, 'eip155:84532');
      assert.equal(info.v1Network, 'base-sepolia');
      assert.equal(info.mcpEnv.CHAIN_ID, '84532');
      assert.equal(info.mcpEnv.CLAWPAY_V1_NETWORK, 'base-sepolia');
      const chainId = await createPublicClient({ transport: http(info.rpcUrl) }).getChainId();
      assert.equal(chainId, 84532);
      child.kill('SIGTERM');
      assert.equal(await exitOf(child), 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  test('a chain id that is not a positive integer is a usage error, and nothing starts', async () => {
    for (const value of ['0', 'abc', '0x14a34', '1.5']) {
      const child = spawn(process.execPath, [BIN, 'devnet', '--chain-id', value], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (d) => { out += d; });
      child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
      assert.equal(await exitOf(child), 2, value);
      assert.equal(out, '', value);
      assert.match(err, new RegExp(`--chain-id must be a positive integer such as 84532, got "${value.replace('.', '\\.')}"`), value);
      assert.match(err, /usage: clawpay devnet/);
    }
  });

  test('--canonical-usdc puts the token at Base Sepolia\'s USDC address, named "USDC" as that asset signs; without such a chain it is a usage error', async () => {
    const child = spawn(process.execPath, [BIN, 'devnet', '--chain-id', '84532', '--canonical-usdc'], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      child.stdout.setEncoding('utf8');
      const info = JSON.parse(await firstLine(child.stdout));
      assert.deepEqual(info.asset, { address: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', name: 'USDC', version: '2', decimals: 6 });
      assert.equal(info.mcpEnv.CLAWPAY_ASSET_ADDRESS, info.asset.address);
      assert.equal(info.mcpEnv.CLAWPAY_ASSET_NAME, 'USDC');
      const name = await createPublicClient({ transport: http(info.rpcUrl) }).readContract({
        address: info.asset.address, abi: [{ type: 'function', name: 'name', stateMutability: 'view', inputs: [], outputs: [{ type: 'string' }] }], functionName: 'name',
      });
      assert.equal(name, 'USDC');
      child.kill('SIGTERM');
      assert.equal(await exitOf(child), 0);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    const refused = spawn(process.execPath, [BIN, 'devnet', '--canonical-usdc'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    refused.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
    assert.equal(await exitOf(refused), 2);
    assert.match(err, /--canonical-usdc needs a chain with a canonical USDC, such as --chain-id 84532; chain 31337 has none/);
  });

  test('a key pasted as the chain id is not echoed', async () => {
    const key = `0x${'ab'.repeat(32)}`;
    const child = spawn(process.execPath, [BIN, 'devnet', '--chain-id', key], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8').on('data', (d) => { err += d; });
    assert.equal(await exitOf(child), 2);
    assert.match(err, /--chain-id must be a positive integer such as 84532, got a value of 66 characters \(not shown\)/);
    assert.doesNotMatch(err, /[0-9a-f]{64}/i);
  });
});
