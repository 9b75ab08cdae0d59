// clawpay-mcp's session tools as views of a channel session: the official MCP
// client over stdio starts a session on the official batch-settlement
// server's route (x402_session_start with a deposit), pays N requests with
// x402_session_fetch (one voucher each, no transaction), reads
// x402_session_status, and ends with x402_session_end (the refund, mined);
// x402_pay to a URL a live channel session covers pays by voucher too, moving
// no money per call. Balances on chain exact.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { usdcBalance } from '../../lib/devnet/token.js';
import { describeWorld } from '../../lib/devnet/world.js';
import { passTime, startOfficialChannelWorld } from './support/channel_parties.js';
import { launchClawpay } from './support/clawpay_child.js';

const PRICE = 1_000n;
const CALLS = 20;
const DEPOSIT = 50_000n; // "0.05"

describe('clawpay-mcp pays the official batch-settlement server through a channel session', { timeout: 240_000 }, () => {
  let world;
  let seller;
  let proxy;
  let mcp;
  let receiver;
  let made;

  const balance = (address) => usdcBalance({ chain: world.chain, token: world.token, address });

  before(async () => {
    made = await startOfficialChannelWorld({ price: PRICE, minDeposit: PRICE * 10n, proxy: true });
    ({ world, seller, proxy } = made);
    receiver = made.parties.receiver;
    const stateDir = await made.parties.tempDir('clawpay-mcp-channel-');
    mcp = await launchClawpay({ ...describeWorld(world).mcpEnv, CLAWPAY_STATE_DIR: stateDir, HOME: stateDir });
  });

  after(async () => {
    await mcp?.close().catch(() => {});
    await made?.stop();
  });

  test(`x402_session_start deposits once, ${CALLS} x402_session_fetch calls pay by voucher, x402_session_end refunds the rest, exact on chain`, async () => {
    const start = await balance(world.payer.address);
    const started = await mcp.callOk('x402_session_start', { endpoint: seller.url, deposit: '0.05' });
    const { sessionId, session, payment } = started.structuredContent;
    assert.equal(session.kind, 'channel');
    assert.equal(payment.amount, String(DEPOSIT));
    assert.deepEqual({ ...session.channel, channelId: undefined }, {
      channelId: undefined, state: 'open', deposit: String(DEPOSIT), charged: String(PRICE), remaining: String(DEPOSIT - PRICE), price: String(PRICE), refunded: '0',
    });
    assert.match(session.channel.channelId, /^0x[0-9a-f]{8}…$/);
    const text = started.content[0].text;
    assert.match(text, /Kind: +channel \(batch-settlement/);
    assert.match(text, /Deposit: +0\.05 /);
    assert.ok(text.includes(session.channel.channelId));
    // The deposit's transaction hash is the only 64-hex-digit run: the channel id is never shown whole.
    assert.doesNotMatch(text.replaceAll(payment.transaction, ''), /[0-9a-f]{64}/i);

    for (let i = 2; i <= CALLS; i++) {
      const fetched = await mcp.callOk('x402_session_fetch', { session_id: sessionId, url: seller.url });
      assert.equal(fetched.structuredContent.status, 200);
      assert.equal(fetched.structuredContent.session.channel.charged, String(PRICE * BigInt(i)));
      assert.match(fetched.content[0].text, /Paid by a voucher on the channel's deposit/);
    }
    assert.equal(seller.served(), CALLS);
    assert.equal(await balance(world.payer.address), start - DEPOSIT);

    const status = await mcp.callOk('x402_session_status', { session_id: sessionId });
    assert.equal(status.structuredContent.session.channel.remaining, String(DEPOSIT - PRICE * BigInt(CALLS)));
    assert.match(status.content[0].text, /Payment Channel \(batch-settlement\)/);

    const ended = await mcp.callOk('x402_session_end', { session_id: sessionId });
    assert.equal(ended.structuredContent.kind, 'channel');
    assert.equal(ended.structuredContent.refund.error, null);
    assert.equal(ended.structuredContent.refund.refunded, String(DEPOSIT - PRICE * BigInt(CALLS)));
    assert.match(ended.content[0].text, /Refund: 0\.03 USD Coin back to the wallet/);
    await seller.manager.settle();
    assert.equal(await balance(world.payer.address), start - PRICE * BigInt(CALLS));
    assert.equal(await balance(receiver.address), PRICE * BigInt(CALLS));
  });

  test('x402_pay to a URL a live channel session covers pays by its next voucher: no new money per call, exact on chain after the refund', async () => {
    const start = await balance(world.payer.address);
    const receiverStart = await balance(receiver.address);
    const servedStart = seller.served();
    const started = await mcp.callOk('x402_session_start', { endpoint: seller.url, deposit: '0.05' });
    const { sessionId } = started.structuredContent;
    // The same channel as the last test's, topped up: its running total goes on from there.
    const base = BigInt(started.structuredContent.session.channel.charged) - PRICE;
    const calls = 10;
    for (let i = 2; i <= calls; i++) {
      const paid = await mcp.callOk('x402_pay', { url: seller.url });
      assert.equal(paid.structuredContent.status, 200);
      assert.equal(paid.structuredContent.payment, null, 'nothing paid per call');
      assert.equal(paid.structuredContent.session.sessionId, sessionId);
      assert.equal(paid.structuredContent.session.channel.charged, String(base + PRICE * BigInt(i)));
      assert.match(paid.content[0].text, /Session Used \(paid by a voucher on the channel's deposit; no new payment\)/);
      // The deposit alone left the wallet: vouchers move no money until the seller claims.
      assert.equal(await balance(world.payer.address), start - DEPOSIT);
    }
    assert.equal(seller.served() - servedStart, calls);
    const used = PRICE * BigInt(calls);
    const ended = await mcp.callOk('x402_session_end', { session_id: sessionId });
    assert.equal(ended.structuredContent.refund.refunded, String(DEPOSIT - used));
    await seller.manager.settle();
    assert.equal(await balance(world.payer.address), start - used);
    assert.equal(await balance(receiver.address), receiverStart + used);
  });

  test('x402_session_start with top_up: when the deposit runs out the channel is topped up, counted when made; exact on chain after the refund', async () => {
    const start = await balance(world.payer.address);
    const receiverStart = await balance(receiver.address);
    const small = PRICE * 10n; // the seller's minimum deposit, "0.01"
    const started = await mcp.callOk('x402_session_start', { endpoint: seller.url, deposit: '0.01', top_up: '0.01' });
    const { sessionId } = started.structuredContent;
    const base = BigInt(started.structuredContent.session.channel.charged) - PRICE;
    const held = BigInt(started.structuredContent.session.channel.deposit);
    const calls = 15;
    const toppedUp = [];
    for (let i = 2; i <= calls; i++) {
      const fetched = await mcp.callOk('x402_session_fetch', { session_id: sessionId, url: seller.url });
      assert.equal(fetched.structuredContent.session.channel.charged, String(base + PRICE * BigInt(i)));
      if (fetched.structuredContent.payment !== null) toppedUp.push({ i, fetched });
    }
    // The one call that carried the top-up shows its deposit as its payment; every other call's is null.
    assert.equal(toppedUp.length, 1);
    const { payment } = toppedUp[0].fetched.structuredContent;
    assert.equal(payment.amount, String(small));
    assert.equal(payment.status, 'settled');
    assert.match(payment.transaction, /^0x[0-9a-f]{64}$/);
    assert.match(toppedUp[0].fetched.content[0].text, /Top-up deposit \(the channel ran low\)\n  Amount:    0\.01 /);
    const status = await mcp.callOk('x402_session_status', { session_id: sessionId });
    assert.equal(status.structuredContent.session.channel.deposit, String(held + small), 'one top-up of 0.01');
    assert.equal(await balance(world.payer.address), start - 2n * small);
    const used = PRICE * BigInt(calls);
    const ended = await mcp.callOk('x402_session_end', { session_id: sessionId });
    assert.equal(ended.structuredContent.refund.refunded, String(2n * small - used));
    await seller.manager.settle();
    assert.equal(await balance(world.payer.address), start - used);
    assert.equal(await balance(receiver.address), receiverStart + used);
  });

  // Last: the channel it refuses is the one the tests above used (same wallet, same seller); the clock moves.
  test('x402_session_end of a channel refused for a lying seller makes no refund and takes the deposit back by the timed withdrawal, a step per call; exact on chain', async () => {
    const start = await balance(world.payer.address);
    const receiverStart = await balance(receiver.address);
    const started = await mcp.callOk('x402_session_start', { endpoint: proxy.url, deposit: '0.02' });
    const { sessionId, session } = started.structuredContent;
    const short = session.channel.channelId;
    assert.equal((await mcp.callOk('x402_session_fetch', { session_id: sessionId, url: proxy.url })).structuredContent.status, 200);
    proxy.next('lie', { charged: 500n * PRICE });
    const lied = await mcp.call('x402_session_fetch', { session_id: sessionId, url: proxy.url });
    assert.equal(lied.isError, true);
    assert.match(lied.content[0].text, /more than the \d+ this wallet ever signed/);
    assert.ok(lied.content[0].text.includes('the unused deposit stays in the channel: call x402_session_end on this session to take it back on chain by the contract\'s timed withdrawal ' +
      `(once to start it, again after its delay to collect; the wallet pays the gas), or run \`clawpay channel withdraw ${short}\``), lied.content[0].text);

    // Without ETH for the gas: a failure naming it, with a stable code; nothing sent.
    const eth = await world.chain.publicClient.getBalance({ address: world.payer.address });
    const setEth = (wei) => world.chain.publicClient.request({ method: 'anvil_setBalance', params: [world.payer.address, `0x${wei.toString(16)}`] });
    await setEth(0n);
    const noGas = await mcp.call('x402_session_end', { session_id: sessionId });
    await setEth(eth);
    assert.equal(noGas.isError, true);
    assert.equal(noGas.structuredContent.error, 'no_gas');
    assert.equal(noGas.structuredContent.withdrawal.action, 'failed');
    assert.match(noGas.content[0].text, /Withdrawal: NOT made \(0x[0-9a-fA-F]{40} holds no ETH on eip155:\d+ to pay the gas of initiateWithdraw; fund it and run withdraw again\. Nothing was sent\)/);

    const initiated = await mcp.callOk('x402_session_end', { session_id: sessionId });
    assert.equal(initiated.structuredContent.alreadyEnded, true);
    assert.equal(initiated.structuredContent.session.channel.state, 'withdrawing');
    const { withdrawal } = initiated.structuredContent;
    assert.equal(withdrawal.action, 'initiated');
    assert.equal(withdrawal.amount, '20000', 'all of the 0.02 deposit is unclaimed');
    assert.match(withdrawal.transaction, /^0x[0-9a-f]{64}$/);
    let text = initiated.content[0].text;
    assert.match(text, /was already refused by the server/);
    assert.match(text, /Refund: none from this seller\.\nWithdrawal: started the contract's timed withdrawal of 0\.02 USD Coin from channel 0x[0-9a-f]{8}… \(tx 0x[0-9a-f]{64}, mined; the wallet paid the gas\)/);
    assert.match(text, /call x402_session_end on this session again after then to collect the rest/);
    assert.doesNotMatch(text.replaceAll(withdrawal.transaction, ''), /[0-9a-f]{64}/i);

    const waiting = await mcp.callOk('x402_session_end', { session_id: sessionId });
    assert.deepEqual(waiting.structuredContent.withdrawal, { ...withdrawal, action: 'waiting', transaction: null });
    assert.match(waiting.content[0].text, /can be collected after \d{4}-\d\d-\d\dT[\d:.]+Z \(chain time\); nothing was sent/);

    // The seller claims the two requests it served with the vouchers it holds; then the delay passes on chain.
    await seller.manager.claim();
    await seller.manager.settle();
    const now = Number((await world.chain.publicClient.getBlock()).timestamp);
    await passTime(world, withdrawal.finalizeAfter - now + 1);
    const finalized = await mcp.callOk('x402_session_end', { session_id: sessionId });
    assert.equal(finalized.structuredContent.withdrawal.action, 'finalized');
    assert.equal(finalized.structuredContent.withdrawal.amount, String(20_000n - 2n * PRICE));
    text = finalized.content[0].text;
    assert.match(text, /Withdrawal: collected 0\.018 USD Coin from channel .* back to the wallet \(tx 0x[0-9a-f]{64}, mined\); it is back in the day's budget/);
    assert.equal(await balance(world.payer.address), start - 2n * PRICE);
    assert.equal(await balance(receiver.address), receiverStart + 2n * PRICE);

    const none = await mcp.callOk('x402_session_end', { session_id: sessionId });
    assert.equal(none.structuredContent.withdrawal.action, 'none');
    assert.equal(none.structuredContent.session.channel.state, 'refused');
    assert.equal(await balance(world.payer.address), start - 2n * PRICE, 'nothing more moved');
  });
});
