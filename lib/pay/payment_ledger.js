// PaymentLedger: the buyer's durable record of every payment, on a
// RecordStore, written in step with the payment so that a crash or an
// ambiguous answer can never make one logical call pay twice:
//
//   intent    the chosen 402 requirement, amount, payee, kind — written BEFORE signing
//   signed    + the signed payment header (authorization, nonce, validBefore) — written
//             before it is sent
//   sent      sent at least once; outcome not known (timeout, reset, 5xx without a
//             settlement header). A retry resends the SAME header: the same EIP-3009
//             nonce, which the token lets settle at most once.
//   refused   the server answered the paid request with a refusal (402, or
//             PAYMENT-RESPONSE success:false), but the signed authorization may
//             still settle: whoever holds it can submit it until validBefore.
//             Its reservation is kept — it counts as spent-pending — until the
//             chain shows it used (settled, settledAfterRefusal), cancelled, or
//             expired unused (failed). Without an explicit key the key is free
//             (a new call pays anew); an explicit key resends the same header.
//   settled   + the receipt: transaction, network, payer
//   failed    definitely not paid (expired or cancelled unused on chain, or never signed/sent)
//
// Keys. A payment is found again through its call's key:
//   - with an explicit idempotencyKey (e.g. an MCP request id scoped to its session, or
//     any id the caller reuses when it retries a call), the key is that string: while
//     the payment is pending its header is resent, and once settled the call is never
//     paid again — the same header is offered once more for the server to replay;
//   - without one, the key is derived from (purpose, method, url, body): an identical
//     request made after an ambiguous outcome resends the pending authorization, while
//     an identical request after a settled one is a new purchase.
// The same explicit key used for a different request is refused (ERR_IDEMPOTENCY_CONFLICT).
// A key stops pointing to its payment when the authorization expires (validBefore):
// the header can no longer settle, so the key is free again once the outcome is
// known. Payment records themselves are kept (RETENTION_MS) as the history.
//
// Records (JSON; amounts as decimal strings):
//   payment/<paymentId>   one per payment
//   paykey/<sha256(key)>  {paymentId, expiresAt}: the key's current payment
import { randomUUID } from 'node:crypto';

import { sha256Hex } from '../hashing.js';
import { argError } from '../validate.js';
import { payError } from './errors.js';

const PAYMENT_PREFIX = 'payment/';
const KEY_PREFIX = 'paykey/';
/** An intent this old without a signature was abandoned (a crash between intent and signing). */
export const STALE_INTENT_MS = 60_000;
/** How long an intent may wait for its signature before the key is free again. */
const INTENT_TTL_MS = 10 * 60_000;
/** Final payment records are kept this long. */
export const RETENTION_MS = 30 * 86_400_000;
export const STATES = Object.freeze(['intent', 'signed', 'sent', 'refused', 'settled', 'failed']);
// Pending: sent and resent with the same header. Open: an authorization that
// may still move money (pending, or refused), whose reservation is kept.
const PENDING = new Set(['signed', 'sent']);
export const OPEN_STATES = Object.freeze(['signed', 'sent', 'refused']);
const OPEN = new Set(OPEN_STATES);

const bodyDigest = (body) => (body === undefined || body === null ? null : sha256Hex(body));

/**
 * The key and request fingerprint of a call.
 * @returns {{key: string, explicit: boolean, requestHash: string}}
 */
export function callKey({ idempotencyKey, purpose = 'call', method = 'GET', url, body }) {
  const requestHash = sha256Hex(JSON.stringify([purpose, method.toUpperCase(), url, bodyDigest(body)]));
  if (idempotencyKey !== undefined && idempotencyKey !== null) {
    if (typeof idempotencyKey !== 'string' || idempotencyKey.length === 0 || idempotencyKey.length > 512) {
      throw argError(TypeError, 'ERR_INVALID_ARG_VALUE', 'Expected a string of 1 to 512 characters for idempotencyKey');
    }
    return { key: `key:${idempotencyKey}`, explicit: true, requestHash };
  }
  return { key: `auto:${requestHash}`, explicit: false, requestHash };
}

export class PaymentLedger {
  #store;
  #now;

