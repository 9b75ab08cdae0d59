// ReceiptLedger: the paid side's record of x402 payments, in native memory
// and — with a path — journaled, so that a claim or settlement that returned
// survives any crash and several processes share one file safely. Receipts
// cross to native code as JSON. formatReceipts() writes receipts as CSV or
// JSONL for export.
import { csvText } from './csv.js';
import { MAX_ASSET_DECIMALS, MAX_FAILURE_CHARS, MAX_NONCE_CHARS, MAX_UINT256 } from './limits.js';
import { native } from './native.js';
import { journalOptions, openJournal } from './state_dir.js';
import { HEX_ADDRESS, argError, expectObject, expectString, invalidArg, invalidValue, unixMillis } from './validate.js';

const PAYMENT_ID = /^0x[0-9a-f]{64}$/;
const HASH = /^0x[0-9a-fA-F]{64}$/;
const DECIMAL = /^(0|[1-9][0-9]*)$/;
const NONCE = new RegExp(`^[\\x20-\\x7e]{1,${MAX_NONCE_CHARS}}$`);
const INTENT_FIELDS = new Set(native.receiptIntentFields.map((field) => field.name));

function matching(value, pattern, what, name) {
  if (typeof value !== 'string') throw invalidArg('a string', name, value);
  if (!pattern.test(value)) throw invalidValue(what, name, value);
  return value;
}

export const paymentIdArg = (value, name) => matching(value, PAYMENT_ID, '0x + 64 lowercase hex digits', name);
export const transactionArg = (value, name) => matching(value, HASH, 'a transaction hash (0x + 64 hex digits)', name);
export const addressArg = (value, name) => matching(value, HEX_ADDRESS, 'an address (0x + 40 hex digits)', name);

// Lengths in UTF-16 code units, as the native side counts them too.
export function textArg(value, name, max, min = 1) {
  if (typeof value !== 'string') throw invalidArg('a string', name, value);
  if (!value.isWellFormed()) throw invalidValue('well-formed text (no lone surrogates)', name, value);
  if (value.length < min || value.length > max) throw invalidValue(`text of ${min} to ${max} characters`, name, value);
  return value;
}

function integerArg(value, name, min, max) {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalidArg('an integer', name, value);
  if (value < min || value > max) throw invalidValue(`an integer from ${min} to ${max}`, name, value);
  return value;
}

/** Base units as the one decimal spelling x402 uses, from a bigint or a decimal string. */
function amountArg(value, name) {
  if (typeof value === 'bigint') {
    if (value < 0n || value > MAX_UINT256) throw invalidValue('base units from 0 to 2^256-1', name, value);
    return value.toString();
  }
  if (typeof value !== 'string') throw invalidArg('a bigint or a decimal string of base units', name, value);
  if (!DECIMAL.test(value) || BigInt(value) > MAX_UINT256) {
    throw invalidValue('a decimal string of base units (no sign, no leading zeros, below 2^256)', name, value);
  }
  return value;
}

function oneOf(value, allowed, name) {
  if (!allowed.includes(value)) throw invalidValue(allowed.map((a) => JSON.stringify(a)).join(' or '), name, value);
  return value;
}

// The rule of each intent field, by its name in the native table.
const RULES = {
  paymentId: (value, name) => paymentIdArg(value, name),
  choice: (value, name, field) => oneOf(value, field.choices, name),
  text: (value, name, field) => textArg(value, name, field.max, field.min),
  address: (value, name) => addressArg(value, name),
  amount: (value, name) => amountArg(value, name),
  integer: (value, name, field) => integerArg(value, name, field.min, field.max),
  time: (value, name) => unixMillis(value, name),
};

/**
 * The intent as the native ledger takes it; every field checked and named,
 * by the rules the native ledger states (src/receipt_intent.h) and checks again.
 */
