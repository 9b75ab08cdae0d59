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
import { argError } from '../validate.js';
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
 * write lands. With `intent`, a settlement no request began (a channel
 * settlement's, channel_revenue.js): the store begins it first, in the same
 * retries.
 */
export async function recordSettlement(store, paymentId, settlement, { patienceMs = RECORD_PATIENCE_MS, onRecorded = () => {}, intent } = {}) {
  const deadline = Date.now() + patienceMs;
  let wait = FIRST_RETRY_MS;
  const write = beginThenSettle(store, paymentId, settlement, intent);
  for (;;) {
    let receipt;
    try {
      receipt = await write();
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
  keepRecording(write, paymentId, settlement, onRecorded);
  return { ok: false };
}

// The write, as one step that may be retried: a begun intent is not begun again.
function beginThenSettle(store, paymentId, settlement, intent) {
  let begun = intent === undefined;
  return async () => {
    if (!begun) {
      await store.begin(intent);
      begun = true;
    }
    return store.settle(paymentId, settlement);
  };
}

function keepRecording(write, paymentId, settlement, onRecorded) {
  process.emitWarning(`clawpay paywall: settlement ${settlement.transaction} of payment ${paymentId} is not recorded yet ` +
    '(the store is unreachable); retrying until it is');
  const attempt = async () => {
    let receipt;
    try {
      receipt = await write();
    } catch (error) {
      if (isStoreUnavailable(error)) setTimeout(attempt, LONGEST_RETRY_MS).unref?.();
      else process.emitWarning(`clawpay paywall: settlement ${settlement.transaction} could not be recorded: ${error.message}`);
      return;
    }
    onRecorded(receipt);
  };
  setTimeout(attempt, LONGEST_RETRY_MS).unref?.();
}

/**
 * The seller's notice of a settlement: the log line, then the hook. Neither
 * may cost the buyer the response it paid for, so their failures are caught.
 */
export function settledNotice(onSettled = null, log = null) {
  if (onSettled !== null && typeof onSettled !== 'function') throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected a function for onSettled');
  if (log !== null && typeof log !== 'function') throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected a function for log');
  return (receipt) => {
    try {
      log?.(`settled ${receipt.kind} ${receipt.route ?? receipt.resource}: ${receipt.amount} base units from ${receipt.payer} (tx ${receipt.transaction})`);
      onSettled?.(receipt);
    } catch {
      // the payment is settled and recorded; the response still goes out
    }
  };
}
