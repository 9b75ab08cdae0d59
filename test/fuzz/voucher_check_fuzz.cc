// libFuzzer target: checkVoucher, the seller's check of a batch-settlement
// voucher as a request carries it. The input is split at its 0x00 bytes into
// (channelId, maxClaimableAmount, signature) text, checked against one fixed
// channel whose signer signed the seed vouchers.
//
// Properties beyond "no crash":
//  - checkVoucher never throws: every refusal is a verdict;
//  - Malformed exactly when a field does not parse (isPrefixedHex,
//    tryParseUint128), and a parsed amount prints back as its input (one
//    spelling per amount);
//  - Accepted only for the channel's own id, an amount within the balance,
//    above what was claimed and equal to the running total plus the price,
//    recovered to the channel's signer.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "address.h"
#include "error.h"
#include "hex.h"
#include "voucher_verifier.h"

using namespace clawpay;

namespace {

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "PROPERTY VIOLATION: %s\n  detail: %.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

const VoucherDomain& domain() {
  static const VoucherDomain d(84532, parseAddress("0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003", "contract"));
  return d;
}

// The seeds' channel: id 0x5c…5c, signed by the key 0x21…21, 1000 claimed,
// 5000 charged so far, price 1000: "6000" is the one acceptable amount.
const ChannelStanding& channel() {
  static const ChannelStanding c = [] {
    ChannelStanding s;
    s.channelId.fill(0x5c);
    s.signer = parseAddress("0x2BD0C9FE079c8FcA0E3352eb3D02839c371E5c41", "signer");
    s.balance = 1'000'000;
    s.totalClaimed = 1'000;
    s.chargedCumulative = 5'000;
    s.price = 1'000;
    return s;
  }();
  return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::string_view parts[3];
  for (int i = 0; i < 3; ++i) {
    size_t zero = i < 2 ? input.find('\0') : std::string_view::npos;
    parts[i] = input.substr(0, zero);
    input = zero == std::string_view::npos ? std::string_view() : input.substr(zero + 1);
  }
  VoucherCheck check;
  try {
    check = checkVoucher(domain(), {parts[0], parts[1], parts[2]}, channel());
  } catch (const std::exception& e) {
    fail("checkVoucher threw", e.what());
  }
  Uint128 amount = 0;
  bool amountOk = tryParseUint128(parts[1], amount);
  if (amountOk && toDecimal(amount) != parts[1]) fail("an amount has a second spelling", parts[1]);
  bool wellFormed = isPrefixedHex(parts[0], 64) && amountOk && isPrefixedHex(parts[2], 130);
  if ((check.verdict == VoucherVerdict::Malformed) == wellFormed) fail("Malformed does not match the fields' shape", check.detail);
  if (check.verdict != VoucherVerdict::Accepted) return 0;
  const ChannelStanding& c = channel();
  if (lowercaseHex(parts[0]) != toHex(c.channelId)) fail("accepted for another channel", parts[0]);
  if (amount > c.balance || amount <= c.totalClaimed || amount - c.chargedCumulative != *c.price) {
    fail("accepted an amount outside the channel's terms", parts[1]);
  }
  if (!check.signer || *check.signer != c.signer) fail("accepted without recovering the channel's signer");
  return 0;
}
