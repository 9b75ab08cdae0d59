// ReceiptLedger through the public API: claims, settlements, failures,
// revocations and nonces; argument checks; durability across restarts, kill -9
// and two processes racing; formatReceipts' CSV and JSONL; and the
// `clawpay receipts export` command on a real file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

import { ReceiptLedger, SessionStore, formatReceipts } from '../../lib/index.js';
import { RECEIPT_COLUMNS } from '../../lib/receipt_ledger.js';
import { hasCode, tempDir } from './support/checks.js';
import { killAfter, startTogether } from './support/ledger_writer.js';
import { Random, resolveSeed } from './support/random.js';

const seed = resolveSeed();
const PAYER = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
const PAY_TO = '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359';
const USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const T0 = 1_800_000_000_000;
const bin = fileURLToPath(new URL('../../bin/clawpay.js', import.meta.url));

const id = (n) => `0x${'a'.repeat(48)}${n.toString(16).padStart(16, '0')}`;
const tx = (n) => `0x${'b'.repeat(48)}${n.toString(16).padStart(16, '0')}`;

function intent(n, overrides = {}) {
  return {
    paymentId: id(n), kind: 'call', route: 'GET /weather', resource: `https://api.example.com/weather?city=${n}`,
    method: 'GET', network: 'eip155:8453', asset: USDC, amount: 10000n, decimals: 6, payer: PAYER, payTo: PAY_TO,
    x402Version: 2, startedAt: T0 + n, ...overrides,
  };
}


test('begin claims a payment once; settle records it and every lookup agrees', () => {
  const ledger = new ReceiptLedger();
  assert.equal(ledger.begin(intent(1)), true);
  assert.equal(ledger.begin(intent(1, { amount: '99' })), false);
  const pending = ledger.get(id(1));
  assert.equal(pending.status, 'pending');
  assert.equal(pending.amount, '10000', 'a bigint amount is stored as its decimal string');
  assert.equal(pending.payer, PAYER, 'addresses are kept as given');

  const receipt = ledger.settle(id(1), { transaction: tx(1).toUpperCase().replace('0X', '0x'), settledAt: T0 + 500 });
  assert.deepEqual(receipt, { ...pending, status: 'settled', transaction: tx(1), settledAt: T0 + 500 });
  assert.deepEqual(ledger.get(id(1)), receipt);
  assert.deepEqual(ledger.byTransaction(tx(1)), receipt);
  assert.deepEqual(ledger.paidBy(PAYER.toLowerCase()), [receipt]);
  assert.deepEqual(ledger.list(), [receipt]);
  assert.equal(ledger.begin(intent(1)), false, 'a settled payment is never claimed again');
  assert.equal(ledger.get(id(2)), null);
  assert.equal(ledger.byTransaction(tx(2)), null);
  assert.equal(ledger.size, 1);

  const before = Date.now();
  ledger.begin(intent(2, { startedAt: undefined }));
  const stamped = ledger.settle(id(2), { transaction: tx(2) });
  assert.ok(stamped.startedAt >= before && stamped.settledAt >= stamped.startedAt, 'times default to the clock');
  ledger.close();
  assert.throws(() => ledger.size, hasCode(Error, 'ERR_CLOSED'));
});

