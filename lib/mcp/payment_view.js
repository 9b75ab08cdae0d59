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
      ...(payment.paymentId ? { paymentId: payment.paymentId } : {}),
      ...(payment.failure ? { failure: payment.failure } : {}),
      ...(payment.refusal ? { refusal: payment.refusal } : {}),
      ...(payment.settledAfterRefusal ? { settledAfterRefusal: payment.settledAfterRefusal } : {}),
      ...(payment.cancelled ? { cancelled: true } : {}),
      ...(payment.cancel ? { cancel: payment.cancel, validBefore: payment.validBefore ?? null } : {}),
    };
  }

  function paymentSection(payment, title = 'Payment Made') {
    let out = `${title}\n`;
    out += `  Amount:    ${amountText(payment)}\n`;
    if (payment.asset) out += `  Asset:     ${payment.asset}\n`;
    out += `  Recipient: ${payment.payTo}\n`;
    if (payment.payer) out += `  Payer:     ${payment.payer}\n`;
    out += `  TX Hash:   ${payment.transaction ?? '(none)'}\n`;
    if (payment.status && payment.status !== 'settled') out += `  State:     ${stateText(payment)}\n`;
    if (payment.settledAfterRefusal) {
      const { payTo, origin } = payment.settledAfterRefusal;
      out += `  WARNING:   the seller ${origin} (payTo ${payTo}) refused this payment, then settled it on chain anyway: it was paid\n`;
    }
    if (payment.paymentId && payment.cancel) out += `  Payment:   ${payment.paymentId}\n  Cancel:    ${payment.cancel}  (cancels the authorization on chain; its budget is released once the cancel is mined)\n`;
    if (payment.network) out += `  Network:   ${payment.network}\n`;
    if (payment.x402Version) out += `  x402:      v${payment.x402Version}\n`;
    return out;
  }

  return { paymentBlock, paymentSection };
}

function stateText(payment) {
  if (payment.status === 'pending') return 'sent, outcome not known yet (a retry of this same call resends the same authorization, which settles at most once)';
  if (payment.status === 'refused') {
    const until = Number.isFinite(payment.validBefore) ? ` until ${new Date(payment.validBefore * 1000).toISOString()}` : '';
    return `refused by the server${payment.refusal ? ` (${payment.refusal.replace(/^refused by the server: /, '')})` : ''}, but the signed authorization ` +
      `can still settle${until}; it counts as spent (pending) until it is used, cancelled or expires`;
  }
  return `not paid${payment.failure ? ` (${payment.failure})` : ''}`;
}