export function intentJson(intent) {
  expectObject(intent, 'intent');
  for (const [key, value] of Object.entries(intent)) {
    if (!INTENT_FIELDS.has(key) && value !== undefined) {
      throw argError(TypeError, 'ERR_INVALID_ARG_VALUE', `Unknown field intent.${key} (receipts hold the intent fields only)`);
    }
  }
  const checked = {};
  for (const field of native.receiptIntentFields) {
    const value = intent[field.name];
    const name = `intent.${field.name}`;
    if (field.optional && value === undefined) continue;
    if (field.onlyForKind !== undefined && checked.kind !== field.onlyForKind) {
      throw argError(TypeError, 'ERR_INVALID_ARG_VALUE', `${name} is only for intent.kind "${field.onlyForKind}"`);
    }
    checked[field.name] = RULES[field.rule](value, name, field);
  }
  return JSON.stringify(checked);
}

/** useNonce's arguments, checked: {expires, current} in Unix milliseconds. */
export function nonceArgs(nonce, options) {
  const { expiresAt, now } = expectObject(options, 'options');
  matching(nonce, NONCE, `1 to ${MAX_NONCE_CHARS} printable ASCII characters`, 'nonce');
  if (expiresAt === undefined) throw invalidArg('Unix milliseconds', 'options.expiresAt', expiresAt);
  const expires = unixMillis(expiresAt, 'options.expiresAt');
  const current = unixMillis(now, 'options.now');
  if (expires <= current) throw invalidValue(`a time after now (${current})`, 'options.expiresAt', expiresAt);
  return { expires, current };
}

const parse = (json) => (json === null ? null : JSON.parse(json));

export class ReceiptLedger {
  #ledger;

  /** In memory, or journaled at `path` when given (every change fdatasync'ed before returning). */
  constructor(options = {}) {
    const { path } = expectObject(options, 'options');
    const opening = journalOptions(options);
    this.#ledger = path === undefined
      ? new native.NativeReceiptLedger()
      : openJournal(expectString(path, 'options.path'), 'clawpay-receipts', (access) => new native.NativeReceiptLedger(path, access), opening);
  }

  /**
   * Claims a payment before it is settled: true, or false (nothing written)
   * when it is already pending or settled. A failed payment may be claimed again.
   */
  begin(intent) {
    return this.#ledger.begin(intentJson(intent));
  }

