// get_wallet_info: address, balances, spend limits and queue depth, from the
// chain (contract mode) or the chain and the local policy (key mode).
import { isoTime } from '../format.js';
import { ok } from '../tool_result.js';
import { amountText, limitsLines, walletLabel } from '../wallet_view.js';
import { tokenArg, walletTool } from './wallet_access.js';

export function getWalletInfoTool(context) {
  const { network } = context;
  async function info(w, args) {
    await context.payer?.reconcileOpen?.(); // open x402 authorizations the chain may have settled or freed
    const r = await w.info({ token: tokenArg(args.token) });
    let out = 'Wallet\n\n';
    out += `  Address:   ${r.address}\n`;
    out += `  Mode:      ${r.mode === 'contract' ? 'contract wallet (AgentAccountV2)' : 'plain key (local spend policy)'}\n`;
    out += `  Wallet:    ${walletLabel(w)}\n`;
    out += `  Network:   ${network}\n`;
    if (r.contract) {
      out += `  Owner:     ${r.contract.owner ?? 'unknown (the NFT has no holder)'} (NFT ${r.contract.nftContract} #${r.contract.tokenId})\n`;
      out += `  Operator:  the agent key is ${r.contract.operatorActive ? 'an active operator' : 'NOT an active operator: payments will fail until the owner calls setOperator'}\n`;
    }
    out += '\nBalances\n';
    for (const balance of r.balances) out += `  ${amountText(balance)}${balance.token ? `  token ${balance.token}` : ''}\n`;
    out += `\nSpend Limits${r.mode === 'contract' ? ' (on chain)' : ' (local policy)'}\n`;
    for (const limits of r.limits) out += limitsLines(limits);
    out += `\nApproval Queue\n  ${r.queue.pending} pending`;
    out += r.mode === 'contract' ? ' (the owner approves or cancels on chain)\n' : ' (a person approves with `clawpay approvals`)\n';
    if (r.checkedAt) out += `\nAs of ${isoTime(r.checkedAt)}\n`;
    return ok(out, r);
  }
  return walletTool('get_wallet_info', context, {
    title: 'Wallet info',
    description: 'The wallet\'s address, mode, ETH and token balances, spend limits (per transaction, per period, spent, ' +
      'remaining, time to reset) and the number of payments waiting for approval. `token` adds that token\'s balance and limits.',
    annotations: { readOnlyHint: true, openWorldHint: true },
  }, info);
}
