// lib/wallet/send_policy.js: which key-mode sends execute without approval.
// The send limits from env and policy file; per-send limits of the asset and
// of ETH; ONE daily total shared by x402 payments (SpendPolicy.reserve) and
// sends of the asset; ETH's own day; other tokens and unlisted payees always
// queued; reservations given back once; a person's approval counted without
// being refused; the Limits shape.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';

import { describeConfig, loadConfig } from '../../lib/pay/config.js';
import { RecordStore } from '../../lib/record_store.js';
import { PaymentLedger } from '../../lib/pay/payment_ledger.js';
import { SpendPolicy } from '../../lib/pay/policy.js';
import { createSendPolicy } from '../../lib/wallet/send_policy.js';
import { utilization } from '../../lib/wallet/token_info.js';
import { ETH } from '../../lib/wallet/token_info.js';

// A fixed test key, never funded anywhere.
const KEY = `0x${'4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318'}`;
const BASE_USDC = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const OTHER_TOKEN = '0x036CbD53842c5426634e7929541eC2318f3dCF7e';
const PAY_TO = '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359';
const STRANGER = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
const USDC = Object.freeze({ token: BASE_USDC, symbol: 'USDC', decimals: 6 });
const OTHER = Object.freeze({ token: OTHER_TOKEN, symbol: 'DAI', decimals: 18 });
const T0 = Date.parse('2026-03-04T21:00:00Z'); // 3 h before the UTC day ends
const WEI = 10n ** 18n;

const configWith = (env = {}) => loadConfig({ AGENT_PRIVATE_KEY: KEY, HOME: '/home/agent', ...env });

function setup(env = {}, { store = new RecordStore(), now = () => T0 } = {}) {
  const config = configWith(env);
  return {
    config,
    store,
    policy: createSendPolicy({ config, store, now }),
    payments: new SpendPolicy({ policy: config.policy, asset: config.asset, store, now }),
  };
}

const x402 = (amount) => ({ network: 'eip155:8453', asset: BASE_USDC, payTo: PAY_TO, amount });

