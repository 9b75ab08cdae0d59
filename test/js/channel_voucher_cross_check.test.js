// Our batch-settlement voucher code against the reference on random inputs
// (random keys, configs, chain ids, amounts up to 2^128 - 1): viem's
// hashTypedData / signTypedData / recoverTypedDataAddress, @x402/evm's
// computeChannelId, its client's signVoucher, its facilitator's
// verifyBatchSettlementVoucherTypedData and its server's per-request check
// (onBeforeVerify). Ours must accept theirs and theirs must accept ours.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { pathToFileURL } from 'node:url';

import { hashTypedData, recoverTypedDataAddress } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { BATCH_SETTLEMENT_ADDRESS as OFFICIAL_ADDRESS, BATCH_SETTLEMENT_DOMAIN, voucherTypes } from '@x402/evm';
import { computeChannelId, signVoucher as officialSignVoucher } from '@x402/evm/batch-settlement/client';

import { Signer, VoucherVerifier, channelIdOf, recoverVoucherSigner, signVoucher, voucherDigest } from '../../lib/index.js';
import { channelConfig, officialServer, officialVerify } from './support/official_voucher.js';

const CASES = 100;
const SERVER_CASES = 40;

// The facilitator's verifier is not exported by name: find the chunk of the
// installed package that exports it.
async function officialFacilitatorVerifier() {
  const dir = join(process.cwd(), 'node_modules', '@x402', 'evm', 'dist', 'esm');
  for (const file of readdirSync(dir).filter((f) => f.startsWith('chunk-') && f.endsWith('.mjs'))) {
    const text = readFileSync(join(dir, file), 'utf8');
    if (/export \{[^}]*\bverifyBatchSettlementVoucherTypedData\b/.test(text)) {
      return (await import(pathToFileURL(join(dir, file)).href)).verifyBatchSettlementVoucherTypedData;
    }
  }
  throw new Error('verifyBatchSettlementVoucherTypedData not found in @x402/evm');
}

const hex = (bytes) => `0x${bytes.toString('hex')}`;
const randomAddress = () => privateKeyToAccount(hex(randomBytes(32))).address;
function randomAmount() {
  const value = BigInt(hex(randomBytes(16)));
  return value >> BigInt(randomBytes(1)[0] % 128);
}
const MAX_UINT128 = (1n << 128n) - 1n;

function randomCase(i) {
  const key = hex(randomBytes(32));
  const account = privateKeyToAccount(key);
  const chainId = i % 3 === 0 ? 84532 : 1 + Number(BigInt(hex(randomBytes(7))) % BigInt(Number.MAX_SAFE_INTEGER));
  const config = {
    payer: randomAddress(), payerAuthorizer: account.address, receiver: randomAddress(), receiverAuthorizer: randomAddress(),
    token: randomAddress(), withdrawDelay: Number(BigInt(hex(randomBytes(5)))), salt: hex(randomBytes(32)),
  };
  const amount = i === 0 ? MAX_UINT128 : i === 1 ? 0n : randomAmount();
  return { key, account, chainId, config, amount };
}

test('digest, channel id, signature and recovery equal viem and @x402/evm on random inputs, both ways', async () => {
  const facilitatorVerify = await officialFacilitatorVerifier();
  for (let i = 0; i < CASES; i++) {
    const { key, account, chainId, config, amount } = randomCase(i);
    const where = { chainId };
    const channelId = channelIdOf(config, where);
    assert.equal(channelId, computeChannelId(config, chainId), `channel id, case ${i}`);

    const domain = { ...BATCH_SETTLEMENT_DOMAIN, chainId, verifyingContract: OFFICIAL_ADDRESS };
    const typed = { domain, types: voucherTypes, primaryType: 'Voucher', message: { channelId, maxClaimableAmount: amount } };
    const voucher = { channelId, maxClaimableAmount: amount };
    assert.equal(voucherDigest(voucher, where), hashTypedData(typed), `digest, case ${i}`);

    const signer = Signer.fromPrivateKey(key);
    const ours = signVoucher(signer, voucher, where);
    signer.destroy();
    assert.equal(ours, await account.signTypedData(typed), `signature, case ${i}`);
    assert.equal(await recoverTypedDataAddress({ ...typed, signature: ours }), account.address);
    assert.equal(recoverVoucherSigner({ ...voucher, signature: ours }, where), account.address);

    const params = { payer: config.payer, payerAuthorizer: config.payerAuthorizer, channelId, maxClaimableAmount: String(amount) };
    assert.equal(await facilitatorVerify(null, { ...params, signature: ours }, chainId), true, `facilitator accepts ours, case ${i}`);

    const theirs = await officialSignVoucher(account, channelId, String(amount), `eip155:${chainId}`);
    assert.equal(recoverVoucherSigner(theirs, where), account.address, `we accept the official client's, case ${i}`);
    const stranger = privateKeyToAccount(hex(randomBytes(32)));
    const forged = await officialSignVoucher(stranger, channelId, String(amount), `eip155:${chainId}`);
    assert.equal(recoverVoucherSigner(forged, where), stranger.address);
    assert.equal(await facilitatorVerify(null, { ...params, signature: forged.signature }, chainId), false);
  }
});

