// PaymentLedger on the native RecordStore, in memory and journaled: the
// state machine intent → signed → sent → settled | failed, how a key finds
// its payment, the compare-and-set that keeps two processes from starting
// two payments for one call, expiry, and pruning.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';

import { RecordStore } from '../../lib/record_store.js';
import { PaymentLedger, RETENTION_MS, STALE_INTENT_MS, callKey } from '../../lib/pay/payment_ledger.js';
import { keptAmount, spendReport } from '../../lib/pay/spend_report.js';

const T0 = 1_800_000_000_000;
const TOKEN = '0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913';
const PAY_TO = '0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359';
const PAYER = '0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed';
const URL_A = 'https://api.example.com/weather';

function intentFor(request, extra = {}) {
  const { key, explicit, requestHash } = callKey(request);
  return {
    key, explicitKey: explicit, requestHash, kind: 'call', url: request.url, payUrl: request.url, method: request.method ?? 'GET',
    x402Version: 2, offer: { scheme: 'exact', amount: '10000' }, network: 'eip155:8453', asset: TOKEN, payTo: PAY_TO,
    amount: 10_000n, decimals: 6, reservation: { id: 'r1', day: '2027-01-15' }, ...extra,
  };
}

const signedFields = (n = 1) => ({
  header: `header-${n}`, headerName: 'payment-signature', nonce: `0x${String(n).padStart(64, '0')}`,
  validBefore: Math.floor(T0 / 1000) + 300, payer: PAYER,
});

const dirs = [];
after(() => { for (const dir of dirs) rmSync(dir, { recursive: true, force: true }); });
function journaledStore() {
  const dir = mkdtempSync(join(tmpdir(), 'clawpay-pay-ledger-'));
  dirs.push(dir);
  return new RecordStore({ path: join(dir, 'pay.records') });
}

