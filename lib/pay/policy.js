// SpendPolicy: what the agent may pay, checked before anything is signed.
//
// Rules, in the order they are checked:
//   network      the payment's network is one of policy.allowedNetworks (CAIP-2)
//   asset        the token is one of policy.allowedAssets
//   payee        payTo is one of policy.allowedPayees (null: any payee)
//   per_call     one call pays at most min(maxPerCall, the call's own cap)
//   per_session  one session purchase costs at most min(maxPerSession, the call's own cap)
//   per_day      all payments of a UTC day total at most maxPerDay
//
// The daily total lives in the RecordStore, one record per UTC day
// (spend/day/<day>), and a reservation adds to it inside store.update —
// which runs under the store's exclusive cross-process lock — so concurrent
// payers, in one process or several, can never together exceed the daily
// limit. Each reservation also has a hold record (spend/hold/<day>/<id>) so
// that it is given back (release) at most once, and only when its payment
// definitely did not happen. The key-mode wallet's sends of the asset add to
// the same daily total (reserveForSend), so payments and sends share it.
//
// All limits are base units of the configured asset. Every allowed asset is
// counted in those units (list only tokens of the same denomination, e.g.
// USDC on several chains); the daily total sums them all.
import { randomUUID } from 'node:crypto';

import { sameAddress } from '../hashing.js';
import { argError } from '../validate.js';
import { describeAmount, parseBaseUnits, parseDecimalUnits } from './amount.js';
import { DayTotal, utcDay } from './day_total.js';

export { DayTotal, utcDay };

export const RULES = Object.freeze(['per_call', 'per_session', 'per_day', 'payee', 'asset', 'network']);
const DAY_PREFIX = 'spend/day/';
const HOLD_PREFIX = 'spend/hold/';
const KEEP_DAYS = 35;

export class PolicyError extends Error {
  constructor(rule, message, { limit = null, amount = null, terms = null } = {}) {
    super(message);
    this.name = 'PolicyError';
    this.code = 'ERR_POLICY_REFUSED';
    /** Which rule refused: one of RULES. */
    this.rule = rule;
    /** The limit that applied, in base units (null for payee/asset/network). */
    this.limit = limit;
    /** The amount asked for, in base units. */
    this.amount = amount;
    this.terms = terms;
  }
}


function checkTerms(terms) {
  if (terms === null || typeof terms !== 'object') {
    throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected terms {network, asset, payTo, amount} but received ' + typeof terms);
  }
  if (typeof terms.amount !== 'bigint' || terms.amount < 0n) {
    throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected a non-negative bigint of base units for terms.amount');
  }
  for (const field of ['network', 'asset', 'payTo']) {
    if (typeof terms[field] !== 'string') throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', `Expected a string for terms.${field}`);
  }
}

/**
 * The cap a single tool call puts on its payment, in base units, or null.
 * Accepts ClawPay 1.1's `max_payment_eth` — an amount in the ASSET's units,
 * despite its name: 0.01 means 0.01 USDC. (ClawPay 1.1 multiplied it by 1e18
 * as if it were ETH while paying 6-decimal USDC, so any cap let through
 * payments a trillion times larger.) Also `max_payment` (asset units, a
 * decimal string) and `max_payment_units` (base units, an integer string).
 * When several are given the smallest applies. Throws ERR_INVALID_ARG_VALUE
 * naming the field.
 */
export function parseCallCap(args = {}, asset) {
  const decimals = asset?.decimals ?? 6;
  let cap = null;
  const take = (units) => {
    cap = cap === null || units < cap ? units : cap;
  };
  for (const field of ['max_payment_eth', 'max_payment']) {
    const value = args[field];
    if (value === undefined || value === null) continue;
    const { units, error } = parseDecimalUnits(value, decimals);
    if (error) throw argError(RangeError, 'ERR_INVALID_ARG_VALUE', `${field} (in ${asset?.symbol ?? 'asset'} units, not ETH) ${error}`);
    take(units);
  }
  const raw = args.max_payment_units;
  if (raw !== undefined && raw !== null) {
    const { units, error } = parseBaseUnits(raw);
    if (error) throw argError(RangeError, 'ERR_INVALID_ARG_VALUE', `max_payment_units ${error}`);
    take(units);
  }
  return cap;
}

export class SpendPolicy {
  #policy;
  #asset;
  #store;
  #now;
  #total;
  #prunedOn = null;

