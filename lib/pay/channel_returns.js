// Money that came back from a channel — a cooperative refund or a timed
// withdrawal, once the chain shows it mined — given back to the books in one
// place: the day's budget (the deposits' reservations, newest first, once
// per transaction: DayTotal.releasePart) and the ledger (each deposit's
// payment reported net of what came back, once per transaction:
// PaymentLedger.refunded).
import { keptAmount } from './spend_report.js';

/** Books `amount` (bigint, mined in `transaction`) returned from a channel whose deposits are `holds`. */
export function bookChannelReturn(paying, holds, amount, transaction) {
  let left = amount;
  for (const hold of [...holds].reverse()) {
    if (left === 0n) break;
    left -= paying.policy.releasePart(hold, left, transaction);
  }
  left = amount;
  for (const { paymentId } of [...holds].reverse()) {
    const deposit = paymentId ? paying.ledger.get(paymentId) : null;
    if (left === 0n || !deposit) continue;
    const kept = keptAmount(deposit);
    const part = left < kept ? left : kept;
    paying.ledger.refunded(paymentId, { amount: part, transaction });
    left -= part;
  }
}
