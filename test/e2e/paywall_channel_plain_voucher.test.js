// The plain-voucher path (lib/paywall/channel_plain_voucher.js) against the
// official x402 pipeline it stands in for: two paywalls on the devnet (the
// real facilitator's /supported, the official server scheme, the official
// file channel storage each), the same channel state written into both
// storages, the same voucher paid on one through the paywall (which takes
// the plain path: the official verifyPayment is never called) and on the
// other through the official pipeline (payOfficially: verifyPayment, the
// handler, settlePayment). Compared: the outcome, the PAYMENT-RESPONSE
// header decoded, the channel state while the handler runs and after, on
// random channel states and amounts; then the refusals the plain path makes
// itself (a channel another request holds, a failing or throwing handler).
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';

import { decodePaymentResponseHeader, encodePaymentResponseHeader } from '@x402/core/http';

import { Signer } from '../../lib/index.js';
import { BATCH_SETTLEMENT_ADDRESS, channelIdOf, signVoucher } from '../../lib/channels/voucher.js';
import { payOfficially } from '../../lib/paywall/channel_payment.js';
import { paymentResponseHeader } from '../../lib/paywall/payment_headers.js';
import { startWorld } from '../../lib/devnet/world.js';
import { startChannelSeller } from './support/channel_seller.js';

const PRICE = BigInt(randomInt(1, 1_000_000));
const SEED = randomInt(2 ** 31);
let state = SEED;
const next = (n) => {
  state = (Math.imul(state, 1103515245) + 12345) >>> 0;
  return BigInt(state % 0x7fffffff) % BigInt(n);
};
// Timestamps and the reservation's random id differ between any two runs.
const comparable = (channel) => {
  if (!channel) return channel;
  const { lastRequestTimestamp, pendingRequest, ...rest } = channel;
  assert.equal(typeof lastRequestTimestamp, 'number');
  return pendingRequest ? { ...rest, pendingRequest: { signedMaxClaimable: pendingRequest.signedMaxClaimable } } : rest;
};

