// Batch-settlement vouchers through the public API: argument errors with
// their codes, the contract's signature rules, and every verdict of the
// seller's VoucherVerifier, including hostile payload shapes and the signer cache.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { BATCH_SETTLEMENT_ADDRESS as OFFICIAL_ADDRESS } from '@x402/evm';

import {
  BATCH_SETTLEMENT_ADDRESS, Signer, VOUCHER_REASONS, VoucherVerifier, channelIdOf, recoverVoucherSigner, signVoucher, voucherDigest,
} from '../../lib/index.js';
import { maybeSecret } from '../../lib/secret_text.js';

const CHAIN = { chainId: 84532 };
const payer = Signer.fromPrivateKey(`0x${'21'.repeat(32)}`);
const stranger = Signer.fromPrivateKey(`0x${'22'.repeat(32)}`);
const CONFIG = {
  payer: '0x209693Bc6afc0C5328bA36FaF03C514EF312287C', payerAuthorizer: payer.address,
  receiver: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', receiverAuthorizer: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
  token: '0x036CbD53842c5426634e7929541eC2318f3dCF7e', withdrawDelay: 900, salt: `0x${'00'.repeat(31)}01`,
};
const CHANNEL_ID = channelIdOf(CONFIG, CHAIN);

function channel(overrides = {}) {
  return { channelId: CHANNEL_ID, channelConfig: CONFIG, balance: '1000000', totalClaimed: '3000', chargedCumulativeAmount: '5000', ...overrides };
}

function voucher(amount, by = payer, channelId = CHANNEL_ID) {
  return { channelId, maxClaimableAmount: String(amount), signature: signVoucher(by, { channelId, maxClaimableAmount: String(amount) }, CHAIN) };
}

test("the default contract is @x402/evm's BATCH_SETTLEMENT_ADDRESS", () => {
  assert.equal(BATCH_SETTLEMENT_ADDRESS, OFFICIAL_ADDRESS);
  const other = { ...CHAIN, verifyingContract: CONFIG.token };
  assert.notEqual(channelIdOf(CONFIG, other), CHANNEL_ID);
  assert.equal(channelIdOf(CONFIG, { ...CHAIN, verifyingContract: OFFICIAL_ADDRESS.toLowerCase() }), CHANNEL_ID);
});

test('bad arguments throw errors naming the problem, with a code', () => {
  const v = { channelId: CHANNEL_ID, maxClaimableAmount: 5n };
  assert.throws(() => voucherDigest(v, { chainId: 0 }), { name: 'RangeError', code: 'ERR_INVALID_ARG_TYPE', message: /options\.chainId/ });
  assert.throws(() => voucherDigest(v, { chainId: '1' }), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => voucherDigest(v, { chainId: 1, verifyingContract: '0x12' }), { code: 'ERR_INVALID_ARG_TYPE', message: /verifyingContract/ });
  assert.throws(() => voucherDigest(v), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => voucherDigest({ ...v, maxClaimableAmount: 5 }, CHAIN), { code: 'ERR_INVALID_ARG_TYPE', message: /maxClaimableAmount/ });
  assert.throws(() => voucherDigest({ ...v, maxClaimableAmount: '05' }, CHAIN), { name: 'TypeError', code: 'ERR_VOUCHER_AMOUNT' });
  assert.throws(() => voucherDigest({ ...v, maxClaimableAmount: 1n << 128n }, CHAIN), { name: 'RangeError', code: 'ERR_VOUCHER_AMOUNT', message: /2\^128/ });
  assert.throws(() => voucherDigest({ ...v, maxClaimableAmount: -1n }, CHAIN), { code: 'ERR_VOUCHER_AMOUNT' });
  assert.throws(() => voucherDigest({ ...v, channelId: '0x1234' }, CHAIN), { code: 'ERR_INVALID_LENGTH' });
  assert.throws(() => voucherDigest({ ...v, channelId: 'zz' }, CHAIN), { code: 'ERR_INVALID_HEX' });
  assert.throws(() => signVoucher({ address: payer.address }, v, CHAIN), { code: 'ERR_INVALID_ARG_TYPE', message: /a Signer for signer/ });
  assert.throws(() => channelIdOf({ ...CONFIG, withdrawDelay: 2 ** 40 }, CHAIN), { name: 'RangeError', code: 'ERR_WITHDRAW_DELAY' });
  assert.throws(() => channelIdOf({ ...CONFIG, payer: '0x209693bc6afc0c5328ba36faf03c514ef312287C' }, CHAIN), { code: 'ERR_BAD_CHECKSUM' });
  assert.throws(() => channelIdOf({ ...CONFIG, salt: undefined }, CHAIN), { code: 'ERR_INVALID_ARG_TYPE', message: /channelConfig\.salt/ });
});

