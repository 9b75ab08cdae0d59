// The short cut in the official batch-settlement server scheme's
// before-verify hook (lib/paywall/channel_verify_hook.js), on the real
// @x402/evm scheme and its in-memory channel storage: a voucher our native
// check passed is accepted as the official hook accepts a locally verified
// one, without viem judging it again; anything unmarked, stale or not
// matching the offer goes to the official hook, which still refuses it.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { BATCH_SETTLEMENT_ADDRESS } from '@x402/evm';
import { BatchSettlementEvmScheme, InMemoryChannelStorage } from '@x402/evm/batch-settlement/server';

import { Signer } from '../../lib/signer.js';
import { channelIdOf, signVoucher } from '../../lib/channels/voucher.js';
import { shortCutCheckedVouchers } from '../../lib/paywall/channel_verify_hook.js';

const where = { chainId: 84532, verifyingContract: BATCH_SETTLEMENT_ADDRESS };
const asset = '0x036CbD53842c5426634e7929541eC2318f3dCF7e';

async function fixture() {
  const payer = Signer.generate();
  const authorizer = Signer.generate();
  const payTo = Signer.generate();
  const storage = new InMemoryChannelStorage();
  const scheme = new BatchSettlementEvmScheme(payTo.address, { storage, withdrawDelay: 900 });
  const passed = shortCutCheckedVouchers(scheme);
  const channelConfig = {
    payer: payer.address, payerAuthorizer: payer.address, receiver: payTo.address, receiverAuthorizer: authorizer.address,
    token: asset, withdrawDelay: 900, salt: `0x${'00'.repeat(32)}`,
  };
  const channelId = channelIdOf(channelConfig, where);
  const channel = {
    channelId, channelConfig, chargedCumulativeAmount: '3000', signedMaxClaimable: '3000', signature: '0x',
    balance: '100000', totalClaimed: '0', withdrawRequestedAt: 0, refundNonce: 0, onchainSyncedAt: Date.now(), lastRequestTimestamp: Date.now(),
  };
  await storage.updateChannel(channelId, () => channel);
  const requirements = {
    scheme: 'batch-settlement', network: 'eip155:84532', asset, amount: '1000', payTo: payTo.address, maxTimeoutSeconds: 300,
    extra: { receiverAuthorizer: authorizer.address, withdrawDelay: 900, name: 'USDC', version: '2' },
  };
  const payment = (amount, signer = payer, config = channelConfig) => ({
    x402Version: 2, accepted: requirements,
    payload: {
      type: 'voucher', channelConfig: config,
      voucher: { channelId, maxClaimableAmount: amount, signature: signVoucher(signer, { channelId, maxClaimableAmount: amount }, where) },
    },
  });
  const verify = (paymentPayload) => scheme.schemeHooks.onBeforeVerify({ paymentPayload, requirements });
  const destroy = () => { for (const s of [payer, authorizer, payTo]) s.destroy(); };
  return { scheme, passed, channel, payment, verify, destroy, stranger: Signer.generate() };
}

test('a voucher our check passed is accepted as the official hook accepts a locally verified one, with a reservation id and the snapshot', async () => {
  const f = await fixture();
  try {
    const official = await f.verify(f.payment('4000'));
    const payload = f.payment('4000');
    f.passed(payload, f.channel);
    const ours = await f.verify(payload);
    assert.deepEqual(ours, official);
    assert.equal(ours.skip, true);
    assert.equal(ours.result.isValid, true);
    const context = f.scheme.readRequestContext(payload);
    assert.equal(context.localVerify, true);
    assert.match(context.pendingId, /^0x[0-9a-f]{64}$/);
    assert.equal(context.channelSnapshot, f.channel);
    // The mark is the verdict: no second recovery in JS (a signature only
    // our check saw is not looked at again; unmarked, it is refused below).
    const trusted = f.payment('4000', f.stranger);
    f.passed(trusted, f.channel);
    assert.equal((await f.verify(trusted)).result.isValid, true);
  } finally {
    f.destroy();
    f.stranger.destroy();
  }
});

test('unmarked, the official hook still judges (a stranger\'s signature is refused); marked on stale state or a foreign offer, the official hook decides', async () => {
  const f = await fixture();
  try {
    const forged = await f.verify(f.payment('4000', f.stranger));
    assert.equal(forged.skip, true);
    assert.equal(forged.result.isValid, false);
    assert.equal(forged.result.invalidReason, 'invalid_batch_settlement_evm_voucher_signature');

    // Judged against a running total that is not this voucher's base: the
    // official hook judges it afresh (and finds the stranger's signature).
    const late = f.payment('4000', f.stranger);
    f.passed(late, { ...f.channel, chargedCumulativeAmount: '2000' });
    assert.equal((await f.verify(late)).result.invalidReason, 'invalid_batch_settlement_evm_voucher_signature');

    // On-chain state older than the scheme's TTL: the official hook asks the facilitator (no local verdict).
    const stale = f.payment('4000');
    f.passed(stale, { ...f.channel, onchainSyncedAt: Date.now() - f.scheme.getOnchainStateTtlMs() - 1 });
    f.channel.onchainSyncedAt = Date.now() - f.scheme.getOnchainStateTtlMs() - 1;
    assert.equal(await f.verify(stale), undefined);
    assert.notEqual(f.scheme.readRequestContext(stale).localVerify, true);
  } finally {
    f.destroy();
    f.stranger.destroy();
  }
});

test('a marked voucher whose channel names another receiver than the offer goes to the official hook', async () => {
  const f = await fixture();
  try {
    const other = Signer.generate();
    const config = { ...f.channel.channelConfig, receiver: other.address };
    const payload = f.payment('4000', undefined, config);
    f.passed(payload, f.channel);
    const answer = await f.verify(payload);
    assert.equal(answer.abort, true);
    assert.equal(answer.reason, 'invalid_batch_settlement_evm_channel_id_mismatch');
    other.destroy();
  } finally {
    f.destroy();
    f.stranger.destroy();
  }
});