test('config: the send limits default to 1.00 USDC per send and no ETH; env and policy file set them', (t) => {
  const config = configWith();
  assert.equal(config.policy.maxPerSend, 1_000_000n);
  assert.equal(config.policy.maxEthPerSend, 0n);
  assert.equal(config.policy.maxEthPerDay, 0n);
  assert.equal(config.walletMode, 'key');
  const described = describeConfig(config).policy;
  assert.equal(described.maxPerSend, '1.00 (1000000 base units)');
  assert.equal(described.maxEthPerSend, '0.00 ETH (0 wei)');

  const env = configWith({ CLAWPAY_MAX_PER_SEND: '2.5', CLAWPAY_MAX_ETH_PER_SEND: '0.01', CLAWPAY_MAX_ETH_PER_DAY: '0.000000000000000001' });
  assert.equal(env.policy.maxPerSend, 2_500_000n);
  assert.equal(env.policy.maxEthPerSend, WEI / 100n);
  assert.equal(env.policy.maxEthPerDay, 1n, 'ETH limits are read with 18 decimals');

  const dir = mkdtempSync(join(tmpdir(), 'send-policy-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'policy.json');
  writeFileSync(file, JSON.stringify({ maxPerSend: '0.5', maxEthPerSend: '1', maxEthPerDay: '2' }));
  const fromFile = configWith({ CLAWPAY_POLICY_FILE: file, CLAWPAY_MAX_ETH_PER_DAY: '3' });
  assert.equal(fromFile.policy.maxPerSend, 500_000n);
  assert.equal(fromFile.policy.maxEthPerSend, WEI);
  assert.equal(fromFile.policy.maxEthPerDay, 3n * WEI, 'the env variable overrides the file');

  assert.throws(() => configWith({ CLAWPAY_MAX_PER_SEND: '0.0000001' }), /CLAWPAY_MAX_PER_SEND has 7 decimal places/);
  assert.throws(() => configWith({ CLAWPAY_MAX_ETH_PER_SEND: '-1' }), /CLAWPAY_MAX_ETH_PER_SEND/);
});

test('an asset send within the per-send limit executes and is added to the shared daily total', () => {
  const { policy, payments } = setup();
  const decision = policy.decide({ token: BASE_USDC, to: PAY_TO, units: 1_000_000n, info: USDC });
  assert.equal(decision.execute, true);
  assert.deepEqual({ ...decision.reservation, id: 'x' }, { kind: 'asset', id: 'x', day: '2026-03-04', amount: '1000000' });
  assert.equal(payments.spent(), 1_000_000n, 'x402 payments see the send in their daily total');
  assert.equal(policy.spentToday('asset'), 1_000_000n);
});

test('per_send: over CLAWPAY_MAX_PER_SEND needs approval, named with both numbers; nothing reserved', () => {
  const { policy, payments } = setup();
  const decision = policy.decide({ token: BASE_USDC, to: PAY_TO, units: 1_000_001n, info: USDC });
  assert.equal(decision.execute, false);
  assert.equal(decision.rule, 'per_send');
  assert.match(decision.reason, /1\.000001 USDC is above the per-send limit of 1\.00 USDC \(CLAWPAY_MAX_PER_SEND\)/);
  assert.equal(payments.spent(), 0n);
});

test('per_day: x402 payments and asset sends share CLAWPAY_MAX_PER_DAY, both ways', () => {
  const { policy, payments } = setup({ CLAWPAY_MAX_PER_DAY: '3', CLAWPAY_MAX_PER_SEND: '2' });
  payments.reserve(x402(1_000_000n));
  payments.reserve(x402(500_000n));
  assert.equal(policy.decide({ token: BASE_USDC, to: PAY_TO, units: 1_500_000n, info: USDC }).execute, true, 'exactly to the limit');
  const refused = policy.decide({ token: BASE_USDC, to: PAY_TO, units: 1n, info: USDC });
  assert.equal(refused.execute, false);
  assert.equal(refused.rule, 'per_day');
  assert.match(refused.reason, /total for 2026-03-04 \(UTC\) to 3\.000001 USDC, above the daily limit of 3\.00 USDC \(CLAWPAY_MAX_PER_DAY, shared with x402 payments\); 3\.00 USDC already spent/);
  assert.throws(() => payments.reserve(x402(1n)), { code: 'ERR_POLICY_REFUSED', rule: 'per_day' }, 'and the sends block x402 payments too');

  // check() tells the same without reserving.
  const { policy: fresh, payments: freshPayments } = setup({ CLAWPAY_MAX_PER_DAY: '3', CLAWPAY_MAX_PER_SEND: '2' });
  freshPayments.reserve(x402(1_000_000n));
  freshPayments.reserve(x402(1_000_000n));
  const verdict = fresh.check({ token: BASE_USDC, units: 1_500_000n, info: USDC });
  assert.equal(verdict.execute, false);
  assert.equal(verdict.rule, 'per_day');
  assert.equal(verdict.limits.periodSpent.units, '2000000');
  assert.equal(fresh.check({ token: BASE_USDC, units: 1_000_000n, info: USDC }).execute, true);
  assert.equal(freshPayments.spent(), 2_000_000n, 'check reserved nothing');
});

test('SpendPolicy.reserveForSend checks only the daily total, atomically, and is idempotent by id', () => {
  const { payments } = setup({ CLAWPAY_MAX_PER_DAY: '1' });
  const first = payments.reserveForSend(600_000n, { id: 'a' });
  assert.equal(payments.reserveForSend(600_000n, { id: 'a' }).amount, 600_000n, 'the same id: the same hold');
  assert.equal(payments.spent(), 600_000n);
  assert.throws(() => payments.reserveForSend(400_001n, { id: 'b' }), (error) => error.code === 'ERR_POLICY_REFUSED' && error.rule === 'per_day' && /shared by x402 payments and sends/.test(error.message));
  payments.reserveForSend(5_000_000n, { id: 'c', enforce: false });
  assert.equal(payments.spent(), 5_600_000n, 'enforce: false adds past the limit');
  assert.equal(first.release(), true);
  assert.equal(first.release(), false);
  assert.equal(payments.spent(), 5_000_000n);
  assert.throws(() => payments.reserveForSend(1.5), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('ETH: sends without approval are off by default; with limits, its own day total, apart from the asset', () => {
  const off = setup().policy.decide({ token: null, to: PAY_TO, units: 1n, info: ETH });
  assert.equal(off.execute, false);
  assert.equal(off.rule, 'per_send');
  assert.match(off.reason, /ETH sends without approval are off \(CLAWPAY_MAX_ETH_PER_SEND is 0\)/);

  const { policy, payments } = setup({ CLAWPAY_MAX_ETH_PER_SEND: '0.5', CLAWPAY_MAX_ETH_PER_DAY: '1' });
  assert.equal(policy.decide({ token: null, to: PAY_TO, units: WEI / 2n + 1n, info: ETH }).rule, 'per_send');
  const a = policy.decide({ token: null, to: PAY_TO, units: WEI / 2n, info: ETH });
  const b = policy.decide({ token: null, to: PAY_TO, units: WEI / 2n, info: ETH });
  assert.equal(a.execute && b.execute, true);
  assert.equal(a.reservation.kind, 'eth');
  const c = policy.decide({ token: null, to: PAY_TO, units: 1n, info: ETH });
  assert.equal(c.rule, 'per_day');
  assert.match(c.reason, /above the daily limit of 1\.00 ETH \(CLAWPAY_MAX_ETH_PER_DAY\)/);
  assert.equal(policy.spentToday('eth'), WEI);
  assert.equal(payments.spent(), 0n, 'ETH does not touch the asset\'s daily total');
  assert.equal(policy.release(a.reservation), true);
  assert.equal(policy.release(a.reservation), false, 'given back once');
  assert.equal(policy.spentToday('eth'), WEI / 2n);
  assert.equal(policy.decide({ token: null, to: PAY_TO, units: WEI / 2n, info: ETH }).execute, true);
});

test('any other ERC-20 always needs approval, whatever the amount', () => {
  const { policy } = setup({ CLAWPAY_MAX_PER_SEND: '1000000' });
  const decision = policy.decide({ token: OTHER_TOKEN, to: PAY_TO, units: 1n, info: OTHER });
  assert.equal(decision.execute, false);
  assert.equal(decision.rule, 'token');
  assert.match(decision.reason, /sends of DAI \(0x036CbD53842c5426634e7929541eC2318f3dCF7e\) always need a person's approval/);
  const verdict = policy.check({ token: OTHER_TOKEN, units: 1n, info: OTHER });
  assert.equal(verdict.execute, false);
  assert.equal(verdict.limits.perTx.units, '0');
  assert.equal(verdict.limits.periodStart, null);
  assert.equal(verdict.limits.utilization, null);
  assert.equal(policy.reserveApproved({ token: OTHER_TOKEN, units: 5n, id: 'q1' }), null, 'no day total to add it to');
});

test('a recipient outside CLAWPAY_ALLOWED_PAYEES always needs approval; check without a recipient skips the rule', () => {
  const { policy } = setup({ CLAWPAY_ALLOWED_PAYEES: PAY_TO, CLAWPAY_MAX_ETH_PER_SEND: '1', CLAWPAY_MAX_ETH_PER_DAY: '1' });
  assert.equal(policy.decide({ token: BASE_USDC, to: PAY_TO.toLowerCase(), units: 1n, info: USDC }).execute, true);
  for (const token of [BASE_USDC, null]) {
    const decision = policy.decide({ token, to: STRANGER, units: 1n, info: token ? USDC : ETH });
    assert.equal(decision.execute, false);
    assert.equal(decision.rule, 'payee');
    assert.match(decision.reason, new RegExp(`the recipient ${STRANGER} is not among the allowed payees \\(CLAWPAY_ALLOWED_PAYEES\\)`));
  }
  assert.equal(policy.check({ token: BASE_USDC, units: 1n, info: USDC }).execute, true);
});

test('a person\'s approval counts toward the day without being refused, once per id', () => {
  const { policy, payments } = setup({ CLAWPAY_MAX_PER_DAY: '1' });
  const approved = policy.reserveApproved({ token: BASE_USDC, units: 5_000_000n, id: 'approval-1' });
  assert.equal(approved.kind, 'asset');
  policy.reserveApproved({ token: BASE_USDC, units: 5_000_000n, id: 'approval-1' });
  assert.equal(payments.spent(), 5_000_000n);
  assert.equal(policy.decide({ token: BASE_USDC, to: PAY_TO, units: 1n, info: USDC }).rule, 'per_day', 'the day is used up for the agent');
  assert.equal(policy.release(approved), true);
  assert.equal(payments.spent(), 0n);
  policy.reserveApproved({ token: BASE_USDC, units: 5_000_000n, id: 'approval-1' });
  assert.equal(payments.spent(), 5_000_000n, 'a released hold\'s id reserves afresh (an approval tried again)');
});

test('loweredSince: an approved send is refused when a limit it was queued under was lowered or its payee removed, not when raised', () => {
  const queuedUnder = setup({ CLAWPAY_MAX_PER_SEND: '1', CLAWPAY_MAX_PER_DAY: '10' }).policy.snapshot(BASE_USDC);
  assert.deepEqual(queuedUnder, { kind: 'asset', perSend: '1000000', perDay: '10000000', payees: null });
  const send = { token: BASE_USDC, to: PAY_TO, info: USDC };
  assert.equal(setup({ CLAWPAY_MAX_PER_SEND: '1', CLAWPAY_MAX_PER_DAY: '10' }).policy.loweredSince(queuedUnder, send), null);
  assert.equal(setup({ CLAWPAY_MAX_PER_SEND: '2', CLAWPAY_MAX_PER_DAY: '20' }).policy.loweredSince(queuedUnder, send), null, 'raised');
  assert.equal(setup({ CLAWPAY_MAX_PER_SEND: '0.5', CLAWPAY_MAX_PER_DAY: '10' }).policy.loweredSince(queuedUnder, send),
    'CLAWPAY_MAX_PER_SEND was lowered from 1.00 USDC to 0.50 USDC after this send was queued');
  assert.equal(setup({ CLAWPAY_MAX_PER_SEND: '1', CLAWPAY_MAX_PER_DAY: '3' }).policy.loweredSince(queuedUnder, send),
    'CLAWPAY_MAX_PER_DAY was lowered from 10.00 USDC to 3.00 USDC after this send was queued');
  assert.equal(setup({ CLAWPAY_MAX_PER_SEND: '1', CLAWPAY_MAX_PER_DAY: '10', CLAWPAY_ALLOWED_PAYEES: STRANGER }).policy.loweredSince(queuedUnder, send),
    `the recipient ${PAY_TO} was removed from CLAWPAY_ALLOWED_PAYEES after this send was queued`);
  // Queued because the payee was not allowed: a person approved that very thing.
  const payeeQueued = setup({ CLAWPAY_ALLOWED_PAYEES: STRANGER }).policy.snapshot(BASE_USDC);
  assert.equal(setup({ CLAWPAY_ALLOWED_PAYEES: STRANGER }).policy.loweredSince(payeeQueued, send), null);
  assert.equal(setup().policy.snapshot(OTHER_TOKEN), null, 'a token without limits');
  assert.equal(setup().policy.loweredSince(null, send), null, 'an item queued before snapshots were kept');
});

test('limits(): the Limits shape for today, UTC midnight to midnight, with utilization', () => {
  const { policy, payments } = setup({ CLAWPAY_MAX_PER_DAY: '8' });
  payments.reserve(x402(1_000_000n));
  const limits = policy.limits(USDC);
  const midnight = Date.parse('2026-03-04T00:00:00Z') / 1000;
  assert.deepEqual(limits, {
    token: BASE_USDC,
    symbol: 'USDC',
    decimals: 6,
    perTx: { units: '1000000', amount: '1.00', symbol: 'USDC', decimals: 6, token: BASE_USDC },
    periodLimit: { units: '8000000', amount: '8.00', symbol: 'USDC', decimals: 6, token: BASE_USDC },
    periodLength: 86_400,
    periodSpent: { units: '1000000', amount: '1.00', symbol: 'USDC', decimals: 6, token: BASE_USDC },
    periodPending: { units: '0', amount: '0.00', symbol: 'USDC', decimals: 6, token: BASE_USDC },
    remainingInPeriod: { units: '7000000', amount: '7.00', symbol: 'USDC', decimals: 6, token: BASE_USDC },
    periodStart: midnight,
    secondsUntilReset: 3 * 3600,
    utilization: '12.50%',
  });
  const eth = policy.limits(ETH);
  assert.equal(eth.token, null);
  assert.equal(eth.periodLimit.units, '0');
  assert.equal(eth.utilization, null);
  assert.equal(utilization(1n, 3n), '33.33%');
  assert.equal(utilization(9n, 3n), '300.00%');
});

test('limits(): an open x402 authorization (refused, may still settle) is pending, not spent, and counts against the limit', () => {
  const store = new RecordStore();
  const { policy, payments } = setup({ CLAWPAY_MAX_PER_DAY: '8', CLAWPAY_MAX_PER_CALL: '2', CLAWPAY_MAX_PER_SEND: '6' }, { store });
  const ledger = new PaymentLedger({ store, now: () => T0 });
  const reservation = payments.reserve(x402(2_000_000n));
  const record = ledger.begin({ key: 'k', requestHash: 'h', kind: 'call', url: 'http://s/', payUrl: 'http://s/', method: 'GET',
    x402Version: 2, offer: {}, network: 'eip155:8453', asset: BASE_USDC, payTo: PAY_TO, amount: 2_000_000n, decimals: 6, reservation: reservation.toJSON() });
  ledger.signed(record.paymentId, { header: 'h', headerName: 'payment-signature', nonce: `0x${'11'.repeat(32)}`, validBefore: T0 / 1000 + 300, payer: PAY_TO });
  ledger.sent(record.paymentId);
  ledger.refused(record.paymentId, 'refused by the server: no');
  payments.reserve(x402(1_000_000n)); // a payment known paid (reserved, no open record)
  const limits = policy.limits(USDC);
  assert.deepEqual([limits.periodSpent.units, limits.periodPending.units, limits.remainingInPeriod.units], ['1000000', '2000000', '5000000']);
  assert.equal(policy.check({ token: BASE_USDC, to: PAY_TO, units: 5_000_001n, info: USDC }).rule, 'per_day');
  ledger.settled(record.paymentId, { transaction: `0x${'ab'.repeat(32)}` });
  assert.deepEqual([policy.limits(USDC).periodSpent.units, policy.limits(USDC).periodPending.units], ['3000000', '0']);
});

test('the next UTC day starts from zero; yesterday\'s total stays yesterday\'s', () => {
  let now = T0;
  const store = new RecordStore();
  const { policy } = setup({ CLAWPAY_MAX_PER_DAY: '1' }, { store, now: () => now });
  assert.equal(policy.decide({ token: BASE_USDC, to: PAY_TO, units: 1_000_000n, info: USDC }).execute, true);
  assert.equal(policy.decide({ token: BASE_USDC, to: PAY_TO, units: 1n, info: USDC }).rule, 'per_day');
  now += 3 * 3600 * 1000;
  assert.equal(policy.decide({ token: BASE_USDC, to: PAY_TO, units: 1_000_000n, info: USDC }).execute, true);
  assert.equal(policy.limits(USDC).secondsUntilReset, 86_400);
});