for (const [name, makeStore] of [['a RecordStore in memory', () => new RecordStore()], ['a journaled RecordStore', journaledStore]]) {
  describe(`PaymentLedger on ${name}`, () => {
    test('callKey: explicit keys are taken as given; otherwise the request is the key', () => {
      const a = callKey({ purpose: 'call', method: 'post', url: URL_A, body: '{"a":1}' });
      const b = callKey({ purpose: 'call', method: 'POST', url: URL_A, body: Buffer.from('{"a":1}') });
      assert.equal(a.key, b.key);
      assert.equal(a.explicit, false);
      assert.notEqual(a.key, callKey({ purpose: 'session', method: 'POST', url: URL_A, body: '{"a":1}' }).key);
      assert.notEqual(a.key, callKey({ purpose: 'call', method: 'POST', url: URL_A, body: '{"a":2}' }).key);
      const explicit = callKey({ idempotencyKey: 'mcp-7', url: URL_A });
      assert.equal(explicit.key, 'key:mcp-7');
      assert.equal(explicit.requestHash, callKey({ url: URL_A }).requestHash);
      assert.throws(() => callKey({ idempotencyKey: 7, url: URL_A }), { code: 'ERR_INVALID_ARG_VALUE' });
    });

    test('a settled payment records what came back, once per refund transaction, at most its amount; reports count it net', () => {
      const ledger = new PaymentLedger({ store: makeStore(), now: () => T0 });
      const { paymentId } = ledger.begin(intentFor({ url: URL_A }));
      assert.equal(ledger.refunded(paymentId, { amount: 1n, transaction: '0x01' }).refunded, undefined, 'not settled yet: nothing recorded');
      ledger.signed(paymentId, signedFields());
      ledger.sent(paymentId);
      ledger.settled(paymentId, { transaction: '0xaa' });
      assert.equal(ledger.refunded(paymentId, { amount: 4_000n, transaction: '0x01' }).refunded, '4000');
      assert.equal(ledger.refunded(paymentId, { amount: 4_000n, transaction: '0x01' }).refunded, '4000', 'the same refund twice');
      assert.equal(ledger.refunded(paymentId, { amount: 9_000n, transaction: '0x02' }).refunded, '10000', 'capped at the amount');
      assert.equal(keptAmount(ledger.get(paymentId)), 0n);
      const report = spendReport(ledger, { asset: { decimals: 6, symbol: 'USDC' }, today: { total: 0n, open: [] } });
      assert.equal(report.total, 0n);
      assert.equal(report.count, 1);
    });

    test('a payment moves intent → signed → sent → settled, and the key finds it', () => {
      const store = makeStore();
      let now = T0;
      const ledger = new PaymentLedger({ store, now: () => now });
      const intent = intentFor({ url: URL_A });
      const begun = ledger.begin(intent);
      assert.equal(begun.state, 'intent');
      assert.equal(begun.amount, '10000');
      assert.equal(ledger.current(intent.key).paymentId, begun.paymentId);
      assert.throws(() => ledger.sent('nope'), { code: 'ERR_INVALID_ARG' });

      const signed = ledger.signed(begun.paymentId, signedFields());
      assert.equal(signed.state, 'signed');
      assert.equal(signed.validBefore, String(Math.floor(T0 / 1000) + 300));
      assert.throws(() => ledger.signed(begun.paymentId, signedFields()), /is signed, not intent/);
      now += 1;
      const sent = ledger.sent(begun.paymentId);
      assert.equal(sent.state, 'sent');
      assert.equal(sent.attempts, 1);
      assert.equal(ledger.sent(begun.paymentId).attempts, 2);
      assert.equal(ledger.pending().length, 1);

      const settled = ledger.settled(begun.paymentId, { transaction: `0x${'ab'.repeat(32)}`, network: 'eip155:8453' });
      assert.equal(settled.state, 'settled');
      assert.equal(settled.payer, PAYER);
      // Nothing undoes a settlement.
      assert.equal(ledger.failed(begun.paymentId, 'late').state, 'settled');
      assert.equal(ledger.pending().length, 0);
      // An automatic key's settled payment still answers until it expires.
      assert.equal(ledger.current(intent.key).state, 'settled');
      now = (Math.floor(T0 / 1000) + 301) * 1000;
      assert.equal(ledger.current(intent.key), null);
    });

    test('refused: only a signed or sent payment becomes refused; it stays open and pending until settled or failed', () => {
      const ledger = new PaymentLedger({ store: makeStore(), now: () => T0 });
      const day = '2027-01-15';
      const a = ledger.begin(intentFor({ url: URL_A }));
      assert.equal(ledger.refused(a.paymentId, 'no').state, 'intent', 'an intent was never sent: not refused');
      assert.equal(ledger.pendingAmount(day), 10_000n, 'an intent holds its reservation');
      ledger.signed(a.paymentId, signedFields(1));
      ledger.sent(a.paymentId);
      const refused = ledger.refused(a.paymentId, 'refused by the server: no');
      assert.equal(refused.state, 'refused');
      assert.equal(refused.refusal, 'refused by the server: no');
      assert.deepEqual(ledger.open().map((r) => r.paymentId), [a.paymentId]);
      assert.deepEqual(ledger.pending(), [], 'refused is open, not pending (never resent under an automatic key)');
      assert.equal(ledger.pendingAmount(day), 10_000n);
      assert.equal(ledger.pendingAmount('2027-01-16'), 0n, 'only its own day');
      assert.equal(ledger.sent(a.paymentId).state, 'refused', 'a resend keeps it refused');
      const settled = ledger.settled(a.paymentId, { transaction: `0x${'ab'.repeat(32)}`, settledAfterRefusal: { payTo: PAY_TO, origin: 'https://api.example.com', refusal: 'no' } });
      assert.equal(settled.state, 'settled');
      assert.equal(settled.settledAfterRefusal.payTo, PAY_TO);
      assert.equal(ledger.refused(a.paymentId, 'again').state, 'settled', 'a settlement is final');
      assert.equal(ledger.failed(a.paymentId, 'x').state, 'settled');
      assert.equal(ledger.pendingAmount(day), 0n);

      const b = ledger.begin(intentFor({ url: `${URL_A}?b` }));
      ledger.signed(b.paymentId, signedFields(2));
      ledger.refused(b.paymentId, 'no');
      const cancelled = ledger.failed(b.paymentId, 'cancelled on chain', { cancelled: true });
      assert.deepEqual([cancelled.state, cancelled.cancelled], ['failed', true]);
      assert.deepEqual(ledger.open(), []);
    });

    test('a pending payment keeps its key even after expiry, until its outcome is known', () => {
      let now = T0;
      const ledger = new PaymentLedger({ store: makeStore(), now: () => now });
      const intent = intentFor({ url: URL_A });
      const { paymentId } = ledger.begin(intent);
      ledger.signed(paymentId, signedFields());
      ledger.sent(paymentId);
      now += 86_400_000;
      assert.equal(ledger.current(intent.key).paymentId, paymentId);
      ledger.failed(paymentId, 'expired unused');
      assert.equal(ledger.current(intent.key), null);
    });

    test('two processes cannot start two payments for one call', () => {
      const store = makeStore();
      let now = T0;
      const first = new PaymentLedger({ store, now: () => now });
      const second = new PaymentLedger({ store, now: () => now });
      const intent = intentFor({ idempotencyKey: 'tool-call-1', url: URL_A });
      const a = first.begin(intent);
      // The second saw no payment for the key, but one has started: refused, recorded as not started.
      assert.throws(() => second.begin(intent, { previous: null }), { code: 'ERR_PAYMENT_IN_PROGRESS' });
      assert.equal(first.current(intent.key).paymentId, a.paymentId);
      assert.equal(second.list().filter((r) => r.state === 'failed').length, 1);
      // An intent abandoned (never signed) for a minute frees the key.
      now += STALE_INTENT_MS;
      const b = second.begin(intent, { previous: null });
      assert.equal(first.current(intent.key).paymentId, b.paymentId);
      // A caller that saw the current payment may replace it (after deciding it is finished).
      second.failed(b.paymentId, 'refused');
      const c = first.begin(intent, { previous: b.paymentId });
      assert.equal(second.current(intent.key).paymentId, c.paymentId);
    });

    test('prune drops dead keys and old final records, never open ones', () => {
      const store = makeStore();
      let now = T0;
      const ledger = new PaymentLedger({ store, now: () => now });
      const done = ledger.begin(intentFor({ url: `${URL_A}?1` }));
      ledger.signed(done.paymentId, signedFields(1));
      ledger.settled(done.paymentId, { transaction: `0x${'cd'.repeat(32)}` });
      const open = ledger.begin(intentFor({ url: `${URL_A}?2` }));
      ledger.signed(open.paymentId, signedFields(2));
      ledger.sent(open.paymentId);
      now += RETENTION_MS + 1;
      const removed = ledger.prune();
      assert.equal(removed, 2); // the settled payment's key and record
      assert.equal(ledger.get(done.paymentId), null);
      assert.equal(ledger.get(open.paymentId).state, 'sent');
      assert.equal(ledger.current(intentFor({ url: `${URL_A}?2` }).key).paymentId, open.paymentId);
    });

    test('records are JSON with amounts as decimal strings', () => {
      const store = makeStore();
      const ledger = new PaymentLedger({ store, now: () => T0 });
      const { paymentId } = ledger.begin(intentFor({ url: URL_A }, { amount: (1n << 255n) }));
      const stored = store.get(`payment/${paymentId}`);
      assert.equal(stored.amount, (1n << 255n).toString());
      assert.equal(typeof stored.createdAt, 'number');
    });
  });
}
