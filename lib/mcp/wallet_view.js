// Text for the wallet tools' results, from the shapes of lib/wallet/README.md.
// Every amount is shown in its token's own units with its base units beside
// it, so a reader can check the number that went on chain.
import { formatTtl, isoTime } from './format.js';

/** "1.5 USDC (1500000 base units)" */
export const amountText = (amount) => `${amount.amount} ${amount.symbol} (${amount.units} base units)`;

const tokenLabel = (limits) => (limits.token === null ? 'ETH (native)' : `${limits.symbol} ${limits.token}`);

/** The Limits shape as an indented block. */
export function limitsLines(limits, indent = '  ') {
  let out = `${indent}${tokenLabel(limits)}\n`;
  out += `${indent}  Per transaction:   ${amountText(limits.perTx)}\n`;
  out += `${indent}  Period limit:      ${amountText(limits.periodLimit)} per ${formatTtl(limits.periodLength)}\n`;
  out += `${indent}  Spent this period: ${amountText(limits.periodSpent)}${limits.utilization ? ` (${limits.utilization})` : ''}\n`;
  if (limits.periodPending) {
    out += `${indent}  Pending:           ${amountText(limits.periodPending)} (signed x402 authorizations that may still settle; counted against the limit)\n`;
  }
  out += `${indent}  Remaining:         ${amountText(limits.remainingInPeriod)}\n`;
  if (limits.secondsUntilReset !== null) out += `${indent}  Resets in:         ${formatTtl(limits.secondsUntilReset)}\n`;
  return out;
}

/** One QueueItem as a line. */
export function queueLine(item) {
  let out = `  #${item.id}  ${amountText(item.value)} to ${item.to}`;
  if (item.createdAt) out += `, queued ${isoTime(item.createdAt)}`;
  if (item.status && item.status !== 'pending') out += ` [${item.status}]`;
  if (item.reason) out += `\n        why: ${item.reason}`;
  if (item.memo) out += `\n        memo: ${item.memo}`;
  return out;
}

/** "contract wallet 0x… (operated by the agent key 0x…)" / "the agent key's own address 0x…" */
export function walletLabel(wallet) {
  return wallet.mode === 'contract'
    ? `AgentAccountV2 ${wallet.address} (operated by the agent key ${wallet.agent})`
    : `the agent key's own address ${wallet.address}`;
}

/**
 * What clawpay-mcp did with the sends a person approved without the key
 * (wallet.runApproved()): a text block for a tool's result, or null when it
 * tried none. `oneLine`: the same as one line, for stderr.
 */
export function approvedSendsText(results, { oneLine = false } = {}) {
  if (!results || results.length === 0) return null;
  const lines = results.map(({ item, error }) => {
    const what = `#${item.id}: ${amountText(item.value)} to ${item.to}`;
    if (!error) return `${what}: sent, tx ${item.txHash}${item.blockNumber ? ` (block ${item.blockNumber})` : ''}`;
    return `${what}: ${item.status === 'refused' ? 'refused' : `not sent (${item.status})`}: ${error.message}`;
  });
  const head = 'Approved by a person (clawpay approvals):';
  return oneLine ? `${head} ${lines.join('; ')}` : `${head}\n${lines.map((line) => `  ${line}`).join('\n')}\n`;
}
