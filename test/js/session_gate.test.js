// The paywall's session gate on its own: a ClawPay 1.1 session token opens a
// route only when it is genuine and its payment real. Each refusal reason
// has its status — forged or signed by the wrong key: 401; expired, out of
// scope, unknown payment, revoked: 402 — and the admitted case says which
// session it is. The ledger is the real (in-memory) receipt ledger, the
// tokens real signed ones; the clock is the gate's own `now` seam.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { describe, test } from 'node:test';

import { SESSION_HEADER, SessionGate } from '../../lib/paywall/session_gate.js';
import { normalizeRoute } from '../../lib/paywall/route.js';
import { ReceiptLedger } from '../../lib/receipt_ledger.js';
import { buildSessionToken } from '../../lib/session_token.js';
import { Signer } from '../../lib/signer.js';

const NETWORK = 'eip155:31337';
const ASSET = '0x5FbDB2315678afecb367f032d93F642f64180aa3';
const PAY_TO = '0x90F79bf6EB2c4f870365E785982E1f101E93b906';
const ENDPOINT = 'https://api.test/session';
const SESSION_PRICE = 50_000n;
const MAX_TTL_SECONDS = 3600;
const T0 = 1_800_000_000_000; // ms

const price = { amount: 10_000n, asset: ASSET, network: NETWORK, payTo: PAY_TO, name: 'USD Coin', version: '2', decimals: 6 };
const route = normalizeRoute({ price, session: { price: SESSION_PRICE, maxTtlSeconds: MAX_TTL_SECONDS } }, 'GET /session/*');
const otherRoute = normalizeRoute({ price, session: { price: SESSION_PRICE, maxTtlSeconds: MAX_TTL_SECONDS } }, 'GET /other/*');
const callOnly = normalizeRoute({ price }, 'GET /api/weather');

const hex32 = () => `0x${randomBytes(32).toString('hex')}`;

/** A settled receipt in `ledger`; returns its transaction hash. */
function recordPurchase(ledger, { payer, kind = 'session', amount = SESSION_PRICE, resource = `${ENDPOINT}/forecast`, at = T0, routeId = route.id } = {}) {
  const paymentId = hex32();
  const transaction = hex32();
  assert.equal(ledger.begin({
    paymentId, kind, route: routeId, resource, method: 'GET', network: NETWORK, asset: ASSET, amount, decimals: 6,
    payer, payTo: PAY_TO, x402Version: 2, startedAt: at, ...(kind === 'session' ? { sessionTtlSeconds: MAX_TTL_SECONDS } : {}),
  }), true);
  ledger.settle(paymentId, { transaction, settledAt: at });
  return transaction;
}

/** A signed token for `transaction`, as clawpay-mcp builds it. */
async function tokenFor(signer, transaction, overrides = {}) {
  const { token } = await buildSessionToken({
    version: 'clawpay/1.1',
    sessionId: randomUUID(),
    walletAddress: signer.address,
    endpoint: ENDPOINT,
    scope: 'prefix',
    createdAt: Math.floor(T0 / 1000),
    expiresAt: Math.floor(T0 / 1000) + MAX_TTL_SECONDS,
    paymentTxHash: transaction,
    paymentAmount: SESSION_PRICE.toString(),
    ...overrides,
  }, signer);
  return token;
}

/** A ledger, a gate on a settable clock, a payer key and its settled session purchase. */
async function setup() {
  const ledger = new ReceiptLedger();
  const clock = { now: T0 + 1000 };
  const gate = new SessionGate({ ledger, now: () => clock.now });
  const payer = Signer.generate();
  const transaction = recordPurchase(ledger, { payer: payer.address });
  const token = await tokenFor(payer, transaction);
  const close = () => {
    payer.destroy();
    ledger.close();
  };
  return { ledger, clock, gate, payer, transaction, token, close };
}

const check = (gate, token, url = `${ENDPOINT}/forecast`, on = route) => gate.check({ [SESSION_HEADER]: token }, url, on);

function assertRefused(verdict, status, error) {
  assert.equal(verdict.ok, false, JSON.stringify(verdict));
  assert.equal(verdict.status, status, JSON.stringify(verdict));
  assert.equal(verdict.error, error, JSON.stringify(verdict));
  assert.equal(typeof verdict.message, 'string');
}

