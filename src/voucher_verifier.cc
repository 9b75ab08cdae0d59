#include "voucher_verifier.h"

#include <utility>

#include "address.h"
#include "error.h"
#include "hex.h"

namespace clawpay {
namespace {

// "0x" + exactly 2 * size hex digits into out; false otherwise.
bool readPrefixedHex(std::string_view text, uint8_t* out, size_t size) noexcept {
  if (!isPrefixedHex(text, 2 * size)) return false;
  for (size_t i = 0; i < size; ++i) {
    out[i] = static_cast<uint8_t>((hexDigitValue(text[2 + 2 * i]) << 4) | hexDigitValue(text[3 + 2 * i]));
  }
  return true;
}

std::string shortId(const Hash32& id) { return toHex(ByteView(id.data(), 4)) + "…"; }

VoucherCheck refuse(VoucherCheck check, VoucherVerdict verdict, std::string detail) {
  check.verdict = verdict;
  check.detail = std::move(detail);
  return check;
}

}  // namespace

std::string_view voucherVerdictCode(VoucherVerdict verdict) {
  switch (verdict) {
    case VoucherVerdict::Accepted: return "accepted";
    case VoucherVerdict::Malformed: return "malformed";
    case VoucherVerdict::ChannelMismatch: return "channel_mismatch";
    case VoucherVerdict::AboveDeposit: return "above_deposit";
    case VoucherVerdict::BelowClaimed: return "below_claimed";
    case VoucherVerdict::NotAboveTotal: return "not_above_total";
    case VoucherVerdict::CumulativeMismatch: return "cumulative_mismatch";
    case VoucherVerdict::BadSignature: return "bad_signature";
    case VoucherVerdict::WrongSigner: return "wrong_signer";
  }
  return "malformed";
}

VoucherCheck checkVoucher(const VoucherDomain& domain, const VoucherText& voucher, const ChannelStanding& channel) {
  VoucherCheck check;
  Hash32 channelId;
  if (!readPrefixedHex(voucher.channelId, channelId.data(), channelId.size())) {
    return refuse(check, VoucherVerdict::Malformed, "voucher.channelId is not 0x followed by 64 hex digits");
  }
  if (!tryParseUint128(voucher.maxClaimableAmount, check.amount)) {
    return refuse(check, VoucherVerdict::Malformed,
                  "voucher.maxClaimableAmount is not a decimal amount below 2^128 (digits only, no leading zeros)");
  }
  uint8_t signatureBytes[65];
  if (!readPrefixedHex(voucher.signature, signatureBytes, sizeof signatureBytes)) {
    return refuse(check, VoucherVerdict::Malformed, "voucher.signature is not 0x followed by 130 hex digits");
  }
  if (channelId != channel.channelId) {
    // Ids are shown cut short: no message carries a 64-hex-digit run (lib/secret_text.js).
    return refuse(check, VoucherVerdict::ChannelMismatch,
                  "the voucher is for channel " + shortId(channelId) + ", not " + shortId(channel.channelId));
  }
  const std::string amount = "maxClaimableAmount " + toDecimal(check.amount);
  if (check.amount > channel.balance) {
    return refuse(check, VoucherVerdict::AboveDeposit,
                  amount + " is above the channel's balance " + toDecimal(channel.balance));
  }
  if (check.amount <= channel.totalClaimed) {
    return refuse(check, VoucherVerdict::BelowClaimed,
                  amount + " is not above the " + toDecimal(channel.totalClaimed) + " already claimed");
  }
  if (channel.price) {
    // Compared as amount - charged == price: charged + price may not fit 128 bits.
    if (check.amount < channel.chargedCumulative || check.amount - channel.chargedCumulative != *channel.price) {
      return refuse(check, VoucherVerdict::CumulativeMismatch,
                    amount + " is not the running total " + toDecimal(channel.chargedCumulative) + " plus the price " +
                        toDecimal(*channel.price));
    }
  } else if (check.amount <= channel.chargedCumulative) {
    return refuse(check, VoucherVerdict::NotAboveTotal,
                  amount + " is not above the running total " + toDecimal(channel.chargedCumulative));
  }
  try {
    RecoverableSignature signature = parseVoucherSignature(ByteView(signatureBytes, sizeof signatureBytes));
    check.signer = recoverVoucherSigner(domain, channelId, check.amount, signature);
  } catch (const Error& e) {
    return refuse(check, VoucherVerdict::BadSignature, e.what());
  }
  if (*check.signer != channel.signer) {
    return refuse(check, VoucherVerdict::WrongSigner,
                  "signed by " + toChecksumAddress(*check.signer) + ", not the channel's signer " +
                      toChecksumAddress(channel.signer));
  }
  check.verdict = VoucherVerdict::Accepted;
  return check;
}

}  // namespace clawpay
