// clawpay-native/pay's channel session against our own paywall's
// batch-settlement route (support/channel_seller.js): one deposit, 20
// requests on native vouchers, the paywall's batched claim, our refund; the
// money on chain to the base unit.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { usdcBalance } from '../../lib/devnet/token.js';
import { startWorld } from '../../lib/devnet/world.js';
import { channelParties } from './support/channel_parties.js';
import { startChannelSeller } from './support/channel_seller.js';

const PRICE = 2_500n;
const CALLS = 20;
const DEPOSIT = PRICE * 30n;

describe('clawpay-native/pay channel sessions with our paywall\'s channel route', { timeout: 180_000 }, () => {
  let world;
  let seller;
  let parties;
  let buyer;
  let receiver;
  let payer;

  const balance = (address) => usdcBalance({ chain: world.chain, token: world.token, address });

  before(async () => {
    world = await startWorld();
    parties = channelParties(world);
    receiver = parties.receiver;
    const directory = await parties.tempDir('clawpay-paywall-channel-');
    seller = await startChannelSeller({
      facilitatorUrl: world.facilitator.url, token: world.token, network: world.chain.network, payTo: receiver.address,
      directory, authorizer: parties.authorizer, price: PRICE, minDeposit: PRICE * 10n,
    });
    ({ payer, buyer } = await parties.freshPayer());
  });

  after(async () => {
    await seller?.stop();
    await parties?.close();
    await world?.stop();
  });

  test(`${CALLS} requests on one deposit; the paywall's claim and our refund leave exactly ${CALLS} × price moved`, async () => {
    const start = await balance(buyer.address);
    const session = await payer.startSession(seller.url, { deposit: DEPOSIT });
    assert.equal(session.kind, 'channel');
    assert.equal(session.response.status, 200);
    // payer.fetch uses the live channel session covering the URL: a voucher, no payment of its own.
    const viaPayer = await payer.fetch(seller.url);
    assert.equal(viaPayer.status, 200);
    assert.equal(viaPayer.payment, null);
    assert.equal(viaPayer.session.id, session.id);
    assert.equal(viaPayer.session.channel.charged, 2n * PRICE);
    for (let i = 3; i <= CALLS; i++) {
      const response = await session.fetch(seller.url);
      assert.equal(response.status, 200, `call ${i}: ${await response.clone().text()}`);
      assert.equal(response.counted, true);
    }
    assert.equal(seller.served(), CALLS);
    assert.equal(session.status().channel.charged, PRICE * BigInt(CALLS));
    assert.equal(await balance(buyer.address), start - DEPOSIT);

    const { claims } = await seller.paywall.channels.claim();
    assert.equal(claims.length, 1);
    assert.equal(await balance(receiver.address), PRICE * BigInt(CALLS));
    const ended = await session.end();
    assert.equal(ended.refund.error, null);
    assert.equal(ended.refund.refunded, DEPOSIT - PRICE * BigInt(CALLS));
    assert.equal(await balance(buyer.address), start - PRICE * BigInt(CALLS));
    assert.equal(await balance(receiver.address), PRICE * BigInt(CALLS));
  });
});
