// A channel session's corrective 402s, between clawpay-native/pay and the
// official batch-settlement server with a proxy in between
// (support/channel_proxy.js): a seller claiming more than we signed, or
// carrying a voucher we never signed, is refused — the session and channel
// closed, nothing more signed; an honest correction after a lost response is
// accepted and the next voucher is right. Concurrent calls on one channel
// never sign two vouchers for the same amount. A deposit whose answer was
// lost is resumed from the chain on the retry, never made twice; one that
// never landed is unknown (fail closed) until its authorization expired
// unused, then released. Money asserted on chain.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { decodePaymentResponseHeader } from '@x402/core/http';

import { Signer } from '../../lib/index.js';
import { usdcBalance } from '../../lib/devnet/token.js';
import { DEPOSITED_EVENT } from './support/official_channel_buyer.js';
import { startOfficialChannelWorld } from './support/channel_parties.js';

const PRICE = 1_000n;
const DEPOSIT = PRICE * 40n;

describe('channel sessions: corrective 402s judged against what we signed', { timeout: 240_000 }, () => {
  let world;
  let seller;
  let proxy;
  let parties;
  let receiver;
  let made;

  const balance = (address) => usdcBalance({ chain: world.chain, token: world.token, address });
  const freshPayer = (options) => parties.freshPayer(options);

  before(async () => {
    made = await startOfficialChannelWorld({ price: PRICE, minDeposit: PRICE * 10n, proxy: true, prefix: 'clawpay-channel-hostile-' });
    ({ world, seller, proxy, parties } = made);
    receiver = parties.receiver;
  });

  after(() => made?.stop());

  test('a corrective 402 claiming more than we signed is refused: session and channel closed, nothing more signed', async () => {
    const { payer } = await freshPayer();
    const session = await payer.startSession(proxy.url, { deposit: DEPOSIT });
    for (let i = 0; i < 3; i++) assert.equal((await session.fetch(proxy.url)).status, 200);
    const signedBefore = session.status().channel.signed;
    assert.equal(signedBefore, 4n * PRICE);
    const sent = proxy.vouchers.length;

    proxy.next('lie', { charged: signedBefore + 10n * PRICE });
    const lied = await session.fetch(proxy.url);
    assert.equal(lied.status, 402);
    assert.equal(lied.counted, false);
    assert.match(lied.refused, /claims 14000 base units charged on channel 0x[0-9a-f]{8}…, more than the 5000 this wallet ever signed/);
    assert.equal(proxy.vouchers.length, sent + 1, 'only the voucher the lie answered');
    const status = session.status();
    assert.equal(status.state, 'refused');
    assert.equal(status.channel.state, 'refused');
    assert.equal(status.channel.signed, 5n * PRICE, 'the refused answer moved nothing');
    await assert.rejects(session.fetch(proxy.url), { code: 'ERR_SESSION_REFUSED' });
    // Another session with the same seller would reuse the refused channel: refused before signing.
    await assert.rejects(payer.startSession(proxy.url, { deposit: DEPOSIT }), { code: 'ERR_CHANNEL_REFUSED' });
    assert.equal(proxy.vouchers.length, sent + 1, 'nothing more was signed');
  });

  test('a corrective 402 carrying a voucher signature of another key is refused', async () => {
    const { payer } = await freshPayer();
    const session = await payer.startSession(proxy.url, { deposit: DEPOSIT });
    assert.equal((await session.fetch(proxy.url)).status, 200);
    const impostor = Signer.generate();
    try {
      proxy.next('forge', { charged: PRICE, signer: impostor });
      const forged = await session.fetch(proxy.url);
      assert.equal(forged.status, 402);
      assert.match(forged.refused, /carries a voucher for 1000 on channel 0x[0-9a-f]{8}… that this wallet did not sign/);
      assert.equal(session.status().state, 'refused');
    } finally {
      impostor.destroy();
    }
  });

  test('a lost response: the seller\'s honest correction is accepted, the next voucher is right, and the money is exact', async () => {
    const { payer, buyer } = await freshPayer();
    const before = await balance(buyer.address);
    const receiverBefore = await balance(receiver.address);
    const servedBefore = seller.served();
    const session = await payer.startSession(proxy.url, { deposit: DEPOSIT });
    assert.equal((await session.fetch(proxy.url)).status, 200); // 2 × price charged
    proxy.next('drop');
    await assert.rejects(session.fetch(proxy.url), (error) => error.code === 'ERR_FETCH_FAILED' || error.code === 'ERR_TIMEOUT');
    // The seller served and charged the third request; we never heard.
    assert.equal(seller.served() - servedBefore, 3);
    assert.equal(session.status().channel.charged, 2n * PRICE);
    const vouchersBefore = proxy.vouchers.length;
    const next = await session.fetch(proxy.url);
    assert.equal(next.status, 200, await next.clone().text());
    assert.equal(decodePaymentResponseHeader(next.headers.get('payment-response')).extra.channelState.chargedCumulativeAmount, String(4n * PRICE));
    // First the same 3 × price again (never below one given), corrected, then 4 × price.
    assert.deepEqual(proxy.vouchers.slice(vouchersBefore).map((v) => v.amount), [3n * PRICE, 4n * PRICE]);
    assert.equal(session.status().channel.charged, 4n * PRICE);

    const ended = await session.end();
    assert.equal(ended.refund.error, null);
    assert.equal(ended.refund.refunded, DEPOSIT - 4n * PRICE);
    await seller.manager.settle();
    assert.equal(await balance(buyer.address), before - 4n * PRICE);
    assert.equal(await balance(receiver.address), receiverBefore + 4n * PRICE);
  });

  test('concurrent calls on one channel are serialised: every voucher a distinct cumulative amount', async () => {
    const { payer } = await freshPayer();
    const session = await payer.startSession(proxy.url, { deposit: DEPOSIT });
    const from = proxy.vouchers.length;
    const answers = await Promise.all(Array.from({ length: 8 }, () => session.fetch(proxy.url)));
    assert.deepEqual(answers.map((a) => a.status), Array(8).fill(200));
    const amounts = proxy.vouchers.slice(from).map((v) => v.amount);
    assert.deepEqual(amounts, Array.from({ length: 8 }, (_, i) => BigInt(i + 2) * PRICE));
    assert.equal(session.status().channel.charged, 9n * PRICE);
    assert.equal((await session.end()).refund.refunded, DEPOSIT - 9n * PRICE);
  });

  const noAnswer = (error) => error.code === 'ERR_FETCH_FAILED' || error.code === 'ERR_TIMEOUT';
  const depositsSince = (fromBlock) => world.chain.publicClient.getLogs({ address: world.batchSettlement.address, event: DEPOSITED_EVENT, fromBlock });

  test('a deposit whose answer was lost is resumed by the retry: one deposit on chain, counted once, money exact after the refund', async () => {
    const { payer, buyer } = await freshPayer();
    const before = await balance(buyer.address);
    await seller.manager.settle(); // what earlier tests' refunds claimed
    const receiverBefore = await balance(receiver.address);
    const servedBefore = seller.served();
    const fromBlock = await world.chain.publicClient.getBlockNumber();
    proxy.next('drop', { type: 'deposit' });
    await assert.rejects(payer.startSession(proxy.url, { deposit: DEPOSIT }), noAnswer);
    // The seller settled the deposit and served the request; we never heard.
    assert.equal((await depositsSince(fromBlock)).length, 1);
    assert.equal(seller.served() - servedBefore, 1);
    assert.equal(await balance(buyer.address), before - DEPOSIT);
    assert.equal((await payer.spend()).today.total, DEPOSIT);

    const session = await payer.startSession(proxy.url, { deposit: DEPOSIT });
    assert.equal(session.kind, 'channel');
    assert.equal(session.response.status, 200);
    assert.equal(session.payment.status, 'settled');
    assert.equal(session.payment.amount, DEPOSIT);
    const deposits = await depositsSince(fromBlock);
    assert.equal(deposits.length, 1, 'the retry made no second deposit');
    assert.equal(deposits[0].args.channelId, session.status().channel.fullId);
    assert.equal(deposits[0].args.amount, DEPOSIT);
    // The lost request was charged by the seller, the retry's is the next: 2 × price.
    assert.equal(session.status().channel.charged, 2n * PRICE);
    assert.equal((await payer.spend()).today.total, DEPOSIT, 'the deposit is counted once');
    const calls = 5;
    for (let i = 0; i < calls; i++) assert.equal((await session.fetch(proxy.url)).status, 200);
    const used = BigInt(calls + 2) * PRICE;
    assert.equal(session.status().channel.charged, used);

    const ended = await session.end();
    assert.equal(ended.refund.error, null);
    assert.equal(ended.refund.refunded, DEPOSIT - used);
    await seller.manager.settle();
    assert.equal(await balance(buyer.address), before - used);
    assert.equal(await balance(receiver.address), receiverBefore + used);
    const spent = await payer.spend();
    assert.equal(spent.today.total, used);
    assert.equal(spent.total, used);
    assert.equal(spent.count, 1);
    assert.equal((await depositsSince(fromBlock)).length, 1);
  });

  test('a deposit that never reached the seller: unknown while its authorization may land (nothing signed), released once it expired unused; then one new deposit', async () => {
    let clock = Date.now();
    const { payer, buyer } = await freshPayer({ now: () => clock });
    const before = await balance(buyer.address);
    const fromBlock = await world.chain.publicClient.getBlockNumber();
    proxy.next('swallow', { type: 'deposit' });
    await assert.rejects(payer.startSession(proxy.url, { deposit: DEPOSIT }), noAnswer);
    assert.equal((await payer.spend()).today.total, DEPOSIT, 'held while it may still land');
    const sent = proxy.vouchers.length;

    await assert.rejects(payer.startSession(proxy.url, { deposit: DEPOSIT }), (error) => {
      assert.equal(error.code, 'ERR_CHANNEL_DEPOSIT_UNKNOWN');
      assert.match(error.message, /the deposit of 40000 base units on channel 0x[0-9a-f]{8}… was sent and the chain does not show it landed \(its authorization is valid until \d{4}-\d\d-\d\dT[^)]+\); nothing new was signed\. Retry after that time/);
      assert.match(error.message, /clawpay payments cancel [0-9a-f-]{36}/);
      assert.doesNotMatch(error.message, /[0-9a-f]{64}/i);
      return true;
    });
    assert.equal(proxy.vouchers.length, sent, 'nothing was sent');
    assert.equal((await depositsSince(fromBlock)).length, 0);
    assert.equal((await payer.spend()).today.total, DEPOSIT);

    clock += 10 * 60_000; // past the authorization's validBefore: unused on chain, so it can never land
    const session = await payer.startSession(proxy.url, { deposit: DEPOSIT });
    assert.equal(session.response.status, 200);
    assert.equal((await depositsSince(fromBlock)).length, 1);
    assert.equal((await payer.spend()).today.total, DEPOSIT, 'the lost deposit released, the new one counted');
    for (let i = 0; i < 2; i++) assert.equal((await session.fetch(proxy.url)).status, 200);
    const ended = await session.end();
    assert.equal(ended.refund.refunded, DEPOSIT - 3n * PRICE);
    assert.equal(await balance(buyer.address), before - 3n * PRICE);
    assert.equal((await payer.spend()).today.total, 3n * PRICE);
  });
});
