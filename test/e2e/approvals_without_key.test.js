// Issue #18: the person who approves does not hold the agent's key. The real
// clawpay-mcp (with the key) queues sends over its limit; `clawpay approvals
// approve` runs on a real terminal (script(1)) in an environment with no key
// and no chain, and only records the approval; clawpay-mcp sends it — at its
// next tool call, or when it starts — once, under the limits then in force.
// Cancelling an approved item before it is sent sends nothing; a lowered
// limit refuses it; clawpay-mcp killed (-9) after the node took the
// transaction but before it heard back is reconciled on restart, and the
// money moves exactly once. Balances are read from the chain, to the base unit.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { Signer } from '../../lib/index.js';
import { startChain } from '../../lib/devnet/chain.js';
import { assetEnv, deployUsdCoin, mintUsdCoin, usdcBalance } from '../../lib/devnet/token.js';
import { openPayStore } from '../../lib/pay/store.js';
import { createApprovalQueue } from '../../lib/wallet/approval_queue.js';
import { launchClawpay } from './support/clawpay_child.js';
import { runNode } from './support/run_node.js';
import { startRpcProxy } from './support/rpc_proxy.js';

const CLAWPAY = fileURLToPath(new URL('../../bin/clawpay.js', import.meta.url));
const TX_HASH = /0x[0-9a-f]{64}/;

