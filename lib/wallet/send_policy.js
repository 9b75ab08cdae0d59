// The key-mode wallet's local send policy: which sends the agent key makes
// on its own, and which wait for a person (the approval queue).
//
// A send executes without approval only when every rule lets it:
//   payee     the recipient is among CLAWPAY_ALLOWED_PAYEES (when that list is set)
//   token     it moves the configured asset or ETH; any other ERC-20 always
//             needs approval (there is no limit in its units to hold it to)
//   per_send  asset: amount <= CLAWPAY_MAX_PER_SEND; ETH: <= CLAWPAY_MAX_ETH_PER_SEND
//   per_day   asset: today's total stays within CLAWPAY_MAX_PER_DAY — the SAME
//             total x402 payments add to (SpendPolicy's spend/day/<day>), so
//             payments and sends share one daily budget; ETH: its own total
//             (send/eth/day/<day>) within CLAWPAY_MAX_ETH_PER_DAY
//
// decide() adds the amount to the day's total atomically (inside
// store.update, under the store's cross-process lock) as it allows a send; the
// reservation is given back only when the send definitely did not happen —
// a simulation that reverts, a broadcast the node refused, a transfer that
// reverted on chain — never merely because an answer was lost.
import { randomUUID } from 'node:crypto';

import { sameAddress } from '../hashing.js';
import { formatUnits } from '../pay/amount.js';
import { PaymentLedger } from '../pay/payment_ledger.js';
import { DayTotal, SpendPolicy, utcDay } from '../pay/policy.js';
import { ETH, amountShape, utilization } from './token_info.js';

export const SEND_RULES = Object.freeze(['payee', 'token', 'per_send', 'per_day']);
const DAY_SECONDS = 86_400;
const ETH_DAY_PREFIX = 'send/eth/day/';
const ETH_HOLD_PREFIX = 'send/eth/hold/';



const text = (units, info) => `${formatUnits(units, info.decimals)} ${info.symbol}`;

/**
 * @param {object} options
 * @param {object} options.config  loadConfig(): asset, policy (maxPerSend, maxPerDay,
 *   maxEthPerSend, maxEthPerDay, allowedPayees)
 * @param {object} options.store   the pay store (RecordStore)
 * @param {() => number} [options.now]  milliseconds
 */