test('a failed payment can be claimed again; settle and fail need a pending payment', () => {
  const ledger = new ReceiptLedger();
  ledger.begin(intent(1));
  ledger.begin(intent(2));
  ledger.fail(id(1), { reason: 'insufficient_funds', at: T0 + 10 });
  assert.deepEqual(
    [ledger.get(id(1)).status, ledger.get(id(1)).failure, ledger.get(id(1)).failedAt],
    ['failed', 'insufficient_funds', T0 + 10],
  );
  assert.throws(() => ledger.settle(id(1), { transaction: tx(1) }), hasCode(Error, 'ERR_INVALID_ARG', 'failed, not pending'));
  assert.equal(ledger.begin(intent(1, { kind: 'session', sessionTtlSeconds: 3600, amount: '20000' })), true);
  const reclaimed = ledger.get(id(1));
  assert.equal(reclaimed.status, 'pending');
  assert.equal(reclaimed.failure, undefined);
  assert.equal(reclaimed.sessionTtlSeconds, 3600);
  assert.deepEqual(ledger.list().map((r) => r.paymentId), [id(1), id(2)], 'a reclaimed payment keeps its place');

  assert.throws(() => ledger.settle(id(3), { transaction: tx(3) }), hasCode(Error, 'ERR_INVALID_ARG', 'unknown'));
  assert.throws(() => ledger.fail(id(3), { reason: 'x' }), hasCode(Error, 'ERR_INVALID_ARG', 'unknown'));
  ledger.settle(id(1), { transaction: tx(1) });
  assert.throws(() => ledger.settle(id(2), { transaction: tx(1) }), hasCode(Error, 'ERR_INVALID_ARG', `already recorded for payment ${id(1)}`));
  // Failure text is diagnostic: a lone surrogate becomes U+FFFD instead of failing the failure.
  ledger.fail(id(2), { reason: 'handler threw: \ud800' });
  assert.equal(ledger.get(id(2)).failure, 'handler threw: \ufffd');
});

test('revoke answers revoked once, then already_revoked; unknown transactions are not_found', () => {
  const ledger = new ReceiptLedger();
  ledger.begin(intent(1));
  assert.equal(ledger.revoke(tx(1)), 'not_found', 'pending: nothing settled yet');
  ledger.settle(id(1), { transaction: tx(1) });
  assert.equal(ledger.revoke(tx(1), { at: T0 + 7 }), 'revoked');
  assert.equal(ledger.revoke(tx(1).toUpperCase().replace('0X', '0x'), { at: T0 + 8 }), 'already_revoked');
  assert.equal(ledger.get(id(1)).revokedAt, T0 + 7);
  assert.equal(ledger.revoke(tx(2), { at: new Date(T0) }), 'not_found');
  assert.equal(ledger.paidBy(PAYER).length, 1, 'a revoked session was still paid for');
});

test('useNonce is single-use until the nonce expires', () => {
  const ledger = new ReceiptLedger();
  assert.equal(ledger.useNonce('n-1', { expiresAt: T0 + 1000, now: T0 }), true);
  assert.equal(ledger.useNonce('n-1', { expiresAt: T0 + 5000, now: T0 + 999 }), false);
  assert.equal(ledger.useNonce('n-2', { expiresAt: new Date(T0 + 5000), now: new Date(T0 + 999) }), true);
  assert.equal(ledger.useNonce('n-1', { expiresAt: T0 + 5000, now: T0 + 1000 }), true, 'expired at expiresAt');
  assert.equal(ledger.useNonce('fresh', { expiresAt: Date.now() + 60_000 }), true, 'now defaults to the clock');
  assert.equal(ledger.size, 0, 'nonces are not receipts');
});

