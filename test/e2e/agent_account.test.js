// Our AgentAccountV2 system on a real chain: the NFT that owns a wallet, the
// CREATE2 factory, and the account's operator payments, spend policies, queue
// and owner controls, checked by on-chain state and events. The ABI the
// wallet tools use (lib/wallet/agent_account_abi.js) is checked against the
// reference doc's selectors and against the compiled contracts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';

import {
  encodeFunctionData,
  getAddress,
  parseEther,
  parseEventLogs,
  toEventSelector,
  toFunctionSelector,
  toHex,
  zeroAddress,
} from 'viem';

import { Signer } from '../../lib/index.js';
import { startChain } from '../../lib/devnet/chain.js';
import { deployUsdCoin, revertReason, usdcBalance, walletClientFor } from '../../lib/devnet/token.js';
import {
  DEFAULT_ETH_POLICY,
  DEFAULT_USDC_POLICY,
  agentAccountArtifact,
  agentAccountFactoryArtifact,
  agentNftArtifact,
  createAgentWallet,
  deployAgentWalletSystem,
  ownerCall,
} from '../../lib/devnet/agent_wallet.js';
import { describeWorld, startWorld, AGENT_WALLET_FUNDS } from '../../lib/devnet/world.js';
import {
  AGENT_ACCOUNT_ABI,
  AGENT_ACCOUNT_EVENTS,
  AGENT_ACCOUNT_FACTORY_ABI,
  ERC721_OWNER_ABI,
} from '../../lib/wallet/agent_account_abi.js';

const USDC = 1_000_000n;
const DAY = 86_400n;
const WALLET_USDC = 20n * USDC;
const WALLET_ETH = parseEther('1');

// shared/agentaccountv2.md, as published: signature => selector / topic0.
const DOC_ACCOUNT_FUNCTIONS = {
  'agentExecute(address,uint256,bytes)': '0xa57d313e',
  'agentTransferToken(address,address,uint256)': '0x0aa7ff97',
  'remainingBudget(address)': '0x54a2b939',
  'spendPolicies(address)': '0xea5d9c95',
  'getPending(uint256)': '0x84f89a93',
  'pendingNonce()': '0xeb23620b',
  'approvePending(uint256)': '0xd2270f12',
  'cancelPending(uint256)': '0x5588fdf1',
  'tokenContract()': '0x55a373d6',
  'tokenId()': '0x17d70f7c',
  'operatorEpoch()': '0x0fb7f490',
  'isOperatorActive(address)': '0xeb473533',
  'setSpendPolicy(address,uint256,uint256,uint256)': '0xc6d72bd7',
  'setOperator(address,bool)': '0x558a7297',
  'execute(address,uint256,bytes)': '0xb61d27f6',
  'nonce()': '0xaffed0e0',
  'operators(address)': '0x13e7c9d8',
};
const DOC_FACTORY_FUNCTIONS = {
  'createAccount(address,uint256)': '0x5fbfb9cf',
  'getAddress(address,uint256)': '0x8cb84e18',
  'wallets(address,uint256)': '0x353e65e9',
};
const DOC_ACCOUNT_EVENTS = {
  'TransactionExecuted(address,uint256,bytes,address)': '0x9ab15459d641b40eb8c30fdf1dfcf0e7b2fe7f5576de70769d24a67fb8f9a1dd',
  'TransactionQueued(uint256,address,uint256,address,uint256)': '0x338e4b9b04df0b67a953d7ea6a7037128b8c6948e3d8c09a9d51a5f5be6c2284',
  'TransactionApproved(uint256)': '0xbd3984aa34b5ed86a6d4f470c1c4b79e124b8801762705aa1887495eb991b130',
  'TransactionCancelled(uint256)': '0x956fb32199d8b882b2039a14e1be35ab14f7a80b9089fc223f14b43937173e60',
  'SpendPolicyUpdated(address,uint256,uint256,uint256)': '0x938e01cf402a5905c6241d5ee7778ae99ec3370c9f8d07976bcb18fbca0f3aa4',
  'OperatorUpdated(address,bool)': '0x966c160e1c4dbc7df8d69af4ace01e9297c3cf016397b7914971f2fbfa32672d',
};
const DOC_FACTORY_EVENTS = {
  'WalletCreated(address,address,uint256,address)': '0xad239d3ba92f7f7355b73d006f67e03316cec4552d1a89c77c4b68b3bdd50621',
};

const nameOf = (signature) => signature.slice(0, signature.indexOf('('));
const randomAddress = () => getAddress(toHex(randomBytes(20)));
const items = (abi, type) => abi.filter((item) => item.type === type);
const only = (abi, type, name) => {
  const found = abi.filter((item) => item.type === type && item.name === name);
  assert.equal(found.length, 1, `exactly one ${type} ${name}`);
  return found[0];
};
const types = (params) => params.map((p) => p.type);
const outputs = (params) => params.map((p) => ({ name: p.name ?? '', type: p.type }));
const eventInputs = (params) => params.map((p) => ({ name: p.name, type: p.type, indexed: Boolean(p.indexed) }));

