#include "uint256.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "hex.h"

namespace clawpay {
namespace {

constexpr const char* kMaxDecimal =
    "115792089237316195423570985008687907853269984665640564039457584007913129639935";  // 2^256 - 1
constexpr const char* kMaxPlusOneDecimal =
    "115792089237316195423570985008687907853269984665640564039457584007913129639936";

Uint256 parsed(const std::string& text) {
  Uint256 value;
  EXPECT_EQ(Uint256::parse(text, value), Uint256::ParseStatus::Ok) << text;
  return value;
}

std::string wordHex(const Uint256& value) { return toHex(value.toBigEndian()); }

TEST(Uint256, DecimalAndHexSpellingsOfOneNumberParseEqual) {
  EXPECT_EQ(parsed("255"), parsed("0xff"));
  EXPECT_EQ(parsed("255"), parsed("0XFF"));
  EXPECT_EQ(parsed("255"), parsed("0x00ff"));
  EXPECT_EQ(parsed("255"), parsed("000255"));
  EXPECT_EQ(parsed("255"), Uint256::fromUint64(255));
  EXPECT_EQ(parsed("0"), Uint256());
  EXPECT_EQ(parsed("0x0"), Uint256());
}

TEST(Uint256, MaximumParsesAndOneMoreOverflows) {
  Uint256 value;
  EXPECT_EQ(Uint256::parse(kMaxDecimal, value), Uint256::ParseStatus::Ok);
  EXPECT_EQ(wordHex(value), "0x" + std::string(64, 'f'));
  EXPECT_EQ(Uint256::parse("0x" + std::string(64, 'f'), value), Uint256::ParseStatus::Ok);
  EXPECT_EQ(Uint256::parse(kMaxPlusOneDecimal, value), Uint256::ParseStatus::Overflow);
  EXPECT_EQ(Uint256::parse("0x1" + std::string(64, '0'), value), Uint256::ParseStatus::Overflow);
  EXPECT_EQ(Uint256::parse(std::string(200, '9'), value), Uint256::ParseStatus::Overflow);
}

TEST(Uint256, LeadingZerosDoNotCountTowardsOverflow) {
  EXPECT_EQ(parsed("0x" + std::string(100, '0') + "1"), Uint256::fromUint64(1));
  EXPECT_EQ(parsed(std::string(100, '0') + "7"), Uint256::fromUint64(7));
  EXPECT_EQ(parsed("0x" + std::string(100, '0')), Uint256());
}

TEST(Uint256, MalformedTextIsReportedAsMalformed) {
  for (const char* text : {"", "0x", "0X", "-1", "+1", " 1", "1 ", "0xg", "1e3", "0b1", "1.0", "0x-1", "x1", "١"}) {
    Uint256 value = Uint256::fromUint64(42);
    EXPECT_EQ(Uint256::parse(text, value), Uint256::ParseStatus::Malformed) << '"' << text << '"';
    EXPECT_EQ(value, Uint256::fromUint64(42)) << "output must be untouched on failure";
  }
}

TEST(Uint256, MalformedTextWinsOverOverflow) {
  Uint256 value;
  EXPECT_EQ(Uint256::parse(std::string(100, '9') + "z", value), Uint256::ParseStatus::Malformed);
  EXPECT_EQ(Uint256::parse("0x" + std::string(80, 'f') + "z", value), Uint256::ParseStatus::Malformed);
}

TEST(Uint256, FromInt64IsTwosComplement) {
  EXPECT_EQ(wordHex(Uint256::fromInt64(-1)), "0x" + std::string(64, 'f'));
  EXPECT_EQ(wordHex(Uint256::fromInt64(std::numeric_limits<int64_t>::min())),
            "0x" + std::string(48, 'f') + "8000000000000000");
  EXPECT_EQ(Uint256::fromInt64(12345), Uint256::fromUint64(12345));
}

TEST(Uint256, NegatedIsTwosComplementAndZeroStaysZero) {
  EXPECT_EQ(Uint256::fromUint64(1).negated(), Uint256::fromInt64(-1));
  EXPECT_EQ(Uint256::fromUint64(128).negated(), Uint256::fromInt64(-128));
  EXPECT_EQ(Uint256().negated(), Uint256());
  // -2^255 is its own negation, as int256's minimum is.
  EXPECT_EQ(Uint256::powerOfTwo(255).negated(), Uint256::powerOfTwo(255));
  // The carry must run through every limb: -(2^64) = ff..ff 0000000000000000.
  EXPECT_EQ(wordHex(Uint256::powerOfTwo(64).negated()), "0x" + std::string(48, 'f') + std::string(16, '0'));
}

TEST(Uint256, NegatingTwiceRestoresTheValue) {
  Uint256 value = parsed("0x123456789abcdef0fedcba987654321000112233445566778899aabbccddeeff");
  EXPECT_EQ(value.negated().negated(), value);
}

TEST(Uint256, ComparisonOrdersByValueAcrossLimbs) {
  EXPECT_LT(Uint256::fromUint64(UINT64_MAX), Uint256::powerOfTwo(64));
  EXPECT_LT(Uint256::powerOfTwo(64), Uint256::powerOfTwo(200));
  EXPECT_GT(parsed(kMaxDecimal), Uint256::powerOfTwo(255));
  EXPECT_LE(Uint256::fromUint64(5), Uint256::fromUint64(5));
  EXPECT_NE(Uint256::fromUint64(5), Uint256::fromUint64(6));
}

TEST(Uint256, BitLengthIsThePositionOfTheHighestSetBitPlusOne) {
  EXPECT_EQ(Uint256().bitLength(), 0u);
  EXPECT_EQ(Uint256::fromUint64(1).bitLength(), 1u);
  EXPECT_EQ(Uint256::fromUint64(255).bitLength(), 8u);
  EXPECT_EQ(Uint256::fromUint64(256).bitLength(), 9u);
  EXPECT_EQ(Uint256::powerOfTwo(64).bitLength(), 65u);
  EXPECT_EQ(Uint256::powerOfTwo(255).bitLength(), 256u);
  EXPECT_EQ(parsed(kMaxDecimal).bitLength(), 256u);
}

TEST(Uint256, PowerOfTwoSetsExactlyOneBit) {
  EXPECT_EQ(Uint256::powerOfTwo(0), Uint256::fromUint64(1));
  EXPECT_EQ(Uint256::powerOfTwo(63), Uint256::fromUint64(uint64_t{1} << 63));
  EXPECT_EQ(wordHex(Uint256::powerOfTwo(255)), "0x8" + std::string(63, '0'));
}

TEST(Uint256, BigEndianWordPutsTheMostSignificantByteFirst) {
  Uint256 value = parsed("0x0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
  Hash32 word = value.toBigEndian();
  for (size_t i = 0; i < 32; ++i) EXPECT_EQ(word[i], i + 1);
  EXPECT_EQ(Uint256::fromBigEndian(word), value);
  EXPECT_EQ(wordHex(Uint256::fromUint64(0x1234)), "0x" + std::string(60, '0') + "1234");
}

TEST(Uint256, ToDecimalRoundTripsThroughParse) {
  EXPECT_EQ(Uint256().toDecimal(), "0");
  EXPECT_EQ(Uint256::fromUint64(UINT64_MAX).toDecimal(), "18446744073709551615");
  EXPECT_EQ(parsed(kMaxDecimal).toDecimal(), kMaxDecimal);
  EXPECT_EQ(Uint256::powerOfTwo(128).toDecimal(), "340282366920938463463374607431768211456");
}

}  // namespace
}  // namespace clawpay
