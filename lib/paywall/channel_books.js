// The seller's books of channel revenue, reconciled with the chain: every
// settlement the channel contract made to the payee becomes a receipt
// (channel_revenue.js), exactly once, whoever sent it and whatever happened
// to the process that did. A seller killed between a settlement's
// transaction and its receipt finds it here at its next start.
//
// The check is the contract's own counter: what it says it settled to the
// payee in the token (receivers → totalSettled) against what the receipts
// book. Equal: nothing is missing, two RPC calls. Short: the Settled events
// are read from the newest block backwards, in spans, until the events not
// yet booked make up the difference (at most SCAN_DEPTH blocks back), and
// those are booked oldest first. A receipt is one settlement transaction
// (the ledger records a transaction for one payment only): its amount is the
// sum of that transaction's Settled events to the payee, each event
// (transaction, log index) counted once. Its payment id is the transaction
// hash, so a second look — another run, a restart, a replica sharing the
// store, a crash between the receipt and anything after it — finds it booked
// and books nothing. No "covered up to block" mark is kept: the counter says
// whether anything is missing.
import { recordChannelRevenue } from './channel_revenue.js';

export const SCAN_BLOCKS = 5_000n;
// How far back one run looks for what is missing: 100,000 blocks (days on
// Base). A crash leaves its settlement minutes behind the head; a payee with
// older settlements than any receipt (a store begun later, another seller on
// the same payee) would otherwise have the whole chain read at every start.
export const SCAN_DEPTH = 100_000n;

const sameAddress = (a, b) => typeof a === 'string' && a.toLowerCase() === b.toLowerCase();

// Settled events grouped into settlements (one per transaction), oldest first.
function settlementsOf(events) {
  const byTransaction = new Map();
  for (const event of events) {
    const seen = byTransaction.get(event.transaction) ?? { transaction: event.transaction, blockNumber: event.blockNumber, logs: new Map() };
    seen.logs.set(event.logIndex, event.amount);
    byTransaction.set(event.transaction, seen);
  }
  return [...byTransaction.values()]
    .map(({ logs, ...settlement }) => ({ ...settlement, amount: [...logs.values()].reduce((sum, amount) => sum + amount, 0n) }))
    .sort((a, b) => (a.blockNumber === b.blockNumber ? 0 : a.blockNumber < b.blockNumber ? -1 : 1));
}

export class ChannelBooks {
  #store;
  #chain;
  #revenue;
  #scanBlocks;
  #scanDepth;
  #booked = null; // transaction -> amount (bigint), of the settled receipts
  #unexplained = 0n;
  #queue = Promise.resolve();

  /**
   * @param {object} options
   * @param {object} options.store the paywall's PaywallStore
   * @param {object} options.chain settlement_chain.js, for this payee and token
   * @param {object} options.revenue what recordChannelRevenue takes beside store, transaction and amount:
   *   {routes, contract, now, onRecorded}
   */
  constructor({ store, chain, revenue, scanBlocks = SCAN_BLOCKS, scanDepth = SCAN_DEPTH }) {
    this.#store = store;
    this.#chain = chain;
    this.#revenue = revenue;
    this.#scanBlocks = scanBlocks;
    this.#scanDepth = scanDepth;
  }

  /** Books the seller's own settlement `transaction`: resolves to its receipt (or null while the store is away). */
  book(transaction) {
    return this.#serially(async () => {
      await this.#load();
      const [settlement] = settlementsOf(await this.#chain.settledIn(transaction));
      if (settlement === undefined) return null; // reverted, or settled nothing to this payee
      return this.#record(settlement);
    });
  }

  /** Books every settlement to the payee that no receipt holds yet: resolves to the receipts written. */
  reconcile() {
    return this.#serially(async () => {
      await this.#load();
      const head = await this.#chain.head();
      let missing = (await this.#chain.settledTotal(head)) - this.#total() - this.#unexplained;
      const found = [];
      const oldest = head >= this.#scanDepth ? head - this.#scanDepth + 1n : 0n;
      for (let to = head; missing > 0n && to >= oldest; to -= this.#scanBlocks) {
        const from = to - this.#scanBlocks + 1n > oldest ? to - this.#scanBlocks + 1n : oldest;
        const unbooked = settlementsOf(await this.#chain.settledBetween(from, to)).filter((s) => !this.#booked.has(s.transaction));
        for (const settlement of unbooked.reverse()) {
          found.unshift(settlement);
          missing -= settlement.amount;
        }
      }
      if (missing > 0n) {
        // Scanned as deep as a run looks: not looked for again by this process.
        this.#unexplained += missing;
        process.emitWarning(`clawpay paywall: the channel contract settled ${missing} base units more to the payee than the receipts and the Settled events of the last ${this.#scanDepth} blocks show (older settlements, or another seller's on the same payee)`);
      }
      const receipts = [];
      for (const settlement of found) {
        const receipt = await this.#record(settlement);
        if (receipt) receipts.push(receipt);
      }
      return receipts;
    });
  }

  #serially(fn) {
    const run = this.#queue.then(fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  #total() {
    let sum = 0n;
    for (const amount of this.#booked.values()) sum += amount;
    return sum;
  }

  // The settled receipts of this payee's channel revenue already in the store.
  async #load() {
    if (this.#booked !== null) return;
    const { contract, routes: [{ terms }] } = this.#revenue;
    const booked = new Map();
    for (const receipt of await this.#store.list()) {
      if (receipt.status === 'settled' && sameAddress(receipt.payer, contract) && sameAddress(receipt.payTo, terms.payTo)
        && sameAddress(receipt.asset, terms.asset) && receipt.network === terms.network) {
        booked.set(receipt.transaction.toLowerCase(), BigInt(receipt.amount));
      }
    }
    this.#booked = booked;
  }

  async #record({ transaction, amount }) {
    if (this.#booked.has(transaction)) return null;
    const existing = await this.#store.get(transaction);
    if (existing?.status === 'settled') {
      this.#booked.set(transaction, BigInt(existing.amount)); // another process booked it
      return null;
    }
    let begun = existing?.status === 'pending';
    if (begun && existing.amount !== amount.toString()) {
      // Begun with another amount than the chain's: that intent is not the settlement's.
      await this.#store.fail(transaction, { reason: `the chain settled ${amount}, not ${existing.amount}`, at: this.#revenue.now() });
      begun = false;
    }
    const receipt = await recordChannelRevenue({ ...this.#revenue, store: this.#store, transaction, amount: amount.toString(), begun });
    if (receipt) this.#booked.set(transaction, amount);
    return receipt;
  }
}
