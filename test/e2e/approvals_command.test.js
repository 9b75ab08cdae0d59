// `clawpay approvals` as a person runs it: the real command in a child
// process, with clawpay-mcp's environment, against anvil and the queue the
// key-mode wallet filled. It lists what waits (amount, recipient, reason,
// memo), approves — sending once, after a person confirms on a real terminal
// (script(1)) or with --yes; without the key it records the approval for clawpay-mcp — and cancels
// (list, approve and cancel without the key); bad ids and usage are told
// apart by exit code; a contract wallet is sent to the chain; and neither the
// key nor RPC_URL (here carrying an API key) is ever printed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';

import { Signer } from '../../lib/index.js';
import { freePort, startChain } from '../../lib/devnet/chain.js';
import { assetEnv, deployUsdCoin, mintUsdCoin, usdcBalance } from '../../lib/devnet/token.js';
import { loadConfig } from '../../lib/pay/config.js';
import { openPayStore } from '../../lib/pay/store.js';
import { createApprovalQueue } from '../../lib/wallet/approval_queue.js';
import { createKeyWallet } from '../../lib/wallet/key_wallet.js';
import { runNode } from './support/run_node.js';

const BIN = fileURLToPath(new URL('../../bin/clawpay.js', import.meta.url));
const API_KEY = 'clawpaysecret42';
const TX_HASH = /0x[0-9a-f]{64}/;