test('bad arguments are refused naming the parameter, with a code', () => {
  const ledger = new ReceiptLedger();
  ledger.begin(intent(1));
  const cases = [
    [() => ledger.begin(null), TypeError, 'ERR_INVALID_ARG_TYPE', 'intent'],
    [() => ledger.begin(intent(2, { paymentId: id(2).toUpperCase() })), RangeError, 'ERR_INVALID_ARG_VALUE', 'intent.paymentId'],
    [() => ledger.begin(intent(2, { kind: 'stream' })), RangeError, 'ERR_INVALID_ARG_VALUE', 'intent.kind'],
    [() => ledger.begin(intent(2, { route: '' })), RangeError, 'ERR_INVALID_ARG_VALUE', 'intent.route'],
    [() => ledger.begin(intent(2, { route: 'r'.repeat(257) })), RangeError, 'ERR_INVALID_ARG_VALUE', 'intent.route'],
    [() => ledger.begin(intent(2, { resource: 'r'.repeat(4097) })), RangeError, 'ERR_INVALID_ARG_VALUE', 'intent.resource'],
    [() => ledger.begin(intent(2, { resource: 'x\udc00' })), RangeError, 'ERR_INVALID_ARG_VALUE', 'intent.resource'],
    [() => ledger.begin(intent(2, { method: 'M'.repeat(17) })), RangeError, 'ERR_INVALID_ARG_VALUE', 'intent.method'],
    [() => ledger.begin(intent(2, { network: 42 })), TypeError, 'ERR_INVALID_ARG_TYPE', 'intent.network'],
    [() => ledger.begin(intent(2, { asset: '0x1234' })), RangeError, 'ERR_INVALID_ARG_VALUE', 'intent.asset'],
    [() => ledger.begin(intent(2, { payer: undefined })), TypeError, 'ERR_INVALID_ARG_TYPE', 'intent.payer'],
    [() => ledger.begin(intent(2, { payTo: `0x${'g'.repeat(40)}` })), RangeError, 'ERR_INVALID_ARG_VALUE', 'intent.payTo'],
    [() => ledger.begin(intent(2, { amount: 10000 })), TypeError, 'ERR_INVALID_ARG_TYPE', 'intent.amount'],
    [() => ledger.begin(intent(2, { amount: '010' })), RangeError, 'ERR_INVALID_ARG_VALUE', 'intent.amount'],
    [() => ledger.begin(intent(2, { amount: -1n })), RangeError, 'ERR_INVALID_ARG_VALUE', 'intent.amount'],
    [() => ledger.begin(intent(2, { amount: 1n << 256n })), RangeError, 'ERR_INVALID_ARG_VALUE', 'intent.amount'],
    [() => ledger.begin(intent(2, { amount: (1n << 256n).toString() })), RangeError, 'ERR_INVALID_ARG_VALUE', 'intent.amount'],
    [() => ledger.begin(intent(2, { decimals: 37 })), RangeError, 'ERR_INVALID_ARG_VALUE', 'intent.decimals'],
    [() => ledger.begin(intent(2, { decimals: 1.5 })), TypeError, 'ERR_INVALID_ARG_TYPE', 'intent.decimals'],
    [() => ledger.begin(intent(2, { x402Version: 3 })), RangeError, 'ERR_INVALID_ARG_VALUE', 'intent.x402Version'],
    [() => ledger.begin(intent(2, { startedAt: -1 })), RangeError, 'ERR_INVALID_ARG_VALUE', 'intent.startedAt'],
    [() => ledger.begin(intent(2, { startedAt: 2 ** 53 })), TypeError, 'ERR_INVALID_ARG_TYPE', 'intent.startedAt'],
    [() => ledger.begin(intent(2, { sessionTtlSeconds: 60 })), TypeError, 'ERR_INVALID_ARG_VALUE', 'intent.sessionTtlSeconds'],
    [() => ledger.begin(intent(2, { kind: 'session', sessionTtlSeconds: 2_592_001 })), RangeError, 'ERR_INVALID_ARG_VALUE', 'intent.sessionTtlSeconds'],
    [() => ledger.begin(intent(2, { payee: PAY_TO })), TypeError, 'ERR_INVALID_ARG_VALUE', 'intent.payee'],
    [() => ledger.settle(id(1)), TypeError, 'ERR_INVALID_ARG_TYPE', 'options'],
    [() => ledger.settle(id(1), { transaction: '0x12' }), RangeError, 'ERR_INVALID_ARG_VALUE', 'options.transaction'],
    [() => ledger.settle(id(1), { transaction: tx(1), settledAt: 1.5 }), TypeError, 'ERR_INVALID_ARG_TYPE', 'options.settledAt'],
    [() => ledger.settle('0x12', { transaction: tx(1) }), RangeError, 'ERR_INVALID_ARG_VALUE', 'paymentId'],
    [() => ledger.fail(id(1), { reason: 'x'.repeat(513) }), RangeError, 'ERR_INVALID_ARG_VALUE', 'options.reason'],
    [() => ledger.fail(id(1), {}), TypeError, 'ERR_INVALID_ARG_TYPE', 'options.reason'],
    [() => ledger.get(42), TypeError, 'ERR_INVALID_ARG_TYPE', 'paymentId'],
    [() => ledger.byTransaction('nope'), RangeError, 'ERR_INVALID_ARG_VALUE', 'transaction'],
    [() => ledger.revoke(tx(1), { at: new Date(NaN) }), TypeError, 'ERR_INVALID_ARG_TYPE', 'options.at'],
    [() => ledger.paidBy('0xabc'), RangeError, 'ERR_INVALID_ARG_VALUE', 'payer'],
    [() => ledger.useNonce('', { expiresAt: T0 + 1, now: T0 }), RangeError, 'ERR_INVALID_ARG_VALUE', 'nonce'],
    [() => ledger.useNonce('n'.repeat(129), { expiresAt: T0 + 1, now: T0 }), RangeError, 'ERR_INVALID_ARG_VALUE', 'nonce'],
    [() => ledger.useNonce('tab\there', { expiresAt: T0 + 1, now: T0 }), RangeError, 'ERR_INVALID_ARG_VALUE', 'nonce'],
    [() => ledger.useNonce('n', { now: T0 }), TypeError, 'ERR_INVALID_ARG_TYPE', 'options.expiresAt'],
    [() => ledger.useNonce('n', { expiresAt: T0, now: T0 }), RangeError, 'ERR_INVALID_ARG_VALUE', 'options.expiresAt'],
    [() => new ReceiptLedger({ path: 7 }), TypeError, 'ERR_INVALID_ARG_TYPE', 'options.path'],
  ];
  for (const [call, ErrorClass, code, name] of cases) assert.throws(call, hasCode(ErrorClass, code, name), String(call));
  assert.deepEqual(ledger.list().map((r) => r.status), ['pending'], 'nothing was written');

  // The limits are inclusive and count characters as JS does.
  assert.equal(ledger.begin(intent(3, { route: '😀'.repeat(128), method: 'M'.repeat(16), decimals: 36, amount: (1n << 256n) - 1n })), true);
  assert.equal(ledger.begin(intent(4, { kind: 'session', sessionTtlSeconds: 2_592_000, amount: '0', decimals: 0, x402Version: 1 })), true);
  ledger.fail(id(4), { reason: 'é'.repeat(512) });
});