test('signVoucher signs with v 27/28 and low s; recovery refuses what the contract refuses', () => {
  const signed = voucher(6000);
  assert.match(signed.signature, /^0x[0-9a-f]{128}(1b|1c)$/);
  assert.equal(recoverVoucherSigner(signed, CHAIN), payer.address);
  const zeroOne = `${signed.signature.slice(0, 130)}${signed.signature.endsWith('1b') ? '00' : '01'}`;
  assert.throws(() => recoverVoucherSigner({ ...signed, signature: zeroOne }, CHAIN), { code: 'ERR_BAD_V', message: /27 or 28/ });
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const highS = `${signed.signature.slice(0, 66)}${(n - BigInt(`0x${signed.signature.slice(66, 130)}`)).toString(16).padStart(64, '0')}${signed.signature.endsWith('1b') ? '1c' : '1b'}`;
  assert.throws(() => recoverVoucherSigner({ ...signed, signature: highS }, CHAIN), { code: 'ERR_HIGH_S' });
  assert.throws(() => recoverVoucherSigner({ ...signed, signature: signed.signature.slice(0, 130) }, CHAIN), { code: 'ERR_INVALID_LENGTH' });
});

test('the verifier accepts the next cumulative voucher of the channel and names its signer', () => {
  const verifier = new VoucherVerifier(CHAIN);
  const verdict = verifier.check({ channelConfig: CONFIG, voucher: voucher(6000) }, channel(), { price: 1000n });
  assert.deepEqual(verdict, { valid: true, reason: null, detail: null, signer: payer.address, invalidReason: null, maxClaimableAmount: '6000' });
  // Without a price: anything above the running total, within the deposit.
  assert.equal(verifier.check({ voucher: voucher(5001) }, channel()).valid, true);
  assert.equal(verifier.check({ voucher: voucher(1000000) }, channel({ balance: 1000000n })).valid, true);
});

test('every refusal has its reason, an x402 invalidReason, and a detail without a 64-hex-digit run', () => {
  const verifier = new VoucherVerifier(CHAIN);
  const otherConfig = { ...CONFIG, salt: `0x${'00'.repeat(31)}02` };
  const otherId = channelIdOf(otherConfig, CHAIN);
  const zeroAuthorizer = { ...CONFIG, payerAuthorizer: '0x0000000000000000000000000000000000000000' };
  const cases = [
    ['malformed', null, channel()],
    ['malformed', { voucher: { ...voucher(6000), maxClaimableAmount: 6000 } }, channel()],
    ['malformed', { voucher: { ...voucher(6000), maxClaimableAmount: '6e3' } }, channel()],
    ['malformed', { voucher: { ...voucher(6000), signature: '0x1234' } }, channel()],
    ['malformed', { voucher: { ...voucher(6000), channelId: CHANNEL_ID.slice(0, 40) } }, channel()],
    ['malformed', { channelConfig: { ...CONFIG, withdrawDelay: '900' }, voucher: voucher(6000) }, channel()],
    ['no_payer_authorizer', { voucher: voucher(6000) }, channel({ channelId: channelIdOf(zeroAuthorizer, CHAIN), channelConfig: zeroAuthorizer })],
    ['channel_mismatch', { voucher: voucher(6000, payer, otherId) }, channel()],
    ['channel_mismatch', { channelConfig: otherConfig, voucher: voucher(6000) }, channel()],
    ['above_deposit', { voucher: voucher(1000001) }, channel()],
    ['below_claimed', { voucher: voucher(3000) }, channel({ chargedCumulativeAmount: '0' })],
    ['not_above_total', { voucher: voucher(5000) }, channel()],
    ['cumulative_mismatch', { voucher: voucher(6001) }, channel(), 1000n],
    ['bad_signature', { voucher: { ...voucher(6000), signature: `0x${'00'.repeat(64)}1b` } }, channel()],
    ['wrong_signer', { voucher: voucher(6000, stranger) }, channel()],
    ['wrong_signer', { voucher: { ...voucher(6000), signature: voucher(6001).signature } }, channel()],
  ];
  const seen = new Set();
  for (const [reason, payload, ch, price] of cases) {
    const verdict = verifier.check(payload, ch, { price });
    assert.equal(verdict.valid, false, reason);
    assert.equal(verdict.reason, reason, `${reason}: ${verdict.detail}`);
    assert.match(verdict.invalidReason, /^invalid_batch_settlement_evm_/);
    assert.equal(typeof verdict.detail, 'string');
    assert.equal(maybeSecret(verdict.detail), false, verdict.detail);
    seen.add(reason);
  }
  assert.deepEqual([...seen].sort(), [...VOUCHER_REASONS].sort());
  assert.equal(verifier.check({ voucher: voucher(6000, stranger) }, channel()).signer, stranger.address);
});

