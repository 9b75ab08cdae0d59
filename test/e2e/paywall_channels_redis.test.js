// Two paywall replicas selling one batch-settlement route, their channel
// state in one real redis-server (RedisChannels: the official
// RedisChannelStorage over our client): the official client's channel opened
// on one replica is paid on the other; one voucher sent 10 times to each at
// once pays for one response; one replica's claim moves exactly what both
// served, and the other's finds nothing left.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { decodePaymentRequiredHeader, decodePaymentResponseHeader, encodePaymentSignatureHeader } from '@x402/core/http';
import { BATCH_SETTLEMENT_ADDRESS } from '@x402/evm';

import { Signer } from '../../lib/index.js';
import { signVoucher } from '../../lib/channels/voucher.js';
import { startRedisServer } from '../../lib/devnet/redis_server.js';
import { mintUsdCoin, usdcBalance } from '../../lib/devnet/token.js';
import { startWorld } from '../../lib/devnet/world.js';
import { RedisChannels } from '../../lib/paywall/redis_channel_storage.js';
import { startChannelSeller } from './support/channel_seller.js';
import { officialChannelBuyer } from './support/official_channel_buyer.js';

const PRICE = 1_000n;
const DEPOSIT = 50n * PRICE;

describe('two paywall replicas sharing channels in Redis', { timeout: 120_000 }, () => {
  let world;
  let redis;
  const signers = [];
  const replicas = [];
  const storages = [];

  before(async () => {
    world = await startWorld();
    redis = await startRedisServer(); // fails naming scripts/setup.sh when redis-server is absent
  });

  after(async () => {
    for (const replica of replicas) await replica.stop();
    for (const storage of storages) await storage.close();
    for (const s of signers) s.destroy();
    await redis?.stop();
    await world?.stop();
  });

  test('a channel opened on one replica is paid on the other; a voucher replayed 10× to each at once is served once; claims are exact and not repeated', async () => {
    const [minter, buyer, authorizer] = [0, 6, 5].map((i) => Signer.fromPrivateKey(world.chain.accounts[i].privateKey));
    const payee = Signer.generate();
    signers.push(minter, buyer, authorizer, payee);
    for (let i = 0; i < 2; i++) {
      const storage = new RedisChannels({ url: redis.url, prefix: 'replicas:' });
      storages.push(storage);
      await storage.ready;
      replicas.push(await startChannelSeller({
        facilitatorUrl: world.facilitator.url, token: world.token, network: world.chain.network, payTo: payee.address,
        storage, authorizer, price: PRICE, minDeposit: DEPOSIT, claimIntervalMs: 0,
      }));
    }
    const [a, b] = replicas;
    await mintUsdCoin({ chain: world.chain, token: world.token, owner: minter, to: buyer.address, amount: DEPOSIT });
    const official = officialChannelBuyer(world, buyer, { maxAmountPerPayment: DEPOSIT });

    // Deposit and two calls on A, two more on B: one running total.
    let channelId;
    for (const [url, expected] of [[a.url, 1n], [a.url, 2n], [b.url, 3n], [b.url, 4n]]) {
      const response = await official.pay(url);
      assert.equal(response.status, 200, await response.clone().text());
      const { channelState } = decodePaymentResponseHeader(response.headers.get('PAYMENT-RESPONSE')).extra;
      assert.equal(channelState.chargedCumulativeAmount, String(expected * PRICE));
      channelId = channelState.channelId;
    }
    assert.equal(a.served() + b.served(), 4);
    assert.equal((await storages[1].get(channelId)).chargedCumulativeAmount, String(4n * PRICE));

    // The fifth voucher, sent 10 times to each replica at once.
    const [requirements] = decodePaymentRequiredHeader((await fetch(a.url)).headers.get('PAYMENT-REQUIRED')).accepts;
    const maxClaimableAmount = String(5n * PRICE);
    const signature = signVoucher(buyer, { channelId, maxClaimableAmount }, { chainId: world.chain.chainId, verifyingContract: BATCH_SETTLEMENT_ADDRESS });
    const header = encodePaymentSignatureHeader({
      x402Version: 2, accepted: requirements, resource: { url: a.url },
      payload: { type: 'voucher', channelConfig: official.scheme.buildChannelConfig(requirements), voucher: { channelId, maxClaimableAmount, signature } },
    });
    const answers = await Promise.all([...Array(10).fill(a.url), ...Array(10).fill(b.url)]
      .map(async (url) => {
        const response = await fetch(url, { headers: { 'PAYMENT-SIGNATURE': header } });
        const required = response.headers.get('PAYMENT-REQUIRED');
        return { status: response.status, error: required ? decodePaymentRequiredHeader(required).error : null };
      }));
    const served = answers.filter((x) => x.status === 200);
    assert.equal(served.length, 1, JSON.stringify(answers));
    for (const refused of answers.filter((x) => x.status !== 200)) {
      assert.equal(refused.status, 402);
      assert.match(refused.error, /^invalid_batch_settlement_evm_(channel_busy|cumulative_amount_mismatch)$/);
    }
    assert.equal(a.served() + b.served(), 5);
    assert.equal((await storages[0].get(channelId)).chargedCumulativeAmount, String(5n * PRICE));

    // B claims what both served; A then finds nothing to claim.
    const byB = await b.paywall.channels.claim();
    assert.equal(byB.claims.length, 1);
    assert.equal(await usdcBalance({ chain: world.chain, token: world.token, address: payee.address }), 5n * PRICE);
    assert.deepEqual((await a.paywall.channels.claim()).claims, []);
    assert.equal(byB.settlements[0].receipt.amount, String(5n * PRICE));

    // The refund through A returns the rest.
    const refund = await official.scheme.refund(a.url);
    assert.equal(refund.success, true, JSON.stringify(refund));
    assert.equal(BigInt(refund.amount), DEPOSIT - 5n * PRICE);
    assert.equal(await usdcBalance({ chain: world.chain, token: world.token, address: buyer.address }), DEPOSIT - 5n * PRICE);
  });
});
