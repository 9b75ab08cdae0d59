// The chain's word on a payment (whether its EIP-3009 nonce was used), and
// reconcile(): settling what the ledger left open.
import { STALE_INTENT_MS } from './payment_ledger.js';

/** A pending payment is resolved this long after its validBefore (clock skew, a settlement in flight). */
const EXPIRY_MARGIN_MS = 30_000;

export function createReconciliation({ ledger, policy, reader, now }) {
  /** true (used: paid), false (unused), or null (cannot tell). */
  async function usedOnChain(record) {
    if (!reader || record.network !== reader.network || !record.nonce) return null;
    try {
      return await reader.authorizationUsed({ asset: record.asset, authorizer: record.payer, nonce: record.nonce });
    } catch {
      return null;
    }
  }

  /** `answered`: whether the caller got the server's answer for this payment (see PaymentLedger.settled). */
  async function settleFromChain(record, { answered }) {
    const transaction = reader ? await reader.findTransaction({ asset: record.asset, authorizer: record.payer, nonce: record.nonce }) : null;
    return ledger.settled(record.paymentId, { transaction, network: record.network, payer: record.payer, answered });
  }

  function fail(record, reason) {
    const done = ledger.failed(record.paymentId, reason);
    if (done.state === 'failed' && record.reservation) policy.release(record.reservation);
    return done;
  }

  /**
   * A pending payment whose authorization has expired: the chain decides.
   * Returns the record, settled or failed, or null when the chain cannot tell.
   */
  async function resolveExpired(record) {
    const used = await usedOnChain(record);
    if (used === true) return settleFromChain(record, { answered: false });
    if (used === false) return fail(record, 'expired: the authorization was never used on chain');
    return null;
  }

  const expired = (record) => record.validBefore !== null && now() >= Number(record.validBefore) * 1000 + EXPIRY_MARGIN_MS;

  /**
   * Settles what the ledger left open: payments sent with an unknown outcome
   * (the chain says whether their nonce was used) and intents abandoned before
   * signing (their reservation is given back). Returns the counts.
   */
  async function reconcile() {
    const counts = { settled: 0, failed: 0, open: 0 };
    for (const record of ledger.list()) {
      if (record.state === 'intent' && now() - record.createdAt >= STALE_INTENT_MS) {
        fail(record, 'abandoned before signing');
        counts.failed += 1;
      } else if (record.state === 'signed' || record.state === 'sent') {
        const used = await usedOnChain(record);
        if (used === true) {
          await settleFromChain(record, { answered: false });
          counts.settled += 1;
        } else if (used === false && expired(record)) {
          fail(record, 'expired: the authorization was never used on chain');
          counts.failed += 1;
        } else {
          counts.open += 1;
        }
      }
    }
    ledger.prune();
    return counts;
  }

  return { usedOnChain, settleFromChain, fail, resolveExpired, expired, reconcile };
}