test("the official server's per-request check and our VoucherVerifier agree on random channels, for their vouchers and ours", async () => {
  for (let i = 0; i < SERVER_CASES; i++) {
    const { key, account, chainId } = randomCase(i);
    const config = channelConfig(randomAddress(), account.address, hex(randomBytes(32)));
    const channelId = channelIdOf(config, { chainId });
    const price = 1n + (randomAmount() >> 64n);
    const charged = randomAmount() >> 8n;
    const channel = {
      channelId, channelConfig: config, balance: String(charged + price + (randomAmount() >> 8n)),
      totalClaimed: String(charged >> 1n), chargedCumulativeAmount: String(charged),
    };
    const scheme = await officialServer([channel]);
    const verifier = new VoucherVerifier({ chainId });
    const next = String(charged + price);

    const signer = Signer.fromPrivateKey(key);
    const ours = { channelId, maxClaimableAmount: next, signature: signVoucher(signer, { channelId, maxClaimableAmount: next }, { chainId }) };
    signer.destroy();
    const theirs = await officialSignVoucher(account, channelId, next, `eip155:${chainId}`);
    for (const voucher of [ours, theirs]) {
      const official = await officialVerify(scheme, chainId, price, config, voucher);
      assert.equal(official.isValid, true, `official server accepts, case ${i}: ${official.invalidReason ?? official.abort}`);
      const verdict = verifier.check({ channelConfig: config, voucher }, channel, { price });
      assert.equal(verdict.valid, true, `we accept, case ${i}: ${verdict.detail}`);
      assert.equal(verdict.signer, account.address);
    }

    // Refused by both, each for the same cause.
    const stranger = privateKeyToAccount(hex(randomBytes(32)));
    const forged = await officialSignVoucher(stranger, channelId, next, `eip155:${chainId}`);
    const official = await officialVerify(scheme, chainId, price, config, forged);
    assert.equal(official.invalidReason, 'invalid_batch_settlement_evm_voucher_signature');
    const verdict = verifier.check({ channelConfig: config, voucher: forged }, channel, { price });
    assert.equal(verdict.reason, 'wrong_signer');
    assert.equal(verdict.invalidReason, official.invalidReason);
  }
});

test('a high-s twin of a valid voucher: viem and the official facilitator accept it, we refuse it as the contract would', async () => {
  const facilitatorVerify = await officialFacilitatorVerifier();
  const { key, account, chainId, config, amount } = randomCase(2);
  const channelId = channelIdOf(config, { chainId });
  const signer = Signer.fromPrivateKey(key);
  const signature = signVoucher(signer, { channelId, maxClaimableAmount: amount }, { chainId });
  signer.destroy();
  const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = signature.slice(130) === '1b' ? '1c' : '1b';
  const highS = `${signature.slice(0, 66)}${(n - s).toString(16).padStart(64, '0')}${v}`;
  const params = { payer: config.payer, payerAuthorizer: config.payerAuthorizer, channelId, maxClaimableAmount: String(amount) };
  assert.equal(await facilitatorVerify(null, { ...params, signature: highS }, chainId), true);
  assert.throws(() => recoverVoucherSigner({ channelId, maxClaimableAmount: amount, signature: highS }, { chainId }),
    { code: 'ERR_HIGH_S' });
  assert.equal(account.address, config.payerAuthorizer);
});
