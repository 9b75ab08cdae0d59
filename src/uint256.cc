#include "uint256.h"

#include <algorithm>
#include <bit>

#include "hex.h"

namespace clawpay {
namespace {

using Limbs = std::array<uint64_t, 4>;

// limbs = limbs * factor + addend. Returns false when the result needs more
// than 256 bits. Works on 32-bit halves so no 128-bit type is needed:
// with factor and addend at most 16, no intermediate exceeds 2^37.
bool multiplyAdd(Limbs& limbs, uint32_t factor, uint32_t addend) noexcept {
  uint64_t carry = addend;
  for (uint64_t& limb : limbs) {
    uint64_t low = (limb & 0xffffffffu) * factor + carry;
    uint64_t high = (limb >> 32) * factor + (low >> 32);
    limb = (high << 32) | (low & 0xffffffffu);
    carry = high >> 32;
  }
  return carry == 0;
}

// limbs = limbs / divisor, returning the remainder. divisor below 2^32.
uint32_t divideSmall(Limbs& limbs, uint32_t divisor) noexcept {
  uint64_t remainder = 0;
  for (size_t i = limbs.size(); i-- > 0;) {
    uint64_t high = (remainder << 32) | (limbs[i] >> 32);
    uint64_t highQuotient = high / divisor;
    remainder = high % divisor;
    uint64_t low = (remainder << 32) | (limbs[i] & 0xffffffffu);
    uint64_t lowQuotient = low / divisor;
    remainder = low % divisor;
    limbs[i] = (highQuotient << 32) | lowQuotient;
  }
  return static_cast<uint32_t>(remainder);
}

}  // namespace

Uint256 Uint256::powerOfTwo(unsigned bits) noexcept {
  Uint256 out;
  if (bits < 256) out.limbs_[bits / 64] = uint64_t{1} << (bits % 64);
  return out;
}

Uint256 Uint256::fromBigEndian(const Hash32& word) noexcept {
  Uint256 out;
  for (size_t i = 0; i < 32; ++i) {
    out.limbs_[3 - i / 8] = (out.limbs_[3 - i / 8] << 8) | word[i];
  }
  return out;
}

Uint256::ParseStatus Uint256::parseDecimal(std::string_view digits, Uint256& out) noexcept {
  if (digits.empty()) return ParseStatus::Malformed;
  Limbs limbs{};
  bool overflow = false;
  for (char c : digits) {
    if (c < '0' || c > '9') return ParseStatus::Malformed;
    // Keep scanning after an overflow: malformed text wins over overflow.
    if (!overflow) overflow = !multiplyAdd(limbs, 10, static_cast<uint32_t>(c - '0'));
  }
  if (overflow) return ParseStatus::Overflow;
  out.limbs_ = limbs;
  return ParseStatus::Ok;
}

Uint256::ParseStatus Uint256::parseHexDigits(std::string_view digits, Uint256& out) noexcept {
  if (digits.empty()) return ParseStatus::Malformed;
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return hexDigitValue(c) >= 0; })) {
    return ParseStatus::Malformed;
  }
  // Leading zeros carry no value; beyond them, 64 digits is the limit.
  size_t firstSignificant = digits.find_first_not_of('0');
  if (firstSignificant == std::string_view::npos) {
    out = Uint256();
    return ParseStatus::Ok;
  }
  digits.remove_prefix(firstSignificant);
  if (digits.size() > 64) return ParseStatus::Overflow;
  Limbs limbs{};
  for (size_t i = 0; i < digits.size(); ++i) {
    size_t nibbleIndex = digits.size() - 1 - i;  // 0 is the least significant nibble
    limbs[nibbleIndex / 16] |= static_cast<uint64_t>(hexDigitValue(digits[i])) << (4 * (nibbleIndex % 16));
  }
  out.limbs_ = limbs;
  return ParseStatus::Ok;
}

Uint256::ParseStatus Uint256::parse(std::string_view text, Uint256& out) noexcept {
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    return parseHexDigits(text.substr(2), out);
  }
  return parseDecimal(text, out);
}

Uint256 Uint256::negated() const noexcept {
  // ~x + 1, carrying the +1 through the limbs.
  Uint256 out;
  uint64_t carry = 1;
  for (size_t i = 0; i < 4; ++i) {
    uint64_t inverted = ~limbs_[i];
    out.limbs_[i] = inverted + carry;
    carry = (carry != 0 && out.limbs_[i] == 0) ? 1 : 0;
  }
  return out;
}

unsigned Uint256::bitLength() const noexcept {
  for (size_t i = 4; i-- > 0;) {
    if (limbs_[i] != 0) {
      return static_cast<unsigned>(64 * i + 64 - std::countl_zero(limbs_[i]));
    }
  }
  return 0;
}

void Uint256::toBigEndian(uint8_t out[32]) const noexcept {
  for (size_t i = 0; i < 32; ++i) {
    out[i] = static_cast<uint8_t>(limbs_[3 - i / 8] >> (8 * (7 - i % 8)));
  }
}

Hash32 Uint256::toBigEndian() const noexcept {
  Hash32 out;
  toBigEndian(out.data());
  return out;
}

std::string Uint256::toDecimal() const {
  if (isZero()) return "0";
  Limbs limbs = limbs_;
  std::string reversed;
  while (limbs != Limbs{}) reversed += static_cast<char>('0' + divideSmall(limbs, 10));
  return {reversed.rbegin(), reversed.rend()};
}

std::strong_ordering operator<=>(const Uint256& a, const Uint256& b) noexcept {
  for (size_t i = 4; i-- > 0;) {
    if (a.limbs_[i] != b.limbs_[i]) return a.limbs_[i] <=> b.limbs_[i];
  }
  return std::strong_ordering::equal;
}

}  // namespace clawpay