describe('AgentAccountV2 ABI', () => {
  // Each doc function, in a compiled ABI and in the hand-written one: the same
  // selector, input and output types, output names and mutability.
  function checkFunctions(doc, compiled, handWritten) {
    assert.deepEqual(items(handWritten, 'function').map((f) => toFunctionSelector(f)).sort(), Object.values(doc).sort(),
      'the hand-written ABI has exactly the doc\'s functions');
    for (const [signature, selector] of Object.entries(doc)) {
      assert.equal(toFunctionSelector(signature), selector, `the doc's own ${signature}`);
      const ours = only(compiled, 'function', nameOf(signature));
      const tools = only(handWritten, 'function', nameOf(signature));
      assert.equal(toFunctionSelector(ours), selector, `compiled ${signature}`);
      assert.equal(toFunctionSelector(tools), selector, `agent_account_abi.js ${signature}`);
      assert.deepEqual(types(tools.inputs), types(ours.inputs), `${signature} inputs`);
      assert.deepEqual(outputs(tools.outputs), outputs(ours.outputs), `${signature} outputs`);
      assert.equal(tools.stateMutability, ours.stateMutability, `${signature} mutability`);
    }
  }

  function checkEvents(doc, compiled, handWritten) {
    assert.deepEqual(items(handWritten, 'event').map((e) => toEventSelector(e)).sort(), Object.values(doc).sort(),
      'the hand-written ABI has exactly the doc\'s events');
    for (const [signature, topic] of Object.entries(doc)) {
      assert.equal(toEventSelector(signature), topic, `the doc's own ${signature}`);
      const ours = only(compiled, 'event', nameOf(signature));
      const tools = only(handWritten, 'event', nameOf(signature));
      assert.equal(toEventSelector(ours), topic, `compiled ${signature}`);
      assert.equal(toEventSelector(tools), topic, `agent_account_abi.js ${signature}`);
      // Names and indexing decide how logs decode (args.target, args.executor, ...).
      assert.deepEqual(eventInputs(tools.inputs), eventInputs(ours.inputs), `${signature} inputs`);
    }
  }

  test('the account\'s selectors and topics are the doc\'s, compiled and in agent_account_abi.js', () => {
    const { abi } = agentAccountArtifact();
    checkFunctions(DOC_ACCOUNT_FUNCTIONS, abi, AGENT_ACCOUNT_ABI);
    checkEvents(DOC_ACCOUNT_EVENTS, abi, AGENT_ACCOUNT_ABI);
    // The doc's output names, which the tools read by position and name.
    assert.deepEqual(only(AGENT_ACCOUNT_ABI, 'function', 'remainingBudget').outputs.map((o) => o.name), ['perTx', 'inPeriod']);
    assert.deepEqual(only(AGENT_ACCOUNT_ABI, 'function', 'spendPolicies').outputs.map((o) => o.name),
      ['perTxLimit', 'periodLimit', 'periodLength', 'periodSpent', 'periodStart']);
    assert.deepEqual(only(AGENT_ACCOUNT_ABI, 'function', 'getPending').outputs.map((o) => o.name),
      ['to', 'value', 'token', 'amount', 'createdAt', 'executed', 'cancelled']);
  });

  test('the factory\'s selectors and topic are the doc\'s, compiled and in agent_account_abi.js', () => {
    const { abi } = agentAccountFactoryArtifact();
    checkFunctions(DOC_FACTORY_FUNCTIONS, abi, AGENT_ACCOUNT_FACTORY_ABI);
    checkEvents(DOC_FACTORY_EVENTS, abi, AGENT_ACCOUNT_FACTORY_ABI);
  });

  test('ERC721_OWNER_ABI is the NFT\'s ownerOf', () => {
    const ours = only(agentNftArtifact().abi, 'function', 'ownerOf');
    const tools = only(ERC721_OWNER_ABI, 'function', 'ownerOf');
    assert.equal(toFunctionSelector(tools), '0x6352211e');
    assert.equal(toFunctionSelector(ours), '0x6352211e');
    assert.deepEqual(types(tools.outputs), types(ours.outputs));
  });

  test('AGENT_ACCOUNT_EVENTS names each history event type\'s event', () => {
    assert.deepEqual({ ...AGENT_ACCOUNT_EVENTS }, {
      execution: 'TransactionExecuted',
      queued: 'TransactionQueued',
      approved: 'TransactionApproved',
      cancelled: 'TransactionCancelled',
      policy_update: 'SpendPolicyUpdated',
      operator_update: 'OperatorUpdated',
    });
    const events = new Set(items(AGENT_ACCOUNT_ABI, 'event').map((e) => e.name));
    for (const name of Object.values(AGENT_ACCOUNT_EVENTS)) assert.ok(events.has(name), name);
  });
});

