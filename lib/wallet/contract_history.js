// An AgentAccountV2's history, from its event logs: the HistoryEntry shape of
// lib/wallet/README.md, newest first, amounts in each token's own decimals.
import { decodeFunctionData, erc20Abi, zeroAddress } from 'viem';

import { AGENT_ACCOUNT_ABI, AGENT_ACCOUNT_EVENTS } from './agent_account_abi.js';
import { walletError } from './errors.js';
import { blockWindow, checkEventType } from './history_window.js';
import { amountShape, tokenInfo } from './token_info.js';

// What an executed call did, in words and fields: an ERC-20 transfer, an ETH
// payment, or another call.
async function describeExecution(publicClient, { target, value, data, executor }) {
  if (data && data !== '0x') {
    try {
      const call = decodeFunctionData({ abi: erc20Abi, data });
      if (call.functionName === 'transfer') {
        const info = await tokenInfo(publicClient, target);
        const [to, units] = call.args;
        const amount = amountShape(units, info);
        return { summary: `sent ${amount.amount} ${info.symbol} to ${to}`, to, value: amount, executor };
      }
    } catch {
      // not an ERC-20 transfer: described as a call below
    }
  }
  const eth = amountShape(value, await tokenInfo(publicClient, null));
  if (!data || data === '0x') return { summary: `sent ${eth.amount} ETH to ${target}`, to: target, value: eth, executor };
  return { summary: `called ${target} (selector ${data.slice(0, 10)})${value > 0n ? ` with ${eth.amount} ETH` : ''}`, to: target, value: eth, executor, data };
}

async function describe(publicClient, log) {
  const a = log.args;
  switch (log.eventName) {
    case 'TransactionExecuted':
      return { type: 'execution', ...(await describeExecution(publicClient, a)) };
    case 'TransactionQueued': {
      const isEth = a.token === zeroAddress;
      const value = amountShape(isEth ? a.value : a.amount, await tokenInfo(publicClient, isEth ? null : a.token));
      return { type: 'queued', queueId: a.txId.toString(), to: a.to, value, summary: `queued #${a.txId}: ${value.amount} ${value.symbol} to ${a.to}, waiting for the owner` };
    }
    case 'TransactionApproved':
      return { type: 'approved', queueId: a.txId.toString(), summary: `queued #${a.txId} approved by the owner` };
    case 'TransactionCancelled':
      return { type: 'cancelled', queueId: a.txId.toString(), summary: `queued #${a.txId} cancelled by the owner` };
    case 'SpendPolicyUpdated': {
      const info = await tokenInfo(publicClient, a.token === zeroAddress ? null : a.token);
      const perTx = amountShape(a.perTxLimit, info);
      const period = amountShape(a.periodLimit, info);
      return {
        type: 'policy_update', token: info.token, perTx, periodLimit: period, periodLength: Number(a.periodLength),
        summary: `spend policy for ${info.symbol}: ${perTx.amount} per transaction, ${period.amount} per ${a.periodLength} s`,
      };
    }
    case 'OperatorUpdated':
      return { type: 'operator_update', operator: a.operator, authorized: a.authorized, summary: `operator ${a.operator} ${a.authorized ? 'authorized' : 'removed'}` };
    default:
      return { type: 'unknown', summary: log.eventName };
  }
}

/**
 * @param {{publicClient: object, address: string, limit?: number, fromBlock?: string, toBlock?: string, eventType?: string}} options
 * @returns {Promise<{entries: object[], fromBlock: string, toBlock: string, found: number}>}
 */
export async function contractHistory({ publicClient, address, limit = 20, fromBlock, toBlock, eventType = 'all' }) {
  checkEventType(eventType);
  const window = await blockWindow(publicClient, { fromBlock, toBlock });
  const names = eventType === 'all' ? Object.values(AGENT_ACCOUNT_EVENTS) : [AGENT_ACCOUNT_EVENTS[eventType]];
  const events = AGENT_ACCOUNT_ABI.filter((item) => item.type === 'event' && names.includes(item.name));
  let logs;
  try {
    logs = await publicClient.getLogs({ address, events, fromBlock: window.from, toBlock: window.to, strict: true });
  } catch (cause) {
    throw walletError('ERR_RPC', `The RPC endpoint refused the log query for blocks ${window.from}–${window.to} (${cause.shortMessage ?? cause.message}); ask for a narrower from_block/to_block window`);
  }
  logs.sort((x, y) => (x.blockNumber === y.blockNumber ? y.logIndex - x.logIndex : (y.blockNumber > x.blockNumber ? 1 : -1)));
  const shown = logs.slice(0, limit);
  const times = new Map();
  await Promise.all([...new Set(shown.map((log) => log.blockNumber))].map(async (number) => {
    times.set(number, Number((await publicClient.getBlock({ blockNumber: number })).timestamp));
  }));
  const entries = [];
  for (const log of shown) {
    entries.push({
      ...(await describe(publicClient, log)),
      txHash: log.transactionHash,
      blockNumber: log.blockNumber.toString(),
      timestamp: times.get(log.blockNumber) ?? null,
    });
  }
  return { entries, fromBlock: window.from.toString(), toBlock: window.to.toString(), found: logs.length };
}
