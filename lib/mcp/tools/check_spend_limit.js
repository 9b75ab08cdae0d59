// check_spend_limit: would this amount execute now, or be queued?
import { ok } from '../tool_result.js';
import { amountText, limitsLines } from '../wallet_view.js';
import { tokenArg, walletTool } from './wallet_access.js';

export function checkSpendLimitTool(context) {
  async function check(w, args) {
    await context.payer?.reconcileOpen?.(); // open x402 authorizations the chain may have settled or freed
    const r = await w.checkSpend({ amount: args.amount_eth, token: tokenArg(args.token) });
    let out = `Spend Check: ${amountText(r.value)}\n\n`;
    out += r.allowed ? '  Within limits: a send of this amount executes at once.\n' : `  Not within limits: ${r.reason}\n`;
    out += `\nLimits\n${limitsLines(r.limits)}`;
    return ok(out, r);
  }
  return walletTool('check_spend_limit', context, {
    title: 'Check a spend limit',
    description: 'Whether an amount (in the token\'s own units) is within the wallet\'s autonomous limits now, with the ' +
      'per-transaction limit, the period\'s limit, spent and remaining amounts, and the time to the next reset. Sends nothing.',
    annotations: { readOnlyHint: true, openWorldHint: true },
  }, check);
}
