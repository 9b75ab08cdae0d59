// get_transaction_history: the wallet's activity, newest first: the
// AgentAccountV2's events (contract mode), or local sends, x402 payments and
// the asset's transfers on chain (key mode).
import { isoTime } from '../format.js';
import { ok } from '../tool_result.js';
import { walletTool } from './wallet_access.js';

export function transactionHistoryTool(context) {
  async function history(w, args) {
    const r = await w.history({ limit: args.limit, fromBlock: args.from_block, toBlock: args.to_block, eventType: args.event_type });
    const result = Array.isArray(r) ? { entries: r } : r;
    const { entries } = result;
    let out = `Transaction History (${entries.length}${result.found > entries.length ? ` of ${result.found}` : ''}, newest first`;
    if (result.fromBlock !== undefined) out += `, blocks ${result.fromBlock}–${result.toBlock}`;
    out += `${args.event_type && args.event_type !== 'all' ? `, ${args.event_type} only` : ''})\n\n`;
    if (entries.length === 0) out += '  No activity in this range.\n';
    for (const entry of entries) {
      const when = entry.timestamp ? isoTime(entry.timestamp) : `block ${entry.blockNumber ?? '?'}`;
      out += `  ${when}  [${entry.type}] ${entry.summary}\n`;
      if (entry.txHash) out += `      tx ${entry.txHash}${entry.blockNumber ? ` (block ${entry.blockNumber})` : ''}\n`;
    }
    return ok(out, { mode: w.mode, count: entries.length, ...result });
  }
  return walletTool('get_transaction_history', context, {
    title: 'Transaction history',
    description: 'The wallet\'s recent activity, newest first: executions, queued, approved and cancelled payments, policy ' +
      'and operator changes (contract wallet: its on-chain events), plus x402 payments and token transfers (plain key). ' +
      'Blocks default to the last 10,000.',
    annotations: { readOnlyHint: true, openWorldHint: true },
  }, history);
}
