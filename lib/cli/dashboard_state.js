// What `clawpay dashboard` shows, as JSON for its page: the buyer's spend
// per UTC day against the daily limit, open sessions with their TTL, the
// approvals waiting for a person, recent payments, and — given a seller's
// receipt ledger — its receipts and revenue per route. Amounts go out as
// exact base units (strings) and formatted with the symbol; no secret
// (session tokens, signed payment headers, keys) is ever in it.
import { existsSync } from 'node:fs';

import { formatAmount } from '../pay/amount.js';
import { paymentView } from '../pay/fetch_result.js';
import { routeOf, spendReport } from '../pay/spend_report.js';
import { ReceiptLedger } from '../receipt_ledger.js';
import { SessionStore } from '../session_store.js';
import { WAITING_STATUSES, createApprovalQueue } from '../wallet/approval_queue.js';

/** Days shown on the chart: today and the 13 before it. */
export const CHART_DAYS = 14;
const RECENT = 20;
const DAY_MS = 86_400_000;

const money = (units, asset) => ({ units: units.toString(), formatted: formatAmount(units, asset) });

function days(now) {
  const today = Date.UTC(new Date(now).getUTCFullYear(), new Date(now).getUTCMonth(), new Date(now).getUTCDate());
  return Array.from({ length: CHART_DAYS }, (_, i) => new Date(today - (CHART_DAYS - 1 - i) * DAY_MS).toISOString().slice(0, 10));
}

function openSessions(path, asset, now) {
  if (!path || !existsSync(path)) return [];
  // Read only, each time: clawpay-mcp may be writing it.
  const cache = new SessionStore({ path, readOnly: true, onNotice: () => {} });
  try {
    const seconds = Math.floor(now / 1000);
    return cache.list({ now: seconds }).map((record) => ({
      id: record.sessionId,
      label: record.label ?? null,
      endpoint: record.endpoint,
      scope: record.scope,
      callCount: record.callCount,
      expiresAt: record.expiresAt,
      ttlSeconds: Math.max(0, record.expiresAt - seconds),
      paid: money(BigInt(record.paymentAmount), asset),
    }));
  } finally {
    cache.close();
  }
}

// What still waits: pending, and approved by a person but not yet sent by clawpay-mcp.
function approvals(store) {
  return createApprovalQueue({ store }).list().filter((item) => WAITING_STATUSES.includes(item.status)).map((item) => ({
    id: item.id, to: item.to, amount: `${item.value?.amount ?? item.units} ${item.symbol ?? ''}`.trim(), units: item.units, reason: item.reason,
    memo: item.memo, createdAt: item.createdAt, status: item.status,
  }));
}

function recentPayments(ledger, asset) {
  return ledger.list().filter((record) => record.state !== 'intent').sort((a, b) => b.createdAt - a.createdAt).slice(0, RECENT).map((record) => {
    const view = paymentView(record);
    return {
      id: view.paymentId, status: view.status, kind: view.kind, route: routeOf(record.url), payTo: view.payTo,
      createdAt: record.createdAt, transaction: view.transaction, ...money(BigInt(view.amount), asset),
    };
  });
}

/** A seller's receipts: the recent ones and the revenue (settled receipts) per route. */
function sellerState(receiptsPath, asset) {
  if (!receiptsPath) return null;
  const ledger = new ReceiptLedger({ path: receiptsPath, readOnly: true });
  let receipts;
  try {
    receipts = ledger.list();
  } finally {
    ledger.close();
  }
  const byRoute = {};
  let revenue = 0n;
  for (const receipt of receipts) {
    if (receipt.status !== 'settled') continue;
    const route = receipt.route ?? '?';
    const group = byRoute[route] ?? { count: 0, units: 0n };
    group.count += 1;
    group.units += BigInt(receipt.amount);
    byRoute[route] = group;
    revenue += BigInt(receipt.amount);
  }
  return {
    revenue: money(revenue, asset),
    receiptCount: receipts.length,
    byRoute: Object.entries(byRoute).map(([route, g]) => ({ route, count: g.count, ...money(g.units, asset) })),
    recent: receipts.sort((a, b) => (b.settledAt ?? 0) - (a.settledAt ?? 0)).slice(0, RECENT).map((r) => ({
      status: r.status, kind: r.kind, route: r.route ?? null, payer: r.payer, settledAt: r.settledAt ?? null, transaction: r.transaction ?? null,
      ...money(BigInt(r.amount), asset),
    })),
  };
}

/**
 * The dashboard's state now. `payer` (lib/pay/payer.js) gives today's spend
 * after asking the chain about open authorizations; `store` is its store.
 */
export async function dashboardState({ config, payer, store, sessionsPath, receiptsPath, now = Date.now() }) {
  const asset = config.asset;
  const today = await payer.spend();
  const report = spendReport(payer.ledger, { since: Date.parse(`${days(now)[0]}T00:00:00Z`), asset, today });
  return {
    at: now,
    asset: { symbol: asset.symbol, decimals: asset.decimals, address: asset.address },
    wallet: config.walletAddress,
    limit: money(today.limit, asset),
    today: { day: today.day, spent: money(today.spent, asset), pending: money(today.pending, asset), remaining: money(today.remaining, asset) },
    days: days(now).map((day) => ({ day, ...money(report.byDay[day]?.total ?? 0n, asset), count: report.byDay[day]?.count ?? 0 })),
    sessions: openSessions(sessionsPath, asset, now),
    approvals: approvals(store),
    payments: recentPayments(payer.ledger, asset),
    seller: sellerState(receiptsPath, asset),
  };
}
