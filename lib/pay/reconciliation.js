// The chain's word on a payment, and the one place that turns it into the
// payment's state. An open authorization (signed, sent, or refused by the
// server) keeps its reservation until the chain proves it cannot move money:
//
//   used on chain (AuthorizationUsed)   → settled, with the transaction; if the
//                                          server had refused it, marked
//                                          settledAfterRefusal (payTo, origin)
//   cancelled (AuthorizationCanceled)   → failed (cancelled), reservation released
//   unused, past validBefore + margin   → failed (expired), reservation released
//   unused before that, or no answer    → stays open, still counted as spent-pending
//
// reconcile() runs this over every open payment (at start); reconcileOpen()
// does the same, bounded, whenever a limit is checked while open
// authorizations exist (before a reservation, check_spend_limit,
// get_wallet_info), so that a seller who refused and then settled is counted
// as paid, not as failed.
import { STALE_INTENT_MS } from './payment_ledger.js';
import { originOf } from './request.js';

/** A pending payment is resolved this long after its validBefore (clock skew, a settlement in flight). */
const EXPIRY_MARGIN_MS = 30_000;
/** At most this many open authorizations are asked about per limit check (oldest first). */
const MAX_OPEN_CHECKS = 16;

export function createReconciliation({ ledger, policy, reader, now }) {
  /**
   * What the chain says of the record's nonce: {status: 'used', transaction},
   * {status: 'canceled', transaction}, {status: 'unused'}, or null (cannot tell).
   */
  async function chainOutcome(record) {
    if (!reader || record.network !== reader.network || !record.nonce) return null;
    const q = { asset: record.asset, authorizer: record.payer, nonce: record.nonce };
    let spent;
    try {
      spent = await reader.authorizationUsed(q);
    } catch {
      return null;
    }
    if (spent !== true) return spent === false ? { status: 'unused' } : null;
    if (typeof reader.authorizationEvent !== 'function') {
      return { status: 'used', transaction: await reader.findTransaction?.(q) ?? null };
    }
    try {
      const found = await reader.authorizationEvent(q);
      // No log in the window: counted as used, the side that never gives
      // budget back for money that may have moved.
      if (!found) return { status: 'used', transaction: null };
      return { status: found.event === 'canceled' ? 'canceled' : 'used', transaction: found.transaction };
    } catch {
      return null; // spent, but by a transfer or a cancel is not known yet: asked again later
    }
  }

  function fail(record, reason, fields) {
    const done = ledger.failed(record.paymentId, reason, fields);
    if (done.state === 'failed' && record.reservation) policy.release(record.reservation);
    return done;
  }

  const expired = (record) => record.validBefore !== null && now() >= Number(record.validBefore) * 1000 + EXPIRY_MARGIN_MS;

  /**
   * Applies the chain's outcome to an open record; returns the record
   * (settled, failed or still open). `answered`: whether the caller got the
   * server's answer for this payment (see PaymentLedger.settled); a refused
   * payment's caller got the refusal. `refusedBy`: the refusal just received,
   * when the record is not yet marked refused.
   */
  function apply(record, outcome, { answered = false, refusedBy = null } = {}) {
    if (outcome?.status === 'used') {
      // A refusal of a resend is what a seller that does not replay says
      // after settling the first send; a refusal of the only send, or one
      // recorded earlier, was followed by the seller settling it anyway.
      const refused = record.state === 'refused' || (refusedBy !== null && record.attempts <= 1);
      return ledger.settled(record.paymentId, {
        transaction: outcome.transaction ?? null,
        network: record.network,
        payer: record.payer,
        answered: refused || refusedBy !== null || answered,
        settledAfterRefusal: refused
          ? { payTo: record.payTo, origin: originOf(record.payUrl), refusal: record.refusal ?? refusedBy }
          : null,
      });
    }
    if (outcome?.status === 'canceled') {
      return fail(record, `cancelled on chain (tx ${outcome.transaction ?? 'unknown'}); the authorization can no longer move money`,
        { cancelled: true, cancelTransaction: outcome.transaction ?? record.cancelTransaction ?? null });
    }
    if (outcome?.status === 'unused' && expired(record)) {
      return fail(record, record.state === 'refused'
        ? `refused by the server (${record.refusal}), and expired unused on chain`
        : 'expired: the authorization was never used on chain');
    }
    return record;
  }

  /** Asks the chain about one open record and applies the answer. */
  async function resolve(record, options) {
    return apply(record, await chainOutcome(record), options);
  }

  /**
   * A pending payment whose authorization has expired: the chain decides.
   * Returns the record, settled or failed, or null when the chain cannot tell.
   */
  async function resolveExpired(record) {
    const done = await resolve(record);
    return done.state === 'settled' || done.state === 'failed' ? done : null;
  }

  const tally = (counts, record) => {
    if (record.state === 'settled') counts.settled += 1;
    else if (record.state === 'failed') counts.failed += 1;
    else counts.open += 1;
    if (record.settledAfterRefusal) counts.settledAfterRefusal = (counts.settledAfterRefusal ?? 0) + 1;
  };

  /**
   * Settles what the ledger left open: open authorizations (the chain says
   * whether their nonce was used, cancelled, or expired unused) and intents
   * abandoned before signing (their reservation is given back). Returns the
   * counts {settled, failed, open[, settledAfterRefusal]}.
   */
  async function reconcile() {
    const counts = { settled: 0, failed: 0, open: 0 };
    for (const record of ledger.list()) {
      if (record.state === 'intent' && now() - record.createdAt >= STALE_INTENT_MS) {
        fail(record, 'abandoned before signing');
        counts.failed += 1;
      } else if (record.state === 'signed' || record.state === 'sent' || record.state === 'refused') {
        tally(counts, await resolve(record));
      }
    }
    ledger.prune();
    return counts;
  }

  // One check at a time: limit checks that arrive together share it.
  let running = null;

  /**
   * Before a limit is checked: asks the chain about the open authorizations
   * (at most MAX_OPEN_CHECKS, oldest first). Costs nothing when none is
   * open. Returns the records it finished (settled or failed).
   */
  function reconcileOpen() {
    // .finally runs after the assignment, even when nothing is open.
    running ??= checkOpen().finally(() => {
      running = null;
    });
    return running;
  }

  async function checkOpen() {
    const finished = [];
    for (const record of ledger.open().slice(0, MAX_OPEN_CHECKS)) {
      const done = await resolve(record);
      if (done.state === 'settled' || done.state === 'failed') finished.push(done);
    }
    return finished;
  }

  return { chainOutcome, apply, resolve, fail, resolveExpired, expired, reconcile, reconcileOpen };
}
