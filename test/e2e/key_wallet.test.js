// The key-mode wallet on a real chain (anvil, our USD Coin): sends within the
// local policy move exact balances; over it they wait in the approval queue
// (nothing moves) until approved — once — or cancelled; a transfer that would
// revert or does revert is reported as a failure, never as executed; the
// durable sender resumes a transaction signed before a crash instead of
// paying twice; history shows sends, the queue, x402 payments and transfers.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { encodeAbiParameters, keccak256, parseSignature, toHex } from 'viem';

import { Signer } from '../../lib/index.js';
import { startChain } from '../../lib/devnet/chain.js';
import { assetEnv, deployUsdCoin, mintUsdCoin, usdcBalance, walletClientFor } from '../../lib/devnet/token.js';
import { loadConfig } from '../../lib/pay/config.js';
import { PaymentLedger, callKey } from '../../lib/pay/payment_ledger.js';
import { SpendPolicy } from '../../lib/pay/policy.js';
import { openPayStore } from '../../lib/pay/store.js';
import { AGENT_MAY_APPROVE, createKeyWallet } from '../../lib/wallet/key_wallet.js';
import { createChainClients } from '../../lib/wallet/chain_client.js';
import { createTxSender } from '../../lib/wallet/tx_sender.js';

const USDC = (text) => BigInt(Math.round(Number(text) * 1e6)); // test literals only
const WEI = 10n ** 18n;
const TX_HASH = /^0x[0-9a-f]{64}$/;
const BALANCE_SLOT = 2n; // UsdCoin: owner (0), totalSupply (1), balanceOf (2)

const coded = (code, text) => (error) => {
  assert.equal(error.code, code, error.message);
  if (text) assert.ok(error.message.includes(text), `"${error.message}" includes "${text}"`);
  return true;
};