test('with a path, everything survives a restart; the file is private and of its own format', (t) => {
  const dir = tempDir(t, 'clawpay-receipts-');
  const path = join(dir, 'receipts.journal');
  let ledger = new ReceiptLedger({ path });
  ledger.begin(intent(1));
  ledger.begin(intent(2));
  ledger.begin(intent(3));
  ledger.settle(id(1), { transaction: tx(1), settledAt: T0 + 100 });
  ledger.fail(id(2), { reason: 'declined', at: T0 + 101 });
  ledger.revoke(tx(1), { at: T0 + 102 });
  ledger.useNonce('siwx', { expiresAt: 4_000_000_000_000, now: T0 });
  const before = ledger.list();
  ledger.close();
  assert.equal((statSync(path).mode & 0o777).toString(8), '600');

  ledger = new ReceiptLedger({ path });
  assert.deepEqual(ledger.list(), before);
  assert.equal(ledger.useNonce('siwx', { expiresAt: 4_000_000_000_000, now: T0 + 1 }), false);
  assert.equal(ledger.begin(intent(2)), true, 'failed before the restart, claimable after it');
  assert.equal(ledger.begin(intent(3)), false, 'pending before the restart, still claimed after it');
  ledger.close();

  const sessionsPath = join(dir, 'sessions.journal');
  new SessionStore({ path: sessionsPath }).close();
  assert.throws(() => new ReceiptLedger({ path: sessionsPath }),
    hasCode(Error, 'ERR_JOURNAL_CORRUPT', '"clawpay-sessions" records, but was opened as a "clawpay-receipts" journal'));
  assert.throws(() => new SessionStore({ path }), hasCode(Error, 'ERR_JOURNAL_CORRUPT', path));
});