describe('SessionGate', () => {
  test('admits a genuine token for a settled session purchase, naming the session, its payer and transaction', async () => {
    const { gate, payer, transaction, token, close } = await setup();
    try {
      const verdict = await check(gate, token);
      assert.equal(verdict.ok, true, JSON.stringify(verdict));
      assert.equal(verdict.session.payer, payer.address);
      assert.equal(verdict.session.transaction, transaction);
      assert.equal(verdict.session.endpoint, ENDPOINT);
      assert.equal(verdict.session.scope, 'prefix');
      assert.equal(verdict.session.expiresAt, T0 + MAX_TTL_SECONDS * 1000);
      // A token seen before is decided synchronously: the hot path of a session.
      const again = check(gate, token, `${ENDPOINT}/forecast?day=2`);
      assert.equal(typeof again.then, 'undefined');
      assert.equal(again.ok, true);
    } finally {
      close();
    }
  });

  test('a token\'s remembered verdicts stay per URL, route and moment, and no caller can alter the next one\'s', async () => {
    const { gate, clock, payer, token, close } = await setup();
    try {
      const first = await check(gate, token);
      assert.equal(first.ok, true);
      // Alternating requests under one token: each gets its own answer, not the last one's.
      for (let i = 0; i < 3; i++) {
        assert.equal(check(gate, token).ok, true);
        assertRefused(check(gate, token, 'https://api.test/sessions-elsewhere'), 402, 'session_out_of_scope');
        assertRefused(check(gate, token, `${ENDPOINT}/forecast`, otherRoute), 402, 'session_wrong_route');
      }
      // The verdict handed out is shared: changing it throws, and the next caller sees the truth.
      assert.throws(() => { first.session.payer = 'someone else'; }, TypeError);
      assert.throws(() => { first.ok = false; }, TypeError);
      assert.equal(check(gate, token).session.payer, payer.address);
      clock.now = T0 + MAX_TTL_SECONDS * 1000;
      assertRefused(check(gate, token), 402, 'session_expired');
      clock.now = T0 + 2000; // a clock set back reads the receipt again, and admits again
      assert.equal((await check(gate, token)).ok, true);
    } finally {
      close();
    }
  });

  test('no token, or a route that sells no sessions: not the gate\'s business (null)', async () => {
    const { gate, token, close } = await setup();
    try {
      assert.equal(gate.check({}, `${ENDPOINT}/forecast`, route), null);
      assert.equal(gate.check({ [SESSION_HEADER]: token }, 'https://api.test/api/weather', callOnly), null);
    } finally {
      close();
    }
  });

  test('a forged token is refused with 401: malformed, a tampered signature, or claims changed under the signature', async () => {
    const { gate, token, close } = await setup();
    try {
      assertRefused(await check(gate, 'not-a-session-token'), 401, 'session_malformed');
      const dot = token.lastIndexOf('.');
      const [body, signature] = [token.slice(0, dot), token.slice(dot + 1)];
      // r = 0: no key can have made this signature.
      assertRefused(await check(gate, `${body}.0x${'0'.repeat(64)}${signature.slice(66)}`), 401, 'session_bad_signature');
      // A wider scope claimed under the payer's signature: the signature no longer recovers to the payer.
      const claims = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
      const widened = Buffer.from(JSON.stringify({ ...claims, endpoint: 'https://api.test' })).toString('base64url');
      const verdict = await check(gate, `${widened}.${signature}`, 'https://api.test/anything');
      assert.equal(verdict.ok, false, JSON.stringify(verdict));
      assert.equal(verdict.status, 401, JSON.stringify(verdict));
      assert.match(verdict.error, /^session_(wrong_signer|bad_signature)$/);
    } finally {
      close();
    }
  });

  test('a genuine token from another key for someone else\'s payment is 401 session_wrong_signer', async () => {
    const { gate, transaction, close } = await setup();
    const thief = Signer.generate();
    try {
      assertRefused(await check(gate, await tokenFor(thief, transaction)), 401, 'session_wrong_signer');
    } finally {
      thief.destroy();
      close();
    }
  });

  test('an expired token is 402 session_expired: by its own expiresAt, and by the route\'s TTL from settlement', async () => {
    const { gate, clock, payer, transaction, token, close } = await setup();
    try {
      const short = await tokenFor(payer, transaction, { expiresAt: Math.floor(T0 / 1000) + 60 });
      assert.equal((await check(gate, short)).ok, true);
      clock.now = T0 + 60_000;
      assertRefused(await check(gate, short), 402, 'session_expired');
      // A token claiming longer than the route sold ends with the purchase.
      const long = await tokenFor(payer, transaction, { expiresAt: Math.floor(T0 / 1000) + 10 * MAX_TTL_SECONDS });
      assert.equal((await check(gate, long)).ok, true);
      clock.now = T0 + MAX_TTL_SECONDS * 1000;
      assertRefused(await check(gate, long), 402, 'session_expired');
      assertRefused(await check(gate, token), 402, 'session_expired');
    } finally {
      close();
    }
  });

  test('a URL outside the token\'s endpoint and scope is 402 session_out_of_scope', async () => {
    const { gate, payer, transaction, token, close } = await setup();
    try {
      assertRefused(await check(gate, token, 'https://api.test/sessions-elsewhere'), 402, 'session_out_of_scope');
      assertRefused(await check(gate, token, 'https://other.test/session/forecast'), 402, 'session_out_of_scope');
      const exact = await tokenFor(payer, transaction, { endpoint: `${ENDPOINT}/forecast`, scope: 'exact' });
      assert.equal((await check(gate, exact, `${ENDPOINT}/forecast`)).ok, true);
      assertRefused(await check(gate, exact, `${ENDPOINT}/forecast/more`), 402, 'session_out_of_scope');
      // A token whose scope does not cover the resource that was paid for opens nothing.
      const elsewhere = await tokenFor(payer, transaction, { endpoint: `${ENDPOINT}/other` });
      assertRefused(await check(gate, elsewhere, `${ENDPOINT}/other/page`), 402, 'session_out_of_scope');
    } finally {
      close();
    }
  });

  test('a token naming a payment this server never settled is 402 session_unknown_payment', async () => {
    const { gate, payer, close } = await setup();
    try {
      assertRefused(await check(gate, await tokenFor(payer, hex32())), 402, 'session_unknown_payment');
    } finally {
      close();
    }
  });

  test('a purchase that is not a session on this route is 402: another route, one call, or underpaid', async () => {
    const { ledger, gate, payer, token, close } = await setup();
    try {
      assertRefused(await check(gate, token, `${ENDPOINT}/forecast`, otherRoute), 402, 'session_wrong_route');
      const call = recordPurchase(ledger, { payer: payer.address, kind: 'call', amount: 10_000n });
      assertRefused(await check(gate, await tokenFor(payer, call)), 402, 'session_wrong_route');
      const cheap = recordPurchase(ledger, { payer: payer.address, amount: SESSION_PRICE - 1n });
      assertRefused(await check(gate, await tokenFor(payer, cheap)), 402, 'session_underpaid');
    } finally {
      close();
    }
  });

  test('a revoked session is 402 session_revoked, for every token naming that payment; only a genuine token revokes', async () => {
    const { gate, payer, transaction, token, close } = await setup();
    try {
      const sibling = await tokenFor(payer, transaction);
      assert.equal((await check(gate, sibling)).ok, true); // cached before the revocation
      const forged = await gate.revoke('not-a-session-token');
      assertRefused(forged, 401, 'session_malformed');
      assert.equal((await check(gate, token)).ok, true, 'a forged revocation changes nothing');

      const revoked = await gate.revoke(token);
      assert.equal(revoked.ok, true);
      assert.equal(revoked.result, 'revoked');
      assert.equal(revoked.transaction, transaction);
      assertRefused(await check(gate, token), 402, 'session_revoked');
      assertRefused(await check(gate, sibling), 402, 'session_revoked');
      assert.equal((await gate.revoke(sibling)).result, 'already_revoked');
    } finally {
      close();
    }
  });

  test('hasSession: true while the payer\'s session purchase is live on the route, false after it ends or is revoked', async () => {
    const { gate, clock, payer, token, close } = await setup();
    const stranger = Signer.generate();
    try {
      assert.equal(gate.hasSession(payer.address, route), true);
      assert.equal(gate.hasSession(stranger.address, route), false);
      assert.equal(gate.hasSession(payer.address, callOnly), false);
      await gate.revoke(token);
      assert.equal(gate.hasSession(payer.address, route), false);
      clock.now = T0 + MAX_TTL_SECONDS * 1000;
      assert.equal(gate.hasSession(payer.address, route), false);
    } finally {
      stranger.destroy();
      close();
    }
  });
});
