// The paywall's PaymentEngine on its own, without the HTTP layer: its
// offers, how it matches a payment to one, the refusal codes, and the
// replay and in-flight rules. The engine needs a real facilitator to
// verify and settle, so it runs on a local world (anvil, our USD Coin, the
// official facilitator) and lives under test/e2e/. Payments are signed by
// the official x402Client; money is checked on chain to the base unit. The
// handler (`serve`) is the test's own, so the test sees exactly when and how
// often the engine runs it; the engine's clock is its `now` seam.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { x402Client } from '@x402/core/client';
import { ExactEvmScheme } from '@x402/evm/exact/client';

import { usdcBalance } from '../../lib/devnet/token.js';
import { startWorld } from '../../lib/devnet/world.js';
import { PaymentEngine } from '../../lib/paywall/engine.js';
import { SESSION_EXTRA } from '../../lib/paywall/offers.js';
import { normalizeRoute } from '../../lib/paywall/route.js';
import { ReceiptLedger } from '../../lib/receipt_ledger.js';
import { Signer } from '../../lib/signer.js';
import { toViemAccount } from '../../lib/viem_account.js';

const CALL_PRICE = 10_000n; // 0.01 USDC
const SESSION_PRICE = 50_000n; // 0.05 USDC
const REPLAY_TTL_SECONDS = 60;
const TX_HASH = /^0x[0-9a-f]{64}$/;

