// `clawpay spend`: the buyer's own payments (per call and session purchases)
// from the payment ledger, by UTC day, payee and route, in the asset's units
// with its symbol. Run with the same environment as clawpay-mcp (loadConfig:
// CHAIN_ID, RPC_URL, CLAWPAY_STATE_DIR …); open authorizations are asked
// about on chain first, as `clawpay payments` does.
//   clawpay spend [--since DATE] [--format table|csv|jsonl]
// Every row has a status: paid, pending (an open authorization that may
// still settle) or not paid; only the paid rows sum to what left the wallet.
// Exit codes: 0 done, 1 it failed (configuration, the ledger), 2 bad usage.
import { parseArgs } from 'node:util';

import { formatAmount, formatUnits } from '../pay/amount.js';
import { spendReport, spendRows } from '../pay/spend_report.js';
import { csvText } from '../csv.js';
import { showInput } from '../secret_text.js';
import { commandOutput } from './command_output.js';

const USAGE = `clawpay spend [--since DATE] [--format table|csv|jsonl]
  --since DATE   payments made on or after DATE (YYYY-MM-DD, UTC midnight, or an ISO 8601 time); default: all
  --format       table (default, for people), csv (a header row; a symbol column) or jsonl (one object per line)
  status is paid, pending (may still settle) or not paid; only paid rows sum to what was spent`;
export const SPEND_COLUMNS = Object.freeze(['day', 'status', 'paid', 'kind', 'payee', 'route', 'count', 'amount', 'units', 'symbol', 'decimals']);
const FORMATS = ['table', 'csv', 'jsonl'];
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;

const { say, usageError, withAgentPayer } = commandOutput('spend', USAGE);

/** --since as milliseconds since the epoch, or null when it is not a date. */
export function parseSince(text) {
  if (!DAY.test(text) && !ISO_TIME.test(text)) return null;
  const ms = Date.parse(DAY.test(text) ? `${text}T00:00:00Z` : text);
  // Date.parse rolls 2026-02-30 over to March: a day must read back as typed.
  if (!Number.isFinite(ms) || (DAY.test(text) && new Date(ms).toISOString().slice(0, 10) !== text)) return null;
  return ms;
}

function parse(argv) {
  let values;
  try {
    ({ values } = parseArgs({ args: argv, options: { since: { type: 'string' }, format: { type: 'string' }, help: { type: 'boolean' } }, strict: true }));
  } catch (error) {
    return usageError(String(error.message).split('\n')[0]);
  }
  if (values.help) return { help: true };
  const format = values.format ?? 'table';
  if (!FORMATS.includes(format)) return usageError(`--format must be one of ${FORMATS.join(', ')}, not ${showInput(format)}`);
  let since = null;
  if (values.since !== undefined) {
    since = parseSince(values.since);
    if (since === null) return usageError(`--since must be a date such as 2026-12-01 or 2026-12-01T12:00:00Z, not ${showInput(values.since)}`);
  }
  return { format, since };
}

/** A report row as exported: amounts exact, in the asset's units and in base units. */
function exportRow(row, asset) {
  return {
    day: row.day,
    status: row.status,
    paid: row.status === 'paid',
    kind: row.kind,
    payee: row.payee,
    route: row.route,
    count: row.count,
    amount: formatUnits(row.total, asset.decimals),
    units: row.total.toString(),
    symbol: asset.symbol,
    decimals: asset.decimals,
  };
}

function table(report, rows, asset, since) {
  const text = (units) => formatAmount(units, asset);
  const { today } = report;
  say(`Spent ${since === null ? 'in all' : `since ${new Date(since).toISOString().replace('.000Z', 'Z')}`}: ${report.formatted} in ` +
    `${report.count} paid payment${report.count === 1 ? '' : 's'}; ${report.pendingFormatted} pending (open authorizations that may still settle)`);
  say(`Today (${today.day} UTC): ${text(today.spent)} spent, ${text(today.pending)} pending, ${text(today.remaining)} remaining of ${text(today.limit)} (CLAWPAY_MAX_PER_DAY)`);
  if (rows.length === 0) {
    say('No payments.');
    return;
  }
  const cells = rows.map((row) => [row.day, row.status, row.kind, String(row.count), text(row.total), row.payee, row.route]);
  const header = ['day', 'status', 'kind', 'count', 'amount', 'payee', 'route'];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c) => c.map((cell, i) => (i === c.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ');
  say('');
  say(line(header));
  for (const c of cells) say(line(c));
}

/** `clawpay spend ...`; resolves to the exit code. */
export async function spendCommand(argv, env = process.env) {
  const options = parse(argv);
  if (typeof options === 'number') return options;
  if (options.help) {
    process.stdout.write(`usage: ${USAGE}\n`);
    return 0;
  }
  return withAgentPayer(env, async (config, payer) => {
    const today = await payer.spend(); // asks the chain about open authorizations first
    const since = options.since ?? undefined;
    const report = spendReport(payer.ledger, { since, asset: config.asset, today });
    const rows = spendRows(payer.ledger, { since, asset: config.asset });
    if (options.format === 'table') table(report, rows, config.asset, options.since);
    else if (options.format === 'csv') process.stdout.write(csvText(SPEND_COLUMNS, rows.map((row) => exportRow(row, config.asset))));
    else for (const row of rows) say(JSON.stringify(exportRow(row, config.asset)));
    return 0;
  });
}
