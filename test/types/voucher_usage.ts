// Compiled (never run) by test/js/types.test.js: the batch-settlement voucher
// API of lib/index.d.ts accepts typical use and rejects misuse.
import {
  BATCH_SETTLEMENT_ADDRESS, Signer, VOUCHER_INVALID_REASONS, VOUCHER_REASONS, VoucherVerifier, channelIdOf,
  recoverVoucherSigner, signVoucher, voucherDigest, type Address, type ChannelConfig, type Hex, type VoucherReason,
} from 'clawpay-native';

export function usage(signer: Signer, config: ChannelConfig, payload: unknown): void {
  const where = { chainId: 84532, verifyingContract: BATCH_SETTLEMENT_ADDRESS };
  const channelId: Hex = channelIdOf(config, where);
  const digest: Hex = voucherDigest({ channelId, maxClaimableAmount: 5000n }, where);
  const signature: Hex = signVoucher(signer, { channelId, maxClaimableAmount: '5000' }, { chainId: 8453 });
  const who: Address = recoverVoucherSigner({ channelId, maxClaimableAmount: '5000', signature }, where);
  const verifier = new VoucherVerifier({ chainId: 84532, maxChannels: 1000 });
  const verdict = verifier.check(payload, {
    channelId, channelConfig: config, balance: '1000000', totalClaimed: 0n, chargedCumulativeAmount: '4000',
  }, { price: 1000n });
  if (verdict.valid) {
    const payer: Address = verdict.signer;
    void payer;
  } else {
    const reason: VoucherReason = verdict.reason;
    const code: string = VOUCHER_INVALID_REASONS[reason];
    void code;
  }
  const reasons: readonly VoucherReason[] = VOUCHER_REASONS;
  const cached: number = verifier.cachedChannels;

  // @ts-expect-error an amount is a bigint or decimal string, not a number
  voucherDigest({ channelId, maxClaimableAmount: 5000 }, where);
  // @ts-expect-error the domain needs a chain id
  channelIdOf(config, {});
  // @ts-expect-error signing takes a native Signer, not an address
  signVoucher(who, { channelId, maxClaimableAmount: '1' }, where);
  // @ts-expect-error 'expired' is not a voucher reason
  const wrong: VoucherReason = 'expired';
  void [digest, reasons, cached, wrong];
}