  /**
   * @param {object} options
   * @param {object} options.policy config.policy: {maxPerCall, maxPerSession, maxPerDay (bigint),
   *   allowedPayees (string[] | null), allowedAssets, allowedNetworks (CAIP-2)}
   * @param {object} options.asset config.asset (decimals and symbol, for messages)
   * @param {object} options.store a RecordStore
   * @param {() => number} [options.now] milliseconds since the epoch
   */
  constructor({ policy, asset, store, now = Date.now }) {
    if (!policy || !store) throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'SpendPolicy needs {policy, asset, store}');
    this.#policy = policy;
    this.#asset = asset;
    this.#store = store;
    this.#now = now;
    this.#total = new DayTotal({ store, now, dayPrefix: DAY_PREFIX, holdPrefix: HOLD_PREFIX });
  }

  static fromConfig(config, store, { now } = {}) {
    return new SpendPolicy({ policy: config.policy, asset: config.asset, store, now });
  }

  get limits() {
    return this.#policy;
  }

  #amount(units) {
    return describeAmount(units, this.#asset);
  }

  /** The per-payment limit for `kind` and which setting it comes from. */
  #limitFor(kind, cap) {
    const rule = kind === 'session' ? 'per_session' : 'per_call';
    const policyLimit = kind === 'session' ? this.#policy.maxPerSession : this.#policy.maxPerCall;
    if (cap !== null && cap !== undefined && cap < policyLimit) {
      return { rule, limit: cap, what: 'the max_payment cap given with this call' };
    }
    return { rule, limit: policyLimit, what: kind === 'session' ? 'the per-session limit (CLAWPAY_MAX_PER_SESSION)' : 'the per-call limit (CLAWPAY_MAX_PER_CALL)' };
  }

  /** Everything but the daily total. Throws PolicyError. */
  #checkStatic(terms, kind, cap) {
    checkTerms(terms);
    if (kind !== 'call' && kind !== 'session') {
      throw argError(TypeError, 'ERR_INVALID_ARG_VALUE', `Expected "call" or "session" for kind but received ${JSON.stringify(kind)}`);
    }
    if (cap !== null && cap !== undefined && (typeof cap !== 'bigint' || cap < 0n)) {
      throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected a non-negative bigint of base units (or null) for cap');
    }
    const p = this.#policy;
    if (!p.allowedNetworks.includes(terms.network)) {
      throw new PolicyError('network', `Refused by the network rule: the payment is on ${terms.network}; allowed networks are ${p.allowedNetworks.join(', ') || 'none'} (CLAWPAY_ALLOWED_NETWORKS)`, { amount: terms.amount, terms });
    }
    if (!p.allowedAssets.some((a) => sameAddress(a, terms.asset))) {
      throw new PolicyError('asset', `Refused by the asset rule: the payment is in token ${terms.asset}; allowed assets are ${p.allowedAssets.join(', ') || 'none'} (CLAWPAY_ALLOWED_ASSETS)`, { amount: terms.amount, terms });
    }
    if (p.allowedPayees !== null && !p.allowedPayees.some((a) => sameAddress(a, terms.payTo))) {
      throw new PolicyError('payee', `Refused by the payee rule: the payment goes to ${terms.payTo}, which is not among the allowed payees (CLAWPAY_ALLOWED_PAYEES)`, { amount: terms.amount, terms });
    }
    const { rule, limit, what } = this.#limitFor(kind, cap);
    if (terms.amount > limit) {
      throw new PolicyError(rule, `Refused by the ${rule} rule: the price ${this.#amount(terms.amount)} is above ${what} of ${this.#amount(limit)}`, { limit, amount: terms.amount, terms });
    }
  }

  #dayRefusal(terms, day, spent) {
    const limit = this.#policy.maxPerDay;
    return new PolicyError('per_day',
      `Refused by the per_day rule: paying ${this.#amount(terms.amount)} would bring the total for ${day} (UTC) to ` +
      `${this.#amount(spent + terms.amount)}, above the daily limit (CLAWPAY_MAX_PER_DAY) of ${this.#amount(limit)}; ` +
      `${this.#amount(spent)} already spent or reserved today`,
      { limit, amount: terms.amount, terms });
  }

  /**
   * Whether `terms` may be paid now, without reserving anything. Throws
   * PolicyError; returns {amount, limit, spentToday, remainingToday} (bigints).
   */
  check(terms, { kind = 'call', cap = null } = {}) {
    this.#checkStatic(terms, kind, cap);
    const day = utcDay(this.#now());
    const spent = this.spent(day);
    if (spent + terms.amount > this.#policy.maxPerDay) throw this.#dayRefusal(terms, day, spent);
    return {
      amount: terms.amount,
      limit: this.#limitFor(kind, cap).limit,
      spentToday: spent,
      remainingToday: this.#policy.maxPerDay - spent,
    };
  }

  /**
   * Checks `terms` and adds the amount to today's total in one atomic store
   * update. Returns a Reservation; call `release()` only when the payment
   * definitely did not happen. Throws PolicyError (nothing reserved).
   */
  reserve(terms, { kind = 'call', cap = null, id = randomUUID() } = {}) {
    this.#checkStatic(terms, kind, cap);
    const reserved = this.#total.reserve(terms.amount, { id, limit: this.#policy.maxPerDay, fields: { kind } });
    if (reserved.refused) throw this.#dayRefusal(terms, reserved.refused.day, reserved.refused.spent);
    this.#prune(reserved.day);
    return new Reservation(this, reserved);
  }

  /**
   * Gives a reservation back, by its {id, day} — also from another process
   * or after a restart (the payment ledger keeps both). Idempotent: true the
   * first time, false when it was already released or never made.
   */
  release({ id, day }) {
    return this.#total.release({ id, day });
  }

  /** Gives back part of a reservation, once per returnId (DayTotal.releasePart): a channel's mined refund. */
  releasePart({ id, day }, amount, returnId) {
    if (typeof amount !== 'bigint' || amount < 0n) throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected a non-negative bigint of base units for amount');
    return this.#total.releasePart({ id, day }, amount, returnId);
  }

  /**
   * A wallet send of the configured asset (key mode): adds `amount` to the
   * same daily total x402 payments use, in one atomic store update, so that
   * payments and sends together stay within maxPerDay. Only the daily total
   * is checked here; the send's own limits are the caller's. Throws
   * PolicyError (per_day) and reserves nothing when the total would pass the
   * limit. `enforce: false` adds the amount without the check: a send a
   * person approved still counts toward the day. Calling again with the id
   * of a hold made today (and not released) returns that reservation instead
   * of adding twice.
   */
  reserveForSend(amount, { id = randomUUID(), enforce = true } = {}) {
    if (typeof amount !== 'bigint' || amount < 0n) {
      throw argError(TypeError, 'ERR_INVALID_ARG_TYPE', 'Expected a non-negative bigint of base units for amount');
    }
    const limit = this.#policy.maxPerDay;
    const reserved = this.#total.reserve(amount, { id, limit, enforce, fields: { kind: 'send' } });
    if (reserved.refused) {
      const { day, spent } = reserved.refused;
      throw new PolicyError('per_day',
        `Refused by the per_day rule: sending ${this.#amount(amount)} would bring the total for ${day} (UTC) to ` +
        `${this.#amount(spent + amount)}, above the daily limit (CLAWPAY_MAX_PER_DAY, shared by x402 payments and sends) of ` +
        `${this.#amount(limit)}; ${this.#amount(spent)} already spent or reserved today`,
        { limit, amount });
    }
    this.#prune(reserved.day);
    return new Reservation(this, reserved);
  }

  /** Base units spent or reserved on a UTC day ("YYYY-MM-DD"; default today). */
  spent(day = utcDay(this.#now())) {
    return this.#total.spent(day);
  }

  /**
   * A UTC day's total split for views: {day, limit, total, spent, pending,
   * remaining} (bigints). `pending` is the part of the total held by payments
   * not yet known to be paid (PaymentLedger.pendingAmount: open
   * authorizations, which may still settle); the rest is spent. Both count
   * against the limit.
   */
  daySpend(pending = 0n, day = utcDay(this.#now())) {
    const total = this.spent(day);
    const held = pending > total ? total : pending;
    const limit = this.#policy.maxPerDay;
    return { day, limit, total, spent: total - held, pending: held, remaining: limit > total ? limit - total : 0n };
  }

  // Day totals and holds older than KEEP_DAYS are dropped, once a day per
  // process; the payment ledger keeps the history.
  #prune(today) {
    if (this.#prunedOn === today) return;
    this.#prunedOn = today;
    const cutoff = utcDay(Date.parse(`${today}T00:00:00Z`) - KEEP_DAYS * 86_400_000);
    for (const prefix of [DAY_PREFIX, HOLD_PREFIX]) {
      for (const { id } of this.#store.list(prefix)) {
        if (id.slice(prefix.length, prefix.length + 10) < cutoff) this.#store.delete(id);
      }
    }
  }
}

/** A reserved amount of today's budget. */
export class Reservation {
  #policy;
  #released = false;

  constructor(policy, { id, day, amount }) {
    this.#policy = policy;
    this.id = id;
    this.day = day;
    this.amount = amount;
  }

  get released() {
    return this.#released;
  }

  /** Gives the amount back to the day's budget; true the first time. */
  release() {
    if (this.#released) return false;
    this.#released = true;
    return this.#policy.release({ id: this.id, day: this.day });
  }

  toJSON() {
    return { id: this.id, day: this.day, amount: this.amount.toString() };
  }
}