test('kill -9 while looping begin + settle loses no settlement that returned', async (t) => {
  const dir = tempDir(t, 'clawpay-receipts-');
  for (let round = 0; round < 5; round++) {
    const path = join(dir, `kill-${round}.journal`);
    const lines = await killAfter([path, 'settle'], 15 + round * 29);
    const ledger = new ReceiptLedger({ path });
    for (const paymentId of lines) {
      const receipt = ledger.get(paymentId);
      assert.equal(receipt?.status, 'settled', `payment ${paymentId} of round ${round} survived kill -9 settled`);
      assert.match(receipt.transaction, /^0x[0-9a-f]{64}$/);
    }
    // At most the payment in flight when the kill came is extra (begun, maybe settled, not yet reported).
    assert.ok(ledger.size <= lines.length + 1);
    ledger.close();
  }
});

test('two processes racing begin on the same 200 payments claim each exactly once', async (t) => {
  const path = join(tempDir(t, 'clawpay-receipts-'), 'race.journal');
  const args = [path, 'race', '--seed', String(seed), '--count', '200'];
  const writers = await startTogether(2, args);
  const exits = await Promise.all(writers.map((w) => w.exited));
  assert.deepEqual(exits.map((e) => e.code), [0, 0]);
  const [first, second] = writers.map((w) => w.lines);
  const both = new Set([...first, ...second]);
  assert.equal(first.length + second.length, 200, `claims: ${first.length} + ${second.length}`);
  assert.equal(both.size, 200, 'no payment was claimed by both processes');
  const ledger = new ReceiptLedger({ path });
  assert.equal(ledger.size, 200);
  assert.deepEqual(new Set(ledger.list().map((r) => r.paymentId)), both);
  ledger.close();
});

// --- formatReceipts ------------------------------------------------------------

