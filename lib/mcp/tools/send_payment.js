// send_payment: ETH or an ERC-20 from the wallet. "executed" only when the
// receipt says so; over a limit it is "queued" for approval, never sent.
import { ok } from '../tool_result.js';
import { amountText, walletLabel } from '../wallet_view.js';
import { tokenArg, walletTool } from './wallet_access.js';

export function sendPaymentTool(context) {
  const { network } = context;
  async function send(w, args) {
    await context.payer?.reconcileOpen?.(); // the day's total is shared with x402 payments: their open authorizations first
    const r = await w.send({ to: args.to, amount: args.amount_eth, token: tokenArg(args.token), tokenDecimals: args.token_decimals, memo: args.memo });
    let out = r.status === 'executed' ? 'Payment Executed\n\n' : 'Payment Queued for Approval (not sent)\n\n';
    out += `  Amount:    ${amountText(r.value)}\n`;
    if (r.value.token) out += `  Token:     ${r.value.token}\n`;
    out += `  To:        ${r.to}\n`;
    out += `  From:      ${walletLabel(w)}\n`;
    out += `  Network:   ${network}\n`;
    // A queued contract payment has a transaction too: the one that queued it, which moved nothing.
    if (r.txHash) out += `  ${r.status === 'queued' ? 'Queued by: tx' : 'TX Hash:  '} ${r.txHash}${r.blockNumber ? ` (block ${r.blockNumber})` : ''}\n`;
    if (r.memo) out += `  Memo:      ${r.memo} (kept locally)\n`;
    if (r.status === 'queued') {
      out += `  Queue ID:  ${r.queueId}\n`;
      if (r.reason) out += `  Why:       ${r.reason}\n`;
      out += r.mode === 'contract'
        ? '\nThe wallet\'s owner approves or cancels it on chain (approvePending / cancelPending); see queue_approval.\n'
        : `\nA person approves it with \`clawpay approvals approve ${r.queueId}\` (or cancels it); see queue_approval.\n`;
    }
    if (r.resumed && r.status === 'queued') {
      out += `\nThe same payment was already waiting for approval as #${r.queueId}; nothing new was queued. ` +
        'For a separate payment of the same amount to the same payee, give it its own memo.\n';
    } else if (r.resumed) {
      out += '\nThis is the outcome of the same payment made earlier (its answer was lost); nothing was sent twice.\n';
    }
    return ok(out, r);
  }
  return walletTool('send_payment', context, {
    title: 'Send a payment',
    description: 'Send ETH or an ERC-20 token (amount in the token\'s own units, e.g. "1.5" USDC) from the wallet. Within the ' +
      'spend limits it executes and the result shows the transaction; over a limit it is queued for the owner or a person ' +
      'to approve, and nothing is sent. The same call repeated after a lost answer never pays twice.',
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true },
  }, send);
}
