// The "contract" mode wallet: an AgentAccountV2 the agent key operates.
//
// The contract is the policy: a payment within remainingBudget executes, one
// over the per-transaction or period limit is queued on chain
// (TransactionQueued) for the owner — the holder of the wallet's NFT — to
// approve or cancel. So a send reports what its receipt's events say, never
// what we expected: "executed" only with TransactionExecuted, "queued" only
// with TransactionQueued.
//
// Owner-only calls (approvePending, cancelPending, setSpendPolicy,
// setOperator, execute) are never sent with the agent key: with an agent key
// that happened to own the NFT, the agent could approve its own over-limit
// payments. The queue's approve and cancel return the call for the owner.
//
// Amounts and period times come from the chain: token decimals from the
// token, "now" from the latest block (the chain's clock decides periods).
import { createHash } from 'node:crypto';

import { encodeFunctionData, parseEventLogs, zeroAddress } from 'viem';

import { sameAddress } from '../hashing.js';
import { showInput } from '../secret_text.js';
import { AGENT_ACCOUNT_ABI, ERC721_OWNER_ABI } from './agent_account_abi.js';
import { contractHistory } from './contract_history.js';
import { walletError } from './errors.js';
import { checkMemo } from './memo.js';
import { amountShape, checkAddress, parseAmount, tokenInfo, utilization } from './token_info.js';

/** How many of the newest queue entries `queue.list` and the queue depth look at. */
export const QUEUE_SCAN = 256;



/**
 * The Limits shape (lib/wallet/README.md) of a spend policy read from the
 * contract, at chain time `chainNow` (unix seconds, bigint).
 */
export function limitsShape(info, policy, remaining, chainNow) {
  const [perTxLimit, periodLimit, periodLength, , periodStart] = policy;
  const [, inPeriod] = remaining;
  // remainingBudget already treats an elapsed period as fresh; the spent
  // amount shown agrees with it rather than with the stale stored counter.
  const spent = periodLimit > inPeriod ? periodLimit - inPeriod : 0n;
  const rolled = periodLength > 0n && chainNow >= periodStart + periodLength;
  const resetAt = rolled ? null : periodStart + periodLength;
  return {
    token: info.token,
    symbol: info.symbol,
    decimals: info.decimals,
    perTx: amountShape(perTxLimit, info),
    periodLimit: amountShape(periodLimit, info),
    periodLength: Number(periodLength),
    periodSpent: amountShape(spent, info),
    remainingInPeriod: amountShape(inPeriod, info),
    periodStart: rolled || periodStart === 0n ? null : Number(periodStart),
    secondsUntilReset: resetAt === null ? null : Number(resetAt > chainNow ? resetAt - chainNow : 0n),
    utilization: utilization(spent, periodLimit),
  };
}

const sha256 = (text) => createHash('sha256').update(text).digest('hex');

/**
 * @param {object} options
 * @param {object} options.config   loadConfig(): walletAddress (the contract), agentAddress, asset, chainId
 * @param {{publicClient: object}} options.clients  createChainClients()
 * @param {object} options.sender   createTxSender(): the durable way the agent key sends
 */