describe('approvals without the agent key: a person approves, clawpay-mcp sends', { timeout: 300_000 }, () => {
  let chain;
  let token;
  let agent;
  let stateDir;
  let mcpEnv;
  let store;
  let queue;
  let proxy;
  const children = [];
  const recipient = Signer.generate().address;
  const balance = () => usdcBalance({ chain, token, address: recipient });
  // The approver's whole environment: the state directory, nothing of the key or the chain.
  const personEnv = () => ({ PATH: process.env.PATH, HOME: stateDir, CLAWPAY_STATE_DIR: stateDir });

  async function launch(extra = {}) {
    const child = await launchClawpay({ ...mcpEnv, ...extra });
    children.push(child);
    return child;
  }

  /** `clawpay approvals ARGS` on a real terminal (script(1)), with the person's environment, answering "yes". */
  function approveOnTerminal(id) {
    return new Promise((resolve, reject) => {
      const child = spawn('script', ['-qefc', [process.execPath, CLAWPAY, 'approvals', 'approve', id].join(' '), '/dev/null'], {
        env: personEnv(), stdio: ['pipe', 'pipe', 'pipe'],
      });
      let output = '';
      let typed = false;
      child.stdout.setEncoding('utf8').on('data', (d) => {
        output += d;
        if (!typed && output.includes('Type "yes" to approve: ')) {
          typed = true;
          child.stdin.write('yes\r');
        }
      });
      child.stderr.setEncoding('utf8').on('data', (d) => { output += d; });
      child.on('error', reject);
      child.on('close', (code) => resolve({ code, output }));
    });
  }

  const person = (args) => runNode(CLAWPAY, ['approvals', ...args], { env: personEnv() });

  async function queued(mcp, amount, memo) {
    const result = await mcp.callOk('send_payment', { to: recipient, amount_eth: amount, token: token.address, memo });
    assert.equal(result.structuredContent.status, 'queued', result.content[0].text);
    return result.structuredContent.queueId;
  }

  const texts = (result) => result.content.map((c) => c.text).join('\n');

  before(async () => {
    chain = await startChain();
    const deployer = Signer.fromPrivateKey(chain.accounts[0].privateKey);
    agent = chain.accounts[2];
    token = await deployUsdCoin({ chain, deployer });
    await mintUsdCoin({ chain, token, owner: deployer, to: agent.address, amount: 100_000_000n });
    deployer.destroy();
    stateDir = mkdtempSync(join(tmpdir(), 'clawpay-approve-keyless-'));
    proxy = await startRpcProxy(chain.rpcUrl);
    mcpEnv = {
      AGENT_PRIVATE_KEY: agent.privateKey,
      CHAIN_ID: String(chain.chainId),
      RPC_URL: chain.rpcUrl,
      ...assetEnv(token),
      CLAWPAY_ASSET_SYMBOL: 'USDC',
      CLAWPAY_STATE_DIR: stateDir,
      HOME: stateDir,
      CLAWPAY_MAX_PER_SEND: '1',
    };
  });

  after(async () => {
    for (const child of children) await child.close().catch(() => {});
    store?.close();
    await proxy?.close();
    await chain?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  test('approved on a terminal without the key, the running clawpay-mcp sends it at its next tool call, once', async () => {
    const mcp = await launch();
    const id = await queued(mcp, '5', 'invoice 9');
    store = await openPayStore({ stateDir });
    queue = createApprovalQueue({ store });
    const before = await balance();

    const { code, output } = await approveOnTerminal(id);
    assert.equal(code, 0, output);
    assert.match(output, /Send 5\.00 USDC \(5000000 base units of 0x[0-9a-fA-F]{40}\) to 0x[0-9a-fA-F]{40}\? Type "yes" to approve: /);
    assert.match(output, new RegExp(`Approved #${id}; nothing is sent from here`));
    assert.equal(queue.get(id).status, 'approved');
    assert.equal(await balance(), before, 'the approver sends nothing');
    const listed = await person(['list']);
    assert.match(listed.stdout, new RegExp(`#${id} +approved +5\\.00 USDC`));

    const info = await mcp.callOk('get_wallet_info', { token: token.address });
    const note = texts(info);
    assert.match(note, new RegExp(`Approved by a person \\(clawpay approvals\\):\\n  #${id}: 5\\.00 USDC \\(5000000 base units\\) to ${recipient}: sent, tx 0x[0-9a-f]{64}`));
    assert.equal(await balance(), before + 5_000_000n);
    const item = queue.get(id);
    assert.equal(item.status, 'executed');
    assert.equal((await chain.publicClient.getTransactionReceipt({ hash: item.txHash })).status, 'success');
    assert.ok(note.includes(item.txHash));

    const again = await mcp.callOk('get_wallet_info', { token: token.address });
    assert.doesNotMatch(texts(again), /Approved by a person/);
    assert.equal(await balance(), before + 5_000_000n, 'sent once');
    assert.match(mcp.stderr(), new RegExp(`#${id}: 5\\.00 USDC \\(5000000 base units\\) to ${recipient}: sent, tx 0x[0-9a-f]{64}`));
    await mcp.close();
  });

  test('an approved item cancelled before clawpay-mcp sends it is never sent', async () => {
    const mcp = await launch();
    const id = await queued(mcp, '3', 'cancel me');
    const before = await balance();
    assert.equal((await person(['approve', id, '--yes'])).code, 0);
    const cancelled = await person(['cancel', id]);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.match(cancelled.stdout, new RegExp(`Cancelled #${id}; nothing was sent\\.`));
    const result = await mcp.callOk('queue_approval', { action: 'list' });
    assert.doesNotMatch(texts(result), /Approved by a person/);
    assert.equal(queue.get(id).status, 'cancelled');
    assert.equal(await balance(), before);
    await mcp.close();
  });

  test('a limit lowered after the send was queued refuses the approved send when clawpay-mcp starts; nothing moves', async () => {
    const first = await launch();
    const id = await queued(first, '2', 'lowered');
    await first.close();
    assert.equal((await person(['approve', id, '--yes'])).code, 0);
    const before = await balance();
    const mcp = await launch({ CLAWPAY_MAX_PER_SEND: '0.5' });
    // Sent (or refused) at start, before any tool call; the list call waits for that run.
    const result = await mcp.callOk('queue_approval', { action: 'list' });
    const item = queue.get(id);
    assert.equal(item.status, 'refused', JSON.stringify(item));
    assert.match(item.error, /CLAWPAY_MAX_PER_SEND was lowered from 1\.00 USDC to 0\.50 USDC after this send was queued/);
    assert.match(mcp.stderr() + texts(result), new RegExp(`#${id}: 2\\.00 USDC \\(2000000 base units\\) to ${recipient}: refused: Queued send #${id} was approved but not sent: CLAWPAY_MAX_PER_SEND was lowered`));
    assert.equal(await balance(), before);
    const all = await person(['list', '--all']);
    assert.match(all.stdout, new RegExp(`#${id} +refused +2\\.00 USDC[\\s\\S]*error: +CLAWPAY_MAX_PER_SEND was lowered`));
    await mcp.close();
  });

  test('clawpay-mcp killed (-9) after the node took the approved transaction, before it heard back: restarted, it is reconciled, sent once', async () => {
    const first = await launch();
    const id = await queued(first, '4', 'crash');
    await first.close();
    assert.equal((await person(['approve', id, '--yes'])).code, 0);
    const before = await balance();

    const held = proxy.holdAfterForwarding('eth_sendRawTransaction');
    const doomed = await launch({ RPC_URL: proxy.url });
    const theirs = doomed.transport.onclose;
    const exited = new Promise((resolve) => {
      doomed.transport.onclose = () => {
        theirs?.();
        resolve();
      };
    });
    const { answer } = await held; // the chain has it; clawpay-mcp waits for an answer that never comes
    const txHash = answer.result;
    assert.match(txHash, TX_HASH);
    process.kill(doomed.pid, 'SIGKILL');
    await exited;
    assert.equal(await balance(), before + 4_000_000n, 'the transaction is on chain');
    assert.equal(queue.get(id).status, 'approving', 'killed before the outcome was recorded');

    const mcp = await launch();
    const result = await mcp.callOk('get_wallet_info', { token: token.address });
    const item = queue.get(id);
    assert.equal(item.status, 'executed', JSON.stringify(item));
    assert.equal(item.txHash, txHash);
    await mcp.callOk('get_wallet_info', { token: token.address });
    assert.equal(await balance(), before + 4_000_000n, 'sent exactly once');
    const nonce = await chain.publicClient.getTransactionCount({ address: agent.address });
    assert.ok(!texts(result).includes('sent, tx') || texts(result).includes(txHash), texts(result));
    const all = await person(['list', '--all']);
    assert.match(all.stdout, new RegExp(`#${id} +executed +4\\.00 USDC[\\s\\S]*tx: +${txHash}`));
    assert.equal(await chain.publicClient.getTransactionCount({ address: agent.address }), nonce);
    await mcp.close();
  });
});