export function createSendPolicy({ config, store, now = Date.now }) {
  const { policy, asset } = config;
  if (policy.maxPerSend === undefined || policy.maxEthPerSend === undefined || policy.maxEthPerDay === undefined) {
    throw new TypeError('createSendPolicy: config.policy has no send limits (maxPerSend, maxEthPerSend, maxEthPerDay); use loadConfig()');
  }
  const spendPolicy = new SpendPolicy({ policy, asset, store, now });
  // The x402 payments of the same store: their open authorizations are the
  // pending part of the asset's day total.
  const ledger = new PaymentLedger({ store, now });
  // ETH sends' daily total, in wei, in records of its own.
  const ethDay = new DayTotal({ store, now, dayPrefix: ETH_DAY_PREFIX, holdPrefix: ETH_HOLD_PREFIX });
  const assetInfo = { token: asset.address, symbol: asset.symbol ?? asset.name ?? 'asset', decimals: asset.decimals };

  /** 'eth', 'asset' (the configured one) or 'other'. */
  function classify(token) {
    if (token === null || token === undefined) return 'eth';
    return asset.address && sameAddress(token, asset.address) ? 'asset' : 'other';
  }

  function rulesFor(kind) {
    if (kind === 'eth') {
      return { perSend: policy.maxEthPerSend, perDay: policy.maxEthPerDay, sendVar: 'CLAWPAY_MAX_ETH_PER_SEND', dayVar: 'CLAWPAY_MAX_ETH_PER_DAY' };
    }
    return { perSend: policy.maxPerSend, perDay: policy.maxPerDay, sendVar: 'CLAWPAY_MAX_PER_SEND', dayVar: 'CLAWPAY_MAX_PER_DAY, shared with x402 payments' };
  }

  const spentToday = (kind) => (kind === 'eth' ? ethDay.spent() : kind === 'asset' ? spendPolicy.spent() : 0n);

  const infoOf = (token, info) => info ?? (classify(token) === 'eth' ? ETH : classify(token) === 'asset' ? assetInfo : { token, symbol: 'tokens', decimals: 0 });

  // Every rule but the day's total: a refusal {rule, reason}, or null.
  function staticRefusal({ token, to, units, info }) {
    if (to && policy.allowedPayees && !policy.allowedPayees.some((payee) => sameAddress(payee, to))) {
      return { rule: 'payee', reason: `the recipient ${to} is not among the allowed payees (CLAWPAY_ALLOWED_PAYEES); a person must approve it` };
    }
    const kind = classify(token);
    if (kind === 'other') {
      return {
        rule: 'token',
        reason: `sends of ${info.symbol} (${token}) always need a person's approval: only ${assetInfo.symbol} and ETH have send limits ` +
          '(CLAWPAY_MAX_PER_SEND, CLAWPAY_MAX_ETH_PER_SEND)',
      };
    }
    const { perSend, sendVar } = rulesFor(kind);
    if (units > perSend) {
      return {
        rule: 'per_send',
        reason: perSend === 0n
          ? `${text(units, info)} needs approval: ${info.symbol} sends without approval are off (${sendVar} is 0)`
          : `${text(units, info)} is above the per-send limit of ${text(perSend, info)} (${sendVar})`,
      };
    }
    return null;
  }

  function dayRefusal({ kind, units, info, day, spent }) {
    const { perDay, dayVar } = rulesFor(kind);
    return {
      rule: 'per_day',
      reason: `${text(units, info)} would bring the total for ${day} (UTC) to ${text(spent + units, info)}, above the daily limit of ` +
        `${text(perDay, info)} (${dayVar}); ${text(spent, info)} already spent or reserved today`,
    };
  }

  /** The Limits shape (lib/wallet/README.md) for a token's sends, today. */
  function limits(info) {
    const kind = classify(info.token);
    const at = now();
    const dayStart = Math.floor(at / 1000 / DAY_SECONDS) * DAY_SECONDS;
    const { perSend, perDay } = kind === 'other' ? { perSend: 0n, perDay: 0n } : rulesFor(kind);
    const spent = spentToday(kind);
    const remaining = perDay > spent ? perDay - spent : 0n;
    // Spent and pending together are the day's total; both count against the limit.
    const pending = kind === 'asset' ? spendPolicy.daySpend(ledger.pendingAmount(utcDay(at)), utcDay(at)).pending : 0n;
    return {
      token: info.token,
      symbol: info.symbol,
      decimals: info.decimals,
      perTx: amountShape(perSend, info),
      periodLimit: amountShape(perDay, info),
      periodLength: DAY_SECONDS,
      periodSpent: amountShape(spent - pending, info),
      periodPending: amountShape(pending, info),
      remainingInPeriod: amountShape(remaining, info),
      periodStart: kind === 'other' ? null : dayStart,
      secondsUntilReset: kind === 'other' ? null : dayStart + DAY_SECONDS - Math.floor(at / 1000),
      utilization: utilization(spent, perDay),
    };
  }

  /** A reservation as plain data, for records: {kind, id, day, amount}. */
  const reservationOf = (kind, { id, day, amount }) => ({ kind, id, day, amount: amount.toString() });

  function reserve(kind, units, { id, enforce }) {
    if (kind === 'eth') return ethDay.reserve(units, { id, enforce, limit: policy.maxEthPerDay });
    try {
      return spendPolicy.reserveForSend(units, { id, enforce });
    } catch (error) {
      if (error.code === 'ERR_POLICY_REFUSED' && error.rule === 'per_day') {
        return { refused: { day: utcDay(now()), spent: spendPolicy.spent() } };
      }
      throw error;
    }
  }

  /**
   * The limits a send is judged under now, as plain data for its queue
   * item: {kind, perSend, perDay, payees} (base units as strings; payees
   * null when every payee is allowed). Null for a token without limits.
   */
  function snapshot(token = null) {
    const kind = classify(token);
    if (kind === 'other') return null;
    const { perSend, perDay } = rulesFor(kind);
    const payees = policy.allowedPayees ? policy.allowedPayees.map((payee) => payee.toLowerCase()).sort() : null;
    return { kind, perSend: perSend.toString(), perDay: perDay.toString(), payees };
  }

  return {
    classify,
    limits,

    /**
     * Whether a send would execute without approval now, reserving nothing
     * (check_spend_limit). {execute, rule?, reason?, limits}. `to` may be
     * omitted (the payee rule is then not asked).
     */
    check({ token = null, to, units, info }) {
      const shown = infoOf(token, info);
      const kind = classify(token);
      let refusal = staticRefusal({ token, to, units, info: shown });
      if (!refusal) {
        const spent = spentToday(kind);
        if (spent + units > rulesFor(kind).perDay) refusal = dayRefusal({ kind, units, info: shown, day: utcDay(now()), spent });
      }
      return { execute: refusal === null, ...(refusal ?? {}), limits: limits(shown) };
    },

    /**
     * The decision for a send, reserving its amount in the day's total when
     * it executes: {execute: true, reservation: {kind, id, day, amount} | null}
     * or {execute: false, rule, reason}.
     */
    decide({ token = null, to, units, info, id = randomUUID() }) {
      const shown = infoOf(token, info);
      const refusal = staticRefusal({ token, to, units, info: shown });
      if (refusal) return { execute: false, ...refusal };
      const kind = classify(token);
      const reserved = reserve(kind, units, { id, enforce: true });
      if (reserved.refused) return { execute: false, ...dayRefusal({ kind, units, info: shown, ...reserved.refused }) };
      return { execute: true, reservation: reservationOf(kind, reserved) };
    },

    /**
     * A send a person approved: its amount counts toward the day's total
     * without being checked against it. Idempotent by id (per day). Null for
     * a token without a day total.
     */
    reserveApproved({ token = null, units, id }) {
      const kind = classify(token);
      if (kind === 'other') return null;
      return reservationOf(kind, reserve(kind, units, { id, enforce: false }));
    },

    /** Gives a reservation back; only when its send definitely did not happen. True the first time. */
    release(reservation) {
      if (!reservation) return false;
      const { kind, id, day } = reservation;
      return kind === 'eth' ? ethDay.release({ id, day }) : spendPolicy.release({ id, day });
    },

    /** Base units spent or reserved today: 'asset' (shared with x402 payments) or 'eth'. */
    spentToday,

    snapshot,

    /**
     * Why a send a person approved may no longer be made: a limit lowered
     * since it was queued (`snapshot`, then), so that an approval given
     * under looser rules is not used under tighter ones. A sentence naming
     * the setting, or null when nothing was lowered.
     */
    loweredSince(then, { token = null, to, info }) {
      if (!then) return null;
      const current = snapshot(token);
      if (!current) return null;
      const { sendVar, dayVar } = rulesFor(current.kind);
      const shown = infoOf(token, info);
      for (const [field, name] of [['perSend', sendVar], ['perDay', dayVar.split(',')[0]]]) {
        if (BigInt(current[field]) < BigInt(then[field])) {
          return `${name} was lowered from ${text(BigInt(then[field]), shown)} to ${text(BigInt(current[field]), shown)} after this send was queued`;
        }
      }
      const allowedThen = then.payees === null || then.payees.includes(to.toLowerCase());
      const allowedNow = current.payees === null || current.payees.includes(to.toLowerCase());
      if (allowedThen && !allowedNow) return `the recipient ${to} was removed from CLAWPAY_ALLOWED_PAYEES after this send was queued`;
      return null;
    },
  };
}
