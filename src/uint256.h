// A 256-bit unsigned integer with just the arithmetic that Solidity's
// intN / uintN values need (EIP-712, ABI words): parsing with exact overflow
// detection, two's complement negation, comparison, and the 32-byte
// big-endian word form. Deliberately no general arithmetic.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "bytes.h"

namespace clawpay {

class Uint256 {
 public:
  enum class ParseStatus { Ok, Malformed, Overflow };

  constexpr Uint256() noexcept = default;  // zero

  static constexpr Uint256 fromUint64(uint64_t value) noexcept {
    Uint256 out;
    out.limbs_[0] = value;
    return out;
  }
  // Two's complement for negatives: fromInt64(-1) is 2^256 - 1.
  static constexpr Uint256 fromInt64(int64_t value) noexcept {
    uint64_t fill = value < 0 ? ~uint64_t{0} : 0;
    Uint256 out;
    out.limbs_ = {static_cast<uint64_t>(value), fill, fill, fill};
    return out;
  }
  // 2^bits; bits must be below 256.
  static Uint256 powerOfTwo(unsigned bits) noexcept;
  static Uint256 fromBigEndian(const Hash32& word) noexcept;

  // "0x" / "0X" followed by hex digits, or decimal digits alone. At least one
  // digit; leading zeros are fine; no sign, no spaces. Overflow means the
  // text is well-formed but the value is 2^256 or more. `out` is written only
  // on Ok.
  [[nodiscard]] static ParseStatus parse(std::string_view text, Uint256& out) noexcept;
  [[nodiscard]] static ParseStatus parseDecimal(std::string_view digits, Uint256& out) noexcept;
  // Hex digits without a prefix.
  [[nodiscard]] static ParseStatus parseHexDigits(std::string_view digits, Uint256& out) noexcept;

  // 2^256 - this (mod 2^256): the two's complement encoding of -this.
  Uint256 negated() const noexcept;

  bool isZero() const noexcept { return (limbs_[0] | limbs_[1] | limbs_[2] | limbs_[3]) == 0; }
  // Position of the highest set bit plus one; 0 for zero.
  unsigned bitLength() const noexcept;

  void toBigEndian(uint8_t out[32]) const noexcept;
  Hash32 toBigEndian() const noexcept;
  std::string toDecimal() const;

  friend bool operator==(const Uint256&, const Uint256&) noexcept = default;
  friend std::strong_ordering operator<=>(const Uint256& a, const Uint256& b) noexcept;

 private:
  // Least significant limb first.
  std::array<uint64_t, 4> limbs_{};
};

}  // namespace clawpay