describe('the key-mode wallet on anvil', { timeout: 240_000 }, () => {
  let chain;
  let token;
  let deployer;
  let agent;
  let stateDir;
  let store;
  let wallet;
  let baseEnv;
  const recipient = Signer.generate().address;
  const other = Signer.generate().address;
  const signers = [];

  const usdc = (address) => usdcBalance({ chain, token, address });
  const eth = (address) => chain.publicClient.getBalance({ address });

  function configWith(extra = {}) {
    return loadConfig({ ...baseEnv, ...extra });
  }

  function walletWith(extra = {}, options = {}) {
    const config = configWith(extra);
    const signer = Signer.fromPrivateKey(config.privateKey);
    signers.push(signer);
    return createKeyWallet({ config, store, signer, ...options });
  }

  const spentToday = () => new SpendPolicy({ policy: configWith().policy, asset: configWith().asset, store }).spent();

  before(async () => {
    chain = await startChain();
    deployer = Signer.fromPrivateKey(chain.accounts[0].privateKey);
    agent = chain.accounts[1];
    token = await deployUsdCoin({ chain, deployer });
    await mintUsdCoin({ chain, token, owner: deployer, to: agent.address, amount: USDC('100') });
    stateDir = mkdtempSync(join(tmpdir(), 'clawpay-key-wallet-'));
    baseEnv = {
      AGENT_PRIVATE_KEY: agent.privateKey,
      CHAIN_ID: String(chain.chainId),
      RPC_URL: chain.rpcUrl,
      ...assetEnv(token),
      CLAWPAY_ASSET_SYMBOL: 'USDC',
      CLAWPAY_STATE_DIR: stateDir,
      CLAWPAY_MAX_PER_SEND: '2',
      CLAWPAY_MAX_PER_DAY: '10',
      CLAWPAY_MAX_ETH_PER_SEND: '0.5',
      CLAWPAY_MAX_ETH_PER_DAY: '1',
      HOME: stateDir,
    };
    store = await openPayStore(configWith());
    wallet = walletWith();
  });

  after(async () => {
    for (const signer of signers) signer.destroy();
    store?.close();
    await chain?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  test('is mode "key" at the agent key\'s own address; info gives exact balances, limits and the queue', async () => {
    assert.equal(wallet.mode, 'key');
    assert.equal(wallet.address, agent.address);
    assert.equal(wallet.deploy, undefined, 'no deploy in key mode');
    assert.equal(AGENT_MAY_APPROVE, false);
    const info = await wallet.info();
    assert.equal(info.chainId, chain.chainId);
    assert.deepEqual(info.balances.map((b) => [b.symbol, b.token, b.units]), [
      ['ETH', null, (await eth(agent.address)).toString()],
      ['USDC', token.address, USDC('100').toString()],
    ]);
    const [asset, ether] = info.limits;
    assert.equal(asset.token, token.address);
    assert.equal(asset.perTx.amount, '2.00');
    assert.equal(asset.periodLimit.amount, '10.00');
    assert.equal(asset.periodLength, 86_400);
    assert.equal(asset.periodStart % 86_400, 0);
    assert.ok(asset.secondsUntilReset > 0 && asset.secondsUntilReset <= 86_400);
    assert.equal(ether.token, null);
    assert.equal(ether.perTx.amount, '0.50');
    assert.deepEqual(info.queue, { pending: 0 });
    await assert.rejects(wallet.info({ token: other }), coded('ERR_WALLET_INPUT', 'has no contract code'));
  });

  test('a USDC send within the limits is executed and moves exactly the amount', async () => {
    const before = [await usdc(agent.address), await usdc(recipient)];
    const result = await wallet.send({ to: recipient.toLowerCase(), amount: '1.5', token: token.address, memo: 'for the API' });
    assert.equal(result.status, 'executed');
    assert.equal(result.mode, 'key');
    assert.equal(result.to, recipient);
    assert.deepEqual(result.value, { units: '1500000', amount: '1.50', symbol: 'USDC', decimals: 6, token: token.address });
    assert.equal(result.memo, 'for the API');
    assert.match(result.txHash, TX_HASH);
    assert.match(result.blockNumber, /^[0-9]+$/);
    assert.equal(result.resumed, false);
    assert.deepEqual([await usdc(agent.address), await usdc(recipient)], [before[0] - USDC('1.5'), before[1] + USDC('1.5')]);
    assert.equal(spentToday(), USDC('1.5'), 'counted in the daily total x402 payments share');

    // The identical call again is a new, deliberate send (the first was answered).
    const again = await wallet.send({ to: recipient, amount: '1.5', token: token.address, memo: 'for the API' });
    assert.notEqual(again.txHash, result.txHash);
    assert.equal(await usdc(recipient), before[1] + USDC('3'));
    assert.equal(spentToday(), USDC('3'));
  });

  test('an ETH send within the ETH limits moves exactly the value; the agent pays it plus gas', async () => {
    const before = [await eth(agent.address), await eth(recipient)];
    const result = await wallet.send({ to: recipient, amount: '0.25' });
    assert.equal(result.status, 'executed');
    assert.deepEqual(result.value, { units: (WEI / 4n).toString(), amount: '0.25', symbol: 'ETH', decimals: 18, token: null });
    const receipt = await chain.publicClient.getTransactionReceipt({ hash: result.txHash });
    assert.equal(await eth(recipient), before[1] + WEI / 4n);
    assert.equal(await eth(agent.address), before[0] - WEI / 4n - receipt.gasUsed * receipt.effectiveGasPrice);
    await assert.rejects(wallet.send({ to: recipient, amount: '1', tokenDecimals: 6 }), coded('ERR_WALLET_INPUT', 'token_decimals is 6'));
  });

  test('check_spend_limit answers without reserving', async () => {
    const within = await wallet.checkSpend({ amount: '2', token: token.address });
    assert.equal(within.allowed, true);
    assert.equal(within.value.units, '2000000');
    assert.equal(within.limits.periodSpent.units, '3000000');
    const over = await wallet.checkSpend({ amount: '2.01', token: token.address });
    assert.equal(over.allowed, false);
    assert.match(over.reason, /CLAWPAY_MAX_PER_SEND/);
    const ether = await wallet.checkSpend({ amount: '0.75' });
    assert.equal(ether.allowed, false);
    assert.match(ether.reason, /0\.75 ETH is above the per-send limit of 0\.50 ETH \(CLAWPAY_MAX_ETH_PER_SEND\)/);
    const half = await wallet.checkSpend({ amount: '0.5' });
    assert.equal(half.allowed, true);
    assert.equal(half.limits.periodSpent.amount, '0.25', 'the ETH sent today');
    assert.equal(spentToday(), USDC('3'));
  });

  test('over the limit: queued with its reason, nothing moves; a person approves it once', async () => {
    const before = [await usdc(agent.address), await usdc(recipient)];
    const queued = await wallet.send({ to: recipient, amount: '5', token: token.address, memo: 'big invoice' });
    assert.equal(queued.status, 'queued');
    assert.equal(queued.queueId, '1');
    assert.match(queued.reason, /5\.00 USDC is above the per-send limit of 2\.00 USDC \(CLAWPAY_MAX_PER_SEND\)/);
    assert.equal(queued.txHash, undefined);
    assert.deepEqual([await usdc(agent.address), await usdc(recipient)], before, 'nothing moved');
    assert.equal(spentToday(), USDC('3'), 'nothing reserved');
    // The identical send again (a retry after a lost answer) is the same request, not a second item.
    const again = await wallet.send({ to: recipient, amount: '5', token: token.address, memo: 'big invoice' });
    assert.deepEqual([again.status, again.queueId, again.resumed], ['queued', '1', true]);
    const { items } = await wallet.queue.list();
    assert.deepEqual(items.map((i) => [i.id, i.status, i.value.amount, i.memo]), [['1', 'pending', '5.00', 'big invoice']]);
    assert.equal((await wallet.info()).queue.pending, 1);

    const approved = await wallet.queue.approve('1');
    assert.equal(approved.status, 'executed');
    assert.match(approved.txHash, TX_HASH);
    assert.deepEqual([await usdc(agent.address), await usdc(recipient)], [before[0] - USDC('5'), before[1] + USDC('5')]);
    assert.equal(spentToday(), USDC('8'), 'an approved send counts toward the day');
    await assert.rejects(wallet.queue.approve('1'), coded('ERR_QUEUE_NOT_PENDING', 'is executed'));
    await assert.rejects(wallet.queue.approve('99'), coded('ERR_QUEUE_NOT_FOUND'));
    assert.equal(await usdc(recipient), before[1] + USDC('5'), 'once');
  });

  test('cancel: the queued send is dropped and can no longer be approved; other tokens always queue', async () => {
    const before = await usdc(recipient);
    const queued = await wallet.send({ to: recipient, amount: '3', token: token.address });
    const cancelled = await wallet.queue.cancel(queued.queueId);
    assert.equal(cancelled.status, 'cancelled');
    await assert.rejects(wallet.queue.approve(queued.queueId), coded('ERR_QUEUE_NOT_PENDING', 'is cancelled'));
    await assert.rejects(wallet.queue.cancel(queued.queueId), coded('ERR_QUEUE_NOT_PENDING'));
    assert.equal(await usdc(recipient), before);

    const second = await deployUsdCoin({ chain, deployer });
    const viaOther = await wallet.send({ to: recipient, amount: '0.01', token: second.address });
    assert.equal(viaOther.status, 'queued');
    assert.match(viaOther.reason, /always need a person's approval/);
    await wallet.queue.cancel(viaOther.queueId);
  });

  test('a transfer that would revert fails before signing; the budget is given back', async () => {
    const rich = walletWith({ CLAWPAY_MAX_PER_SEND: '1000', CLAWPAY_MAX_PER_DAY: '1000' });
    const spent = spentToday();
    const balance = await usdc(agent.address);
    const nonce = await chain.publicClient.getTransactionCount({ address: agent.address });
    await assert.rejects(rich.send({ to: recipient, amount: '500', token: token.address }), (error) => {
      coded('ERR_TX_WOULD_REVERT', 'transfer amount exceeds balance')(error);
      assert.equal(error.notSent, true);
      return true;
    });
    assert.equal(await usdc(agent.address), balance);
    assert.equal(await chain.publicClient.getTransactionCount({ address: agent.address }), nonce, 'nothing sent');
    assert.equal(spentToday(), spent, 'reservation released');
  });

  test('a transfer that reverts on chain is reported as ERR_TX_REVERTED with its hash, not executed', async () => {
    // Between the simulation and the broadcast the balance vanishes, so the
    // transaction is mined and reverts (as when something else spends first).
    const slot = keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [agent.address, BALANCE_SLOT]));
    const balance = await usdc(agent.address);
    assert.equal(BigInt(await chain.publicClient.getStorageAt({ address: token.address, slot })), balance, 'the balance slot');
    const broadcast = async (rawTx) => {
      await chain.publicClient.request({ method: 'anvil_setStorageAt', params: [token.address, slot, toHex(0n, { size: 32 })] });
      return chain.publicClient.request({ method: 'eth_sendRawTransaction', params: [rawTx] });
    };
    const faulty = walletWith({}, { broadcast });
    const spent = spentToday();
    let hash;
    await assert.rejects(faulty.send({ to: other, amount: '1', token: token.address }), (error) => {
      coded('ERR_TX_REVERTED', 'reverted on chain')(error);
      assert.match(error.txHash, TX_HASH);
      hash = error.txHash;
      return true;
    });
    const receipt = await chain.publicClient.getTransactionReceipt({ hash });
    assert.equal(receipt.status, 'reverted');
    assert.equal(await usdc(other), 0n);
    assert.equal(spentToday(), spent, 'the amount did not move: its reservation is given back');
    await chain.publicClient.request({ method: 'anvil_setStorageAt', params: [token.address, slot, toHex(balance, { size: 32 })] });
    assert.equal(await usdc(agent.address), balance);
  });

  test('crash after signing: the identical send resumes the recorded transaction, and money moves once', async () => {
    const crash = async () => {
      throw new Error('the process died before the broadcast');
    };
    const crashing = walletWith({}, { broadcast: crash });
    const before = await usdc(other);
    const spent = spentToday();
    let recorded;
    await assert.rejects(crashing.send({ to: other, amount: '0.75', token: token.address, memo: 'crash' }), (error) => {
      coded('ERR_TX_UNCERTAIN', 'never signed twice')(error);
      recorded = error.txHash;
      return true;
    });
    assert.equal(await usdc(other), before, 'not broadcast');
    assert.equal(spentToday(), spent + USDC('0.75'), 'the budget stays reserved: the outcome is open');
    const records = store.list('tx/').map(({ value }) => value).filter((r) => r.txHash === recorded);
    assert.equal(records.length, 1);
    assert.equal(records[0].state, 'signed');
    assert.ok(records[0].rawTx.startsWith('0x02'));

    // A new process (a fresh wallet and sender on the same store) repeats the call.
    const restarted = walletWith();
    const result = await restarted.send({ to: other, amount: '0.75', token: token.address, memo: 'crash' });
    assert.equal(result.status, 'executed');
    assert.equal(result.resumed, true);
    assert.equal(result.txHash, recorded, 'the transaction signed before the crash');
    assert.equal(await usdc(other), before + USDC('0.75'));
    assert.equal(spentToday(), spent + USDC('0.75'), 'counted once');
    assert.equal(store.get(`tx/${records[0].id}`).state, 'mined');
  });

  test('the broadcast reached the node but its answer was lost: the identical send returns that transaction', async () => {
    const lostAnswer = async (rawTx) => {
      await chain.publicClient.request({ method: 'eth_sendRawTransaction', params: [rawTx] });
      throw new Error('socket hang up');
    };
    const flaky = walletWith({}, { broadcast: lostAnswer });
    const before = await usdc(other);
    let sentHash;
    await assert.rejects(flaky.send({ to: other, amount: '0.3', token: token.address }), (error) => { sentHash = error.txHash; return error.code === 'ERR_TX_UNCERTAIN'; });
    assert.equal(await usdc(other), before + USDC('0.3'), 'it did go through');
    const result = await walletWith().send({ to: other, amount: '0.3', token: token.address });
    assert.equal(result.resumed, true);
    assert.equal(result.txHash, sentHash);
    assert.equal(await usdc(other), before + USDC('0.3'), 'not paid twice');
  });

  test('crash, then reconcile on start: the transaction is broadcast and its answer kept for the identical call', async () => {
    const crashing = walletWith({}, { broadcast: async () => { throw new Error('down'); } });
    const before = await usdc(other);
    let recorded;
    await assert.rejects(crashing.send({ to: other, amount: '0.5', token: token.address }), (error) => { recorded = error.txHash; return error.code === 'ERR_TX_UNCERTAIN'; });
    const restarted = walletWith();
    const counts = await restarted.reconcile();
    assert.deepEqual({ checked: counts.checked, pending: counts.pending, errors: counts.errors }, { checked: 1, pending: 1, errors: 0 });
    await chain.publicClient.waitForTransactionReceipt({ hash: recorded });
    assert.equal(await usdc(other), before + USDC('0.5'));
    const result = await restarted.send({ to: other, amount: '0.5', token: token.address });
    assert.equal(result.resumed, true);
    assert.equal(result.txHash, recorded);
    assert.equal(await usdc(other), before + USDC('0.5'), 'not paid again');
    assert.deepEqual(await restarted.reconcile(), { checked: 0, mined: 0, pending: 0, dropped: 0, failed: 0, errors: 0 });
  });

  test('a crashed transaction whose nonce another send took is dropped, and the retry sends afresh, once', async () => {
    const crashing = walletWith({}, { broadcast: async () => { throw new Error('down'); } });
    const before = await usdc(other);
    const spent = spentToday();
    let lost;
    await assert.rejects(crashing.send({ to: other, amount: '0.25', token: token.address }), (error) => { lost = error.txHash; return error.code === 'ERR_TX_UNCERTAIN'; });
    const restarted = walletWith();
    await restarted.send({ to: recipient, amount: '0.01', token: token.address }); // takes the same nonce
    const retried = await restarted.send({ to: other, amount: '0.25', token: token.address });
    assert.equal(retried.status, 'executed');
    assert.notEqual(retried.txHash, lost);
    assert.equal(await usdc(other), before + USDC('0.25'), 'moved once');
    assert.equal(spentToday(), spent + USDC('0.26'), 'the dropped one\'s reservation carried over, not doubled');
    assert.equal(store.list('tx/').map(({ value }) => value).find((r) => r.txHash === lost).state, 'dropped');
  });

  test('the tx sender alone: a simulated revert records nothing; custom errors decode with the abi', async () => {
    const config = configWith();
    const signer = Signer.fromPrivateKey(config.privateKey);
    signers.push(signer);
    const clients = createChainClients(config, { signer });
    const sender = createTxSender({ store, signer, clients });
    const count = store.list('tx/').length;
    const data = '0xa9059cbb' + encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [other, 10n ** 30n]).slice(2);
    await assert.rejects(sender.send({ key: 'k1', to: token.address, data }), coded('ERR_TX_WOULD_REVERT', 'UsdCoin: transfer amount exceeds balance'));
    assert.equal(store.list('tx/').length, count);
    assert.equal(sender.list({ limit: 2 }).length, 2);
    assert.ok(sender.list()[0].createdAt >= sender.list()[1].createdAt, 'newest first');
  });

  test('history: sends, the queue, x402 payments and incoming transfers, newest first', async () => {
    // An x402 payment as the payer makes it: an EIP-3009 authorization signed
    // by the agent, settled by someone else, recorded in the payment ledger.
    const value = USDC('0.1');
    const authorization = {
      from: agent.address, to: recipient, value, validAfter: 0n,
      validBefore: BigInt(Math.floor(Date.now() / 1000) + 3600), nonce: toHex(randomBytes(32)),
    };
    const agentSigner = Signer.fromPrivateKey(agent.privateKey);
    signers.push(agentSigner);
    const fields = ['from:address', 'to:address', 'value:uint256', 'validAfter:uint256', 'validBefore:uint256', 'nonce:bytes32'].map((f) => {
      const [name, type] = f.split(':');
      return { name, type };
    });
    const signature = await agentSigner.signTypedData({
      domain: { name: token.name, version: token.version, chainId: chain.chainId, verifyingContract: token.address },
      types: { TransferWithAuthorization: fields }, primaryType: 'TransferWithAuthorization', message: authorization,
    });
    const { v, r, s } = parseSignature(signature);
    const settle = await walletClientFor(chain, deployer).writeContract({
      address: token.address, abi: token.abi, functionName: 'transferWithAuthorization',
      args: [authorization.from, authorization.to, value, 0n, authorization.validBefore, authorization.nonce, Number(v), r, s],
    });
    const settleReceipt = await chain.publicClient.waitForTransactionReceipt({ hash: settle });
    const ledger = new PaymentLedger({ store });
    const url = 'https://api.example.com/v1/data';
    const { key, requestHash } = callKey({ method: 'GET', url });
    const payment = ledger.begin({ key, requestHash, kind: 'call', url, payUrl: url, method: 'GET', x402Version: 2, offer: {}, network: `eip155:${chain.chainId}`, asset: token.address, payTo: recipient, amount: value, decimals: 6 });
    ledger.signed(payment.paymentId, { header: 'x', headerName: 'PAYMENT-SIGNATURE', nonce: authorization.nonce, validBefore: authorization.validBefore, payer: agent.address });
    ledger.settled(payment.paymentId, { transaction: settle, network: `eip155:${chain.chainId}`, payer: agent.address });

    // Incoming: a mint, and a transfer from another holder.
    const holder = Signer.fromPrivateKey(chain.accounts[3].privateKey);
    signers.push(holder);
    await mintUsdCoin({ chain, token, owner: deployer, to: holder.address, amount: USDC('4') });
    const incoming = await walletClientFor(chain, holder).writeContract({ address: token.address, abi: token.abi, functionName: 'transfer', args: [agent.address, USDC('4')] });
    await chain.publicClient.waitForTransactionReceipt({ hash: incoming });

    const { entries, found, fromBlock, toBlock } = await wallet.history({ limit: 100 });
    assert.equal(fromBlock, '0');
    assert.equal(toBlock, (await chain.publicClient.getBlockNumber({ cacheTime: 0 })).toString());
    assert.equal(found, entries.length);
    const types = new Set(entries.map((e) => e.type));
    for (const type of ['execution', 'queued', 'approved', 'cancelled', 'payment', 'transfer_in']) assert.ok(types.has(type), `${type} in ${[...types]}`);
    assert.ok(!types.has('transfer_out'), 'every outgoing transfer is a known send or payment');

    const paid = entries.find((e) => e.type === 'payment');
    assert.equal(paid.txHash, settle);
    assert.equal(paid.blockNumber, settleReceipt.blockNumber.toString(), 'block from the chain');
    assert.equal(paid.value.amount, '0.10');
    assert.equal(paid.url, url);
    const received = entries.find((e) => e.type === 'transfer_in' && e.txHash === incoming);
    assert.equal(received.from, holder.address);
    assert.equal(received.value.units, USDC('4').toString());
    assert.ok(Number.isInteger(received.timestamp));
    assert.ok(entries.some((e) => e.type === 'transfer_in' && e.from === '0x0000000000000000000000000000000000000000'), 'the first mint');
    const hashes = entries.filter((e) => e.txHash).map((e) => e.txHash);
    assert.equal(new Set(hashes).size, hashes.length, 'no transaction twice');
    const approved = entries.find((e) => e.type === 'approved');
    assert.equal(approved.queueId, '1');
    assert.match(approved.summary, /approved by a person: sent 5\.00 USDC/);
    for (let i = 1; i < entries.length; i++) assert.ok((entries[i - 1].timestamp ?? 0) >= (entries[i].timestamp ?? 0), 'newest first');

    const executions = await wallet.history({ eventType: 'execution', limit: 2 });
    assert.equal(executions.entries.length, 2);
    assert.ok(executions.found > 2);
    assert.ok(executions.entries.every((e) => e.type === 'execution'));
    assert.deepEqual((await wallet.history({ eventType: 'policy_update' })).entries, []);
    const window = await wallet.history({ fromBlock: String(settleReceipt.blockNumber), toBlock: String(settleReceipt.blockNumber) });
    assert.deepEqual(window.entries.map((e) => e.type), ['payment'], 'a block window shows what happened in it');
    await assert.rejects(wallet.history({ eventType: 'everything' }), coded('ERR_WALLET_INPUT', 'event_type'));
    await assert.rejects(wallet.history({ fromBlock: 'latest' }), coded('ERR_WALLET_INPUT', 'from_block'));
    await assert.rejects(wallet.history({ toBlock: '99999999' }), coded('ERR_WALLET_INPUT', 'past the chain\'s latest block'));
  });

  test('refuses what it cannot do: a bad recipient, itself, a bad memo, a contract-mode config', async () => {
    await assert.rejects(wallet.send({ to: '0x1234', amount: '1' }), coded('ERR_WALLET_INPUT', 'to must be an address'));
    await assert.rejects(wallet.send({ to: `0x${'0'.repeat(40)}`, amount: '1' }), coded('ERR_WALLET_INPUT', 'zero address'));
    await assert.rejects(wallet.send({ to: agent.address, amount: '1' }), coded('ERR_WALLET_INPUT', 'own address'));
    await assert.rejects(wallet.send({ to: recipient, amount: '1', memo: 'x'.repeat(201) }), coded('ERR_WALLET_INPUT', 'at most 200'));
    await assert.rejects(wallet.send({ to: recipient, amount: '-1' }), coded('ERR_WALLET_INPUT', 'negative'));
    const contract = configWith({ AGENT_WALLET_ADDRESS: token.address });
    const signer = Signer.fromPrivateKey(contract.privateKey);
    signers.push(signer);
    assert.throws(() => createKeyWallet({ config: contract, store, signer }), coded('ERR_WALLET_MODE'));
  });
});
