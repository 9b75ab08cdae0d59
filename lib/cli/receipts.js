// `clawpay receipts export`: the paywall's receipts as CSV or JSONL, for
// bookkeeping, from either store: a journal file (--path) or Redis (--redis
// URL, or CLAWPAY_REDIS_URL). Exit codes: 0 done, 1 the store could not be
// read or the output not written, 2 bad usage. Every message is one line on
// stderr.
import { statSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { KNOWN_CHAINS } from '../pay/config_asset.js';
import { ReceiptLedger, formatReceipts } from '../receipt_ledger.js';
import { connectRedisStore } from '../paywall/redis_store.js';
import { redactSecrets, showInput } from '../secret_text.js';

const USAGE = 'clawpay receipts export (--path FILE | --redis URL) [--format csv|jsonl] [--out FILE] [--symbol SYMBOL]';
const HELP = `${USAGE}\n` +
  '  the symbol column names USDC on Base and Base Sepolia; --symbol names any other asset\n' +
  '  paid is true only for settled receipts: the sum of the paid rows is the revenue';
const SYMBOL = /^[A-Za-z0-9.$_-]{1,16}$/;

/** Symbols by lowercase asset address: the known chains' USDC, and `symbol` for any other asset. */
function symbolsFor(receipts, symbol) {
  const symbols = {};
  if (symbol) for (const { asset } of receipts) symbols[String(asset).toLowerCase()] = symbol;
  for (const { asset } of Object.values(KNOWN_CHAINS)) symbols[asset.address.toLowerCase()] = asset.symbol;
  return symbols;
}

// Messages echo arguments and paths: a run of 64 hex digits is never shown.
function complain(message) {
  process.stderr.write(`clawpay receipts: ${redactSecrets(message)}\n`);
}

function usageError(message) {
  complain(`${message} (usage: ${USAGE})`);
  return 2;
}

/** The export's options, or an exit code when the command line is wrong. */
function parseExportArgs(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        path: { type: 'string' }, redis: { type: 'string' }, format: { type: 'string' }, out: { type: 'string' }, symbol: { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
    }));
  } catch (error) {
    return usageError(String(error.message).split('\n')[0]);
  }
  if (values.help) return { help: true };
  const redis = values.redis ?? (values.path === undefined ? process.env.CLAWPAY_REDIS_URL : undefined);
  if (values.path !== undefined && values.redis !== undefined) return usageError('give --path FILE or --redis URL, not both');
  if (!values.path && !redis) return usageError('--path FILE or --redis URL (or CLAWPAY_REDIS_URL) is required');
  const format = values.format ?? 'csv';
  if (format !== 'csv' && format !== 'jsonl') return usageError(`--format must be csv or jsonl, not ${showInput(format)}`);
  if (values.out === '') return usageError('--out needs a file name');
  if (values.symbol !== undefined && !SYMBOL.test(values.symbol)) return usageError(`--symbol must be 1 to 16 letters, digits or . $ _ -, not ${showInput(values.symbol)}`);
  return { path: values.path, redis, format, out: values.out, symbol: values.symbol };
}

// Opening a ledger creates its file when there is none; an export must not
// leave an empty ledger behind a mistyped path, so it looks first.
function missingLedger(path) {
  try {
    return statSync(path).isFile() ? null : `${path} is not a file`;
  } catch (error) {
    return error.code === 'ENOENT' ? `no receipt ledger at ${path}` : `cannot read ${path}: ${error.message}`;
  }
}

function readReceipts(path) {
  const ledger = new ReceiptLedger({ path, readOnly: true });
  try {
    return ledger.list();
  } finally {
    ledger.close();
  }
}

// Receipts from Redis; an unreachable server is an error, not an empty export.
async function readRedisReceipts(url) {
  const store = await connectRedisStore({ url });
  try {
    return await store.list();
  } finally {
    await store.close().catch(() => {});
  }
}

async function exportReceipts({ path, redis, format, out, symbol }) {
  const problem = redis === undefined ? missingLedger(path) : null;
  if (problem) {
    complain(problem);
    return 1;
  }
  let text;
  let count;
  const source = path ?? 'redis';
  try {
    const receipts = redis === undefined ? readReceipts(path) : await readRedisReceipts(redis);
    count = receipts.length;
    text = formatReceipts(receipts, format, { symbols: symbolsFor(receipts, symbol) });
    if (out !== undefined) writeFileSync(out, text);
  } catch (error) {
    const message = String(error.message).split('\n')[0];
    complain(message.includes(source) ? message : `${source}: ${message}`);
    return 1;
  }
  if (out === undefined) {
    process.stdout.write(text);
  } else {
    complain(`${count} receipt${count === 1 ? '' : 's'} written to ${out} (${format})`);
  }
  return 0;
}

/** `clawpay receipts <subcommand> ...`; resolves to the exit code. */
export async function receiptsCommand(argv) {
  const [subcommand, ...rest] = argv;
  if (subcommand === '--help' || subcommand === 'help') {
    process.stdout.write(`usage: ${HELP}\n`);
    return 0;
  }
  if (subcommand !== 'export') {
    return usageError(subcommand === undefined ? 'missing subcommand' : `unknown subcommand ${showInput(subcommand)}`);
  }
  const options = parseExportArgs(rest);
  if (typeof options === 'number') return options;
  if (options.help) {
    process.stdout.write(`usage: ${HELP}\n`);
    return 0;
  }
  return exportReceipts(options);
}