  /** pending -> settled; returns the receipt. */
  settle(paymentId, options) {
    const { transaction, settledAt } = expectObject(options, 'options');
    return JSON.parse(this.#ledger.settle(paymentIdArg(paymentId, 'paymentId'),
      transactionArg(transaction, 'options.transaction'), unixMillis(settledAt, 'options.settledAt')));
  }

  /** pending -> failed. */
  fail(paymentId, options) {
    const { reason, at } = expectObject(options, 'options');
    // A failure reason is diagnostic text, often an error message: lone
    // surrogates become U+FFFD rather than failing the failure.
    const text = typeof reason === 'string' ? reason.toWellFormed() : reason;
    this.#ledger.fail(paymentIdArg(paymentId, 'paymentId'), textArg(text, 'options.reason', MAX_FAILURE_CHARS, 0),
      unixMillis(at, 'options.at'));
  }

  get(paymentId) {
    return parse(this.#ledger.get(paymentIdArg(paymentId, 'paymentId')));
  }

  /** The receipt settled by this transaction (any case of the hash), or null. */
  byTransaction(transaction) {
    return parse(this.#ledger.byTransaction(transactionArg(transaction, 'transaction')));
  }

  /** 'revoked', 'already_revoked' (the first revocation's time stands) or 'not_found'. */
  revoke(transaction, options = {}) {
    const { at } = expectObject(options, 'options');
    return this.#ledger.revoke(transactionArg(transaction, 'transaction'), unixMillis(at, 'options.at'));
  }

  /** true the first time a nonce is used; false while it is recorded and unexpired. */
  useNonce(nonce, options) {
    const { expires, current } = nonceArgs(nonce, options);
    return this.#ledger.useNonce(nonce, expires, current);
  }

  /** Every receipt, in the order payments were first begun. */
  list() {
    return JSON.parse(this.#ledger.list());
  }

  /** Settled receipts (revoked ones included) whose payer matches in any case. */
  paidBy(payer) {
    return JSON.parse(this.#ledger.paidBy(addressArg(payer, 'payer')));
  }

  get size() {
    return this.#ledger.size;
  }

  close() {
    this.#ledger.close();
  }
}

// --- export -------------------------------------------------------------------

export const RECEIPT_COLUMNS = Object.freeze([
  'settledAt', 'status', 'kind', 'transaction', 'network', 'asset', 'amount', 'amountDecimal', 'decimals', 'payer',
  'payTo', 'resource', 'method', 'route', 'x402Version', 'paymentId', 'revokedAt', 'failure', 'symbol', 'paid',
]);

/** Base units as an exact decimal with `decimals` places ("10000", 6 -> "0.010000"). */
function decimalAmount(units, decimals) {
  if (decimals === 0) return units.toString();
  const scale = 10n ** BigInt(decimals);
  return `${units / scale}.${(units % scale).toString().padStart(decimals, '0')}`;
}

function isoTime(value, name) {
  if (value === undefined || value === null) return null;
  return new Date(integerArg(value, name, 0, Number.MAX_SAFE_INTEGER)).toISOString();
}

const textOrNull = (value) => (value === undefined || value === null ? null : String(value));

/** One receipt as an export row: the columns above, null where a field does not apply. */
function exportRow(record, index, symbols) {
  const name = `records[${index}]`;
  expectObject(record, name);
  const amount = amountArg(record.amount, `${name}.amount`);
  const decimals = integerArg(record.decimals, `${name}.decimals`, 0, MAX_ASSET_DECIMALS);
  return {
    settledAt: isoTime(record.settledAt, `${name}.settledAt`),
    status: textOrNull(record.status),
    kind: textOrNull(record.kind),
    transaction: textOrNull(record.transaction),
    network: textOrNull(record.network),
    asset: textOrNull(record.asset),
    amount,
    amountDecimal: decimalAmount(BigInt(amount), decimals),
    decimals,
    payer: textOrNull(record.payer),
    payTo: textOrNull(record.payTo),
    resource: textOrNull(record.resource),
    method: textOrNull(record.method),
    route: textOrNull(record.route),
    x402Version: record.x402Version ?? null,
    paymentId: textOrNull(record.paymentId),
    revokedAt: isoTime(record.revokedAt, `${name}.revokedAt`),
    failure: textOrNull(record.failure),
    symbol: symbols[String(record.asset).toLowerCase()] ?? null,
    // Only a settled receipt was paid (a revoked session's too): summing the
    // rows marked paid gives the revenue, whatever failed beside them.
    paid: record.status === 'settled',
  };
}

const toCsv = (rows) => csvText(RECEIPT_COLUMNS, rows);

const toJsonl = (rows) => rows.map((row) => `${JSON.stringify(row)}\n`).join('');

/**
 * Receipts (as list() returns them) as export text: 'csv' (RFC 4180, header
 * row, CRLF, formula-looking fields neutralised) or 'jsonl' (one object per
 * line, the same fields; absent values null, amount a string). `symbols` maps
 * a lowercase asset address to its symbol, for the symbol column; `paid` is
 * true only for settled receipts.
 */
export function formatReceipts(records, format = 'csv', { symbols = {} } = {}) {
  if (!Array.isArray(records)) throw invalidArg('an array of receipts', 'records', records);
  oneOf(format, ['csv', 'jsonl'], 'format');
  expectObject(symbols, 'options.symbols');
  const rows = records.map((record, index) => exportRow(record, index, symbols));
  return format === 'csv' ? toCsv(rows) : toJsonl(rows);
}
