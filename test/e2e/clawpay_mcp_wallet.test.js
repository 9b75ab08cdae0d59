// The six wallet tools of clawpay-mcp, called through the official MCP client
// over stdio against the local chain: a contract wallet (our AgentAccountV2,
// owned through an NFT, the agent key its operator) and the plain key. Every
// amount that moves is checked on chain to the base unit; every owner action
// is done with the owner's key, exactly as the tool told the owner to.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { createWalletClient, encodeFunctionData, http, parseAbi, parseEther } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';

import { usdcBalance } from '../../lib/devnet/token.js';
import { describeWorld, startWorld } from '../../lib/devnet/world.js';
import { launchClawpay } from './support/clawpay_child.js';

const TX_HASH = /^0x[0-9a-f]{64}$/;
const USDC = 1_000_000n;
const AGENT_ACCOUNT = parseAbi([
  'function setOperator(address operator, bool authorized)',
]);
const NFT = parseAbi(['function mint(address to) returns (uint256)']);

const stranger = () => privateKeyToAccount(generatePrivateKey()).address;

describe('clawpay-mcp wallet tools on a local chain', { timeout: 600_000 }, () => {
  let world;
  let info;
  let stateDir;
  let owner; // viem wallet client of the contract wallet's owner
  const children = [];

  const usdc = (address) => usdcBalance({ chain: world.chain, token: world.token, address });
  const eth = (address) => world.chain.publicClient.getBalance({ address });
  const mined = (hash) => world.chain.publicClient.waitForTransactionReceipt({ hash });

  async function launch(extra = {}) {
    const child = await launchClawpay({ ...info.mcpEnv, CLAWPAY_STATE_DIR: join(stateDir, extra.STATE ?? 'state'), HOME: stateDir, ...extra });
    children.push(child);
    return child;
  }

  async function ownerSends(request) {
    const hash = await owner.sendTransaction(request);
    const receipt = await mined(hash);
    assert.equal(receipt.status, 'success');
    return receipt;
  }

  before(async () => {
    world = await startWorld();
    info = describeWorld(world);
    stateDir = mkdtempSync(join(tmpdir(), 'clawpay-wallet-test-'));
    owner = createWalletClient({
      account: privateKeyToAccount(info.agentWallet.owner.privateKey),
      chain: world.chain.viemChain,
      transport: http(world.chain.rpcUrl),
      pollingInterval: 50,
    });
  });

  after(async () => {
    for (const child of children) await child.close().catch(() => {});
    await world?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  describe('contract wallet (AgentAccountV2)', () => {
    let agent;
    before(async () => {
      agent = await launch({ AGENT_WALLET_ADDRESS: info.agentWallet.address, STATE: 'contract' });
    });

    test('get_wallet_info reads the wallet, its owner, balances and limits from the chain', async () => {
      const wallet = info.agentWallet.address;
      const { structuredContent: out, content } = await agent.callOk('get_wallet_info', {});
      assert.equal(out.mode, 'contract');
      assert.equal(out.address, wallet);
      assert.equal(out.agent, info.payer.address);
      assert.equal(out.contract.owner, info.agentWallet.owner.address);
      assert.equal(out.contract.operatorActive, true);
      assert.equal(out.contract.tokenId, String(info.agentWallet.tokenId));
      const ethRow = out.balances.find((b) => b.token === null);
      const usdcRow = out.balances.find((b) => b.token === info.asset.address);
      assert.equal(ethRow.units, String(await eth(wallet)));
      assert.equal(ethRow.decimals, 18);
      assert.equal(usdcRow.units, String(await usdc(wallet)));
      assert.equal(usdcRow.decimals, 6);
      assert.equal(usdcRow.symbol, 'USDC');
      const usdcLimits = out.limits.find((l) => l.token === info.asset.address);
      assert.equal(usdcLimits.perTx.amount, '1.00');
      assert.equal(usdcLimits.periodLimit.units, String(5n * USDC));
      assert.equal(usdcLimits.periodLength, 86_400);
      assert.match(content[0].text, /contract wallet \(AgentAccountV2\)/);
      assert.match(content[0].text, /1\.00 USDC \(1000000 base units\)/);
    });

    test('check_spend_limit: within the per-transaction limit, over it, and bad amounts', async () => {
      const within = (await agent.callOk('check_spend_limit', { amount_eth: '0.5', token: info.asset.address })).structuredContent;
      assert.equal(within.allowed, true);
      assert.equal(within.value.units, '500000');
      const over = (await agent.callOk('check_spend_limit', { amount_eth: '2', token: info.asset.address })).structuredContent;
      assert.equal(over.allowed, false);
      assert.match(over.reason, /per-transaction limit of 1\.00 USDC/);
      for (const amount of ['1e3', '-1', '', 'abc', '0.0000001', '1,5']) {
        await agent.callFails('check_spend_limit', { amount_eth: amount, token: info.asset.address }, 'invalid_input');
      }
    });

    test('send_payment within the limit executes: exactly 0.25 USDC moves, and the result names the transaction', async () => {
      const to = stranger();
      const walletBefore = await usdc(info.agentWallet.address);
      const result = await agent.callOk('send_payment', { to, amount_eth: '0.25', token: info.asset.address, memo: 'invoice 7' });
      const out = result.structuredContent;
      assert.equal(out.status, 'executed');
      assert.match(out.txHash, TX_HASH);
      assert.equal(out.value.units, '250000');
      assert.equal(await usdc(to), 250_000n);
      assert.equal(await usdc(info.agentWallet.address), walletBefore - 250_000n);
      assert.equal((await mined(out.txHash)).status, 'success');
      assert.match(result.content[0].text, /Payment Executed/);
      assert.match(result.content[0].text, /invoice 7/);
    });

    test('send_payment of ETH within the limit executes with 18 decimals', async () => {
      const to = stranger();
      const out = (await agent.callOk('send_payment', { to, amount_eth: '0.001' })).structuredContent;
      assert.equal(out.status, 'executed');
      assert.equal(await eth(to), parseEther('0.001'));
    });

    test('send_payment over the limit is queued on chain, not sent; the owner approves with the call the tool gives', async () => {
      const to = stranger();
      const walletBefore = await usdc(info.agentWallet.address);
      const queued = await agent.callOk('send_payment', { to, amount_eth: '2', token: info.asset.address });
      const out = queued.structuredContent;
      assert.equal(out.status, 'queued');
      assert.match(out.queueId, /^[0-9]+$/);
      assert.match(queued.content[0].text, /Queued for Approval \(not sent\)/);
      assert.equal(await usdc(to), 0n);
      assert.equal(await usdc(info.agentWallet.address), walletBefore);

      const listed = (await agent.callOk('queue_approval', { action: 'list' })).structuredContent;
      const item = listed.items.find((i) => i.id === out.queueId);
      assert.equal(item.value.units, String(2n * USDC));
      assert.equal(item.to, to);

      // The agent cannot approve: it gets the owner's call, and nothing is sent.
      const refused = await agent.callFails('queue_approval', { action: 'approve', tx_id: out.queueId }, 'owner_action_required');
      const { call } = refused.structuredContent;
      assert.equal(call.to, info.agentWallet.address);
      assert.equal(call.function, 'approvePending(uint256)');
      assert.equal(await usdc(to), 0n);

      await ownerSends({ to: call.to, data: call.data });
      assert.equal(await usdc(to), 2n * USDC);
      const after = (await agent.callOk('queue_approval', { action: 'list' })).structuredContent;
      assert.equal(after.items.some((i) => i.id === out.queueId), false);
      // Approving it again is refused before anything is prepared.
      await agent.callFails('queue_approval', { action: 'approve', tx_id: out.queueId }, 'ERR_QUEUE_NOT_PENDING');
    });

    test('cancel: the owner cancels with the given call; the money never moves', async () => {
      const to = stranger();
      const out = (await agent.callOk('send_payment', { to, amount_eth: '0.5' })).structuredContent; // over the 0.01 ETH per-tx limit
      assert.equal(out.status, 'queued');
      const { call } = (await agent.callFails('queue_approval', { action: 'cancel', tx_id: out.queueId }, 'owner_action_required')).structuredContent;
      assert.equal(call.function, 'cancelPending(uint256)');
      await ownerSends({ to: call.to, data: call.data });
      assert.equal(await eth(to), 0n);
      await agent.callFails('queue_approval', { action: 'cancel', tx_id: out.queueId }, 'ERR_QUEUE_NOT_PENDING');
      await agent.callFails('queue_approval', { action: 'approve', tx_id: '999999' }, 'ERR_QUEUE_NOT_FOUND');
      await agent.callFails('queue_approval', { action: 'approve', tx_id: 'abc' }, 'invalid_input');
      await agent.callFails('queue_approval', { action: 'approve' }, 'invalid_input');
    });

    test('get_transaction_history shows the executions, the queue and the owner\'s approval, newest first, filtered', async () => {
      const all = (await agent.callOk('get_transaction_history', {})).structuredContent;
      const types = all.entries.map((e) => e.type);
      for (const type of ['execution', 'queued', 'approved', 'cancelled', 'policy_update', 'operator_update']) assert.ok(types.includes(type), type);
      const blocks = all.entries.map((e) => BigInt(e.blockNumber));
      assert.deepEqual(blocks, [...blocks].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)));
      const sent = all.entries.find((e) => e.type === 'execution' && e.value?.units === '250000');
      assert.match(sent.summary, /sent 0\.25 USDC to 0x/);
      const queuedOnly = (await agent.callOk('get_transaction_history', { event_type: 'queued', limit: 1 })).structuredContent;
      assert.equal(queuedOnly.entries.length, 1);
      assert.equal(queuedOnly.entries[0].type, 'queued');
      await agent.callFails('get_transaction_history', { from_block: '10', to_block: '5' }, 'invalid_input');
      await agent.callFails('get_transaction_history', { to_block: '99999999' }, 'invalid_input');
      await agent.callFails('get_transaction_history', { from_block: 'yesterday' }, 'invalid_input');
    });

    test('bad input to send_payment is refused with the field named, and nothing moves', async () => {
      const walletBefore = await usdc(info.agentWallet.address);
      const cases = [
        [{ to: '0x1234', amount_eth: '0.1', token: info.asset.address }, /to/],
        [{ to: '0x0000000000000000000000000000000000000000', amount_eth: '0.1', token: info.asset.address }, /zero address/i],
        [{ to: stranger(), amount_eth: '0.1', token: info.asset.address, token_decimals: 18 }, /18.*6|6.*18/],
        [{ to: stranger(), amount_eth: '0.1234567', token: info.asset.address }, /decimal/],
        [{ to: stranger(), amount_eth: '0', token: info.asset.address }, /zero|greater than 0|positive/i],
        [{ to: stranger(), amount_eth: '0.1', token: stranger() }, /no contract code|not an ERC-20/i],
        [{ to: stranger(), amount_eth: '0.1', token: 'USDC' }, /token/],
      ];
      for (const [args, message] of cases) {
        const result = await agent.callFails('send_payment', args, 'invalid_input');
        assert.match(result.content[0].text, message, JSON.stringify(args));
      }
      assert.equal(await usdc(info.agentWallet.address), walletBefore);
    });

    test('every wallet tool refuses bad input with isError, naming the field, before touching the chain', async () => {
      const nonceBefore = await world.chain.publicClient.getTransactionCount({ address: info.payer.address });
      // Refused by our own checks: structuredContent.error says why.
      const ours = [
        ['get_wallet_info', { token: 'xyz' }, /token must be an address/],
        ['get_wallet_info', { token: stranger() }, /no contract code/],
        ['check_spend_limit', { amount_eth: '1', token: '0x12' }, /token must be an address/],
        ['check_spend_limit', { amount_eth: '1', token: info.asset.address.toLowerCase().replace(/^0x/, '0X') }, /token must be an address/],
        ['deploy_wallet', { token_id: '1', factory_address: 'factory' }, /factory_address must be an address/],
        ['deploy_wallet', { token_id: '1', nft_contract_address: stranger() }, /nft_contract_address .* no contract code/],
        ['deploy_wallet', { token_id: `1${'0'.repeat(80)}` }, /token_id/],
        ['queue_approval', { action: 'cancel', tx_id: '1.5' }, /tx_id must be a queue id/],
        ['get_transaction_history', { from_block: '-1' }, /from_block must be a block number/],
        ['send_payment', { to: stranger(), amount_eth: '0.1', memo: 'x'.repeat(10) + '\u0000' }, /memo must not contain control characters/],
      ];
      for (const [name, args, message] of ours) {
        const result = await agent.call(name, args);
        assert.equal(result.isError, true, `${name} ${JSON.stringify(args)}: ${result.content?.[0]?.text}`);
        if (message) assert.match(result.content[0].text, message, `${name} ${JSON.stringify(args)}`);
      }
      // Refused by the tool's input schema (ClawPay 1.1's types and ranges).
      const schema = [
        ['queue_approval', { action: 'approve_all' }],
        ['get_transaction_history', { limit: 0 }],
        ['get_transaction_history', { limit: 101 }],
        ['get_transaction_history', { event_type: 'transfers' }],
        ['send_payment', { to: stranger(), amount_eth: 1 }],
        ['send_payment', { to: stranger(), amount_eth: '1', token_decimals: 19 }],
        ['send_payment', { to: stranger(), amount_eth: '1', memo: 'm'.repeat(201) }],
        ['send_payment', { amount_eth: '1' }],
        ['check_spend_limit', {}],
        ['deploy_wallet', {}],
      ];
      for (const [name, args] of schema) {
        const result = await agent.call(name, args);
        assert.equal(result.isError, true, `${name} ${JSON.stringify(args)} should be refused by the schema`);
      }
      assert.equal(await world.chain.publicClient.getTransactionCount({ address: info.payer.address }), nonceBefore, 'nothing was sent');
    });

    test('an agent key that is no longer an operator is told so, and nothing is sent', async () => {
      await ownerSends({ to: info.agentWallet.address, data: encodeFunctionData({ abi: AGENT_ACCOUNT, functionName: 'setOperator', args: [info.payer.address, false] }) });
      try {
        const to = stranger();
        const result = await agent.callFails('send_payment', { to, amount_eth: '0.1', token: info.asset.address }, 'ERR_NOT_OPERATOR');
        assert.match(result.content[0].text, /not an active operator/);
        assert.equal(await usdc(to), 0n);
        const infoOut = (await agent.callOk('get_wallet_info', {})).structuredContent;
        assert.equal(infoOut.contract.operatorActive, false);
      } finally {
        await ownerSends({ to: info.agentWallet.address, data: encodeFunctionData({ abi: AGENT_ACCOUNT, functionName: 'setOperator', args: [info.payer.address, true] }) });
      }
    });

    test('deploy_wallet deploys a wallet for a new NFT at its CREATE2 address, once', async () => {
      const { request, result } = await world.chain.publicClient.simulateContract({
        account: owner.account, address: info.agentWallet.nftContract, abi: NFT, functionName: 'mint', args: [info.agentWallet.owner.address],
      });
      await ownerSends({ to: request.address, data: encodeFunctionData({ abi: NFT, functionName: 'mint', args: [info.agentWallet.owner.address] }) });
      const tokenId = String(result);
      const first = (await agent.callOk('deploy_wallet', { token_id: tokenId })).structuredContent;
      assert.equal(first.status, 'deployed');
      assert.match(first.txHash, TX_HASH);
      assert.equal(first.owner, info.agentWallet.owner.address);
      assert.equal(first.operatorActive, false);
      assert.ok(first.nextSteps.some((step) => step.includes('setOperator')));
      const code = await world.chain.publicClient.getCode({ address: first.address });
      assert.ok(code && code.length > 2);
      const again = (await agent.callOk('deploy_wallet', { token_id: tokenId })).structuredContent;
      assert.equal(again.status, 'exists');
      assert.equal(again.address, first.address);
      assert.equal(again.txHash, null);
      await agent.callFails('deploy_wallet', { token_id: '999999' }, 'invalid_input');
      await agent.callFails('deploy_wallet', { token_id: '-1' }, 'invalid_input');
      await agent.callFails('deploy_wallet', { token_id: '1', factory_address: stranger() }, 'invalid_input');
    });

    test('kill -9 after the send was broadcast: the restarted server resumes that transaction for the identical call; money moves once', async () => {
      const rpc = (method, params = []) => world.chain.publicClient.request({ method, params });
      const to = stranger();
      const args = { to, amount_eth: '0.3', token: info.asset.address, memo: 'crash test' };
      const crashing = await launch({ AGENT_WALLET_ADDRESS: info.agentWallet.address, STATE: 'crash' });
      await rpc('evm_setAutomine', [false]);
      try {
        const inFlight = crashing.call('send_payment', args).catch(() => null);
        // Wait until the signed transaction reaches the node, then kill the server before it can answer.
        for (let i = 0; i < 400 && Number((await rpc('txpool_status')).pending) === 0; i++) await new Promise((r) => setTimeout(r, 25));
        assert.equal(Number((await rpc('txpool_status')).pending), 1, 'the send was broadcast');
        process.kill(crashing.pid, 'SIGKILL');
        await inFlight;
        await rpc('evm_mine');
      } finally {
        await rpc('evm_setAutomine', [true]);
      }
      assert.equal(await usdc(to), 300_000n, 'the broadcast transaction was mined');

      const restarted = await launch({ AGENT_WALLET_ADDRESS: info.agentWallet.address, STATE: 'crash' });
      const result = (await restarted.callOk('send_payment', args)).structuredContent;
      assert.equal(result.status, 'executed');
      assert.equal(result.resumed, true);
      assert.equal(await usdc(to), 300_000n, 'paid once, not twice');
      // Answered now: the same call again is a new, deliberate payment.
      const second = (await restarted.callOk('send_payment', args)).structuredContent;
      assert.notEqual(second.txHash, result.txHash);
      assert.equal(await usdc(to), 600_000n);
    });

    test('AGENT_WALLET_ADDRESS that is not a contract fails closed with the cause named', async () => {
      const wrong = await launch({ AGENT_WALLET_ADDRESS: stranger(), STATE: 'wrong' });
      const result = await wrong.callFails('get_wallet_info', {}, 'ERR_WALLET_NOT_CONTRACT');
      assert.match(result.content[0].text, /has no contract code/);
      await wrong.callFails('send_payment', { to: stranger(), amount_eth: '0.1' }, 'ERR_WALLET_NOT_CONTRACT');
    });
  });

  describe('plain key', () => {
    let agent;
    before(async () => {
      agent = await launch({ STATE: 'key' });
    });

    test('get_wallet_info: the key\'s own address, its balances and the local limits', async () => {
      const out = (await agent.callOk('get_wallet_info', {})).structuredContent;
      assert.equal(out.mode, 'key');
      assert.equal(out.address, info.payer.address);
      const usdcRow = out.balances.find((b) => b.token === info.asset.address);
      assert.equal(usdcRow.units, String(await usdc(info.payer.address)));
      assert.equal(out.balances.find((b) => b.token === null).units, String(await eth(info.payer.address)));
    });

    test('a send within the local policy executes; over it, it waits for a person and the agent cannot approve it', async () => {
      const to = stranger();
      const executed = (await agent.callOk('send_payment', { to, amount_eth: '0.5', token: info.asset.address })).structuredContent;
      assert.equal(executed.status, 'executed');
      assert.equal(await usdc(to), 500_000n);

      const queued = (await agent.callOk('send_payment', { to, amount_eth: '3', token: info.asset.address })).structuredContent;
      assert.equal(queued.status, 'queued');
      assert.equal(await usdc(to), 500_000n);
      await agent.callFails('queue_approval', { action: 'approve', tx_id: queued.queueId }, 'person_approval_required');
      assert.equal(await usdc(to), 500_000n);
      const listed = (await agent.callOk('queue_approval', { action: 'list' })).structuredContent;
      assert.ok(listed.items.some((i) => i.id === queued.queueId));
      const cancelled = await agent.callOk('queue_approval', { action: 'cancel', tx_id: queued.queueId });
      assert.match(cancelled.content[0].text, /cancelled/);
      const afterCancel = (await agent.callOk('queue_approval', { action: 'list' })).structuredContent;
      assert.equal(afterCancel.items.some((i) => i.id === queued.queueId), false);

      // ETH has no autonomous allowance by default: queued.
      const ethSend = (await agent.callOk('send_payment', { to, amount_eth: '0.001' })).structuredContent;
      assert.equal(ethSend.status, 'queued');
      assert.equal(await eth(to), 0n);
    });

    test('get_transaction_history lists the executed send with its transaction', async () => {
      const out = (await agent.callOk('get_transaction_history', { event_type: 'execution' })).structuredContent;
      assert.ok(out.entries.length >= 1);
      assert.ok(out.entries.every((e) => e.type === 'execution'));
      assert.match(out.entries[0].txHash, TX_HASH);
    });
  });
});
