// The "key" mode wallet: the agent key's own address (AGENT_WALLET_ADDRESS
// absent or equal to it). ETH and ERC-20 sends from the key, under the local
// send policy (send_policy.js); a send over it waits in the durable approval
// queue (approval_queue.js) until a person approves it with `clawpay
// approvals` or someone cancels it. Every transaction goes through the
// durable sender (tx_sender.js), so a repeated call after a crash or a lost
// answer resumes the same transaction instead of paying twice.
//
// A send is "executed" only when its receipt says success and, for an
// ERC-20, the token logged a Transfer of exactly the amount from the key to
// the recipient. Results use the shapes of README.md.
import { createHash } from 'node:crypto';

import { BaseError, encodeFunctionData, erc20Abi, parseEventLogs } from 'viem';

import { sameAddress } from '../hashing.js';
import { formatUnits } from '../pay/amount.js';
import { createApprovalQueue, parseQueueId } from './approval_queue.js';
import { chainErrorMessage, createChainClients } from './chain_client.js';
import { walletError } from './errors.js';
import { blockWindow, checkEventType, parseBlock } from './history_window.js';
import { checkMemo } from './memo.js';
import { createSendPolicy } from './send_policy.js';
import { ETH, amountShape, checkAddress, parseAmount, tokenInfo } from './token_info.js';
import { createTxSender } from './tx_sender.js';

/**
 * Whether the agent itself may approve queued sends: no. The queue exists for
 * the sends over the agent's limits; an agent that could approve them would
 * have no limits. A person approves with `clawpay approvals approve <id>`;
 * the MCP tools offer the agent list and cancel only.
 */
export const AGENT_MAY_APPROVE = false;

const MAX_HISTORY = 100;

const sha256 = (text) => createHash('sha256').update(text).digest('hex');
const seconds = (ms) => Math.floor(ms / 1000);


/** An ERC-20 Transfer of exactly `units` from → to, logged by `token`, in the receipt? */
function transferLogged(receipt, { token, from, to, units }) {
  const transfers = parseEventLogs({ abi: erc20Abi, eventName: 'Transfer', logs: receipt.logs ?? [] });
  return transfers.some((log) => sameAddress(log.address, token) && sameAddress(log.args.from, from) &&
    sameAddress(log.args.to, to) && log.args.value === units);
}

/** The transaction that moves `units` of `info` to `to`. */
function transferCall(info, to, units) {
  if (info.token === null) return { to, data: '0x', value: units };
  return { to: info.token, data: encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [to, units] }), value: 0n };
}

/** The README's QueueItem, plus the token fields, from a queue record. */
function queueItemShape(item) {
  const shape = {
    id: item.id,
    to: item.to,
    value: item.value,
    createdAt: item.createdAt,
    status: item.status,
    reason: item.reason,
    memo: item.memo ?? null,
    txHash: item.txHash ?? null,
    token: item.token,
    decimals: item.decimals,
    symbol: item.symbol,
    units: item.units,
  };
  if (item.blockNumber) shape.blockNumber = item.blockNumber;
  if (item.error) shape.error = item.error;
  return shape;
}

/**
 * @param {object} options
 * @param {object} options.config   loadConfig() in walletMode 'key'
 * @param {object} options.store    the pay store (RecordStore): transactions, queue, day totals, payments
 * @param {import('../signer.js').Signer} options.signer  the agent key
 * @param {object} [options.clients]  createChainClients(config, {signer})
 * @param {object} [options.sender]   createTxSender(); one per key, shared with the other mode's tools
 * @param {() => number} [options.now]  milliseconds
 * @param {Function} [options.broadcast]  passed to the sender this makes (tests: a crash after recording)
 */
