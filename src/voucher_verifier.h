// The seller's check of one batch-settlement voucher on the request path:
// the voucher as the request carried it (hostile text) against what the
// seller knows of the channel. No chain call; one recovery, done last, after
// every cheap refusal.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "bytes.h"
#include "channel_voucher.h"

namespace clawpay {

// In the order the checks run. A request either fails one of them or is
// Accepted; each has a stable code (voucherVerdictCode).
enum class VoucherVerdict : uint8_t {
  Accepted,
  Malformed,           // channelId not 0x + 64 hex, amount not a decimal uint128, signature not 0x + 130 hex
  ChannelMismatch,     // for another channel than the one it is checked against
  AboveDeposit,        // maxClaimableAmount > the channel's balance
  BelowClaimed,        // maxClaimableAmount <= what was already claimed on chain
  NotAboveTotal,       // maxClaimableAmount <= the running total already accepted (no price given)
  CumulativeMismatch,  // maxClaimableAmount != running total + price (price given)
  BadSignature,        // v not 27/28, r/s out of range, high s, or nothing recovers
  WrongSigner,         // recovers, to another address than the channel's signer
};

std::string_view voucherVerdictCode(VoucherVerdict verdict);  // "accepted", "malformed", ...

// What the seller holds for the channel (its ChannelStorage record), parsed.
struct ChannelStanding {
  Hash32 channelId{};
  Address signer{};  // the config's payerAuthorizer
  Uint128 balance = 0;
  Uint128 totalClaimed = 0;
  Uint128 chargedCumulative = 0;  // the highest cumulative amount accepted so far
  std::optional<Uint128> price;   // this request's charge, when the voucher must be exact
};

// The voucher's three fields as text, unparsed.
struct VoucherText {
  std::string_view channelId;
  std::string_view maxClaimableAmount;
  std::string_view signature;
};

struct VoucherCheck {
  VoucherVerdict verdict = VoucherVerdict::Malformed;
  std::string detail;             // why, when refused; never holds a secret
  std::optional<Address> signer;  // set once the signature recovered
  Uint128 amount = 0;             // set once the amount parsed
};

// Never throws for a bad voucher: every refusal is a verdict.
VoucherCheck checkVoucher(const VoucherDomain& domain, const VoucherText& voucher, const ChannelStanding& channel);

}  // namespace clawpay
