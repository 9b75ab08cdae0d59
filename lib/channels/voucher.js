// x402 batch-settlement vouchers, computed natively: the EIP-712
// Voucher(bytes32 channelId,uint128 maxClaimableAmount) a payer signs per
// request and the channel id (the EIP-712 hash of its ChannelConfig), both
// under the domain {name "x402 Batch Settlement", version "1", chainId,
// verifyingContract}. Results equal @x402/evm's and viem's; recovery refuses
// what the channel contract would refuse at claim time (v 0/1, high s),
// which viem accepts.
import { nativeSigner } from '../signer.js';
import { native } from '../native.js';
import { HEX_ADDRESS, expectObject, expectSafeInteger, invalidArg } from '../validate.js';

/** The x402BatchSettlement contract, where @x402/evm 2.27 expects it on every chain (BATCH_SETTLEMENT_ADDRESS). */
export const BATCH_SETTLEMENT_ADDRESS = '0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003';

// One native domain per (chain, contract): its separator is computed once.
const domains = new Map();

/** The native VoucherDomain for {chainId, verifyingContract}, made once per pair. */
export function voucherDomain(where, name = 'options') {
  expectObject(where, name);
  const chainId = expectSafeInteger(where.chainId, `${name}.chainId`, { min: 1 });
  const contract = where.verifyingContract ?? BATCH_SETTLEMENT_ADDRESS;
  if (typeof contract !== 'string' || !HEX_ADDRESS.test(contract)) {
    throw invalidArg('a 0x-prefixed 40-hex-digit address', `${name}.verifyingContract`, contract);
  }
  const key = `${chainId}:${contract.toLowerCase()}`;
  let domain = domains.get(key);
  if (domain === undefined) {
    domain = new native.VoucherDomain(chainId, contract);
    domains.set(key, domain);
  }
  return domain;
}

/** Decimal text of a uint128 amount given as a bigint or decimal string (the native side checks the range). */
export function amountText(value, name) {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'string') return value;
  throw invalidArg('a bigint or a decimal string', name, value);
}

function hexText(value, name) {
  if (typeof value !== 'string') throw invalidArg('0x-prefixed hex (a string)', name, value);
  return value;
}

function voucherFields(voucher) {
  expectObject(voucher, 'voucher');
  return [hexText(voucher.channelId, 'voucher.channelId'),
    amountText(voucher.maxClaimableAmount, 'voucher.maxClaimableAmount')];
}

/** The EIP-712 digest of {channelId, maxClaimableAmount}: what signVoucher signs. */
export function voucherDigest(voucher, where) {
  const domain = voucherDomain(where);
  return domain.digest(...voucherFields(voucher));
}

/** The payer's signature of the voucher (0x + 130 hex, v 27/28, low s), byte-identical to viem's signTypedData. */
export function signVoucher(signer, voucher, where) {
  const handle = nativeSigner(signer);
  const domain = voucherDomain(where);
  return domain.sign(handle, ...voucherFields(voucher));
}

/** The address that signed {channelId, maxClaimableAmount, signature}; throws ERR_BAD_V, ERR_HIGH_S, ... */
export function recoverVoucherSigner(voucher, where) {
  const domain = voucherDomain(where);
  const [channelId, amount] = voucherFields(voucher);
  return domain.recover(channelId, amount, hexText(voucher.signature, 'voucher.signature'));
}

/** The channel id of a ChannelConfig {payer, payerAuthorizer, receiver, receiverAuthorizer, token, withdrawDelay, salt}. */
export function channelIdOf(config, where) {
  const domain = voucherDomain(where);
  expectObject(config, 'channelConfig');
  return domain.channelId(config.payer, config.payerAuthorizer, config.receiver, config.receiverAuthorizer,
    config.token, config.withdrawDelay, config.salt);
}