describe('PaymentEngine on a local chain', { timeout: 180_000 }, () => {
  let world;
  let route;
  let ledger;
  let engine;
  let payerSigner;
  let client;
  let skewMs = 0; // the engine's clock runs this far ahead of the wall clock
  const resource = { url: 'http://paywall.test/session/forecast', description: 'Forecasts', mimeType: 'application/json' };

  const balance = (address) => usdcBalance({ chain: world.chain, token: world.token, address });
  const balances = async () => [await balance(world.payer.address), await balance(world.payTo)];

  /** A handler that records its calls and answers `body`. */
  function handler(body = { forecast: 'sunny' }, { ok = true } = {}) {
    const calls = [];
    const serve = async (payment) => {
      calls.push(payment);
      return { ok, response: { status: ok ? 200 : 500, body }, bytes: 64 };
    };
    return { serve, calls };
  }

  /** A payment payload for the offer of `kind`, signed by the official client. */
  async function paymentFor(kind = 'call') {
    const { v2 } = await engine.paymentRequired(route, resource);
    const offer = v2.accepts.find((o) => (o.extra?.[SESSION_EXTRA] !== undefined) === (kind === 'session'));
    return client.createPaymentPayload({ ...v2, accepts: [offer] });
  }

  const pay = (payload, serve, requestKey = `GET ${resource.url}`) => engine.pay({ route, resource, payload, requestKey, serve });

  const hooked = [];
  const logged = [];

  before(async () => {
    world = await startWorld();
    route = normalizeRoute({
      price: {
        amount: CALL_PRICE, asset: world.token.address, network: world.chain.network, payTo: world.payTo,
        name: world.token.name, version: world.token.version, decimals: world.token.decimals,
      },
      session: { price: SESSION_PRICE, maxTtlSeconds: 3600 },
      description: 'Forecasts',
    }, 'GET /session/*');
    ledger = new ReceiptLedger();
    engine = await PaymentEngine.create({
      facilitatorUrl: world.facilitator.url, routes: [route], ledger, v1Names: world.v1Names,
      now: () => Date.now() + skewMs, replayTtlSeconds: REPLAY_TTL_SECONDS,
      onSettled: (receipt) => hooked.push(receipt), log: (line) => logged.push(line),
    });
    payerSigner = Signer.fromPrivateKey(world.payer.privateKey);
    client = new x402Client()
      .setSpendControls({ allowedAssets: [{ network: world.chain.network, asset: world.token.address, maxAmountPerPayment: '1000000' }] })
      .register(world.chain.network, new ExactEvmScheme(toViemAccount(payerSigner)));
  });

  after(async () => {
    payerSigner?.destroy();
    ledger?.close();
    await world?.stop();
  });

  test('offers: one call then one session, in v2 (with payment-identifier declared) and in v1', async () => {
    const { v2, v1 } = await engine.paymentRequired(route, resource, { sessionInfo: { endpoint: 'http://paywall.test/session' } });
    assert.equal(v2.x402Version, 2);
    assert.equal(v2.error, 'payment_required');
    assert.equal(v2.resource.url, resource.url);
    assert.deepEqual(v2.accepts.map((o) => o.amount), [String(CALL_PRICE), String(SESSION_PRICE)]);
    for (const offer of v2.accepts) {
      assert.equal(offer.scheme, 'exact');
      assert.equal(offer.network, world.chain.network);
      assert.equal(offer.asset.toLowerCase(), world.token.address.toLowerCase());
      assert.equal(offer.payTo.toLowerCase(), world.payTo.toLowerCase());
    }
    assert.equal(v2.accepts[0].extra?.[SESSION_EXTRA], undefined);
    assert.deepEqual(v2.accepts[1].extra[SESSION_EXTRA], { maxTtlSeconds: 3600, scope: 'prefix', endpoint: 'http://paywall.test/session' });
    assert.ok(v2.extensions?.['payment-identifier'], 'payment-identifier is declared');
    assert.equal(v1.x402Version, 1);
    assert.deepEqual(v1.accepts.map((o) => o.maxAmountRequired), [String(CALL_PRICE), String(SESSION_PRICE)]);
    assert.equal(v1.accepts[0].network, world.v1Names[world.chain.network]);
    assert.equal(v1.accepts[0].resource, resource.url);
    // A refusal code passes through as the 402's error.
    assert.equal((await engine.paymentRequired(route, resource, { error: 'session_expired' })).v2.error, 'session_expired');
  });

  test('match refusals: not EIP-3009, unsupported version, no matching offer, wrong payee, amount mismatch; no handler, no money, no claim', async () => {
    const good = await paymentFor('call');
    const before = await balances();
    const { serve, calls } = handler();
    const refusals = [
      [{ ...good, payload: { ...good.payload, authorization: { ...good.payload.authorization, nonce: '0x12' } } }, 400, 'invalid_payment'],
      [{ x402Version: 2, payload: 'nonsense' }, 400, 'invalid_payment'],
      [{ ...good, x402Version: 3 }, 400, 'unsupported_version'],
      [{ ...good, accepted: { ...good.accepted, payTo: world.payer.address } }, 402, 'no_matching_offer'],
      [{ ...good, payload: { ...good.payload, authorization: { ...good.payload.authorization, to: world.payer.address } } }, 402, 'wrong_payee'],
      [{ ...good, payload: { ...good.payload, authorization: { ...good.payload.authorization, value: String(CALL_PRICE - 1n) } } }, 402, 'amount_mismatch'],
    ];
    for (const [payload, status, error] of refusals) {
      const outcome = await pay(payload, serve);
      assert.equal(outcome.kind, 'refused', `${error}: ${JSON.stringify(outcome)}`);
      assert.equal(outcome.status, status, `${error}: ${outcome.message}`);
      assert.equal(outcome.error, error, outcome.message);
      assert.equal(typeof outcome.message, 'string');
    }
    assert.equal(calls.length, 0, 'the handler never ran');
    assert.equal(ledger.size, 0, 'nothing was claimed');
    assert.deepEqual(await balances(), before);
  });

  test('a payment the facilitator refuses (its signature tampered with) is a 402 before the handler runs', async () => {
    const good = await paymentFor('call');
    const sig = good.payload.signature;
    const forged = { ...good, payload: { ...good.payload, signature: `${sig.slice(0, 10)}${sig[10] === '1' ? '2' : '1'}${sig.slice(11)}` } };
    const before = await balances();
    const { serve, calls } = handler();
    const outcome = await pay(forged, serve);
    assert.equal(outcome.kind, 'refused', JSON.stringify(outcome));
    assert.equal(outcome.status, 402);
    assert.equal(typeof outcome.error, 'string');
    assert.equal(calls.length, 0);
    assert.equal(ledger.size, 0);
    assert.deepEqual(await balances(), before);
  });

  test('a paid call runs the handler once, settles exactly the call price on chain and records a settled receipt', async () => {
    const payload = await paymentFor('call');
    const [payerBefore, payToBefore] = await balances();
    const { serve, calls } = handler();
    const outcome = await pay(payload, serve);
    assert.equal(outcome.kind, 'served', JSON.stringify(outcome));
    assert.equal(outcome.replayed, false);
    assert.deepEqual(outcome.response.body, { forecast: 'sunny' });
    assert.equal(calls.length, 1);
    assert.equal(calls[0].kind, 'call');
    assert.equal(calls[0].amount, CALL_PRICE);
    assert.equal(calls[0].payer.toLowerCase(), world.payer.address.toLowerCase());
    assert.match(outcome.settlement.transaction, TX_HASH);
    const mined = await world.chain.publicClient.getTransactionReceipt({ hash: outcome.settlement.transaction });
    assert.equal(mined.status, 'success');
    assert.deepEqual(await balances(), [payerBefore - CALL_PRICE, payToBefore + CALL_PRICE]);
    const receipt = ledger.get(calls[0].id);
    assert.equal(receipt.status, 'settled');
    assert.equal(receipt.transaction, outcome.settlement.transaction);
    assert.equal(BigInt(receipt.amount), CALL_PRICE);
    assert.equal(receipt.kind, 'call');
    // The seller hears of it: onSettled with the settled receipt, and one log line.
    assert.deepEqual(hooked.at(-1), receipt);
    const lines = logged.filter((line) => line.includes(outcome.settlement.transaction));
    assert.equal(lines.length, 1);
    assert.match(lines[0], new RegExp(`^settled call .*: ${CALL_PRICE} base units from ${receipt.payer} \\(tx ${outcome.settlement.transaction}\\)$`));
  });

  test('replays: the same payload for the same request gets the stored response; for another request 409; after the TTL 409; never a second charge', async () => {
    const payload = await paymentFor('call');
    const { serve, calls } = handler({ n: 1 });
    const first = await pay(payload, serve);
    assert.equal(first.kind, 'served');
    const afterFirst = await balances();

    const replay = await pay(payload, serve);
    assert.equal(replay.kind, 'served');
    assert.equal(replay.replayed, true);
    assert.deepEqual(replay.response.body, { n: 1 });
    assert.equal(replay.settlement.transaction, first.settlement.transaction);

    const elsewhere = await pay(payload, serve, 'GET http://paywall.test/session/other');
    assert.equal(elsewhere.kind, 'refused');
    assert.equal(elsewhere.status, 409);
    assert.equal(elsewhere.error, 'payment_already_used');
    assert.equal(elsewhere.receipt.transaction, first.settlement.transaction);

    // Another engine sharing the ledger (another process): the ledger's claim decides.
    const sibling = await PaymentEngine.create({ facilitatorUrl: world.facilitator.url, routes: [route], ledger, v1Names: world.v1Names });
    const across = await sibling.pay({ route, resource, payload, requestKey: `GET ${resource.url}`, serve });
    assert.equal(across.kind, 'refused', JSON.stringify(across));
    assert.equal(across.status, 409);
    assert.equal(across.error, 'payment_already_used');

    skewMs += (REPLAY_TTL_SECONDS + 1) * 1000;
    try {
      const late = await pay(payload, serve);
      assert.equal(late.kind, 'refused');
      assert.equal(late.status, 409);
      assert.equal(late.error, 'payment_already_used');
    } finally {
      skewMs = 0;
    }
    assert.equal(calls.length, 1, 'the handler ran once for the payment');
    assert.deepEqual(await balances(), afterFirst, 'nothing more was charged');
  });

  test('in flight: a repeat while the first use is being served waits for it and gets its outcome, without running the handler again', async () => {
    const payload = await paymentFor('call');
    const before = await balances();
    let entered;
    const inHandler = new Promise((resolve) => { entered = resolve; });
    let release;
    const released = new Promise((resolve) => { release = resolve; });
    let runs = 0;
    const serve = async () => {
      runs += 1;
      entered();
      await released;
      return { ok: true, response: { status: 200, body: { slow: true } }, bytes: 16 };
    };
    const first = pay(payload, serve);
    await inHandler;
    const second = pay(payload, serve);
    release();
    const [a, b] = await Promise.all([first, second]);
    assert.equal(a.kind, 'served');
    assert.equal(a.replayed, false);
    assert.equal(b.kind, 'served');
    assert.equal(b.replayed, true);
    assert.equal(b.settlement.transaction, a.settlement.transaction);
    assert.equal(runs, 1);
    assert.deepEqual(await balances(), [before[0] - CALL_PRICE, before[1] + CALL_PRICE]);
  });

  test('a handler that fails charges nothing (unsettled), and the same payment then pays for a successful retry once', async () => {
    const payload = await paymentFor('session');
    const before = await balances();
    const failing = handler({ error: 'boom' }, { ok: false });
    const outcome = await pay(payload, failing.serve);
    assert.equal(outcome.kind, 'unsettled', JSON.stringify(outcome));
    assert.equal(outcome.response.status, 500);
    assert.equal(failing.calls.length, 1);
    assert.equal(failing.calls[0].kind, 'session');
    assert.equal(ledger.get(failing.calls[0].id).status, 'failed');
    assert.deepEqual(await balances(), before, 'a failed handler is not charged');

    const working = handler({ session: 'ok' });
    const retry = await pay(payload, working.serve);
    assert.equal(retry.kind, 'served', JSON.stringify(retry));
    assert.equal(working.calls.length, 1);
    assert.equal(ledger.get(working.calls[0].id).status, 'settled');
    assert.equal(ledger.get(working.calls[0].id).kind, 'session');
    assert.deepEqual(await balances(), [before[0] - SESSION_PRICE, before[1] + SESSION_PRICE]);
  });
});
