// The limits have one home (src/clawpay_limits.h, src/receipt_intent.h):
// lib/limits.js hands the binding's numbers on unchanged, and every user —
// the config parser, the MCP tools' schemas, the paywall's routes, the
// session purchase, the receipt ledger in JS and in C++ — takes the same
// number, so one past a limit is refused everywhere and the limit itself
// accepted everywhere.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as limits from '../../lib/limits.js';
import { sessionStartInput, x402PayInput } from '../../lib/mcp/schemas.js';
import { native } from '../../lib/native.js';
import { loadConfig } from '../../lib/pay/config.js';
import { normalizeRoute } from '../../lib/paywall/route.js';
import { ReceiptLedger } from '../../lib/receipt_ledger.js';
import { hasCode } from './support/checks.js';
import { LOCAL_TOKEN, PAY_TO, TEST_KEY } from './support/local_chain_env.js';

const PAYMENT_ID = `0x${'ab'.repeat(32)}`;
const price = { amount: 10_000n, asset: LOCAL_TOKEN, network: 'eip155:31337', payTo: PAY_TO, name: 'USD Coin', version: '2', decimals: 6 };

const intent = (extra = {}) => ({
  paymentId: PAYMENT_ID, kind: 'session', route: 'GET /api/*', resource: 'http://api.test/api', method: 'GET',
  network: 'eip155:31337', asset: LOCAL_TOKEN, amount: '10000', decimals: 6, payer: PAY_TO, payTo: PAY_TO, x402Version: 2,
  startedAt: 1_800_000_000_000, ...extra,
});

test('the limits are the native core\'s, frozen, with ClawPay MCP 1.1\'s session and timeout ranges', () => {
  assert.ok(Object.isFrozen(native.limits));
  const names = Object.keys(native.limits);
  const camel = (name) => name.toLowerCase().replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase());
  for (const name of names) {
    const exported = Object.keys(limits).find((key) => camel(key) === name);
    assert.ok(exported, `lib/limits.js exports ${name}`);
    assert.equal(limits[exported], native.limits[name], name);
  }
  assert.deepEqual([limits.MIN_SESSION_TTL_SECONDS, limits.DEFAULT_SESSION_TTL_SECONDS, limits.MAX_SESSION_TTL_SECONDS], [60, 3600, 2_592_000]);
  assert.deepEqual([limits.MIN_TOOL_TIMEOUT_MS, limits.DEFAULT_TIMEOUT_MS, limits.MAX_TOOL_TIMEOUT_MS], [1000, 30_000, 60_000]);
  assert.equal(limits.MAX_SESSION_TOKEN_LENGTH, 16 * 1024);
  assert.equal(limits.MAX_UINT256, 2n ** 256n - 1n);
});

test('the session TTL limit is the same for the config, the MCP tool, the paywall route and the receipt ledger', () => {
  const max = limits.MAX_SESSION_TTL_SECONDS;
  const min = limits.MIN_SESSION_TTL_SECONDS;
  const env = (ttl) => ({ AGENT_PRIVATE_KEY: TEST_KEY, HOME: '/home/agent', SESSION_TTL_SECONDS: String(ttl) });
  assert.equal(loadConfig(env(max)).sessionTtlSeconds, max);
  assert.equal(loadConfig(env(min)).sessionTtlSeconds, min);
  for (const bad of [max + 1, min - 1]) assert.throws(() => loadConfig(env(bad)), hasCode(Error, 'ERR_CONFIG', `from ${min} to ${max}`));

  const tool = (ttl) => sessionStartInput.safeParse({ endpoint: 'http://api.test/api', ttl_seconds: ttl }).success;
  assert.deepEqual([tool(min), tool(max), tool(min - 1), tool(max + 1)], [true, true, false, false]);

  const route = (ttl) => () => normalizeRoute({ price, session: { price: 50_000n, maxTtlSeconds: ttl } }, 'GET /api/*');
  assert.equal(route(max)().session.maxTtlSeconds, max);
  assert.throws(route(max + 1), hasCode(TypeError, 'ERR_INVALID_ROUTE', `at most ${max}`));
  assert.throws(route(min - 1), { code: 'ERR_INVALID_ARG_TYPE' });

  const ledger = new ReceiptLedger();
  assert.throws(() => ledger.begin(intent({ sessionTtlSeconds: max + 1 })), hasCode(RangeError, 'ERR_INVALID_ARG_VALUE', 'intent.sessionTtlSeconds'));
  assert.equal(ledger.begin(intent({ sessionTtlSeconds: max })), true);
});

