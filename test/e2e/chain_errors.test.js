// Issue #18: every chain error names the RPC URL without its credentials,
// and what was being read. clawpay-mcp runs against a real local JSON-RPC
// endpoint in front of anvil whose URL carries a key in its path and its
// query; mid-session the endpoint starts answering JSON-RPC errors, then
// closing the socket without an answer. Each wallet tool's text then says
// "RPC http://127.0.0.1:<port>/… failed while reading <the read>: <the
// node's answer>", and neither the path's key nor the query's is printed
// anywhere (tool texts, structured content, stderr).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { Signer } from '../../lib/index.js';
import { startChain } from '../../lib/devnet/chain.js';
import { assetEnv, deployUsdCoin, mintUsdCoin, usdcBalance } from '../../lib/devnet/token.js';
import { launchClawpay } from './support/clawpay_child.js';
import { startRpcProxy } from './support/rpc_proxy.js';

const PATH_KEY = 'pathkey7f3a9c';
const QUERY_KEY = 'querykey51d2e';

describe('chain errors name the RPC URL without credentials and the read (clawpay-mcp, an RPC failing mid-session)', { timeout: 180_000 }, () => {
  let chain;
  let token;
  let agent;
  let proxy;
  let stateDir;
  let mcp;
  let shown;
  const seen = [];

  // The balances are read together: whichever fails first is named.
  const aBalance = () => `the (ETH balance of ${agent.address} \\(eth_getBalance\\)|USDC balance of ${agent.address} \\(balanceOf on ${token.address}\\))`;

  async function fails(name, args) {
    const result = await mcp.call(name, args);
    const text = result.content.map((c) => c.text).join('\n');
    seen.push(text, JSON.stringify(result.structuredContent ?? null));
    assert.equal(result.isError, true, `${name} should fail: ${text}`);
    return { text, structured: result.structuredContent };
  }

  before(async () => {
    chain = await startChain();
    const deployer = Signer.fromPrivateKey(chain.accounts[0].privateKey);
    agent = chain.accounts[3];
    token = await deployUsdCoin({ chain, deployer });
    await mintUsdCoin({ chain, token, owner: deployer, to: agent.address, amount: 10_000_000n });
    deployer.destroy();
    proxy = await startRpcProxy(chain.rpcUrl);
    shown = `http://127\\.0\\.0\\.1:${proxy.port}/…`;
    stateDir = mkdtempSync(join(tmpdir(), 'clawpay-chain-errors-'));
    mcp = await launchClawpay({
      AGENT_PRIVATE_KEY: agent.privateKey,
      CHAIN_ID: String(chain.chainId),
      RPC_URL: `${proxy.url}/v3/${PATH_KEY}?apikey=${QUERY_KEY}`,
      ...assetEnv(token),
      CLAWPAY_ASSET_SYMBOL: 'USDC',
      CLAWPAY_STATE_DIR: stateDir,
      HOME: stateDir,
    });
    // The session starts with a working chain.
    await mcp.callOk('get_wallet_info', { token: token.address });
  });

  after(async () => {
    await mcp?.close();
    await proxy?.close();
    await chain?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  test('JSON-RPC errors: get_wallet_info names the balance it was reading, the URL without its key, and the node\'s answer', async () => {
    proxy.mode('error');
    const { text, structured } = await fails('get_wallet_info', { token: token.address });
    assert.match(text, new RegExp(`RPC ${shown} failed while reading ${aBalance()}: [A-Za-z ]+: backend unavailable`));
    assert.equal(structured.error, 'ERR_RPC');
  });

  test('JSON-RPC errors: get_transaction_history names the block number it was reading', async () => {
    const { text } = await fails('get_transaction_history', {});
    assert.match(text, new RegExp(`RPC ${shown} failed while reading the latest block number \\(eth_blockNumber\\): [A-Za-z ]+: backend unavailable`));
  });

  test('socket closed without an answer: get_wallet_info and send_payment name the URL and the read; nothing is sent', async () => {
    proxy.mode('close');
    const info = await fails('get_wallet_info', {});
    assert.match(info.text, new RegExp(`RPC ${shown} failed while reading ${aBalance()}: HTTP request failed`));
    const to = Signer.generate().address;
    const send = await fails('send_payment', { to, amount_eth: '0.5', token: token.address });
    assert.match(send.text, new RegExp(`The RPC endpoint did not answer the simulation \\(HTTP request failed.*, RPC ${shown}\\); nothing was signed or sent`));
    assert.equal(await usdcBalance({ chain, token, address: to }), 0n, 'read from the chain itself');
    assert.equal(await usdcBalance({ chain, token, address: agent.address }), 10_000_000n);
  });

  test('neither the path\'s key nor the query\'s appears in any tool text or on stderr', () => {
    const all = `${seen.join('\n')}\n${mcp.stderr()}`;
    assert.ok(seen.length >= 8);
    for (const secret of [PATH_KEY, QUERY_KEY, '/v3/']) assert.ok(!all.includes(secret), `${secret} was shown`);
  });
});