test("the seller's own bad channel state throws ERR_INVALID_CHANNEL_STATE instead of passing as a verdict", () => {
  const verifier = new VoucherVerifier(CHAIN);
  const payload = { voucher: voucher(6000) };
  assert.throws(() => verifier.check(payload, channel({ channelConfig: { ...CONFIG, salt: `0x${'00'.repeat(32)}` } })),
    { code: 'ERR_INVALID_CHANNEL_STATE', message: /does not hash to channel\.channelId/ });
  assert.throws(() => verifier.check(payload, channel({ balance: '1e6' })), { code: 'ERR_INVALID_CHANNEL_STATE', message: /channel\.balance/ });
  assert.throws(() => verifier.check(payload, channel({ totalClaimed: 5 })), { code: 'ERR_INVALID_ARG_TYPE', message: /channel\.totalClaimed/ });
  assert.throws(() => verifier.check(payload, channel(), { price: '-1' }), { code: 'ERR_INVALID_CHANNEL_STATE', message: /price/ });
  assert.throws(() => verifier.check(payload, null), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => new VoucherVerifier({ ...CHAIN, maxChannels: 0 }), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('the signer cache holds one entry per channel, bounded by maxChannels, and forget drops one', () => {
  const verifier = new VoucherVerifier({ ...CHAIN, maxChannels: 2 });
  for (let i = 0; i < 3; i++) assert.equal(verifier.check({ voucher: voucher(5001 + i) }, channel()).valid, true);
  assert.equal(verifier.cachedChannels, 1);
  // An upper-case spelling of the stored id is the same channel.
  assert.equal(verifier.check({ voucher: voucher(5001) }, channel({ channelId: `0x${CHANNEL_ID.slice(2).toUpperCase()}` })).valid, true);
  assert.equal(verifier.cachedChannels, 1);
  const ids = [1, 2].map((k) => {
    const config = { ...CONFIG, salt: `0x${'00'.repeat(31)}${String(k + 10)}` };
    const id = channelIdOf(config, CHAIN);
    assert.equal(verifier.check({ voucher: voucher(5001, payer, id) }, channel({ channelId: id, channelConfig: config })).valid, true);
    return id;
  });
  assert.equal(verifier.cachedChannels, 2);
  verifier.forget(ids[0]);
  assert.equal(verifier.cachedChannels, 1);
});

test('the native VoucherDomain refuses a foreign `this` instead of reading another object as a domain', async () => {
  const { native } = await import('../../lib/native.js');
  const refused = (e) => e instanceof TypeError && (e.code === 'ERR_INVALID_THIS' || /Illegal invocation/.test(e.message));
  const domain = new native.VoucherDomain(84532, BATCH_SETTLEMENT_ADDRESS);
  for (const foreign of [new native.NativeSigner(), {}, Object.create(native.VoucherDomain.prototype)]) {
    assert.throws(() => native.VoucherDomain.prototype.digest.call(foreign, CHANNEL_ID, '1'), refused);
    assert.throws(() => native.VoucherDomain.prototype.check.call(foreign, CHANNEL_ID, '1', '0x', CHANNEL_ID, payer.address, '1', '0', '0'), refused);
  }
  assert.equal(domain.digest(CHANNEL_ID, '1'), voucherDigest({ channelId: CHANNEL_ID, maxClaimableAmount: 1n }, CHAIN));
  assert.throws(() => new native.VoucherDomain(0, BATCH_SETTLEMENT_ADDRESS), { code: 'ERR_INVALID_CHAIN_ID' });
});