export function createKeyWallet({ config, store, signer, clients, sender, now = Date.now, broadcast }) {
  if (config?.walletMode !== 'key') {
    throw walletError('ERR_WALLET_MODE', 'createKeyWallet is for walletMode "key" (AGENT_WALLET_ADDRESS absent or the key\'s own address)');
  }
  if (!store || !signer) throw new TypeError('createKeyWallet needs {config, store, signer}');
  if (!sameAddress(signer.address, config.agentAddress)) {
    throw new TypeError(`createKeyWallet: the signer ${signer.address} is not the configured agent key ${config.agentAddress}`);
  }
  const address = config.agentAddress;
  const chainClients = clients ?? createChainClients(config, { signer });
  const { publicClient } = chainClients;
  const txSender = sender ?? createTxSender({ store, signer, clients: chainClients, now, broadcast, rpcUrl: config.rpcUrl });
  const policy = createSendPolicy({ config, store, now });
  const queue = createApprovalQueue({ store, now });

  // viem's own errors carry the RPC URL in their long message: callers get
  // the short one, with the URL cut out.
  async function guard(fn) {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof BaseError) throw walletError('ERR_RPC', `The chain could not be read: ${chainErrorMessage(error, config.rpcUrl)}`);
      throw error;
    }
  }

  let assetChecked = null;
  /** The configured asset as the chain describes it; its decimals must be the ones the limits were read with. */
  async function assetInfo() {
    assetChecked ??= (async () => {
      const info = await tokenInfo(publicClient, config.asset.address);
      if (info.decimals !== config.asset.decimals) {
        throw walletError('ERR_WALLET_CONFIG',
          `The asset ${info.token} has ${info.decimals} decimals on chain, but CLAWPAY_ASSET_DECIMALS says ${config.asset.decimals}; ` +
          'the spend limits were read with the wrong decimals. Fix the configuration.');
      }
      // The configured symbol names the asset in limits and messages, as elsewhere.
      return Object.freeze({ ...info, symbol: config.asset.symbol ?? info.symbol });
    })();
    try {
      return await assetChecked;
    } catch (error) {
      assetChecked = null;
      throw error;
    }
  }

  async function tokenOf(token) {
    if (token === undefined || token === null || token === '') return ETH;
    const checked = checkAddress(token, 'token');
    if (sameAddress(checked, config.asset.address)) return assetInfo();
    return tokenInfo(publicClient, checked);
  }

  async function balanceOf(info) {
    if (info.token === null) return publicClient.getBalance({ address });
    return publicClient.readContract({ address: info.token, abi: erc20Abi, functionName: 'balanceOf', args: [address] });
  }

  // What a reconciled record means for the policy and the queue: a send
  // that never moved its amount gives its reservation back; an approval's
  // item learns its outcome.
  txSender.onReconciled((record) => {
    const meta = record.meta ?? {};
    if (meta.wallet !== address) return;
    const moved = record.state === 'mined' && record.status === 'success';
    if (!moved && record.state !== 'signed' && record.state !== 'sent') policy.release(meta.reservation);
    if (meta.kind === 'key-approval' && meta.queueId) {
      try {
        queue.finish(meta.queueId, moved
          ? { status: 'executed', txHash: record.txHash, blockNumber: record.blockNumber }
          : { status: 'failed', txHash: record.txHash, error: `transaction ${record.state === 'mined' ? 'reverted' : record.state} (found on restart)` });
      } catch {
        // the item was settled by its approver already
      }
    }
  });

  /**
   * Sends through the durable sender and judges the receipt. The
   * reservation is given back when the amount definitely did not move.
   */
  async function execute({ key, info, to, units, meta }) {
    let sent;
    try {
      sent = await txSender.send({ key, ...transferCall(info, to, units), meta, abi: erc20Abi });
    } catch (error) {
      if (error.notSent) policy.release(meta.reservation);
      throw error;
    }
    const { receipt } = sent;
    const blockNumber = receipt.blockNumber.toString();
    if (receipt.status !== 'success') {
      // Gas was spent, but the amount did not move: it goes back to the day's budget.
      policy.release(meta.reservation);
      return { sent, blockNumber, problem: walletError('ERR_TX_REVERTED',
        `The transfer reverted on chain (tx ${sent.txHash}, block ${blockNumber}); no ${info.symbol} moved, only gas was spent.`,
        { txHash: sent.txHash, blockNumber }) };
    }
    if (info.token !== null && !transferLogged(receipt, { token: info.token, from: address, to, units })) {
      // Success without the Transfer we asked for (a fee-on-transfer or odd
      // token): not "executed", and the budget stays used.
      return { sent, blockNumber, problem: walletError('ERR_TX_UNEXPECTED',
        `Transaction ${sent.txHash} succeeded but ${info.token} logged no Transfer of ${formatUnits(units, info.decimals)} ${info.symbol} ` +
        `from ${address} to ${to}; check it on chain before sending again.`, { txHash: sent.txHash, blockNumber }) };
    }
    return { sent, blockNumber, problem: null };
  }

  async function send({ to, amount, token, tokenDecimals, memo } = {}) {
    const recipient = checkAddress(to, 'to', { refuseZero: true });
    if (sameAddress(recipient, address)) throw walletError('ERR_WALLET_INPUT', `"to" is the agent key's own address (${address}); nothing would move`);
    const note = checkMemo(memo);
    const info = await tokenOf(token);
    const units = parseAmount(amount, info, { tokenDecimals, field: 'amount_eth' });
    const value = amountShape(units, info);
    // One logical send: the same call after a crash or a lost answer resumes
    // the recorded transaction (with its reservation) instead of a new one.
    const key = sha256(JSON.stringify(['key-send', config.chainId, address, recipient, info.token, units.toString(), note]));
    const earlier = txSender.open(key);
    let meta;
    if (earlier) {
      meta = earlier.meta;
    } else {
      // The same send still waiting for approval is that request, not a
      // second one: a retry after a lost "queued" answer must not put the
      // payment before the person twice. (A separate payment of the same
      // amount to the same payee takes another memo.)
      const waiting = queue.list({ status: 'pending' }).find((item) => item.key === key);
      if (waiting) {
        return {
          status: 'queued', mode: 'key', to: recipient, value, memo: note, queueId: waiting.id, reason: waiting.reason,
          rule: waiting.rule ?? null, resumed: true,
        };
      }
      const decision = policy.decide({ token: info.token, to: recipient, units, info });
      if (!decision.execute) {
        const item = queue.add({
          to: recipient, value, token: info.token, decimals: info.decimals, symbol: info.symbol,
          units: units.toString(), reason: decision.reason, rule: decision.rule, memo: note, key,
        });
        return { status: 'queued', mode: 'key', to: recipient, value, memo: note, queueId: item.id, reason: decision.reason, rule: decision.rule };
      }
      meta = {
        kind: 'key-send', wallet: address, recipient, token: info.token, symbol: info.symbol, decimals: info.decimals,
        units: units.toString(), memo: note, reservation: decision.reservation,
      };
    }
    const { sent, blockNumber, problem } = await execute({ key, info, to: recipient, units, meta });
    // The outcome is reported from here on (as a result or as an error):
    // the key is free for a new, deliberate send of the same amount.
    txSender.markAnswered(sent.id);
    if (problem) throw problem;
    return {
      status: 'executed', mode: 'key', to: recipient, value, memo: note,
      txHash: sent.txHash, blockNumber, resumed: Boolean(sent.resumed),
    };
  }

  async function approve(id) {
    const item = queue.claim(parseQueueId(id), 'approve');
    const info = { token: item.token, symbol: item.symbol, decimals: item.decimals };
    const units = BigInt(item.units);
    // No policy check — a person approved it — but the amount counts toward
    // the day's total all the same (once, however often approve is retried).
    const reservation = item.reservation ?? policy.reserveApproved({ token: item.token, units, id: `approval-${item.id}` });
    if (!item.reservation && reservation) queue.annotate(item.id, { reservation });
    const key = sha256(JSON.stringify(['key-approval', config.chainId, address, item.id, item.createdAt]));
    const meta = {
      kind: 'key-approval', wallet: address, queueId: item.id, recipient: item.to, token: item.token, symbol: item.symbol,
      decimals: item.decimals, units: item.units, memo: item.memo, reservation,
    };
    let outcome;
    try {
      outcome = await execute({ key, info, to: item.to, units, meta });
    } catch (error) {
      if (error.notSent && (error.code === 'ERR_TX_WOULD_REVERT' || error.code === 'ERR_TX_REFUSED')) {
        queue.finish(item.id, { status: 'failed', error: error.message });
      } else if (error.notSent) {
        // Nothing was signed (the chain could not be reached, another
        // process was sending): the item waits again, its budget given back.
        queue.annotate(item.id, { reservation: null });
        queue.unclaim(item.id, { error: error.message });
      } else {
        // The outcome is open: the item may be approved again at once, and
        // that resumes the same transaction (its key is the item's).
        queue.annotate(item.id, { claimedAt: 0, error: error.message.slice(0, 512) });
      }
      error.item = queueItemShape(queue.get(item.id));
      throw error;
    }
    const { sent, blockNumber, problem } = outcome;
    const finished = queue.finish(item.id, problem
      ? { status: 'failed', txHash: sent.txHash, blockNumber, error: problem.message }
      : { status: 'executed', txHash: sent.txHash, blockNumber });
    txSender.markAnswered(sent.id);
    if (problem) {
      problem.item = queueItemShape(finished);
      throw problem;
    }
    return { ...queueItemShape(finished), resumed: Boolean(sent.resumed) };
  }

  async function info({ token } = {}) {
    const asset = await assetInfo();
    const extra = token === undefined || token === null || token === '' ? null : await tokenOf(token);
    const tokens = [ETH, asset];
    if (extra && extra.token !== null && !sameAddress(extra.token, asset.token)) tokens.push(extra);
    const balances = await Promise.all(tokens.map(async (t) => amountShape(await balanceOf(t), t)));
    const limits = [policy.limits(asset), policy.limits(ETH)];
    if (tokens.length > 2) limits.push(policy.limits(extra));
    return {
      mode: 'key',
      address,
      agent: address,
      chainId: config.chainId,
      balances,
      limits,
      queue: { pending: queue.pendingCount() },
      checkedAt: seconds(now()),
    };
  }

  async function checkSpend({ amount, token } = {}) {
    const t = await tokenOf(token);
    const units = parseAmount(amount, t, { field: 'amount_eth' });
    const verdict = policy.check({ token: t.token, units, info: t });
    return {
      allowed: verdict.execute,
      reason: verdict.reason ?? null,
      rule: verdict.rule ?? null,
      value: amountShape(units, t),
      limits: verdict.limits,
    };
  }

  /** Local entries: sends, the queue's events and settled x402 payments. */
  async function localEntries() {
    const asset = await assetInfo();
    const entries = [];
    for (const record of txSender.list()) {
      const meta = record.meta ?? {};
      if (meta.kind !== 'key-send' || meta.wallet !== address) continue;
      if (record.state === 'dropped' || record.state === 'failed') continue; // never on chain
      const value = amountShape(BigInt(meta.units), { token: meta.token, symbol: meta.symbol, decimals: meta.decimals });
      const status = record.state === 'mined' ? record.status : 'pending';
      entries.push({
        type: 'execution', txHash: record.txHash, blockNumber: record.blockNumber ?? null, timestamp: seconds(record.createdAt),
        summary: `sent ${value.amount} ${value.symbol} to ${meta.recipient}${status === 'success' ? '' : ` (${status})`}`,
        to: meta.recipient, value, memo: meta.memo ?? null, status,
      });
    }
    for (const item of queue.list()) {
      const what = `${item.value.amount} ${item.value.symbol} to ${item.to}`;
      entries.push({
        type: 'queued', txHash: null, blockNumber: null, timestamp: item.createdAt, queueId: item.id,
        summary: `queued #${item.id}: ${what}, waiting for a person (${item.reason})`, to: item.to, value: item.value, memo: item.memo ?? null, reason: item.reason,
      });
      if (item.status === 'executed' || item.status === 'failed') {
        entries.push({
          type: 'approved', txHash: item.txHash ?? null, blockNumber: item.blockNumber ?? null, timestamp: item.finishedAt ?? item.updatedAt, queueId: item.id,
          summary: item.status === 'executed' ? `queued #${item.id} approved by a person: sent ${what}` : `queued #${item.id} approved by a person, but the send failed: ${item.error ?? 'unknown'}`,
          to: item.to, value: item.value, memo: item.memo ?? null, status: item.status,
        });
      } else if (item.status === 'cancelled') {
        entries.push({
          type: 'cancelled', txHash: null, blockNumber: null, timestamp: item.cancelledAt ?? item.updatedAt, queueId: item.id,
          summary: `queued #${item.id} cancelled: ${what} not sent`, to: item.to, value: item.value, memo: item.memo ?? null,
        });
      }
    }
    for (const { value: payment } of store.list('payment/')) {
      if (payment.state !== 'settled') continue;
      const isAsset = sameAddress(payment.asset, asset.token);
      const value = amountShape(BigInt(payment.amount), { token: payment.asset, symbol: isAsset ? asset.symbol : 'tokens', decimals: payment.decimals ?? asset.decimals });
      entries.push({
        type: 'payment', txHash: payment.transaction ?? null, blockNumber: null, timestamp: seconds(payment.settledAt ?? payment.updatedAt),
        summary: `x402 ${payment.kind === 'session' ? 'session purchase' : 'payment'} of ${value.amount} ${value.symbol} to ${payment.payTo} for ${payment.url}`,
        to: payment.payTo, value, url: payment.url, network: payment.network, paymentId: payment.paymentId,
      });
    }
    return entries;
  }

  async function history({ limit = 20, fromBlock, toBlock, eventType = 'all' } = {}) {
    checkEventType(eventType);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_HISTORY) {
      throw walletError('ERR_WALLET_INPUT', `limit must be a whole number from 1 to ${MAX_HISTORY}; got ${JSON.stringify(limit)}`);
    }
    const { from: windowFrom, to: windowTo } = await blockWindow(publicClient, { fromBlock, toBlock });
    const window = { fromBlock: windowFrom.toString(), toBlock: windowTo.toString() };
    // A key has no on-chain policy or operators.
    if (eventType === 'policy_update' || eventType === 'operator_update') return { entries: [], ...window, found: 0 };

    const asset = await assetInfo();
    const entries = await localEntries();
    const byHash = new Map(entries.filter((e) => e.txHash).map((e) => [e.txHash.toLowerCase(), e]));

    // The asset's transfers to and from the key, on chain.
    let chainError = null;
    const chainEntries = [];
    try {
      const transfer = erc20Abi.find((item) => item.type === 'event' && item.name === 'Transfer');
      const query = (args) => publicClient.getLogs({ address: asset.token, event: transfer, args, fromBlock: windowFrom, toBlock: windowTo, strict: true });
      const [outgoing, incoming] = await Promise.all([query({ from: address }), query({ to: address })]);
      const seen = new Set();
      for (const log of [...outgoing, ...incoming]) {
        const id = `${log.transactionHash}/${log.logIndex}`;
        if (seen.has(id)) continue;
        seen.add(id);
        const local = byHash.get(log.transactionHash.toLowerCase());
        if (local) {
          local.blockNumber ??= log.blockNumber.toString();
          continue;
        }
        const out = sameAddress(log.args.from, address);
        const value = amountShape(log.args.value, asset);
        const other = out ? log.args.to : log.args.from;
        chainEntries.push({
          type: out ? 'transfer_out' : 'transfer_in', txHash: log.transactionHash, blockNumber: log.blockNumber.toString(),
          logIndex: log.logIndex, timestamp: null, summary: `${out ? 'sent' : 'received'} ${value.amount} ${value.symbol} ${out ? 'to' : 'from'} ${other}`,
          [out ? 'to' : 'from']: other, value,
        });
      }
    } catch (error) {
      chainError = `the asset's transfers could not be read for blocks ${windowFrom}–${windowTo} (${chainErrorMessage(error, config.rpcUrl)}); ask for a narrower from_block/to_block window`;
    }

    // Local entries without a block (queued, cancelled, a payment older than
    // the window) are shown unless a block window was asked for.
    const explicitWindow = parseBlock(fromBlock, 'from_block') !== null || parseBlock(toBlock, 'to_block') !== null;
    const inWindow = (e) => (e.blockNumber === null ? !explicitWindow : BigInt(e.blockNumber) >= windowFrom && BigInt(e.blockNumber) <= windowTo);
    const wanted = (e) => eventType === 'all' || e.type === eventType;
    let all = [...entries.filter(inWindow), ...chainEntries].filter(wanted);

    // Chain entries get their block's time before sorting (newest first).
    const needTimes = [...new Set(all.filter((e) => e.timestamp === null).map((e) => e.blockNumber))];
    const times = new Map();
    await Promise.all(needTimes.map(async (number) => {
      try {
        times.set(number, Number((await publicClient.getBlock({ blockNumber: BigInt(number) })).timestamp));
      } catch {
        // left without a time; sorted by block below
      }
    }));
    all = all.map((e) => (e.timestamp === null && times.has(e.blockNumber) ? { ...e, timestamp: times.get(e.blockNumber) } : e));
    const block = (e) => (e.blockNumber === null ? -1n : BigInt(e.blockNumber));
    all.sort((a, b) => ((b.timestamp ?? 0) - (a.timestamp ?? 0)) || (block(b) > block(a) ? 1 : block(b) < block(a) ? -1 : 0));
    const result = { entries: all.slice(0, limit), ...window, found: all.length };
    if (chainError) result.chainError = chainError;
    return result;
  }

  return {
    mode: 'key',
    address,
    agent: address,
    info: (options) => guard(() => info(options)),
    checkSpend: (options) => guard(() => checkSpend(options)),
    send: (options) => guard(() => send(options)),
    queue: {
      /** {items, total}: the pending items by default; `status: 'all'` (or one status) for the others. */
      async list({ status = 'pending' } = {}) {
        return { items: queue.list({ status }).map(queueItemShape), total: queue.list().length, ownerApproves: false };
      },
      /** A person's approval (`clawpay approvals`): executes the queued send. Never offered to the agent (AGENT_MAY_APPROVE). */
      approve: (id) => guard(() => approve(id)),
      /** Cancels a pending item; nothing is sent. */
      async cancel(id) {
        return queueItemShape(queue.claim(parseQueueId(id), 'cancel'));
      },
    },
    history: (options) => guard(() => history(options)),
    /** Settles transactions left open by an earlier run (see tx_sender.js). */
    reconcile: () => guard(() => txSender.reconcile()),
  };
}