describe('AgentAccountV2 on a local chain', { timeout: 120_000 }, () => {
  let chain;
  let token;
  let system;
  let account; // the compiled account: its ABI declares our custom errors
  let nft;
  let deployer;
  let owner;
  let operator;
  let stranger;
  let heir; // a second owner, once the NFT moves

  const read = (wallet, functionName, args = []) =>
    chain.publicClient.readContract({ address: wallet.address, abi: AGENT_ACCOUNT_ABI, functionName, args });
  const ethBalance = (address) => chain.publicClient.getBalance({ address });
  const usdc = (address) => usdcBalance({ chain, token, address });
  const latestTimestamp = async () => (await chain.publicClient.getBlock()).timestamp;
  const transferData = (to, amount) =>
    encodeFunctionData({ abi: token.abi, functionName: 'transfer', args: [to, amount] });

  // Simulated (so it returns the call's result), then sent; the receipt must
  // be a success, and the wallet's events are decoded with the tools' ABI.
  async function send(by, { address, abi = account.abi, functionName, args = [], value, gas }) {
    const wallet = walletClientFor(chain, by);
    const { request, result } = await chain.publicClient.simulateContract({
      account: wallet.account, address, abi, functionName, args, value,
    });
    const hash = await wallet.writeContract(gas === undefined ? request : { ...request, gas });
    const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
    assert.equal(receipt.status, 'success', `${functionName} reverted on chain`);
    const events = parseEventLogs({
      abi: AGENT_ACCOUNT_ABI, logs: receipt.logs.filter((log) => getAddress(log.address) === getAddress(address)),
    });
    const block = await chain.publicClient.getBlock({ blockNumber: receipt.blockNumber });
    return { receipt, result, events: events.map((e) => ({ name: e.eventName, args: e.args })), timestamp: block.timestamp };
  }
  const asOperator = (wallet, functionName, args, options = {}) =>
    send(operator, { address: wallet.address, functionName, args, ...options });
  const asOwner = (wallet, functionName, args, { by = owner } = {}) =>
    send(by, { address: wallet.address, functionName, args });

  async function assertReverts(by, { address, abi = account.abi, functionName, args = [], value }, errorName) {
    await assert.rejects(
      chain.publicClient.simulateContract({ account: walletClientFor(chain, by).account, address, abi, functionName, args, value }),
      (err) => {
        assert.equal(revertReason(err), errorName, err.shortMessage ?? err.message);
        return true;
      },
    );
  }
  const rejectsOn = (wallet, by, functionName, args, errorName) =>
    assertReverts(by, { address: wallet.address, functionName, args }, errorName);

  const freshWallet = (options = {}) => createAgentWallet({
    chain, system, owner, operator: operator.address, token, tokenOwner: deployer,
    fundUsdc: WALLET_USDC, fundEth: WALLET_ETH, ...options,
  });

  const policyOf = async (wallet, key) => {
    const [perTxLimit, periodLimit, periodLength, periodSpent, periodStart] = await read(wallet, 'spendPolicies', [key]);
    return { perTxLimit, periodLimit, periodLength, periodSpent, periodStart };
  };
  const budgetOf = async (wallet, key) => {
    const [perTx, inPeriod] = await read(wallet, 'remainingBudget', [key]);
    return { perTx, inPeriod };
  };

  before(async () => {
    chain = await startChain();
    const key = (i) => Signer.fromPrivateKey(chain.accounts[i].privateKey);
    [deployer, owner, operator, stranger, heir] = [key(0), key(1), key(2), key(3), key(5)];
    token = await deployUsdCoin({ chain, deployer });
    system = await deployAgentWalletSystem({ chain, deployer });
    nft = system.nft;
    account = agentAccountArtifact();
  });

  after(async () => {
    await chain?.stop();
    for (const signer of [deployer, owner, operator, stranger, heir]) signer?.destroy();
  });

  describe('AgentNft', () => {
    const nftRead = (functionName, args = []) =>
      chain.publicClient.readContract({ address: nft.address, abi: nft.abi, functionName, args });
    const nftSend = (by, functionName, args) => send(by, { address: nft.address, abi: nft.abi, functionName, args });
    const nftRejects = (by, functionName, args, errorName) =>
      assertReverts(by, { address: nft.address, abi: nft.abi, functionName, args }, errorName);
    const nftEvents = ({ receipt }) => parseEventLogs({ abi: nft.abi, logs: receipt.logs }).map((e) => ({ name: e.eventName, args: e.args }));

    test('mints ids counting up, to anyone, with a Transfer from 0', async () => {
      const first = await nftRead('nextTokenId');
      assert.ok(first >= 1n, 'ids start at 1');
      const held = await nftRead('balanceOf', [stranger.address]);
      const minted = await nftSend(stranger, 'mint', [stranger.address]);
      assert.equal(minted.result, first);
      assert.deepEqual(nftEvents(minted), [{ name: 'Transfer', args: { from: zeroAddress, to: stranger.address, tokenId: first } }]);
      assert.equal(await nftRead('ownerOf', [first]), stranger.address);
      assert.equal((await nftSend(stranger, 'mint', [stranger.address])).result, first + 1n);
      assert.equal(await nftRead('balanceOf', [stranger.address]), held + 2n);
      assert.equal(await nftRead('name'), 'ClawPay Agent');
      assert.equal(await nftRead('symbol'), 'AGENT');
      await nftRejects(stranger, 'ownerOf', [10n ** 9n], 'NonexistentToken');
      await nftRejects(stranger, 'balanceOf', [zeroAddress], 'ZeroAddress');
      await nftRejects(stranger, 'mint', [zeroAddress], 'ZeroAddress');
    });

    test('transfers by the holder, an approved address or an operator; approvals end with the transfer', async () => {
      const { result: id } = await nftSend(stranger, 'mint', [stranger.address]);
      await nftRejects(heir, 'transferFrom', [stranger.address, heir.address, id], 'NotOwnerNorApproved');
      await nftRejects(stranger, 'transferFrom', [heir.address, stranger.address, id], 'WrongFrom');
      await nftRejects(stranger, 'transferFrom', [stranger.address, zeroAddress, id], 'ZeroAddress');

      const approved = await nftSend(stranger, 'approve', [heir.address, id]);
      assert.deepEqual(nftEvents(approved), [{ name: 'Approval', args: { owner: stranger.address, approved: heir.address, tokenId: id } }]);
      assert.equal(await nftRead('getApproved', [id]), heir.address);
      const moved = await nftSend(heir, 'transferFrom', [stranger.address, heir.address, id]);
      assert.deepEqual(nftEvents(moved), [{ name: 'Transfer', args: { from: stranger.address, to: heir.address, tokenId: id } }]);
      assert.equal(await nftRead('ownerOf', [id]), heir.address);
      assert.equal(await nftRead('getApproved', [id]), zeroAddress);

      const forAll = await nftSend(heir, 'setApprovalForAll', [stranger.address, true]);
      assert.deepEqual(nftEvents(forAll), [{ name: 'ApprovalForAll', args: { owner: heir.address, operator: stranger.address, approved: true } }]);
      assert.equal(await nftRead('isApprovedForAll', [heir.address, stranger.address]), true);
      await nftSend(stranger, 'safeTransferFrom', [heir.address, stranger.address, id]); // to an EOA: no hook
      assert.equal(await nftRead('ownerOf', [id]), stranger.address);
      await nftSend(heir, 'setApprovalForAll', [stranger.address, false]);
    });

    test('safeTransferFrom refuses a contract that does not take ERC-721 tokens', async () => {
      const { result: id } = await nftSend(stranger, 'mint', [stranger.address]);
      // The NFT contract itself has no onERC721Received.
      await nftRejects(stranger, 'safeTransferFrom', [stranger.address, nft.address, id], 'UnsafeRecipient');
      await nftRejects(stranger, 'safeTransferFrom', [stranger.address, nft.address, id, '0x1234'], 'UnsafeRecipient');
    });

    test('supports ERC-165 and ERC-721 only', async () => {
      assert.equal(await nftRead('supportsInterface', ['0x01ffc9a7']), true);
      assert.equal(await nftRead('supportsInterface', ['0x80ac58cd']), true);
      assert.equal(await nftRead('supportsInterface', ['0x5b5e139f']), false); // no metadata (tokenURI)
      assert.equal(await nftRead('supportsInterface', ['0xffffffff']), false);
    });
  });

  describe('AgentAccountFactoryV2', () => {
    const factoryCall = (functionName, args) => chain.publicClient.readContract({
      address: system.factory.address, abi: AGENT_ACCOUNT_FACTORY_ABI, functionName, args,
    });

    test('getAddress before deployment is where createAccount deploys; a second createAccount returns it quietly', async () => {
      const { result: tokenId } = await send(owner, { address: nft.address, abi: nft.abi, functionName: 'mint', args: [owner.address] });
      const predicted = await factoryCall('getAddress', [nft.address, tokenId]);
      assert.equal(await chain.publicClient.getCode({ address: predicted }), undefined);
      assert.equal(await factoryCall('wallets', [nft.address, tokenId]), zeroAddress);

      // Anyone may deploy it (here a stranger); the NFT decides who owns it.
      const sendCreate = () => send(stranger, {
        address: system.factory.address, abi: AGENT_ACCOUNT_FACTORY_ABI, functionName: 'createAccount', args: [nft.address, tokenId],
      });
      const first = await sendCreate();
      assert.equal(first.result, predicted);
      const created = parseEventLogs({ abi: AGENT_ACCOUNT_FACTORY_ABI, logs: first.receipt.logs });
      assert.deepEqual(created.map((e) => ({ name: e.eventName, args: e.args })), [{
        name: 'WalletCreated',
        args: { wallet: predicted, tokenContract: nft.address, tokenId, deployer: stranger.address },
      }]);
      assert.equal(await factoryCall('wallets', [nft.address, tokenId]), predicted);
      assert.equal(await factoryCall('getAddress', [nft.address, tokenId]), predicted);
      const code = await chain.publicClient.getCode({ address: predicted });
      // The account's runtime code (immutables filled in, so only the length compares).
      assert.equal(code.length, account.deployedBytecode.length);

      const wallet = { address: predicted };
      assert.equal(await read(wallet, 'tokenContract'), nft.address);
      assert.equal(await read(wallet, 'tokenId'), tokenId);
      assert.equal(await chain.publicClient.readContract({ address: predicted, abi: account.abi, functionName: 'owner' }), owner.address);

      const second = await sendCreate();
      assert.equal(second.result, predicted);
      assert.deepEqual(second.receipt.logs, []);
      assert.equal(await chain.publicClient.getCode({ address: predicted }), code);
    });

    test('each NFT gets its own address, and an address without code cannot own a wallet', async () => {
      const a = await factoryCall('getAddress', [nft.address, 1_000n]);
      const b = await factoryCall('getAddress', [nft.address, 1_001n]);
      const c = await factoryCall('getAddress', [token.address, 1_000n]);
      assert.equal(new Set([a, b, c]).size, 3);
      await assertReverts(stranger, {
        address: system.factory.address, abi: [...AGENT_ACCOUNT_FACTORY_ABI, ...items(account.abi, 'error')],
        functionName: 'createAccount', args: [randomAddress(), 1n],
      }, 'NoTokenContract');
    });
  });

  describe('a wallet made by createAgentWallet', () => {
    test('has the operator, the default policies and the funds, with their events on chain', async () => {
      const wallet = await freshWallet();
      assert.equal(wallet.owner, owner.address);
      assert.equal(await read(wallet, 'tokenContract'), nft.address);
      assert.equal(await read(wallet, 'tokenId'), wallet.tokenId);
      assert.equal(await read(wallet, 'operators', [operator.address]), 1n); // epoch 0, plus one
      assert.equal(await read(wallet, 'isOperatorActive', [operator.address]), true);
      assert.equal(await read(wallet, 'isOperatorActive', [owner.address]), false);
      assert.equal(await read(wallet, 'operatorEpoch'), 0n);
      assert.equal(await read(wallet, 'nonce'), 0n);
      assert.equal(await read(wallet, 'pendingNonce'), 0n);
      assert.equal(await usdc(wallet.address), WALLET_USDC);
      assert.equal(await ethBalance(wallet.address), WALLET_ETH);

      const logs = await chain.publicClient.getLogs({ address: wallet.address, fromBlock: 0n });
      const events = parseEventLogs({ abi: AGENT_ACCOUNT_ABI, logs });
      assert.deepEqual(events.map((e) => ({ name: e.eventName, args: e.args })), [
        { name: 'OperatorUpdated', args: { operator: operator.address, authorized: true } },
        { name: 'SpendPolicyUpdated', args: { token: token.address, ...DEFAULT_USDC_POLICY } },
        { name: 'SpendPolicyUpdated', args: { token: zeroAddress, ...DEFAULT_ETH_POLICY } },
      ]);
      const policyBlock = await chain.publicClient.getBlock({ blockNumber: events[1].blockNumber });
      assert.deepEqual(await policyOf(wallet, token.address), {
        perTxLimit: USDC, periodLimit: 5n * USDC, periodLength: DAY, periodSpent: 0n, periodStart: policyBlock.timestamp,
      });
      assert.deepEqual(await policyOf(wallet, zeroAddress), {
        perTxLimit: parseEther('0.01'), periodLimit: parseEther('0.05'), periodLength: DAY, periodSpent: 0n,
        periodStart: (await chain.publicClient.getBlock({ blockNumber: events[2].blockNumber })).timestamp,
      });
      assert.deepEqual(await budgetOf(wallet, token.address), { perTx: USDC, inPeriod: 5n * USDC });
      assert.deepEqual(await budgetOf(wallet, zeroAddress), { perTx: parseEther('0.01'), inPeriod: parseEther('0.05') });
    });
  });

  describe('operator payments', () => {
    test('a USDC payment within the limits executes at once, exact to the base unit', async () => {
      const wallet = await freshWallet();
      const payee = randomAddress();
      const sent = await asOperator(wallet, 'agentTransferToken', [token.address, payee, USDC]);
      assert.deepEqual(sent.events, [{
        name: 'TransactionExecuted',
        args: { target: token.address, value: 0n, data: transferData(payee, USDC), executor: operator.address },
      }]);
      const transfers = parseEventLogs({ abi: token.abi, eventName: 'Transfer', logs: sent.receipt.logs });
      assert.deepEqual(transfers.map((e) => e.args), [{ from: wallet.address, to: payee, value: USDC }]);
      assert.equal(await usdc(wallet.address), WALLET_USDC - USDC);
      assert.equal(await usdc(payee), USDC);
      assert.equal(await read(wallet, 'nonce'), 1n);
      assert.equal(await read(wallet, 'pendingNonce'), 0n);
      assert.equal((await policyOf(wallet, token.address)).periodSpent, USDC);
      assert.deepEqual(await budgetOf(wallet, token.address), { perTx: USDC, inPeriod: 4n * USDC });
    });

    test('an ETH payment within the limits executes at once, exact to the wei', async () => {
      const wallet = await freshWallet();
      const payee = randomAddress();
      const amount = parseEther('0.01');
      const sent = await asOperator(wallet, 'agentExecute', [payee, amount, '0x']);
      assert.equal(sent.result, '0x');
      assert.deepEqual(sent.events, [{
        name: 'TransactionExecuted', args: { target: payee, value: amount, data: '0x', executor: operator.address },
      }]);
      assert.equal(await ethBalance(payee), amount);
      assert.equal(await ethBalance(wallet.address), WALLET_ETH - amount);
      assert.equal(await read(wallet, 'nonce'), 1n);
      assert.deepEqual(await budgetOf(wallet, zeroAddress), { perTx: amount, inPeriod: parseEther('0.04') });
      assert.equal((await policyOf(wallet, token.address)).periodSpent, 0n, 'ETH does not count against USDC');
    });

    test('agentExecute with call data is queued for the owner even at zero value; a plain call that fails reverts', async () => {
      const wallet = await freshWallet();
      // The wallet holds an NFT no spend policy measures: a raw transferFrom
      // by the operator must not move it.
      const minted = await chain.publicClient.simulateContract({
        account: walletClientFor(chain, owner).account, address: nft.address, abi: nft.abi, functionName: 'mint', args: [wallet.address],
      });
      await walletClientFor(chain, owner).writeContract(minted.request).then((hash) => chain.publicClient.waitForTransactionReceipt({ hash }));
      const nftId = minted.result;
      const taker = randomAddress();
      const steal = encodeFunctionData({ abi: nft.abi, functionName: 'transferFrom', args: [wallet.address, taker, nftId] });
      const sent = await asOperator(wallet, 'agentExecute', [nft.address, 0n, steal]);
      assert.equal(sent.result, '0x');
      assert.deepEqual(sent.events, [{
        name: 'TransactionQueued', args: { txId: 0n, to: nft.address, value: 0n, token: zeroAddress, amount: 0n },
      }]);
      assert.equal(await chain.publicClient.readContract({ address: nft.address, abi: nft.abi, functionName: 'ownerOf', args: [nftId] }), wallet.address);
      assert.equal(await read(wallet, 'nonce'), 0n);

      // A plain call to a contract that takes no ETH and has no fallback fails as a whole.
      await rejectsOn(wallet, operator, 'agentExecute', [token.address, 0n, '0x'], 'CallFailed');
    });

    test('a USDC payment over the per-transaction limit is queued, not reverted', async () => {
      const wallet = await freshWallet();
      const payee = randomAddress();
      const amount = USDC + 1n;
      const sent = await asOperator(wallet, 'agentTransferToken', [token.address, payee, amount]);
      assert.deepEqual(sent.events, [{
        name: 'TransactionQueued', args: { txId: 0n, to: payee, value: 0n, token: token.address, amount },
      }]);
      assert.equal(await usdc(wallet.address), WALLET_USDC);
      assert.equal(await usdc(payee), 0n);
      assert.equal(await read(wallet, 'pendingNonce'), 1n);
      assert.equal(await read(wallet, 'nonce'), 0n);
      assert.deepEqual(await read(wallet, 'getPending', [0n]), [payee, 0n, token.address, amount, sent.timestamp, false, false]);
      assert.equal((await policyOf(wallet, token.address)).periodSpent, 0n);
      await rejectsOn(wallet, stranger, 'getPending', [1n], 'UnknownTransaction');
    });

    test('an ETH payment over the per-transaction limit is queued with its value and call data', async () => {
      const wallet = await freshWallet();
      const payee = randomAddress();
      const amount = parseEther('0.02');
      const sent = await asOperator(wallet, 'agentExecute', [payee, amount, '0x']);
      assert.equal(sent.result, '0x');
      assert.deepEqual(sent.events, [{
        name: 'TransactionQueued', args: { txId: 0n, to: payee, value: amount, token: zeroAddress, amount: 0n },
      }]);
      assert.equal(await ethBalance(payee), 0n);
      assert.equal(await ethBalance(wallet.address), WALLET_ETH);
      assert.deepEqual(await read(wallet, 'getPending', [0n]), [payee, amount, zeroAddress, 0n, sent.timestamp, false, false]);

      // A queued call keeps its data for the owner's approval.
      const call = encodeFunctionData({ abi: nft.abi, functionName: 'mint', args: [payee] });
      const queued = await asOperator(wallet, 'agentExecute', [nft.address, amount, call]);
      assert.equal(queued.events[0].args.txId, 1n);
      assert.equal(await chain.publicClient.readContract({
        address: wallet.address, abi: account.abi, functionName: 'getPendingData', args: [1n],
      }), call);
    });

    test('payments over what is left of the period are queued', async () => {
      const wallet = await freshWallet();
      const payee = randomAddress();
      for (let i = 0; i < 5; i++) await asOperator(wallet, 'agentTransferToken', [token.address, payee, USDC]);
      assert.deepEqual(await budgetOf(wallet, token.address), { perTx: USDC, inPeriod: 0n });
      const sixth = await asOperator(wallet, 'agentTransferToken', [token.address, payee, 1n]);
      assert.deepEqual(sixth.events, [{
        name: 'TransactionQueued', args: { txId: 0n, to: payee, value: 0n, token: token.address, amount: 1n },
      }]);
      assert.equal(await usdc(payee), 5n * USDC);
      assert.equal(await read(wallet, 'nonce'), 5n);
      assert.equal((await policyOf(wallet, token.address)).periodSpent, 5n * USDC);

      const tenth = parseEther('0.01');
      for (let i = 0; i < 5; i++) await asOperator(wallet, 'agentExecute', [payee, tenth, '0x']);
      const over = await asOperator(wallet, 'agentExecute', [payee, 1n, '0x']);
      assert.deepEqual(over.events, [{
        name: 'TransactionQueued', args: { txId: 1n, to: payee, value: 1n, token: zeroAddress, amount: 0n },
      }]);
      assert.equal(await ethBalance(payee), 5n * tenth);
      assert.equal(await read(wallet, 'pendingNonce'), 2n);
    });

    test('the period restarts once periodLength has passed; remainingBudget sees it before any transaction', async () => {
      const wallet = await freshWallet();
      const payee = randomAddress();
      for (let i = 0; i < 5; i++) await asOperator(wallet, 'agentTransferToken', [token.address, payee, USDC]);
      const spentOut = await policyOf(wallet, token.address);
      assert.equal(spentOut.periodSpent, 5n * USDC);

      await chain.publicClient.request({ method: 'evm_increaseTime', params: [Number(DAY)] });
      await chain.publicClient.request({ method: 'evm_mine', params: [] });
      assert.deepEqual(await budgetOf(wallet, token.address), { perTx: USDC, inPeriod: 5n * USDC });
      assert.deepEqual(await policyOf(wallet, token.address), spentOut, 'remainingBudget is a view: nothing stored changed');

      const paid = await asOperator(wallet, 'agentTransferToken', [token.address, payee, USDC]);
      assert.equal(paid.events[0].name, 'TransactionExecuted');
      assert.deepEqual(await policyOf(wallet, token.address), { ...spentOut, periodSpent: USDC, periodStart: paid.timestamp });
      assert.deepEqual(await budgetOf(wallet, token.address), { perTx: USDC, inPeriod: 4n * USDC });
    });

    test('the period ends exactly at periodStart + periodLength', async () => {
      const wallet = await freshWallet();
      const payee = randomAddress();
      for (let i = 0; i < 5; i++) await asOperator(wallet, 'agentTransferToken', [token.address, payee, USDC]);
      const { periodStart } = await policyOf(wallet, token.address);
      const at = async (timestamp) => {
        await chain.publicClient.request({ method: 'evm_setNextBlockTimestamp', params: [toHex(timestamp)] });
        // Gas given: the estimate runs at another timestamp than the block.
        return asOperator(wallet, 'agentTransferToken', [token.address, payee, USDC], { gas: 400_000n });
      };
      const early = await at(periodStart + DAY - 1n);
      assert.equal(early.timestamp, periodStart + DAY - 1n);
      assert.equal(early.events[0].name, 'TransactionQueued');
      const onTime = await at(periodStart + DAY);
      assert.equal(onTime.events[0].name, 'TransactionExecuted');
      assert.equal((await policyOf(wallet, token.address)).periodStart, periodStart + DAY);
    });

    test('without a policy every operator payment is queued (the wallet fails closed)', async () => {
      const wallet = await freshWallet({ policies: { usdc: null, eth: null } });
      const payee = randomAddress();
      assert.deepEqual(await policyOf(wallet, token.address), { perTxLimit: 0n, periodLimit: 0n, periodLength: 0n, periodSpent: 0n, periodStart: 0n });
      assert.deepEqual(await budgetOf(wallet, zeroAddress), { perTx: 0n, inPeriod: 0n });
      const tokenSend = await asOperator(wallet, 'agentTransferToken', [token.address, payee, 1n]);
      const ethSend = await asOperator(wallet, 'agentExecute', [payee, 1n, '0x']);
      assert.deepEqual([...tokenSend.events, ...ethSend.events].map((e) => e.name), ['TransactionQueued', 'TransactionQueued']);
      assert.equal(await usdc(payee), 0n);
      assert.equal(await ethBalance(payee), 0n);
      assert.equal(await read(wallet, 'pendingNonce'), 2n);
    });

    test('an operator cannot move a policed token with a raw call', async () => {
      const wallet = await freshWallet();
      const payee = randomAddress();
      await rejectsOn(wallet, operator, 'agentExecute', [token.address, 0n, transferData(payee, 1n)], 'UseAgentTransferToken');
      const approve = encodeFunctionData({ abi: token.abi, functionName: 'approve', args: [payee, 1n] });
      await rejectsOn(wallet, operator, 'agentExecute', [token.address, 0n, approve], 'UseAgentTransferToken');
      await rejectsOn(wallet, operator, 'agentTransferToken', [zeroAddress, payee, 1n], 'InvalidToken');
    });

    test('only an active operator pays', async () => {
      const wallet = await freshWallet();
      const payee = randomAddress();
      for (const by of [stranger, owner]) {
        await rejectsOn(wallet, by, 'agentExecute', [payee, 1n, '0x'], 'NotOperator');
        await rejectsOn(wallet, by, 'agentTransferToken', [token.address, payee, 1n], 'NotOperator');
      }
    });
  });

  describe('owner controls', () => {
    // A wallet with one queued USDC payment (txId 0) to `payee`.
    async function walletWithQueuedUsdc(amount = 2n * USDC) {
      const wallet = await freshWallet();
      const payee = randomAddress();
      await asOperator(wallet, 'agentTransferToken', [token.address, payee, amount]);
      return { wallet, payee, amount };
    }

    test('approvePending runs a queued USDC payment, outside the period\'s accounting', async () => {
      const { wallet, payee, amount } = await walletWithQueuedUsdc();
      const approved = await asOwner(wallet, 'approvePending', [0n]);
      assert.deepEqual(approved.events, [
        { name: 'TransactionApproved', args: { txId: 0n } },
        { name: 'TransactionExecuted', args: { target: token.address, value: 0n, data: transferData(payee, amount), executor: owner.address } },
      ]);
      assert.equal(await usdc(payee), amount);
      assert.equal(await usdc(wallet.address), WALLET_USDC - amount);
      assert.deepEqual((await read(wallet, 'getPending', [0n])).slice(5), [true, false]);
      assert.equal(await read(wallet, 'nonce'), 1n);
      assert.equal((await policyOf(wallet, token.address)).periodSpent, 0n);
      assert.deepEqual(await budgetOf(wallet, token.address), { perTx: USDC, inPeriod: 5n * USDC });
    });

    test('approvePending runs a queued ETH call with its value and data', async () => {
      const wallet = await freshWallet();
      const payee = randomAddress();
      const amount = parseEther('0.02');
      await asOperator(wallet, 'agentExecute', [payee, amount, '0x']);
      const call = encodeFunctionData({ abi: nft.abi, functionName: 'mint', args: [payee] });
      await asOperator(wallet, 'agentExecute', [nft.address, amount, call]); // a call with data: queued as txId 1
      // mint is not payable: the approval reverts with the call, and stays pending.
      await rejectsOn(wallet, owner, 'approvePending', [1n], 'CallFailed');
      assert.deepEqual((await read(wallet, 'getPending', [1n])).slice(5), [false, false]);

      const approved = await asOwner(wallet, 'approvePending', [0n]);
      assert.deepEqual(approved.events, [
        { name: 'TransactionApproved', args: { txId: 0n } },
        { name: 'TransactionExecuted', args: { target: payee, value: amount, data: '0x', executor: owner.address } },
      ]);
      assert.equal(await ethBalance(payee), amount);
      assert.equal(await ethBalance(wallet.address), WALLET_ETH - amount);
      assert.equal((await policyOf(wallet, zeroAddress)).periodSpent, 0n);
    });

    test('cancelPending cancels a queued payment; nothing moves', async () => {
      const { wallet, payee } = await walletWithQueuedUsdc();
      const cancelled = await asOwner(wallet, 'cancelPending', [0n]);
      assert.deepEqual(cancelled.events, [{ name: 'TransactionCancelled', args: { txId: 0n } }]);
      assert.deepEqual((await read(wallet, 'getPending', [0n])).slice(5), [false, true]);
      assert.equal(await usdc(payee), 0n);
      assert.equal(await usdc(wallet.address), WALLET_USDC);
      assert.equal(await read(wallet, 'nonce'), 0n);
    });

    test('only the owner approves or cancels: the operator and a stranger get NotOwner', async () => {
      const { wallet } = await walletWithQueuedUsdc();
      for (const by of [operator, stranger]) {
        await rejectsOn(wallet, by, 'approvePending', [0n], 'NotOwner');
        await rejectsOn(wallet, by, 'cancelPending', [0n], 'NotOwner');
      }
      assert.deepEqual((await read(wallet, 'getPending', [0n])).slice(5), [false, false]);
    });

    test('a queued transaction runs at most once and never after it is cancelled', async () => {
      const { wallet, payee, amount } = await walletWithQueuedUsdc();
      await asOperator(wallet, 'agentTransferToken', [token.address, payee, amount]); // txId 1
      await ownerCall({ chain, owner, wallet, functionName: 'approvePending', args: [0n] });
      await rejectsOn(wallet, owner, 'approvePending', [0n], 'AlreadyExecuted');
      await rejectsOn(wallet, owner, 'cancelPending', [0n], 'AlreadyExecuted');
      await ownerCall({ chain, owner, wallet, functionName: 'cancelPending', args: [1n] });
      await rejectsOn(wallet, owner, 'approvePending', [1n], 'AlreadyCancelled');
      await rejectsOn(wallet, owner, 'cancelPending', [1n], 'AlreadyCancelled');
      await rejectsOn(wallet, owner, 'approvePending', [2n], 'UnknownTransaction');
      await assert.rejects(
        ownerCall({ chain, owner, wallet, functionName: 'approvePending', args: [0n] }),
        /approvePending would revert: AlreadyExecuted/,
      );
      assert.equal(await usdc(payee), amount);
    });

    test('setOperator(false) and revokeAllOperators deactivate operators', async () => {
      const wallet = await freshWallet();
      const payee = randomAddress();
      const removed = await asOwner(wallet, 'setOperator', [operator.address, false]);
      assert.deepEqual(removed.events, [{ name: 'OperatorUpdated', args: { operator: operator.address, authorized: false } }]);
      assert.equal(await read(wallet, 'operators', [operator.address]), 0n);
      assert.equal(await read(wallet, 'isOperatorActive', [operator.address]), false);
      await rejectsOn(wallet, operator, 'agentTransferToken', [token.address, payee, 1n], 'NotOperator');

      await asOwner(wallet, 'setOperator', [operator.address, true]);
      await asOwner(wallet, 'setOperator', [stranger.address, true]);
      assert.equal(await read(wallet, 'isOperatorActive', [stranger.address]), true);
      const revoked = await ownerCall({ chain, owner, wallet, functionName: 'revokeAllOperators' });
      assert.deepEqual(parseEventLogs({ abi: account.abi, logs: revoked.logs }).map((e) => [e.eventName, e.args]),
        [['OperatorsRevoked', { operatorEpoch: 1n }]]);
      assert.equal(await read(wallet, 'operatorEpoch'), 1n);
      for (const who of [operator, stranger]) {
        assert.equal(await read(wallet, 'isOperatorActive', [who.address]), false);
        assert.equal(await read(wallet, 'operators', [who.address]), 1n, 'still records the epoch it was authorized in');
        await rejectsOn(wallet, who, 'agentExecute', [payee, 1n, '0x'], 'NotOperator');
      }
      await asOwner(wallet, 'setOperator', [operator.address, true]);
      assert.equal(await read(wallet, 'operators', [operator.address]), 2n);
      assert.equal(await read(wallet, 'isOperatorActive', [operator.address]), true);
      await rejectsOn(wallet, operator, 'setOperator', [operator.address, true], 'NotOwner');
      await rejectsOn(wallet, operator, 'revokeAllOperators', [], 'NotOwner');
    });

    test('setSpendPolicy: owner only, a period of at least a second, and what was spent stays spent', async () => {
      const wallet = await freshWallet();
      const payee = randomAddress();
      await asOperator(wallet, 'agentTransferToken', [token.address, payee, USDC]);
      const before = await policyOf(wallet, token.address);
      await rejectsOn(wallet, operator, 'setSpendPolicy', [token.address, 1n, 1n, 1n], 'NotOwner');
      await rejectsOn(wallet, owner, 'setSpendPolicy', [token.address, 1n, 1n, 0n], 'InvalidPeriodLength');

      const updated = await asOwner(wallet, 'setSpendPolicy', [token.address, 3n * USDC, 10n * USDC, 3_600n]);
      assert.deepEqual(updated.events, [{
        name: 'SpendPolicyUpdated', args: { token: token.address, perTxLimit: 3n * USDC, periodLimit: 10n * USDC, periodLength: 3_600n },
      }]);
      assert.deepEqual(await policyOf(wallet, token.address), {
        perTxLimit: 3n * USDC, periodLimit: 10n * USDC, periodLength: 3_600n, periodSpent: USDC, periodStart: before.periodStart,
      });
      assert.deepEqual(await budgetOf(wallet, token.address), { perTx: 3n * USDC, inPeriod: 9n * USDC });
      const paid = await asOperator(wallet, 'agentTransferToken', [token.address, payee, 3n * USDC]);
      assert.equal(paid.events[0].name, 'TransactionExecuted');

      // Lowered below what was spent: nothing left, and no underflow.
      await asOwner(wallet, 'setSpendPolicy', [token.address, 3n * USDC, USDC, 3_600n]);
      assert.deepEqual(await budgetOf(wallet, token.address), { perTx: 3n * USDC, inPeriod: 0n });
      const queued = await asOperator(wallet, 'agentTransferToken', [token.address, payee, 1n]);
      assert.equal(queued.events[0].name, 'TransactionQueued');
    });

    test('execute: the owner calls anything, the operator cannot', async () => {
      const wallet = await freshWallet();
      const payee = randomAddress();
      const amount = parseEther('0.5'); // far over the operator's limits: the owner has none
      const done = await asOwner(wallet, 'execute', [payee, amount, '0x']);
      assert.deepEqual(done.events, [{
        name: 'TransactionExecuted', args: { target: payee, value: amount, data: '0x', executor: owner.address },
      }]);
      assert.equal(await ethBalance(payee), amount);
      assert.equal(await read(wallet, 'nonce'), 1n);
      await rejectsOn(wallet, operator, 'execute', [payee, 1n, '0x'], 'NotOwner');
      await rejectsOn(wallet, stranger, 'execute', [payee, 1n, '0x'], 'NotOwner');
    });

    test('moving the NFT moves the wallet: the new holder approves, the old one cannot', async () => {
      const { wallet, payee, amount } = await walletWithQueuedUsdc();
      await send(owner, { address: nft.address, abi: nft.abi, functionName: 'transferFrom', args: [owner.address, heir.address, wallet.tokenId] });
      assert.equal(await chain.publicClient.readContract({ address: wallet.address, abi: account.abi, functionName: 'owner' }), heir.address);
      await rejectsOn(wallet, owner, 'approvePending', [0n], 'NotOwner');
      const approved = await asOwner(wallet, 'approvePending', [0n], { by: heir });
      assert.equal(approved.events[1].args.executor, heir.address);
      assert.equal(await usdc(payee), amount);
    });
  });
});

