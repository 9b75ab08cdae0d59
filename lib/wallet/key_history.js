// get_transaction_history in key mode: the local ledgers (sends, the
// approval queue's events, settled x402 payments) merged with the asset's
// Transfer logs to and from the key, newest first.
import { erc20Abi } from 'viem';

import { sameAddress } from '../hashing.js';
import { rpcReadError } from './chain_client.js';
import { walletError } from './errors.js';
import { blockWindow, checkEventType, parseBlock } from './history_window.js';
import { amountShape } from './token_info.js';

const MAX_HISTORY = 100;

const seconds = (ms) => Math.floor(ms / 1000);

/** `history({limit, fromBlock, toBlock, eventType})` resolves to {entries, fromBlock, toBlock, found, chainError?}. */
export function createKeyHistory({ config, store, publicClient, address, assetInfo, txSender, queue }) {
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
      const read = `the ${asset.symbol} transfers of ${address} in blocks ${windowFrom}–${windowTo} (eth_getLogs on ${asset.token})`;
      chainError = `${rpcReadError(error, config.rpcUrl, read).message}; ask for a narrower from_block/to_block window`;
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

  return history;
}