describe(`the plain-voucher path answers as the official pipeline does (price ${PRICE}, seed ${SEED})`, { timeout: 180_000 }, () => {
  let world;
  let dir;
  let plain;
  let official;
  let payer;
  let authorizer;
  let payTo;
  let where;
  let verifyCalls = 0;

  before(async () => {
    world = await startWorld();
    dir = await mkdtemp(join(tmpdir(), 'clawpay-plain-voucher-'));
    payer = Signer.generate();
    authorizer = Signer.fromPrivateKey(world.chain.accounts[5].privateKey);
    payTo = Signer.generate();
    const options = {
      facilitatorUrl: world.facilitator.url, token: world.token, network: world.chain.network, payTo: payTo.address,
      authorizer, price: PRICE, minDeposit: PRICE,
    };
    plain = await startChannelSeller({ ...options, directory: join(dir, 'plain') });
    official = await startChannelSeller({ ...options, directory: join(dir, 'official') });
    // The plain path must never reach the official verifyPayment.
    const resourceServer = plain.paywall.engine.resourceServer;
    const verify = resourceServer.verifyPayment.bind(resourceServer);
    resourceServer.verifyPayment = (...args) => {
      verifyCalls += 1;
      return verify(...args);
    };
    where = { chainId: world.chain.chainId, verifyingContract: BATCH_SETTLEMENT_ADDRESS };
  });

  after(async () => {
    // The seeded channels are not on chain: nothing for the shutdown claim.
    for (const seller of [plain, official].filter(Boolean)) {
      for (const channel of await seller.paywall.channels.storage.list()) {
        await seller.paywall.channels.storage.updateChannel(channel.channelId, () => undefined);
      }
    }
    await plain?.stop();
    await official?.stop();
    await world?.stop();
    for (const s of [payer, authorizer, payTo]) s?.destroy();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const [routeOf, requirementOf] = [
    (seller) => seller.paywall.routes[0],
    async (seller) => (await seller.paywall.engine.offers(seller.paywall.routes[0]))[0].requirement,
  ];

  // A channel of the payer's with a random state, written into both storages.
  async function seedChannel({ pendingRequest } = {}) {
    const channelConfig = {
      payer: payer.address, payerAuthorizer: payer.address, receiver: payTo.address, receiverAuthorizer: authorizer.address,
      token: world.token.address, withdrawDelay: 900, salt: `0x${randomBytes(32).toString('hex')}`,
    };
    const channelId = channelIdOf(channelConfig, where);
    // Room for the two requests a test makes on it: charged + 2 × price within the deposit.
    const balance = 2n * PRICE + next(10n ** 12n);
    const charged = next(balance - 2n * PRICE + 1n);
    const channel = {
      channelId, channelConfig, chargedCumulativeAmount: String(charged), signedMaxClaimable: String(charged),
      signature: signVoucher(payer, { channelId, maxClaimableAmount: charged }, where),
      balance: String(balance), totalClaimed: String(charged === 0n ? 0n : next(charged)),
      withdrawRequestedAt: next(3n) === 0n ? Number(1_700_000_000n + next(10n ** 8n)) : 0, refundNonce: Number(next(4n)),
      onchainSyncedAt: Date.now(), lastRequestTimestamp: Date.now(), ...(pendingRequest ? { pendingRequest } : {}),
    };
    for (const seller of [plain, official]) await seller.paywall.channels.storage.updateChannel(channelId, () => structuredClone(channel));
    return { channelId, channelConfig, charged };
  }

  async function voucherPayload({ channelId, channelConfig }, amount) {
    return {
      x402Version: 2, accepted: await requirementOf(plain), resource: { url: plain.url },
      payload: { type: 'voucher', channelConfig, voucher: { channelId, maxClaimableAmount: String(amount), signature: signVoucher(payer, { channelId, maxClaimableAmount: amount }, where) } },
    };
  }

  // The handler: records the channel's stored state while it runs, then answers as told.
  const handler = (seller, channelId, seen, answer = 'ok') => async () => {
    seen.push(comparable(await seller.paywall.channels.storage.get(channelId)));
    if (answer === 'throw') throw new Error('the handler failed');
    const body = Buffer.from(JSON.stringify({ served: true }));
    return { ok: answer === 'ok', response: { status: answer === 'ok' ? 200 : 500, headers: { 'content-type': 'application/json' }, body }, bytes: body.length };
  };

  async function both(channel, amount, answer) {
    const payload = await voucherPayload(channel, amount);
    const seen = { plain: [], official: [] };
    const run = async (fn) => {
      try {
        return await fn();
      } catch (error) {
        return { threw: error.message };
      }
    };
    const before = verifyCalls;
    const ours = await run(() => plain.paywall.channels.pay({
      route: routeOf(plain), payload: structuredClone(payload), serve: handler(plain, channel.channelId, seen.plain, answer),
    }));
    assert.equal(verifyCalls, before, 'the plain path does not call the official verifyPayment');
    const theirs = await run(async () => payOfficially({
      resourceServer: official.paywall.engine.resourceServer, requirement: await requirementOf(official), route: routeOf(official),
      payload: structuredClone(payload), serve: handler(official, channel.channelId, seen.official, answer),
    }));
    const stored = await Promise.all([plain, official].map(async (s) => comparable(await s.paywall.channels.storage.get(channel.channelId))));
    return { ours, theirs, seen, stored };
  }

  test('a plain voucher on random channel states: the same outcome, PAYMENT-RESPONSE and channel state, during the handler and after', async () => {
    assert.deepEqual(await requirementOf(plain), await requirementOf(official));
    for (let i = 0; i < 40; i++) {
      const channel = await seedChannel();
      // Two requests in a row on each channel: the second builds on the first's commit.
      for (const step of [1n, 2n]) {
        const { ours, theirs, seen, stored } = await both(channel, channel.charged + step * PRICE);
        assert.equal(ours.kind, 'served', JSON.stringify(ours));
        assert.equal(theirs.kind, 'served', JSON.stringify(theirs));
        assert.deepEqual(ours.settlement, theirs.settlement);
        const header = paymentResponseHeader(ours.settlement);
        assert.equal(header, encodePaymentResponseHeader(theirs.settlement));
        const decoded = decodePaymentResponseHeader(header);
        assert.equal(decoded.extra.channelState.chargedCumulativeAmount, String(channel.charged + step * PRICE));
        assert.equal(decoded.extra.chargedAmount, String(PRICE));
        assert.equal(decoded.payer, payer.address.toLowerCase());
        assert.deepEqual(seen.plain, seen.official);
        assert.ok(seen.plain[0].pendingRequest, 'the channel is reserved while the handler runs');
        assert.deepEqual(stored[0], stored[1]);
        assert.equal(stored[0].chargedCumulativeAmount, String(channel.charged + step * PRICE));
        assert.equal(stored[0].pendingRequest, undefined);
        assert.deepEqual(ours.response, theirs.response);
      }
    }
  });

  test('a handler that fails or throws: nothing charged, the reservation released, on both paths alike', async () => {
    for (const answer of ['fail', 'throw']) {
      const channel = await seedChannel();
      const { ours, theirs, seen, stored } = await both(channel, channel.charged + PRICE, answer);
      if (answer === 'fail') {
        assert.equal(ours.kind, 'unsettled');
        assert.deepEqual(ours, theirs);
      } else {
        assert.deepEqual(ours, { threw: 'the handler failed' });
        assert.deepEqual(theirs, ours);
      }
      assert.deepEqual(seen.plain, seen.official);
      assert.deepEqual(stored[0], stored[1]);
      assert.equal(stored[0].chargedCumulativeAmount, String(channel.charged));
      assert.equal(stored[0].pendingRequest, undefined);
    }
  });

  test('a channel another request holds: refused channel_busy with the official text, the holder\'s reservation untouched', async () => {
    const pendingRequest = { pendingId: `0x${'77'.repeat(32)}`, signedMaxClaimable: '1', expiresAt: Date.now() + 60_000 };
    const channel = await seedChannel({ pendingRequest });
    const { ours, theirs, seen, stored } = await both(channel, channel.charged + PRICE);
    assert.equal(ours.kind, 'refused');
    assert.equal(ours.status, 402);
    assert.equal(ours.error, 'invalid_batch_settlement_evm_channel_busy');
    for (const key of ['kind', 'status', 'error', 'message']) assert.equal(ours[key], theirs[key], key);
    assert.deepEqual(seen, { plain: [], official: [] });
    assert.deepEqual(stored[0], stored[1]);
    const held = await plain.paywall.channels.storage.get(channel.channelId);
    assert.deepEqual(held.pendingRequest, pendingRequest);
  });
});
