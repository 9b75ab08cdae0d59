// SpendPolicy: each refusal rule, named with its limit in human and base
// units; the call's own cap (max_payment_eth as asset units); the daily
// budget reserved atomically — 50 concurrent reserves, and several processes
// on one durable store — and given back only by release().
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { fileURLToPath } from 'node:url';

import { RecordStore } from '../../lib/record_store.js';
import { PolicyError, RULES, SpendPolicy, parseCallCap, utcDay } from '../../lib/pay/policy.js';

const USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const OTHER_TOKEN = '0x036CbD53842c5426634e7929541eC2318f3dCF7e';
const PAY_TO = '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359';
const STRANGER = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
const ASSET = { address: USDC, name: 'USD Coin', version: '2', decimals: 6, symbol: 'USDC' };
const T0 = Date.parse('2026-03-04T12:00:00Z');
const recordStorePath = fileURLToPath(new URL('../../lib/record_store.js', import.meta.url));

const limits = (overrides = {}) => ({
  maxPerCall: 1_000_000n,
  maxPerSession: 5_000_000n,
  maxPerDay: 20_000_000n,
  allowedPayees: null,
  allowedAssets: [USDC],
  allowedNetworks: ['eip155:8453'],
  ...overrides,
});

function policyWith(overrides = {}, { store = new RecordStore(), now = () => T0 } = {}) {
  return { policy: new SpendPolicy({ policy: limits(overrides), asset: ASSET, store, now }), store };
}

const terms = (amount, overrides = {}) => ({ network: 'eip155:8453', asset: USDC, payTo: PAY_TO, amount, ...overrides });

function refusal(fn, rule) {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof PolicyError, error.stack);
    assert.equal(error.code, 'ERR_POLICY_REFUSED');
    assert.equal(error.rule, rule);
    assert.ok(RULES.includes(error.rule));
    assert.ok(error.message.includes(rule), error.message);
    return error;
  }
  assert.fail(`expected a ${rule} refusal`);
}

test('a payment within every limit passes check and reports the budget left', () => {
  const { policy } = policyWith();
  const verdict = policy.check(terms(10_000n));
  assert.deepEqual(verdict, { amount: 10_000n, limit: 1_000_000n, spentToday: 0n, remainingToday: 20_000_000n });
});

test('per_call: the limit and the price are named in USDC and in base units', () => {
  const { policy } = policyWith();
  const error = refusal(() => policy.check(terms(1_000_001n)), 'per_call');
  assert.match(error.message, /1\.000001 USDC \(1000001 base units\)/);
  assert.match(error.message, /1\.00 USDC \(1000000 base units\)/);
  assert.match(error.message, /CLAWPAY_MAX_PER_CALL/);
  assert.equal(error.limit, 1_000_000n);
  assert.equal(error.amount, 1_000_001n);
  assert.doesNotThrow(() => policy.check(terms(1_000_000n)));
});

test('per_session: a session purchase is held to its own limit', () => {
  const { policy } = policyWith();
  assert.doesNotThrow(() => policy.check(terms(5_000_000n), { kind: 'session' }));
  const error = refusal(() => policy.check(terms(5_000_001n), { kind: 'session' }), 'per_session');
  assert.match(error.message, /5\.00 USDC \(5000000 base units\)/);
  // The per-call limit does not bind a session, nor the other way round.
  refusal(() => policy.check(terms(2_000_000n)), 'per_call');
});

test('the call\'s own cap applies when it is below the policy, and is named as such', () => {
  const { policy } = policyWith();
  assert.doesNotThrow(() => policy.check(terms(10_000n), { cap: 10_000n }));
  const error = refusal(() => policy.check(terms(10_001n), { cap: 10_000n }), 'per_call');
  assert.match(error.message, /max_payment cap given with this call of 0\.01 USDC \(10000 base units\)/);
  // A cap above the policy does not raise it.
  refusal(() => policy.check(terms(1_000_001n), { cap: 5_000_000n }), 'per_call');
  refusal(() => policy.check(terms(20_001n), { kind: 'session', cap: 20_000n }), 'per_session');
});

test('network, asset and payee rules', () => {
  const { policy } = policyWith({ allowedPayees: [PAY_TO] });
  const network = refusal(() => policy.check(terms(1n, { network: 'eip155:1' })), 'network');
  assert.match(network.message, /eip155:1; allowed networks are eip155:8453/);
  const asset = refusal(() => policy.check(terms(1n, { asset: OTHER_TOKEN })), 'asset');
  assert.match(asset.message, new RegExp(OTHER_TOKEN));
  const payee = refusal(() => policy.check(terms(1n, { payTo: STRANGER })), 'payee');
  assert.match(payee.message, new RegExp(STRANGER));
  // Addresses compare in any case.
  assert.doesNotThrow(() => policy.check(terms(1n, { payTo: PAY_TO.toLowerCase(), asset: USDC.toUpperCase().replace('0X', '0x') })));
  // No payee list: anyone.
  assert.doesNotThrow(() => policyWith().policy.check(terms(1n, { payTo: STRANGER })));
});

test('per_day: reservations add up within a UTC day and are refused beyond it', () => {
  let now = T0;
  const { policy } = policyWith({ maxPerDay: 2_500_000n }, { now: () => now });
  policy.reserve(terms(1_000_000n));
  policy.reserve(terms(1_000_000n));
  const error = refusal(() => policy.reserve(terms(600_000n)), 'per_day');
  assert.match(error.message, /2\.50 USDC \(2500000 base units\)/);
  assert.match(error.message, /2\.00 USDC \(2000000 base units\) already spent/);
  assert.match(error.message, /2026-03-04/);
  refusal(() => policy.check(terms(600_000n)), 'per_day');
  assert.equal(policy.spent(), 2_000_000n);
  policy.reserve(terms(500_000n)); // exactly to the limit
  assert.equal(policy.spent(), 2_500_000n);
  // The next UTC day starts from zero.
  now = Date.parse('2026-03-05T00:00:00Z');
  assert.equal(policy.spent(), 0n);
  policy.reserve(terms(1_000_000n));
  assert.equal(policy.spent('2026-03-04'), 2_500_000n);
});