export function createContractWallet({ config, clients, sender }) {
  const { publicClient } = clients;
  const address = config.walletAddress;
  const agent = config.agentAddress;
  const read = (functionName, args = []) => publicClient.readContract({ address, abi: AGENT_ACCOUNT_ABI, functionName, args });
  let confirmed = false;

  // Fails closed, with the cause named, when AGENT_WALLET_ADDRESS is not a
  // contract (a typo, the wrong chain, a wallet not deployed yet).
  async function requireContract() {
    if (confirmed) return;
    const code = await publicClient.getCode({ address });
    if (!code || code === '0x') {
      throw walletError('ERR_WALLET_NOT_CONTRACT',
        `AGENT_WALLET_ADDRESS ${address} has no contract code on chain ${config.chainId}: deploy the AgentAccountV2 first ` +
        '(deploy_wallet), check CHAIN_ID, or leave AGENT_WALLET_ADDRESS unset to use the agent key\'s own address');
    }
    try {
      await read('pendingNonce');
    } catch (cause) {
      throw walletError('ERR_WALLET_NOT_CONTRACT',
        `AGENT_WALLET_ADDRESS ${address} is a contract but not an AgentAccountV2 (pendingNonce() failed: ${cause.shortMessage ?? cause.message})`);
    }
    confirmed = true;
  }

  const chainNow = async () => (await publicClient.getBlock({ blockTag: 'latest' })).timestamp;
  // Who owns the wallet: the holder of its NFT.
  async function ownership() {
    const [nftContract, tokenId] = await Promise.all([read('tokenContract'), read('tokenId')]);
    let owner = null;
    try {
      owner = await publicClient.readContract({ address: nftContract, abi: ERC721_OWNER_ABI, functionName: 'ownerOf', args: [tokenId] });
    } catch {
      owner = null; // the NFT burnt or its contract gone: no one can approve
    }
    return { owner, nftContract, tokenId: tokenId.toString() };
  }

  const tokenOf = (token) => tokenInfo(publicClient, token === undefined || token === null || token === '' ? null : checkAddress(token, 'token'));

  async function limitsFor(info, now) {
    const key = info.token ?? zeroAddress;
    const [policy, remaining] = await Promise.all([read('spendPolicies', [key]), read('remainingBudget', [key])]);
    return limitsShape(info, policy, remaining, now ?? await chainNow());
  }

  async function balanceOf(info) {
    if (info.token === null) return publicClient.getBalance({ address });
    return publicClient.readContract({
      address: info.token,
      abi: [{ type: 'function', name: 'balanceOf', stateMutability: 'view', inputs: [{ name: 'a', type: 'address' }], outputs: [{ name: '', type: 'uint256' }] }],
      functionName: 'balanceOf',
      args: [address],
    });
  }

  /** The newest QUEUE_SCAN queue entries as QueueItems, oldest first. */
  async function queueEntries() {
    const next = await read('pendingNonce');
    const first = next > BigInt(QUEUE_SCAN) ? next - BigInt(QUEUE_SCAN) : 0n;
    const ids = [];
    for (let id = first; id < next; id += 1n) ids.push(id);
    const rows = await Promise.all(ids.map((id) => read('getPending', [id])));
    const items = [];
    for (const [i, row] of rows.entries()) {
      const [to, value, token, amount, createdAt, executed, cancelled] = row;
      const info = await tokenInfo(publicClient, token === zeroAddress ? null : token);
      items.push({
        id: ids[i].toString(),
        to,
        value: amountShape(token === zeroAddress ? value : amount, info),
        createdAt: Number(createdAt),
        status: executed ? 'executed' : cancelled ? 'cancelled' : 'pending',
      });
    }
    return { items, total: next, scanned: ids.length };
  }

  async function info({ token } = {}) {
    await requireContract();
    const extra = token === undefined || token === null || token === '' ? null : await tokenOf(token);
    const eth = await tokenInfo(publicClient, null);
    const asset = config.asset.address ? await tokenInfo(publicClient, config.asset.address) : null;
    const tokens = [eth, asset, extra].filter((t, i, all) => t && all.findIndex((u) => u && sameAddress(u.token ?? '', t.token ?? '')) === i);
    const [ownedBy, epoch, operatorActive, nonce, now, queue] = await Promise.all([
      ownership(), read('operatorEpoch'), read('isOperatorActive', [agent]), read('nonce'), chainNow(), queueEntries(),
    ]);
    const balances = await Promise.all(tokens.map(async (t) => amountShape(await balanceOf(t), t)));
    const limits = await Promise.all(tokens.map((t) => limitsFor(t, now)));
    return {
      mode: 'contract',
      address,
      agent,
      chainId: config.chainId,
      balances,
      limits,
      queue: { pending: queue.items.filter((item) => item.status === 'pending').length, total: Number(queue.total), scanned: queue.scanned },
      contract: { ...ownedBy, operatorActive, operatorEpoch: epoch.toString(), nonce: nonce.toString() },
    };
  }

  async function checkSpend({ amount, token } = {}) {
    await requireContract();
    const t = await tokenOf(token);
    const units = parseAmount(amount, t, { field: 'amount_eth' });
    const [limits, operatorActive] = await Promise.all([limitsFor(t), read('isOperatorActive', [agent])]);
    const perTx = BigInt(limits.perTx.units);
    const left = BigInt(limits.remainingInPeriod.units);
    let reason = null;
    if (!operatorActive) reason = `the agent key ${agent} is not an active operator of this wallet: the owner must call setOperator`;
    else if (units > perTx) reason = `above the per-transaction limit of ${limits.perTx.amount} ${t.symbol}: it would be queued for the owner`;
    else if (units > left) reason = `above what is left in this period (${limits.remainingInPeriod.amount} ${t.symbol}): it would be queued for the owner`;
    return { allowed: reason === null, reason, value: amountShape(units, t), limits, operatorActive };
  }

  async function send({ to, amount, token, tokenDecimals, memo } = {}) {
    await requireContract();
    const recipient = checkAddress(to, 'to', { refuseZero: true });
    if (sameAddress(recipient, address)) throw walletError('ERR_WALLET_INPUT', `"to" is the wallet itself (${address}); nothing would move`);
    const note = checkMemo(memo);
    const t = await tokenOf(token);
    const units = parseAmount(amount, t, { tokenDecimals, field: 'amount_eth' });
    if (!(await read('isOperatorActive', [agent]))) {
      throw walletError('ERR_NOT_OPERATOR',
        `The agent key ${agent} is not an active operator of wallet ${address}; the wallet's owner must call setOperator(${agent}, true). Nothing was sent.`);
    }
    const data = t.token === null
      ? encodeFunctionData({ abi: AGENT_ACCOUNT_ABI, functionName: 'agentExecute', args: [recipient, units, '0x'] })
      : encodeFunctionData({ abi: AGENT_ACCOUNT_ABI, functionName: 'agentTransferToken', args: [t.token, recipient, units] });
    // One logical send: the same call repeated after a crash or a lost
    // answer resumes the recorded transaction instead of signing another.
    const key = sha256(JSON.stringify(['contract-send', address, recipient, t.token, units.toString(), note]));
    const sent = await sender.send({
      key, to: address, data, value: 0n, abi: AGENT_ACCOUNT_ABI,
      meta: { kind: 'wallet-send', mode: 'contract', to: recipient, token: t.token, units: units.toString(), memo: note },
    });
    // The outcome is reported from here on, as a result or as an error: the
    // key is free for a new, deliberate send of the same amount.
    sender.markAnswered(sent.id);
    const { receipt } = sent;
    if (receipt.status !== 'success') {
      throw walletError('ERR_TX_REVERTED', `The send reverted on chain (tx ${sent.txHash}); nothing moved.`, { txHash: sent.txHash });
    }
    const events = parseEventLogs({ abi: AGENT_ACCOUNT_ABI, logs: receipt.logs.filter((log) => sameAddress(log.address, address)) });
    const queued = events.find((e) => e.eventName === 'TransactionQueued');
    const executed = events.find((e) => e.eventName === 'TransactionExecuted');
    const base = {
      mode: 'contract', to: recipient, value: amountShape(units, t), memo: note,
      txHash: sent.txHash, blockNumber: receipt.blockNumber.toString(), resumed: Boolean(sent.resumed),
    };
    if (queued) {
      return { ...base, status: 'queued', queueId: queued.args.txId.toString(), reason: 'over the wallet\'s per-transaction or period limit: the owner approves or cancels it' };
    }
    if (executed) return { ...base, status: 'executed' };
    // Fail closed: a success receipt without either event is not a payment we can vouch for.
    throw walletError('ERR_TX_UNEXPECTED', `Transaction ${sent.txHash} succeeded but the wallet emitted neither TransactionExecuted nor TransactionQueued; check it on chain before retrying.`, { txHash: sent.txHash });
  }

  // The owner's call for approve/cancel: what to send, from whom; never sent here.
  async function ownerCall(action, id) {
    await requireContract();
    if (typeof id !== 'string' || !/^[0-9]{1,78}$/.test(id)) {
      throw walletError('ERR_WALLET_INPUT', `tx_id must be a queue id, a non-negative integer such as "0"; got ${showInput(id ?? '', 40)}`);
    }
    const txId = BigInt(id);
    const next = await read('pendingNonce');
    if (txId >= next) {
      throw walletError('ERR_QUEUE_NOT_FOUND', `No queued transaction #${id} in wallet ${address} ` +
        `(${next === 0n ? 'nothing was ever queued' : `ids run from 0 to ${next - 1n}`}).`);
    }
    const [to, value, token, amount, , executed, cancelled] = await read('getPending', [txId]);
    if (executed || cancelled) {
      throw walletError('ERR_QUEUE_NOT_PENDING', `Queued transaction #${id} is already ${executed ? 'executed' : 'cancelled'}.`);
    }
    const functionName = action === 'approve' ? 'approvePending' : 'cancelPending';
    const info = await tokenInfo(publicClient, token === zeroAddress ? null : token);
    const { owner } = await ownership();
    return {
      id,
      to,
      value: amountShape(token === zeroAddress ? value : amount, info),
      owner,
      call: { to: address, function: `${functionName}(uint256)`, args: [id], data: encodeFunctionData({ abi: AGENT_ACCOUNT_ABI, functionName, args: [txId] }) },
    };
  }

  return {
    mode: 'contract',
    address,
    agent,
    info,
    checkSpend,
    send,
    queue: {
      async list() {
        await requireContract();
        const { items, total, scanned } = await queueEntries();
        return { items: items.filter((item) => item.status === 'pending').reverse(), total: Number(total), scanned, ownerApproves: true };
      },
      approve: (id) => ownerCall('approve', id),
      cancel: (id) => ownerCall('cancel', id),
    },
    async history(options = {}) {
      await requireContract();
      return contractHistory({ publicClient, address, ...options });
    },
  };
}
