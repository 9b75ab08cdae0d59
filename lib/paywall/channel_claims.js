// Batched claims for the paywall's payment channels: every `intervalMs`,
// and once more on close, each channel's latest voucher is claimed (many
// channels in one transaction, by the official channel manager) and the
// claimed money settled to the payee.
//
// Nothing is claimed twice: runs never overlap (one at a time, a run asked
// for during another waits for it and runs after), and the manager marks
// what it claimed in channel storage before the next run reads it. A
// process killed between the claim's transaction and that mark leaves the
// voucher claimable in storage; the next run submits it again and the
// contract counts it once (its claimed total only rises) — the one case the
// contract's own rule is what decides. A settlement is owed after any claim
// (a cooperative refund's too: owe()) and at the first run (a previous process may have claimed and stopped
// before settling), so claimed money never waits for new traffic. Each run
// ends by reconciling the books with the chain (channel_books.js), so a
// settlement whose receipt a crash interrupted is booked at the next run.
import { argError, expectSafeInteger } from '../validate.js';

export const DEFAULT_CLAIM_INTERVAL_MS = 60_000;
const MIN_CLAIM_INTERVAL_MS = 100;

// The facilitator refuses a settlement with nothing claimed and unsettled;
// the manager reports it only in its error's text. Nothing was owed then.
const NOTHING_TO_SETTLE = 'nothing_to_settle';

async function settleOwed(manager) {
  try {
    return await manager.settle();
  } catch (error) {
    if (String(error?.message).includes(NOTHING_TO_SETTLE)) return null;
    throw error;
  }
}

export class ChannelClaims {
  #managers;
  #onError;
  #onSettlement;
  #reconcile;
  #timer = null;
  #running = null;
  #queued = null;
  #settleOwed = true;
  #closed = false;

  /**
   * @param {object} options
   * @param {import('@x402/evm/batch-settlement/server').BatchSettlementChannelManager[]} options.managers
   * @param {number} [options.intervalMs] between runs (0: only on demand and on close)
   * @param {(error: Error) => void} [options.onError] a failed run (it is retried at the next)
   * @param {(manager: object, settlement: {transaction: string}) => Promise<object | null>} [options.onSettlement]
   *   records a settlement (channel_revenue.js): resolves to its receipt
   * @param {() => Promise<unknown>} [options.reconcile] books what the receipts lack, after each run
   *   (its failure goes to onError; the run's claims and settlements stand)
   */
  constructor({ managers, intervalMs = DEFAULT_CLAIM_INTERVAL_MS, onError = () => {}, onSettlement = async () => null, reconcile = async () => {} }) {
    expectSafeInteger(intervalMs, 'channels.claimIntervalMs', { min: 0 });
    if (intervalMs !== 0 && intervalMs < MIN_CLAIM_INTERVAL_MS) {
      throw argError(RangeError, 'ERR_INVALID_ARG_VALUE', `channels.claimIntervalMs must be 0 or at least ${MIN_CLAIM_INTERVAL_MS}, got ${intervalMs}`);
    }
    this.#managers = managers;
    this.#onError = onError;
    this.#onSettlement = onSettlement;
    this.#reconcile = reconcile;
    if (intervalMs > 0) {
      this.#timer = setInterval(() => this.run().catch((error) => this.#onError(error)), intervalMs);
      this.#timer.unref();
    }
  }

  /** Claims and settles now: resolves to {claims: [{vouchers, transaction}], settlements: [{transaction, receipt}]}. */
  run() {
    if (this.#queued) return this.#queued;
    if (!this.#running) return this.#start();
    this.#queued = this.#running.catch(() => {}).then(() => {
      this.#queued = null;
      return this.#start();
    });
    return this.#queued;
  }

  #start() {
    this.#running = this.#once().finally(() => { this.#running = null; });
    return this.#running;
  }

  async #once() {
    const claims = [];
    const settlements = [];
    for (const manager of this.#managers) {
      const made = await manager.claim();
      claims.push(...made);
      if (made.length > 0) this.#settleOwed = true;
    }
    if (this.#settleOwed) {
      for (const manager of this.#managers) {
        const settled = await settleOwed(manager);
        if (settled) settlements.push({ ...settled, receipt: await this.#onSettlement(manager, settled) });
      }
      this.#settleOwed = false;
    }
    try {
      await this.#reconcile();
    } catch (error) {
      this.#onError(error);
    }
    return { claims, settlements };
  }

  /** Money was claimed outside a run (a cooperative refund claims first): the next run settles it. */
  owe() {
    this.#settleOwed = true;
  }

  /** Stops the timer and claims what is left (a last run, after any in flight). */
  async close() {
    if (this.#closed) return { claims: [], settlements: [] };
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    return this.run();
  }
}