test('a refusal reserves nothing; release gives the amount back exactly once', () => {
  const { policy } = policyWith({ maxPerDay: 1_000_000n });
  refusal(() => policy.reserve(terms(2_000_000n)), 'per_call');
  assert.equal(policy.spent(), 0n);
  const held = policy.reserve(terms(700_000n));
  assert.equal(held.day, utcDay(T0));
  assert.equal(held.amount, 700_000n);
  refusal(() => policy.reserve(terms(400_000n)), 'per_day');
  assert.equal(held.release(), true);
  assert.equal(held.release(), false);
  assert.equal(policy.release(held.toJSON()), false);
  assert.equal(policy.spent(), 0n);
  policy.reserve(terms(1_000_000n));
  assert.equal(policy.spent(), 1_000_000n);
});

test('a reservation can be released by its record, from another SpendPolicy on the same store', () => {
  const store = new RecordStore();
  const { policy: first } = policyWith({}, { store });
  const { policy: second } = policyWith({}, { store });
  const held = JSON.parse(JSON.stringify(first.reserve(terms(300_000n))));
  assert.equal(second.spent(), 300_000n);
  assert.equal(second.release(held), true);
  assert.equal(first.spent(), 0n);
  // Store values are JSON with decimal strings.
  const [record] = store.list('spend/day/');
  assert.equal(typeof record.value.spent, 'string');
});

test('50 concurrent reserves against the daily limit: exactly floor(limit / amount) succeed', async () => {
  const { policy } = policyWith({ maxPerDay: 1_000_000n, maxPerCall: 1_000_000n });
  const amount = 70_000n; // floor(1_000_000 / 70_000) = 14
  const outcomes = await Promise.all(Array.from({ length: 50 }, async (_, i) => {
    await new Promise((resolve) => setTimeout(resolve, (i * 7) % 5));
    try {
      policy.reserve(terms(amount));
      return 'ok';
    } catch (error) {
      assert.equal(error.rule, 'per_day');
      return 'refused';
    }
  }));
  assert.equal(outcomes.filter((o) => o === 'ok').length, 14);
  assert.equal(policy.spent(), 14n * amount);
});

test('bad arguments are TypeErrors, not refusals', () => {
  const { policy } = policyWith();
  assert.throws(() => policy.check(terms(1)), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => policy.check(terms(-1n)), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => policy.check(terms(1n), { kind: 'subscription' }), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => policy.check(terms(1n), { cap: 1 }), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('parseCallCap: max_payment_eth is in the asset\'s units, never scaled by 1e18', () => {
  assert.equal(parseCallCap({}, ASSET), null);
  assert.equal(parseCallCap({ max_payment_eth: 0.01 }, ASSET), 10_000n);
  assert.equal(parseCallCap({ max_payment_eth: '0.01' }, ASSET), 10_000n);
  assert.equal(parseCallCap({ max_payment: '2.5' }, ASSET), 2_500_000n);
  assert.equal(parseCallCap({ max_payment_units: '10001' }, ASSET), 10_001n);
  // Several: the smallest applies.
  assert.equal(parseCallCap({ max_payment_eth: 1, max_payment: '0.5', max_payment_units: '700000' }, ASSET), 500_000n);
  assert.throws(() => parseCallCap({ max_payment_eth: 0.0000001 }, ASSET), { code: 'ERR_INVALID_ARG_VALUE', message: /max_payment_eth \(in USDC units, not ETH\)/ });
  assert.throws(() => parseCallCap({ max_payment: '-1' }, ASSET), { code: 'ERR_INVALID_ARG_VALUE' });
  assert.throws(() => parseCallCap({ max_payment_units: '1.5' }, ASSET), { code: 'ERR_INVALID_ARG_VALUE', message: /max_payment_units/ });
});

test('several processes reserving on one durable RecordStore never exceed the daily limit', {
  skip: existsSync(recordStorePath) ? false : 'lib/record_store.js is not there yet',
  timeout: 120_000,
}, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pay-policy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'pay.records');
  const script = `
    const { RecordStore } = await import(${JSON.stringify(recordStorePath)});
    const { SpendPolicy } = await import(${JSON.stringify(fileURLToPath(new URL('../../lib/pay/policy.js', import.meta.url)))});
    const store = new RecordStore({ path: ${JSON.stringify(path)} });
    const policy = new SpendPolicy({ store, asset: { decimals: 6, symbol: 'USDC' }, now: () => ${T0}, policy: {
      maxPerCall: 1000000n, maxPerSession: 1000000n, maxPerDay: 1000000n, allowedPayees: null,
      allowedAssets: [${JSON.stringify(USDC)}], allowedNetworks: ['eip155:8453'] } });
    let ok = 0;
    for (let i = 0; i < 25; i++) {
      try { policy.reserve({ network: 'eip155:8453', asset: ${JSON.stringify(USDC)}, payTo: ${JSON.stringify(PAY_TO)}, amount: 70000n }); ok++; }
      catch (error) { if (error.rule !== 'per_day') throw error; }
    }
    store.close();
    process.stdout.write(String(ok));
  `;
  const run = () => new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => { out += chunk; });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve(Number(out)) : reject(new Error(`child exited ${code}`))));
  });
  const counts = await Promise.all([run(), run(), run(), run()]);
  assert.equal(counts.reduce((a, b) => a + b, 0), 14, `per process: ${counts}`);
});
