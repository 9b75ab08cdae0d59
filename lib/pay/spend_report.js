// What was paid, as data: a payment with its amount as bigint base units and
// formatted in the asset ("0.01 USDC"), and the spend since a time — totals
// of settled payments by UTC day and by payee, with what open authorizations
// may still move beside them. Read from the payment ledger, which both
// clawpay-mcp and clawpay-native/pay write.
import { invalidValue } from '../validate.js';
import { formatAmount } from './amount.js';
import { paymentView } from './fetch_result.js';
import { utcDay } from './policy.js';

const OPEN = new Set(['signed', 'sent', 'refused']);

/**
 * A payment for callers: a PaymentView (fetch_result.js) or a ledger record,
 * with `amount` a bigint of base units and `formatted` beside it.
 */
export function paymentInfo(payment, asset) {
  const record = typeof payment.state === 'string' ? payment : null;
  const view = record ? paymentView(record) : payment;
  const amount = BigInt(view.amount);
  return {
    ...view,
    amount,
    formatted: formatAmount(amount, asset),
    ...(record ? { url: record.url, createdAt: record.createdAt, updatedAt: record.updatedAt } : {}),
  };
}

function sinceMs(since) {
  if (since === undefined || since === null) return -Infinity;
  const ms = since instanceof Date ? since.getTime() : since;
  if (typeof ms !== 'number' || !Number.isFinite(ms)) throw invalidValue('a Date or milliseconds since the epoch', 'since', since);
  return ms;
}

/** The ledger's payments created at or after `since`, oldest first. */
export function paymentsSince(ledger, since) {
  const from = sinceMs(since);
  return ledger.list().filter((record) => record.createdAt >= from).sort((a, b) => a.createdAt - b.createdAt);
}

function add(groups, key, amount, asset) {
  const group = groups[key] ?? { total: 0n, count: 0 };
  group.total += amount;
  group.count += 1;
  group.formatted = formatAmount(group.total, asset);
  groups[key] = group;
}

/** The route a payment paid for: its URL without query or fragment ("http://host/v1/data"). */
export function routeOf(url) {
  try {
    const parsed = new URL(url);
    return `${parsed.origin}${parsed.pathname}`;
  } catch {
    return String(url ?? '?');
  }
}

/** Base units a payment moved for good: its amount less what was refunded (a channel's unused deposit). */
export function keptAmount(record) {
  return BigInt(record.amount) - BigInt(record.refunded ?? '0');
}

/**
 * What a payment counts as in a report: 'paid' (settled), 'pending' (an open
 * authorization that may still settle) or 'not paid' (failed, or abandoned
 * before it was signed). Only 'paid' rows sum to what left the wallet.
 */
export function paidStatus(record) {
  if (record.state === 'settled') return 'paid';
  return OPEN.has(record.state) ? 'pending' : 'not paid';
}

/**
 * The ledger's payments since `since` grouped by UTC day, payee, route, kind
 * (call or session) and paidStatus: [{day, payee, route, kind, status, count,
 * total (bigint), formatted}], oldest day first. A payment abandoned before
 * signing (an intent) moved nothing and is left out.
 */
export function spendRows(ledger, { since, asset }) {
  const groups = new Map();
  for (const record of paymentsSince(ledger, since)) {
    if (record.state === 'intent') continue;
    const row = {
      day: utcDay(record.createdAt), payee: record.payTo, route: routeOf(record.url), kind: record.kind ?? 'call', status: paidStatus(record),
    };
    const key = JSON.stringify(Object.values(row));
    const group = groups.get(key) ?? { ...row, count: 0, total: 0n };
    group.count += 1;
    group.total += record.state === 'settled' ? keptAmount(record) : BigInt(record.amount);
    groups.set(key, group);
  }
  return [...groups.values()].map((group) => ({ ...group, formatted: formatAmount(group.total, asset) }));
}

/**
 * {since, total, formatted, count, byDay, byPayee, byRoute, pending, pendingFormatted, today}:
 * totals of settled payments since `since` (net of refunds); byDay keyed by UTC "YYYY-MM-DD" of
 * the payment, byPayee by the payee's address, byRoute by routeOf(url); pending what open authorizations
 * may still move; today the spend policy's day (`today` from payer.spend()).
 */
export function spendReport(ledger, { since, asset, today }) {
  const records = paymentsSince(ledger, since);
  const byDay = {};
  const byPayee = {};
  const byRoute = {};
  let total = 0n;
  let count = 0;
  let pending = 0n;
  for (const record of records) {
    const amount = record.state === 'settled' ? keptAmount(record) : BigInt(record.amount);
    if (record.state === 'settled') {
      total += amount;
      count += 1;
      add(byDay, utcDay(record.createdAt), amount, asset);
      add(byPayee, record.payTo, amount, asset);
      add(byRoute, routeOf(record.url), amount, asset);
    } else if (OPEN.has(record.state)) {
      pending += amount;
    }
  }
  const { open, ...day } = today;
  return {
    since: Number.isFinite(sinceMs(since)) ? sinceMs(since) : null,
    total,
    formatted: formatAmount(total, asset),
    count,
    byDay,
    byPayee,
    byRoute,
    pending,
    pendingFormatted: formatAmount(pending, asset),
    today: { ...day, formatted: formatAmount(day.total, asset), open: open.map((view) => paymentInfo(view, asset)) },
  };
}