  /**
   * @param {{store: object, now?: () => number}} options a RecordStore; the clock in ms
   */
  constructor({ store, now = Date.now }) {
    if (!store) throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'PaymentLedger needs {store}');
    this.#store = store;
    this.#now = now;
  }

  #keyId(key) {
    return `${KEY_PREFIX}${sha256Hex(key)}`;
  }

  /** A payment record by id, or null. */
  get(paymentId) {
    return this.#store.get(`${PAYMENT_PREFIX}${paymentId}`);
  }

  /** Every payment record, oldest first. */
  list() {
    return this.#store.list(PAYMENT_PREFIX).map(({ value }) => value);
  }

  /**
   * The payment a key points to, or null. An index entry past its expiry
   * still answers while its payment is pending (its outcome must be settled
   * before the key is reused); otherwise it is ignored.
   */
  current(key) {
    const index = this.#store.get(this.#keyId(key));
    if (!index) return null;
    const record = this.get(index.paymentId);
    if (!record) return null;
    if (this.#now() >= index.expiresAt && !PENDING.has(record.state)) return null;
    return record;
  }

  /**
   * Records the intent — before anything is signed — and points the key at
   * it. `previous` is the payment id the caller saw for the key (or null):
   * if another process has moved the key meanwhile, this throws
   * ERR_PAYMENT_IN_PROGRESS and records nothing for the key.
   */
  begin(intent, { previous = null } = {}) {
    const now = this.#now();
    const paymentId = randomUUID();
    const record = {
      paymentId,
      key: intent.key,
      explicitKey: Boolean(intent.explicitKey),
      requestHash: intent.requestHash,
      state: 'intent',
      kind: intent.kind,
      url: intent.url,
      payUrl: intent.payUrl,
      method: intent.method,
      payMethod: intent.payMethod ?? intent.method,
      payBodyKept: intent.payBodyKept ?? true,
      x402Version: intent.x402Version,
      offer: intent.offer,
      sessionTerms: intent.sessionTerms ?? null,
      network: intent.network,
      asset: intent.asset,
      payTo: intent.payTo,
      amount: intent.amount.toString(),
      decimals: intent.decimals,
      reservation: intent.reservation ?? null,
      createdAt: now,
      updatedAt: now,
      header: null,
      headerName: null,
      nonce: null,
      validBefore: null,
      payer: null,
      attempts: 0,
      transaction: null,
      settledNetwork: null,
      failure: null,
    };
    this.#store.put(`${PAYMENT_PREFIX}${paymentId}`, record);
    const keyId = this.#keyId(intent.key);
    try {
      // Compare-and-set on the key: the record it holds is read first (the
      // store may not be called inside update), and the update goes ahead
      // only if the key still holds that record.
      const seen = this.#store.get(keyId);
      const held = seen?.paymentId ?? null;
      const other = held === null || held === previous ? null : this.get(held);
      if (other && now < seen.expiresAt && this.#live(other, now)) {
        throw payError('ERR_PAYMENT_IN_PROGRESS',
          `Another payment for this call (${held}) is ${other.state === 'intent' ? 'being signed' : other.state} elsewhere; retry shortly`,
          { paymentId: held });
      }
      this.#store.update(keyId, (index) => {
        if ((index?.paymentId ?? null) !== held) {
          throw payError('ERR_PAYMENT_IN_PROGRESS', 'Another payment for this call started meanwhile; retry shortly', { paymentId: index?.paymentId });
        }
        return { paymentId, expiresAt: now + INTENT_TTL_MS };
      });
    } catch (error) {
      this.#finish(paymentId, { state: 'failed', failure: `not started: ${error.message}`.slice(0, 512) });
      throw error;
    }
    return record;
  }

  /** Whether a payment still owns its key: its outcome is open, or (explicit key) it settled. */
  #live(record, now) {
    if (record.state === 'failed') return false;
    if (record.state === 'refused') return record.explicitKey;
    if (record.state === 'settled') return record.explicitKey || record.answered === false;
    if (record.state === 'intent') return now - record.createdAt < STALE_INTENT_MS;
    return true;
  }

  #change(paymentId, fn) {
    return this.#store.update(`${PAYMENT_PREFIX}${paymentId}`, (current) => {
      if (!current) throw argError(Error, 'ERR_INVALID_ARG', `No payment ${paymentId} in the ledger`);
      const next = fn(current);
      return next === undefined ? undefined : { ...next, updatedAt: this.#now() };
    });
  }

  #finish(paymentId, fields) {
    return this.#change(paymentId, (current) => ({ ...current, ...fields }));
  }

  /**
   * The signed header, recorded before it is sent. The key now points at
   * this payment until the authorization expires (validBefore, Unix seconds).
   */
  signed(paymentId, { header, headerName, nonce, validBefore, payer }) {
    const record = this.#change(paymentId, (current) => {
      if (current.state !== 'intent') throw argError(Error, 'ERR_INVALID_ARG', `Payment ${paymentId} is ${current.state}, not intent`);
      return { ...current, state: 'signed', header, headerName, nonce, validBefore: String(validBefore), payer };
    });
    this.#store.update(this.#keyId(record.key), (index) => (
      index?.paymentId === paymentId ? { ...index, expiresAt: Number(validBefore) * 1000 } : undefined));
    return record;
  }

  /** One more send of the header; the outcome is unknown until recorded. */
  sent(paymentId) {
    return this.#change(paymentId, (current) => ({
      ...current,
      state: current.state === 'signed' ? 'sent' : current.state,
      attempts: current.attempts + 1,
      lastSentAt: this.#now(),
    }));
  }

  /**
   * The receipt. A settled payment stays settled (a later answer cannot undo it).
   * `answered: false` when only the chain says so (reconcile, an expired
   * authorization): the caller never got the answer this payment bought, so
   * the identical call resends the header for it rather than buying again.
   */
  settled(paymentId, { transaction = null, network = null, payer = null, answered = true, settledAfterRefusal = null } = {}) {
    return this.#change(paymentId, (current) => {
      if (current.state === 'settled') {
        const fill = !current.transaction && transaction;
        const told = answered && current.answered === false;
        if (!fill && !told) return undefined;
        return { ...current, ...(fill ? { transaction } : {}), ...(told ? { answered: true } : {}) };
      }
      return {
        ...current,
        state: 'settled',
        transaction,
        settledNetwork: network,
        payer: payer ?? current.payer,
        settledAt: this.#now(),
        failure: null,
        answered,
        ...(settledAfterRefusal ? { settledAfterRefusal } : {}),
      };
    });
  }

  /**
   * Part of a settled payment came back (a channel's deposit, refunded on
   * chain): `refunded` is the sum, at most the amount, counted once per
   * refund transaction. Reports count the payment net of it.
   */
  refunded(paymentId, { amount, transaction }) {
    return this.#change(paymentId, (current) => {
      if (current.state !== 'settled' || amount <= 0n) return undefined;
      const refunds = current.refunds ?? [];
      if (refunds.some((refund) => refund.transaction === transaction)) return undefined;
      const total = refunds.reduce((sum, refund) => sum + BigInt(refund.amount), 0n) + amount;
      const capped = total > BigInt(current.amount) ? BigInt(current.amount) : total;
      return {
        ...current,
        refunds: [...refunds, { transaction, amount: amount.toString(), at: this.#now() }],
        refunded: capped.toString(),
      };
    });
  }

  /**
   * The server refused the paid request, and the chain has not (yet) seen
   * the authorization used: open until it settles, is cancelled or expires.
   * Only a signed or sent payment can be refused.
   */
  refused(paymentId, reason) {
    return this.#change(paymentId, (current) => {
      if (!PENDING.has(current.state)) return undefined;
      return { ...current, state: 'refused', refusal: String(reason).slice(0, 512), refusedAt: this.#now() };
    });
  }

  /** A cancelAuthorization transaction sent for an open payment (its outcome is the chain's). */
  cancelSent(paymentId, { transaction }) {
    return this.#change(paymentId, (current) => ({ ...current, cancelTransaction: transaction, cancelSentAt: this.#now() }));
  }

  /**
   * Definitely not paid. Never overrides a settlement. `fields` (e.g.
   * {cancelled: true}) go into the record.
   */
  failed(paymentId, reason, fields = {}) {
    return this.#change(paymentId, (current) => {
      if (current.state === 'settled' || current.state === 'failed') return undefined;
      return { ...current, ...fields, state: 'failed', failure: String(reason).slice(0, 512), failedAt: this.#now() };
    });
  }

  /** Pending payments (signed or sent, outcome unknown), oldest first. */
  pending() {
    return this.list().filter((record) => PENDING.has(record.state));
  }

  /** Open authorizations (signed, sent or refused): they may still move money. Oldest first. */
  open() {
    return this.list().filter((record) => OPEN.has(record.state));
  }

  /**
   * Base units of a UTC day's reservations held by payments not yet known to
   * be paid: open authorizations and intents. The rest of the day's total is
   * spent.
   */
  pendingAmount(day) {
    let total = 0n;
    for (const record of this.list()) {
      if ((OPEN.has(record.state) || record.state === 'intent') && record.reservation?.day === day) total += BigInt(record.amount);
    }
    return total;
  }

  /**
   * Drops key entries that point nowhere useful any more and final payment
   * records older than `retentionMs`. Returns how many records went.
   */
  prune({ retentionMs = RETENTION_MS } = {}) {
    const now = this.#now();
    let removed = 0;
    for (const { id, value } of this.#store.list(KEY_PREFIX)) {
      const record = this.get(value.paymentId);
      if (!record || (now >= value.expiresAt && !PENDING.has(record.state))) {
        this.#store.update(id, (current) => (current?.paymentId === value.paymentId ? null : undefined));
        removed += 1;
      }
    }
    for (const { id, value } of this.#store.list(PAYMENT_PREFIX)) {
      const final = value.state === 'settled' || value.state === 'failed' ||
        (value.state === 'intent' && now - value.createdAt >= INTENT_TTL_MS);
      if (final && now - value.updatedAt >= retentionMs) {
        this.#store.delete(id);
        removed += 1;
      }
    }
    return removed;
  }
}