describe('clawpay approvals', { timeout: 300_000 }, () => {
  let chain;
  let token;
  let deployer;
  let agent;
  let stateDir;
  let env;
  let store;
  let queue;
  let signer;
  const recipient = Signer.generate().address;
  const transcript = [];

  async function run(args, extraEnv = {}) {
    const result = await runNode(BIN, ['approvals', ...args], { env: { PATH: process.env.PATH, HOME: stateDir, ...env, ...extraEnv } });
    transcript.push(result.stdout, result.stderr);
    return result;
  }

  const balance = (address) => usdcBalance({ chain, token, address });

  before(async () => {
    chain = await startChain();
    deployer = Signer.fromPrivateKey(chain.accounts[0].privateKey);
    agent = chain.accounts[2];
    token = await deployUsdCoin({ chain, deployer });
    await mintUsdCoin({ chain, token, owner: deployer, to: agent.address, amount: 100_000_000n });
    stateDir = mkdtempSync(join(tmpdir(), 'clawpay-approvals-'));
    env = {
      AGENT_PRIVATE_KEY: agent.privateKey,
      CHAIN_ID: String(chain.chainId),
      RPC_URL: `${chain.rpcUrl}/?apikey=${API_KEY}`,
      ...assetEnv(token),
      CLAWPAY_ASSET_SYMBOL: 'USDC',
      CLAWPAY_STATE_DIR: stateDir,
      CLAWPAY_MAX_PER_SEND: '1',
    };
    // The agent's over-limit sends, queued by the wallet clawpay-mcp uses.
    const config = loadConfig({ ...env, HOME: stateDir });
    store = await openPayStore(config);
    signer = Signer.fromPrivateKey(config.privateKey);
    const wallet = createKeyWallet({ config, store, signer });
    const queued = [];
    for (const [amount, memo] of [['5', 'invoice 7'], ['3', null], ['500', 'too much'], ['4', 'later']]) {
      queued.push(await wallet.send({ to: recipient, amount, token: token.address, memo: memo ?? undefined }));
    }
    assert.deepEqual(queued.map((q) => [q.status, q.queueId]), [['queued', '1'], ['queued', '2'], ['queued', '3'], ['queued', '4']]);
    queue = createApprovalQueue({ store });
  });

  after(async () => {
    signer?.destroy();
    store?.close();
    await chain?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  test('list shows each pending send: amount with symbol, recipient, reason and memo', async () => {
    const { code, stdout, stderr } = await run([]);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /Approval queue: 4 pending/);
    assert.match(stdout, new RegExp(`#1 +pending +5\\.00 USDC \\(5000000 base units of ${token.address}\\) to ${recipient}`));
    assert.match(stdout, /why: +5\.00 USDC is above the per-send limit of 1\.00 USDC \(CLAWPAY_MAX_PER_SEND\)/);
    assert.match(stdout, /memo: +"invoice 7"/);
    assert.match(stdout, /#4 +pending +4\.00 USDC/);
    assert.equal((await run(['list'])).stdout, stdout);
  });

  test('approve sends the queued transfer once and prints its hash', async () => {
    const before = await balance(recipient);
    const { code, stdout, stderr } = await run(['approve', '1', '--yes']);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /Approving #1: 5\.00 USDC/);
    assert.match(stdout, /why it waited: .*CLAWPAY_MAX_PER_SEND/);
    assert.match(stdout, /Executed #1: sent 5\.00 USDC/);
    const hash = TX_HASH.exec(stdout)[0];
    const receipt = await chain.publicClient.getTransactionReceipt({ hash });
    assert.equal(receipt.status, 'success');
    assert.equal(await balance(recipient), before + 5_000_000n);
    assert.equal(queue.get('1').status, 'executed');

    const again = await run(['approve', '1', '--yes']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /^clawpay approvals: Queued send #1 is executed; only a pending one can be approved\.\n$/);
    assert.equal(await balance(recipient), before + 5_000_000n, 'once');
  });

  test('cancel drops a pending send; it cannot be approved afterwards', async () => {
    const before = await balance(recipient);
    const { code, stdout, stderr } = await run(['cancel', '#2']);
    assert.equal(code, 0, stderr);
    assert.match(stdout, /Cancelled #2; nothing was sent\./);
    assert.equal(queue.get('2').status, 'cancelled');
    assert.equal((await run(['approve', '2', '--yes'])).code, 1);
    assert.equal((await run(['cancel', '2'])).code, 1);
    assert.equal(await balance(recipient), before);
  });

  test('an approval that would revert is reported, and the item marked failed', async () => {
    const { code, stdout, stderr } = await run(['approve', '3', '--yes']);
    assert.equal(code, 1);
    assert.match(stderr, /#3 not executed: The transaction would fail: UsdCoin: transfer amount exceeds balance; nothing was signed or sent\./);
    assert.match(stdout, /#3 +failed/);
    assert.equal(queue.get('3').status, 'failed');
  });

  test('with the chain unreachable the item waits again; approved later, it executes', async () => {
    const closed = `http://127.0.0.1:${await freePort()}/?apikey=${API_KEY}`;
    const down = await run(['approve', '4', '--yes'], { RPC_URL: closed });
    assert.equal(down.code, 1);
    assert.match(down.stderr, /#4 not executed: The RPC endpoint did not answer the simulation/);
    assert.equal(queue.get('4').status, 'pending');
    const before = await balance(recipient);
    const { code, stderr } = await run(['approve', '4', '--yes']);
    assert.equal(code, 0, stderr);
    assert.equal(await balance(recipient), before + 4_000_000n);
    const all = await run(['list', '--all']);
    assert.match(all.stdout, /Approval queue: 0 pending, 4 settled/);
    assert.match(all.stdout, /#1 +executed[\s\S]*#2 +cancelled[\s\S]*#3 +failed[\s\S]*#4 +executed/);
  });

  test('usage: bad ids and subcommands exit 2, an unknown id exits 1', async () => {
    for (const args of [['approve', 'abc'], ['approve'], ['approve', '1', '2'], ['cancel', '-1'], ['frobnicate'], ['list', '--bogus'], ['list', 'extra']]) {
      const { code, stderr } = await run(args);
      assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
      assert.match(stderr, /usage: clawpay approvals/);
    }
    const missing = await run(['approve', '99', '--yes']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /No queued send #99/);
    const help = await run(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^usage: clawpay approvals/);
    assert.match(help.stdout, /without it \(CLAWPAY_STATE_DIR alone\) it records the approval and clawpay-mcp sends it/);
    const config = await run([], { AGENT_PRIVATE_KEY: 'not-a-key' });
    assert.equal(config.code, 1);
    assert.match(config.stderr, /AGENT_PRIVATE_KEY must be 0x \+ 64 hex digits/);
  });

  test('a contract wallet is refused, pointing the owner to approvePending / cancelPending on chain', async () => {
    const wallet = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
    const { code, stdout, stderr } = await run(['approve', '4'], { AGENT_WALLET_ADDRESS: wallet });
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, new RegExp(`AGENT_WALLET_ADDRESS ${wallet} is an AgentAccountV2 contract wallet`));
    assert.match(stderr, /approvePending\(txId\)/);
    assert.match(stderr, /cancelPending\(txId\)/);
  });

  /** Runs `clawpay approvals ARGS` on a real terminal (script(1) gives it a pty), typing `typed`. */
  function onTerminal(args, typed) {
    return new Promise((resolve, reject) => {
      const command = [process.execPath, BIN, 'approvals', ...args].join(' ');
      const child = spawn('script', ['-qefc', command, '/dev/null'], {
        env: { PATH: process.env.PATH, HOME: stateDir, ...env }, stdio: ['pipe', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (d) => {
        output += d;
        // Typed once the question is on the terminal, as a person would.
        if (typed !== null && output.includes('Type "yes" to approve: ')) {
          child.stdin.write(`${typed}\r`);
          typed = null;
        }
      });
      child.stderr.setEncoding('utf8').on('data', (d) => { output += d; });
      child.on('error', reject);
      child.on('close', (code) => {
        transcript.push(output);
        resolve({ code, output });
      });
    });
  }

  function queueSend(units) {
    return queue.add({
      to: recipient, value: { units: String(units), amount: (Number(units) / 1e6).toFixed(2), symbol: 'USDC', decimals: 6, token: token.address },
      token: token.address, decimals: 6, symbol: 'USDC', units, reason: 'above the per-send limit of 1.00 USDC (CLAWPAY_MAX_PER_SEND)',
    });
  }

  test('approve with neither a terminal nor --yes is refused, exit 2; nothing is sent', async () => {
    const item = queueSend(2_000_000n);
    const before = await balance(recipient);
    const { code, stdout, stderr } = await run(['approve', item.id]);
    assert.equal(code, 2);
    assert.equal(stdout, '');
    assert.match(stderr, new RegExp(`^clawpay approvals: approving #${item.id} sends money, so it asks the person at a terminal to confirm, and this is not a terminal; pass --yes to approve from a script \\(nothing was sent\\)\n$`));
    assert.equal(queue.get(item.id).status, 'pending');
    assert.equal(await balance(recipient), before);
  });

  test('on a terminal approve asks first: "no" leaves it waiting, "yes" sends it once', async () => {
    const item = queue.list({ status: 'pending' }).at(-1);
    const before = await balance(recipient);
    const declined = await onTerminal(['approve', item.id], 'no');
    assert.equal(declined.code, 1, declined.output);
    assert.match(declined.output, new RegExp(`Send 2\\.00 USDC \\(2000000 base units of ${token.address}\\) to ${recipient}\\? Type "yes" to approve: `));
    assert.match(declined.output, new RegExp(`#${item.id} not approved; nothing was sent \\(it still waits\\)`));
    assert.equal(queue.get(item.id).status, 'pending');
    assert.equal(await balance(recipient), before);

    const approved = await onTerminal(['approve', item.id], 'yes');
    assert.equal(approved.code, 0, approved.output);
    assert.match(approved.output, new RegExp(`Executed #${item.id}: sent 2\\.00 USDC`));
    assert.equal(queue.get(item.id).status, 'executed');
    assert.equal(await balance(recipient), before + 2_000_000n);
  });

  test('without the agent key, list, approve and cancel work on the state directory alone; approve records it and sends nothing', async () => {
    const item = queueSend(3_000_000n);
    const before = await balance(recipient);
    const keyless = { AGENT_PRIVATE_KEY: '', RPC_URL: '', CHAIN_ID: '' };
    const listed = await run(['list'], keyless);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, new RegExp(`#${item.id} +pending +3\\.00 USDC`));
    const approve = await run(['approve', item.id, '--yes'], keyless);
    assert.equal(approve.code, 0, approve.stderr);
    assert.match(approve.stdout, new RegExp(`Approved #${item.id}; nothing is sent from here \\(this environment has no agent key\\): clawpay-mcp sends it`));
    assert.equal(queue.get(item.id).status, 'approved');
    assert.equal(await balance(recipient), before, 'nothing sent without the key');
    const shown = await run(['list'], keyless);
    assert.match(shown.stdout, /1 approved and not yet sent \(clawpay-mcp sends them\)/);
    assert.match(shown.stdout, new RegExp(`#${item.id} +approved +3\\.00 USDC[\\s\\S]*approved: `));
    const twice = await run(['approve', item.id, '--yes'], keyless);
    assert.equal(twice.code, 1);
    assert.match(twice.stderr, /is already approved; clawpay-mcp sends it at its next tool call or when it starts/);
    const cancelled = await run(['cancel', item.id], keyless);
    assert.equal(cancelled.code, 0, cancelled.stderr);
    assert.equal(queue.get(item.id).status, 'cancelled');
    const nowhere = await run(['list'], { ...keyless, CLAWPAY_STATE_DIR: join(stateDir, 'typo') });
    assert.equal(nowhere.code, 1);
    assert.match(nowhere.stderr, /no approval queue in .*typo \(no pay\.records\)/);
  });

  test('nothing secret was printed: neither the key nor RPC_URL', () => {
    const all = transcript.join('\n');
    assert.ok(all.length > 1000);
    assert.ok(!all.includes(agent.privateKey.slice(2)), 'the private key');
    assert.ok(!all.toLowerCase().includes(agent.privateKey.slice(2).toLowerCase()));
    assert.ok(!all.includes(API_KEY), 'the RPC URL\'s API key');
    assert.ok(!all.includes(chain.rpcUrl), 'the RPC URL');
  });
});