/** A strict RFC 4180 reader: every line ends with CRLF; quotes only around whole fields. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  let wasQuoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c !== '"') field += c;
      else if (text[i + 1] === '"') field += text[++i];
      else quoted = false;
    } else if (c === '"' && field === '' && !wasQuoted) {
      quoted = wasQuoted = true;
    } else if (c === ',' || (c === '\r' && text[i + 1] === '\n')) {
      row.push(field);
      field = '';
      wasQuoted = false;
      if (c === '\r') {
        rows.push(row);
        row = [];
        i++;
      }
    } else {
      assert.ok(c !== '"' && c !== '\r' && c !== '\n' && !wasQuoted, `stray ${JSON.stringify(c)} at offset ${i}`);
      field += c;
    }
  }
  assert.ok(!quoted && field === '' && row.length === 0, 'the text ends with CRLF');
  return rows;
}

function mixedLedger(path) {
  const ledger = new ReceiptLedger(path === undefined ? {} : { path });
  ledger.begin(intent(1, { resource: 'https://api.example.com/a,b?q="x"\r\nnext line', route: '=HYPERLINK("http://evil")' }));
  ledger.begin(intent(2, { method: '@SUM(A1)', network: '+1', amount: 1n, decimals: 0 }));
  ledger.begin(intent(3, { route: '-2+3', resource: '\tcmd', kind: 'session', sessionTtlSeconds: 60 }));
  ledger.begin(intent(4, { route: 'GET /ok', resource: '\rx', amount: '123456789012345678901234567890', decimals: 18 }));
  ledger.settle(id(1), { transaction: tx(1), settledAt: Date.UTC(2026, 0, 2, 3, 4, 5, 678) });
  ledger.settle(id(3), { transaction: tx(3), settledAt: T0 });
  ledger.revoke(tx(3), { at: T0 + 1 });
  ledger.fail(id(2), { reason: '=cmd|" /C calc"!A0, "quoted"', at: T0 });
  return ledger;
}

test('CSV: header, CRLF, RFC 4180 quoting, and formula-looking fields neutralised', () => {
  const ledger = mixedLedger();
  const records = ledger.list();
  const csv = formatReceipts(records);
  assert.equal(formatReceipts(records, 'csv'), csv);
  assert.ok(csv.startsWith(`${RECEIPT_COLUMNS.join(',')}\r\n`));
  const [header, ...rows] = parseCsv(csv);
  assert.deepEqual(header, [...RECEIPT_COLUMNS]);
  assert.equal(rows.length, records.length);
  const expected = formatReceipts(records, 'jsonl').trim().split('\n').map((line) => JSON.parse(line));
  rows.forEach((row, r) => {
    RECEIPT_COLUMNS.forEach((column, c) => {
      const value = expected[r][column] === null ? '' : String(expected[r][column]);
      const shown = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
      assert.equal(row[c], shown, `row ${r} ${column}`);
    });
  });
  assert.ok(csv.includes('"\'=HYPERLINK(""http://evil"")"'), 'a formula is quoted, apostrophed, quotes doubled');
  assert.ok(csv.includes(',"\'@SUM(A1)",'));
  assert.ok(csv.includes(',"\'\tcmd",'));
  assert.ok(csv.includes('\r\n2026-01-02T03:04:05.678Z,settled,'), 'settledAt is ISO 8601 UTC');
  assert.equal(rows[0][RECEIPT_COLUMNS.indexOf('amountDecimal')], '0.010000');
  assert.equal(rows[3][RECEIPT_COLUMNS.indexOf('amountDecimal')], '123456789012.345678901234567890');
  assert.equal(formatReceipts([]), `${RECEIPT_COLUMNS.join(',')}\r\n`);
  assert.equal(formatReceipts([], 'jsonl'), '');
});

test(`amountDecimal is exact for random amounts and decimals, against a BigInt oracle (seed ${seed})`, () => {
  const rng = new Random(seed, 1);
  // Oracle: integer part by division, fraction by remainder; no string slicing.
  const oracle = (units, decimals) => {
    if (decimals === 0) return units.toString();
    const scale = 10n ** BigInt(decimals);
    return `${units / scale}.${(units % scale + scale).toString().slice(1)}`;
  };
  const cases = [[10000n, 6, '0.010000'], [0n, 0, '0'], [0n, 3, '0.000'], [123n, 2, '1.23'], [5n, 36, `0.${'0'.repeat(35)}5`],
    [(1n << 256n) - 1n, 0, ((1n << 256n) - 1n).toString()]];
  for (let i = 0; i < 2000; i++) {
    const units = rng.bigBits(rng.int(0, 256));
    cases.push([units, rng.int(0, 36), null]);
  }
  const records = cases.map(([units, decimals]) => ({ amount: rng.bool() ? units.toString() : units, decimals }));
  const rows = formatReceipts(records, 'jsonl').trim().split('\n').map((line) => JSON.parse(line));
  cases.forEach(([units, decimals, fixed], i) => {
    const text = rows[i].amountDecimal;
    assert.equal(text, oracle(units, decimals), `${units} with ${decimals} decimals`);
    if (fixed !== null) assert.equal(text, fixed);
    assert.equal(BigInt(text.replace('.', '')), units, 'the digits are the amount');
    assert.equal(text.includes('.') ? text.split('.')[1].length : 0, decimals);
    assert.equal(rows[i].amount, units.toString());
  });
});

test('JSONL: one object per line with the export columns; it reads back to the receipts', () => {
  const records = mixedLedger().list();
  const text = formatReceipts(records, 'jsonl');
  assert.ok(text.endsWith('\n'));
  const lines = text.slice(0, -1).split('\n');
  assert.equal(lines.length, records.length, 'newlines inside fields are escaped');
  lines.forEach((line, i) => {
    const row = JSON.parse(line);
    const record = records[i];
    assert.deepEqual(Object.keys(row), [...RECEIPT_COLUMNS]);
    for (const key of ['status', 'kind', 'network', 'asset', 'amount', 'decimals', 'payer', 'payTo', 'resource', 'method',
      'route', 'x402Version', 'paymentId']) {
      assert.equal(row[key], record[key], key);
    }
    assert.equal(row.transaction, record.transaction ?? null);
    assert.equal(row.failure, record.failure ?? null);
    assert.equal(row.settledAt === null ? undefined : Date.parse(row.settledAt), record.settledAt);
    assert.equal(row.revokedAt === null ? undefined : Date.parse(row.revokedAt), record.revokedAt);
    assert.equal(typeof row.amount, 'string');
  });
});

test('formatReceipts checks its arguments', () => {
  assert.throws(() => formatReceipts('x'), hasCode(TypeError, 'ERR_INVALID_ARG_TYPE', 'records'));
  assert.throws(() => formatReceipts([], 'xlsx'), hasCode(RangeError, 'ERR_INVALID_ARG_VALUE', 'format'));
  assert.throws(() => formatReceipts([{ amount: '1.5', decimals: 6 }]), hasCode(RangeError, 'ERR_INVALID_ARG_VALUE', 'records[0].amount'));
  assert.throws(() => formatReceipts([{ amount: '1', decimals: 6 }, { amount: '1', decimals: 99 }]),
    hasCode(RangeError, 'ERR_INVALID_ARG_VALUE', 'records[1].decimals'));
  assert.throws(() => formatReceipts([{ amount: '1', decimals: 6, settledAt: 'yesterday' }]),
    hasCode(TypeError, 'ERR_INVALID_ARG_TYPE', 'records[0].settledAt'));
});

// --- clawpay receipts export ------------------------------------------------------

function clawpay(...args) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
}

test('clawpay receipts export writes CSV or JSONL to stdout or --out', (t) => {
  const dir = tempDir(t, 'clawpay-receipts-');
  const path = join(dir, 'receipts.journal');
  const ledger = mixedLedger(path);
  const records = ledger.list();
  ledger.close();
  // Base's USDC is known: the CLI names it in the symbol column.
  const symbols = { '0x833589fcd6edb6e08f4c7c32d4f71b54bda02913': 'USDC' };

  let result = clawpay('receipts', 'export', '--path', path);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, formatReceipts(records, 'csv', { symbols }));
  assert.equal(result.stderr, '');

  result = clawpay('receipts', 'export', '--path', path, '--format', 'jsonl');
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, formatReceipts(records, 'jsonl', { symbols }));

  const out = join(dir, 'export.csv');
  result = clawpay('receipts', 'export', '--path', path, '--out', out);
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, '');
  assert.equal(readFileSync(out, 'utf8'), formatReceipts(records, 'csv', { symbols }));
  assert.match(result.stderr, /4 receipts written to .*export\.csv \(csv\)\n$/);

  // The paid rows (settled, a revoked session's too) sum to the revenue; failed and pending rows are marked unpaid.
  const rows = clawpay('receipts', 'export', '--path', path, '--format', 'jsonl').stdout.trim().split('\n').map((line) => JSON.parse(line));
  assert.deepEqual(rows.map((row) => [row.status, row.symbol, row.paid]), [['settled', 'USDC', true], ['failed', 'USDC', false], ['settled', 'USDC', true], ['pending', 'USDC', false]]);
  assert.equal(rows.filter((row) => row.paid).reduce((sum, row) => sum + BigInt(row.amount), 0n), 20000n);
});

test('clawpay receipts: bad usage exits 2, a missing or foreign ledger exits 1, each with one line', (t) => {
  const dir = tempDir(t, 'clawpay-receipts-');
  const missing = join(dir, 'nope.journal');
  const usage = [
    ['receipts'],
    ['receipts', 'import'],
    ['receipts', 'export'],
    ['receipts', 'export', '--path', missing, '--bogus'],
    ['receipts', 'export', '--path', missing, '--format', 'xml'],
    ['receipts', 'export', '--path'],
    ['receipts', 'export', '--path', missing, 'extra'],
  ];
  for (const args of usage) {
    const result = clawpay(...args);
    assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^clawpay receipts: [^\n]+\n$/, args.join(' '));
  }

  let result = clawpay('receipts', 'export', '--path', missing);
  assert.equal(result.status, 1);
  assert.equal(result.stderr, `clawpay receipts: no receipt ledger at ${missing}\n`);
  assert.equal(existsSync(missing), false, 'the export did not create a ledger');

  const sessions = join(dir, 'sessions.journal');
  new SessionStore({ path: sessions }).close();
  result = clawpay('receipts', 'export', '--path', sessions);
  assert.equal(result.status, 1);
  assert.match(result.stderr, /^clawpay receipts: .*"clawpay-sessions" records, but was opened as a "clawpay-receipts" journal\n$/);
  assert.equal(result.stdout, '');
});
