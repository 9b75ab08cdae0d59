// The last step of a paid request: writing the receipt of a payment that has
// just settled on chain. The money has moved, so the record must not be
// lost to a store that is briefly unreachable (a Redis restart): the write
// is retried while the response is held, for up to RECORD_PATIENCE_MS. If
// the store is still away the request is answered 503 (the response still
// held), and the write goes on being retried in the background; once it
// lands, a retry of the same payment gets the stored response. The claim
// stays pending meanwhile, so the payment can never pay for anything else.
// `onRecorded(receipt)` is told of the receipt whichever way it landed, so a
// seller's onSettled hook and log see every settlement exactly once.
import { isStoreUnavailable } from './store.js';

export const RECORD_PATIENCE_MS = 15_000;
const FIRST_RETRY_MS = 25;
const LONGEST_RETRY_MS = 1000;

const pause = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/**
 * store.settle(paymentId, settlement), retried while the store is
 * unavailable: {ok: true, receipt}, or {ok: false} once `patienceMs` ran
 * out (the write then continues in the background until it lands).
 * `onRecorded` is called once with the receipt, now or when the background
 * write lands.
 */
export async function recordSettlement(store, paymentId, settlement, { patienceMs = RECORD_PATIENCE_MS, onRecorded = () => {} } = {}) {
  const deadline = Date.now() + patienceMs;
  let wait = FIRST_RETRY_MS;
  for (;;) {
    let receipt;
    try {
      receipt = await store.settle(paymentId, settlement);
    } catch (error) {
      if (!isStoreUnavailable(error)) throw error;
      receipt = null;
    }
    if (receipt !== null) {
      onRecorded(receipt);
      return { ok: true, receipt };
    }
    if (Date.now() + wait > deadline) break;
    await pause(wait);
    wait = Math.min(wait * 2, LONGEST_RETRY_MS);
  }
  keepRecording(store, paymentId, settlement, onRecorded);
  return { ok: false };
}

function keepRecording(store, paymentId, settlement, onRecorded) {
  process.emitWarning(`clawpay paywall: settlement ${settlement.transaction} of payment ${paymentId} is not recorded yet ` +
    '(the store is unreachable); retrying until it is');
  const attempt = async () => {
    let receipt;
    try {
      receipt = await store.settle(paymentId, settlement);
    } catch (error) {
      if (isStoreUnavailable(error)) setTimeout(attempt, LONGEST_RETRY_MS).unref?.();
      else process.emitWarning(`clawpay paywall: settlement ${settlement.transaction} could not be recorded: ${error.message}`);
      return;
    }
    onRecorded(receipt);
  };
  setTimeout(attempt, LONGEST_RETRY_MS).unref?.();
}
