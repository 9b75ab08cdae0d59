// The buyer's channel state (lib/pay/channel_state.js) on a RecordStore: the
// next voucher is recorded before it is returned, never below one given nor
// above the balance; a corrective 402 is judged against what was signed.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Signer } from '../../lib/index.js';
import { channelIdOf, signVoucher } from '../../lib/channels/voucher.js';
import { checkCorrection, createChannelStates } from '../../lib/pay/channel_state.js';
import { RecordStore } from '../../lib/record_store.js';

const CHAIN_ID = 31337;
const PRICE = 1000n;

function setUp(fields = {}) {
  const payer = Signer.generate();
  const config = {
    payer: payer.address, payerAuthorizer: payer.address, receiver: `0x${'11'.repeat(20)}`, receiverAuthorizer: `0x${'22'.repeat(20)}`,
    token: `0x${'33'.repeat(20)}`, withdrawDelay: 900, salt: `0x${'0'.repeat(64)}`,
  };
  const channelId = channelIdOf(config, { chainId: CHAIN_ID });
  const store = new RecordStore();
  const states = createChannelStates({ store });
  states.change(channelId, () => ({
    channelId, network: `eip155:${CHAIN_ID}`, config, price: PRICE.toString(), state: 'open', balance: '5000', charged: '2000', signed: '2000',
    refunds: [], holds: [], ...fields,
  }));
  return { payer, channelId, states, store };
}

const corrective = (channelId, charged, voucherState) => ({
  x402Version: 2,
  accepts: [{ scheme: 'batch-settlement', extra: { channelState: { channelId, chargedCumulativeAmount: String(charged) }, ...(voucherState ? { voucherState } : {}) } }],
});

test('the next voucher is charged + price, on record before it is returned; never above the balance', () => {
  const { payer, channelId, states } = setUp();
  try {
    const { amount } = states.nextVoucher(channelId);
    assert.equal(amount, 3000n);
    assert.equal(states.get(channelId).signed, '3000');
    // Unconfirmed (a lost answer): the same amount again, never below it.
    assert.equal(states.nextVoucher(channelId).amount, 3000n);
    states.confirm(channelId, 3000n);
    assert.equal(states.nextVoucher(channelId).amount, 4000n);
    states.confirm(channelId, 4000n);
    assert.equal(states.nextVoucher(channelId).amount, 5000n);
    states.confirm(channelId, 5000n);
    assert.throws(() => states.nextVoucher(channelId), { code: 'ERR_CHANNEL_EXHAUSTED' });
    assert.equal(states.get(channelId).signed, '5000', 'a refused voucher is not recorded');
  } finally {
    payer.destroy();
  }
});

test('a voucher below one already given is refused, and a closed channel signs nothing', () => {
  const { payer, channelId, states } = setUp({ signed: '4000' });
  try {
    assert.throws(() => states.nextVoucher(channelId), { code: 'ERR_CHANNEL_STATE' });
    states.refuse(channelId, 'lied');
    assert.throws(() => states.nextVoucher(channelId), { code: 'ERR_CHANNEL_CLOSED' });
  } finally {
    payer.destroy();
  }
});

test('a corrective 402 is accepted only for our channel, within what we signed or our own signature proves, at most one request behind', () => {
  const { payer, channelId, states } = setUp({ signed: '3000' });
  const other = Signer.generate();
  try {
    const record = states.get(channelId);
    const ours = (amount) => ({ signedMaxClaimable: String(amount), signature: signVoucher(payer, { channelId, maxClaimableAmount: String(amount) }, { chainId: CHAIN_ID }) });
    assert.deepEqual(checkCorrection(record, corrective(channelId, 3000n, ours(3000n)), payer.address), { charged: 3000n });
    assert.deepEqual(checkCorrection(record, corrective(channelId, 2000n), payer.address), { charged: 2000n });
    assert.deepEqual(checkCorrection(record, { x402Version: 2, accepts: [{ scheme: 'batch-settlement', extra: {} }] }, payer.address), { state: null });
    assert.match(checkCorrection(record, corrective(`0x${'ab'.repeat(32)}`, 1000n), payer.address).refused, /another channel/);
    assert.match(checkCorrection(record, corrective(channelId, 4000n), payer.address).refused, /more than the 3000 this wallet ever signed/);
    const forged = { signedMaxClaimable: '3000', signature: signVoucher(other, { channelId, maxClaimableAmount: '3000' }, { chainId: CHAIN_ID }) };
    assert.match(checkCorrection(record, corrective(channelId, 3000n, forged), payer.address).refused, /did not sign/);
    assert.match(checkCorrection(record, corrective(channelId, 2000n, ours(1000n)), payer.address).refused, /below what it charged/);
    assert.match(checkCorrection(record, corrective(channelId, 2000n, ours(4000n)), payer.address).refused, /more than one request behind the 4000 signed/);
    // Our own signature for more than our records hold (a lost or restored state directory): the records catch up.
    assert.deepEqual(checkCorrection(record, corrective(channelId, 5000n, ours(5000n)), payer.address), { charged: 5000n, signed: 5000n, behindRecords: true });
    assert.deepEqual(checkCorrection(record, corrective(channelId, 5000n, ours(6000n)), payer.address), { charged: 5000n, signed: 6000n, behindRecords: true });
    const forgedMore = { signedMaxClaimable: '5000', signature: signVoucher(other, { channelId, maxClaimableAmount: '5000' }, { chainId: CHAIN_ID }) };
    assert.match(checkCorrection(record, corrective(channelId, 5000n, forgedMore), payer.address).refused, /did not sign/);
    assert.match(checkCorrection(record, corrective(channelId, 1000n), payer.address).refused, /more than one request behind/);
    // No message carries a 64-hex-digit run.
    for (const text of [checkCorrection(record, corrective(channelId, 4000n), payer.address).refused]) assert.doesNotMatch(text, /[0-9a-f]{64}/i);
  } finally {
    payer.destroy();
    other.destroy();
  }
});