test('the MCP tools\' timeout_ms is the limits\' range, defaulting to the payer\'s default timeout', () => {
  const pay = (timeout) => x402PayInput.safeParse({ url: 'http://api.test/', ...(timeout === undefined ? {} : { timeout_ms: timeout }) });
  assert.equal(pay(undefined).data.timeout_ms, limits.DEFAULT_TIMEOUT_MS);
  assert.deepEqual([limits.MIN_TOOL_TIMEOUT_MS, limits.MAX_TOOL_TIMEOUT_MS].map((ms) => pay(ms).success), [true, true]);
  assert.deepEqual([limits.MIN_TOOL_TIMEOUT_MS - 1, limits.MAX_TOOL_TIMEOUT_MS + 1].map((ms) => pay(ms).success), [false, false]);
});

test('the receipt intent\'s rules are one native table, which the JS ledger and the native ledger both enforce', () => {
  const table = native.receiptIntentFields;
  assert.ok(Object.isFrozen(table) && table.every(Object.isFrozen));
  assert.deepEqual(table.map((field) => field.name), Object.keys({ ...intent(), sessionTtlSeconds: 1 }));
  const ttl = table.find((field) => field.name === 'sessionTtlSeconds');
  assert.deepEqual([ttl.optional, ttl.onlyForKind, ttl.max], [true, 'session', limits.MAX_SESSION_TTL_SECONDS]);
  assert.equal(table.find((field) => field.name === 'decimals').max, limits.MAX_ASSET_DECIMALS);

  // Each text field at its limit is taken; one character more is refused by
  // the JS checks (naming the parameter) and, past them, by the native ledger.
  const ledger = new ReceiptLedger();
  const raw = new native.NativeReceiptLedger();
  const texts = table.filter((field) => field.rule === 'text');
  assert.deepEqual(texts.map((field) => field.name), ['route', 'resource', 'method', 'network']);
  for (const [n, field] of texts.entries()) {
    const over = intent({ paymentId: `0x${String(n).padStart(64, '0')}`, [field.name]: 'x'.repeat(field.max + 1) });
    assert.throws(() => ledger.begin(over), hasCode(RangeError, 'ERR_INVALID_ARG_VALUE', `intent.${field.name}`));
    assert.throws(() => raw.begin(JSON.stringify(over)), hasCode(RangeError, 'ERR_INVALID_ARG', field.name));
    assert.equal(ledger.begin({ ...over, [field.name]: 'x'.repeat(field.max) }), true, field.name);
  }
  const fail = (chars) => () => {
    const id = `0x${'cd'.repeat(32)}`;
    ledger.begin(intent({ paymentId: id, kind: 'call' }));
    ledger.fail(id, { reason: 'r'.repeat(chars) });
  };
  assert.throws(fail(limits.MAX_FAILURE_CHARS + 1), hasCode(RangeError, 'ERR_INVALID_ARG_VALUE', 'options.reason'));
  fail(limits.MAX_FAILURE_CHARS)();
  const nonce = (chars) => ledger.useNonce('n'.repeat(chars), { expiresAt: 2, now: 1 });
  assert.equal(nonce(limits.MAX_NONCE_CHARS), true);
  assert.throws(() => nonce(limits.MAX_NONCE_CHARS + 1), hasCode(RangeError, 'ERR_INVALID_ARG_VALUE', 'nonce'));
});
