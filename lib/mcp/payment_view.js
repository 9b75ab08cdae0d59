// A payment in a tool result, in the configured asset's units: the JSON block
// and the text section.
import { formatUnits } from '../pay/amount.js';

/** paymentBlock and paymentSection for the asset in `settings` (see tool_context.js). */
export function createPaymentView(settings) {
  const amountText = (payment) => {
    const decimal = payment.amountDecimal ?? formatUnits(BigInt(payment.amount), settings.decimals);
    return `${decimal} ${settings.assetName} (${payment.amount} base units)`;
  };

  function paymentBlock(payment) {
    if (!payment) return null;
    return {
      amount: String(payment.amount),
      amountDecimal: payment.amountDecimal ?? formatUnits(BigInt(payment.amount), settings.decimals),
      asset: payment.asset ?? null,
      network: payment.network ?? null,
      payTo: payment.payTo ?? null,
      payer: payment.payer ?? null,
      transaction: payment.transaction ?? null,
      x402Version: payment.x402Version ?? null,
      status: payment.status ?? null,
      ...(payment.failure ? { failure: payment.failure } : {}),
    };
  }

  function paymentSection(payment, title = 'Payment Made') {
    let out = `${title}\n`;
    out += `  Amount:    ${amountText(payment)}\n`;
    if (payment.asset) out += `  Asset:     ${payment.asset}\n`;
    out += `  Recipient: ${payment.payTo}\n`;
    if (payment.payer) out += `  Payer:     ${payment.payer}\n`;
    out += `  TX Hash:   ${payment.transaction ?? '(none)'}\n`;
    if (payment.status && payment.status !== 'settled') {
      out += `  State:     ${payment.status === 'pending' ? 'sent, outcome not known yet (a retry of this same call resends the same authorization, which settles at most once)' : `not paid${payment.failure ? ` (${payment.failure})` : ''}`}\n`;
    }
    if (payment.network) out += `  Network:   ${payment.network}\n`;
    if (payment.x402Version) out += `  x402:      v${payment.x402Version}\n`;
    return out;
  }

  return { paymentBlock, paymentSection };
}