describe('the world\'s agent wallet', { timeout: 120_000 }, () => {
  let world;
  let info;

  before(async () => {
    world = await startWorld();
    info = describeWorld(world);
  });

  after(async () => {
    await world?.stop();
  });

  test('is operated by the payer\'s key, owned by anvil account 4, funded and policed by default', async () => {
    const { chain, token, agentWallet, payer } = world;
    const read = (functionName, args = []) =>
      chain.publicClient.readContract({ address: agentWallet.address, abi: AGENT_ACCOUNT_ABI, functionName, args });
    assert.equal(agentWallet.owner.address, chain.accounts[4].address);
    assert.equal(await read('isOperatorActive', [payer.address]), true);
    assert.equal(await read('tokenContract'), agentWallet.nft.address);
    assert.equal(await read('tokenId'), agentWallet.tokenId);
    assert.equal(await chain.publicClient.readContract({
      address: agentWallet.nft.address, abi: ERC721_OWNER_ABI, functionName: 'ownerOf', args: [agentWallet.tokenId],
    }), agentWallet.owner.address);
    assert.equal(await chain.publicClient.readContract({
      address: agentWallet.factory.address, abi: AGENT_ACCOUNT_FACTORY_ABI, functionName: 'wallets', args: [agentWallet.nft.address, agentWallet.tokenId],
    }), agentWallet.address);
    assert.equal(await usdcBalance({ chain, token, address: agentWallet.address }), AGENT_WALLET_FUNDS.usdc);
    assert.equal(await chain.publicClient.getBalance({ address: agentWallet.address }), AGENT_WALLET_FUNDS.eth);
    assert.deepEqual(await read('remainingBudget', [token.address]), [DEFAULT_USDC_POLICY.perTxLimit, DEFAULT_USDC_POLICY.periodLimit]);
    assert.deepEqual(await read('remainingBudget', [zeroAddress]), [DEFAULT_ETH_POLICY.perTxLimit, DEFAULT_ETH_POLICY.periodLimit]);
  });

  test('describeWorld names it, and mcpEnv stays in key mode with the factory and the NFT', () => {
    const { agentWallet, payer } = world;
    assert.deepEqual(info.agentWallet, {
      address: agentWallet.address,
      tokenId: agentWallet.tokenId.toString(),
      owner: { address: agentWallet.owner.address, privateKey: agentWallet.owner.privateKey },
      nftContract: agentWallet.nft.address,
      factory: agentWallet.factory.address,
    });
    assert.equal(info.mcpEnv.AGENT_WALLET_ADDRESS, payer.address);
    assert.equal(info.mcpEnv.FACTORY_ADDRESS, agentWallet.factory.address);
    assert.equal(info.mcpEnv.NFT_CONTRACT_ADDRESS, agentWallet.nft.address);
    assert.doesNotThrow(() => JSON.stringify(info));
  });
});
