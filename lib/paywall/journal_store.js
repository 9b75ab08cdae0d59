// The journal backend of the PaywallStore (store.js): a ReceiptLedger, in
// memory or journaled to a file that the processes of one machine share.
// Every operation answers synchronously. Replay outcomes are not shared
// (each engine remembers its own), and revocations by another process reach
// a session gate within RECEIPT_MAX_AGE_MS (session_gate.js).

/** A PaywallStore over `ledger`; `store.ledger` is the ledger itself. */
export function journalStore(ledger) {
  return Object.freeze({
    ledger,
    sharedByReplicas: false,
    begin: (intent) => ledger.begin(intent),
    settle: (paymentId, { transaction, settledAt }) => ledger.settle(paymentId, { transaction, settledAt }),
    fail: (paymentId, options) => ledger.fail(paymentId, options),
    get: (paymentId) => ledger.get(paymentId),
    byTransaction: (transaction) => ledger.byTransaction(transaction),
    paidBy: (payer) => ledger.paidBy(payer),
    list: () => ledger.list(),
    revoke: (transaction, options) => ledger.revoke(transaction, options),
    revokedAt: (transaction) => ledger.byTransaction(transaction)?.revokedAt ?? null,
    useNonce: (nonce, options) => ledger.useNonce(nonce, options),
    replayOf: () => null,
    close: () => ledger.close(),
  });
}
