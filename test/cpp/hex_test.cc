// Hex encoding and strict parsing.
#include "hex.h"

#include "test_support.h"

#include <gtest/gtest.h>

#include <random>

#include "error.h"

namespace clawpay {
namespace {

TEST(ToHex, WritesLowercaseDigitsAfter0x) {
  Bytes bytes = {0x00, 0x0f, 0xab, 0xff};
  EXPECT_EQ(toHex(bytes), "0x000fabff");
}

TEST(ToHex, OmitsPrefixWhenAsked) {
  Bytes bytes = {0xde, 0xad};
  EXPECT_EQ(toHex(bytes, /*prefix=*/false), "dead");
}

TEST(ToHex, EmptyInputIsBarePrefix) {
  EXPECT_EQ(toHex({}), "0x");
  EXPECT_EQ(toHex({}, false), "");
}

TEST(ParseHex, AcceptsUpperAndLowerCaseDigits) {
  EXPECT_EQ(parseHex("0xDeadBEEF"), (Bytes{0xde, 0xad, 0xbe, 0xef}));
}

TEST(ParseHex, BarePrefixIsEmptyBytes) { EXPECT_EQ(parseHex("0x"), Bytes{}); }

TEST(ParseHex, RejectsMissingPrefix) {
  EXPECT_EQ(parseHex("dead"), std::nullopt);
  EXPECT_EQ(parseHex(""), std::nullopt);
  EXPECT_EQ(parseHex("0"), std::nullopt);
  EXPECT_EQ(parseHex("x0dead"), std::nullopt);
}

TEST(ParseHex, RejectsOddDigitCount) { EXPECT_EQ(parseHex("0xabc"), std::nullopt); }

TEST(ParseHex, RejectsNonHexCharacters) {
  EXPECT_EQ(parseHex("0xzz"), std::nullopt);
  EXPECT_EQ(parseHex("0x0g"), std::nullopt);
  EXPECT_EQ(parseHex("0x 0"), std::nullopt);
  EXPECT_EQ(parseHex("0x00 "), std::nullopt);
  EXPECT_EQ(parseHex(std::string_view("0x\0\0", 4)), std::nullopt);
}

TEST(ParseHex, RoundTripsRandomBytesThroughToHex) {
  std::mt19937 rng(7);
  for (size_t length = 0; length < 100; ++length) {
    Bytes bytes(length);
    for (auto& b : bytes) b = static_cast<uint8_t>(rng());
    EXPECT_EQ(parseHex(toHex(bytes)), bytes);
  }
}

TEST(ParseHexExact, ReturnsBytesOfTheExpectedLength) {
  EXPECT_EQ(parseHexExact("0x0102", 2, "pair"), (Bytes{1, 2}));
}

TEST(ParseHexExact, NonHexThrowsInvalidHexNamingTheParameter) {
  Error e = captureError([] { parseHexExact("hello", 32, "hash"); });
  EXPECT_EQ(e.code(), "ERR_INVALID_HEX");
  EXPECT_EQ(e.kind(), ErrorKind::Type);
  EXPECT_NE(std::string(e.what()).find("hash"), std::string::npos) << e.what();
}

TEST(ParseHexExact, WrongLengthThrowsInvalidLengthWithBothCounts) {
  Error e = captureError([] { parseHexExact("0x" + std::string(62, 'a'), 32, "hash"); });
  EXPECT_EQ(e.code(), "ERR_INVALID_LENGTH");
  EXPECT_EQ(e.kind(), ErrorKind::Range);
  EXPECT_STREQ(e.what(), "Expected 32 bytes for hash but received 31");
}

TEST(HexDigitValue, MapsExactlyTheTwentyTwoHexCharacters) {
  int accepted = 0;
  for (int c = -128; c < 128; ++c) {
    int value = hexDigitValue(static_cast<char>(c));
    if (value >= 0) {
      ++accepted;
      EXPECT_LT(value, 16);
    }
  }
  EXPECT_EQ(accepted, 22);
  EXPECT_EQ(hexDigitValue('0'), 0);
  EXPECT_EQ(hexDigitValue('9'), 9);
  EXPECT_EQ(hexDigitValue('a'), 10);
  EXPECT_EQ(hexDigitValue('F'), 15);
  EXPECT_EQ(hexDigitValue('g'), -1);
}

TEST(Hex, ParseLowercaseHexIntoTakesOnlyTheLowercaseSpellingOfExactlyItsSize) {
  std::mt19937 rng(5);
  std::array<uint8_t, 5> bytes;
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
  const std::string good = toHex(bytes);
  std::array<uint8_t, 5> out{};
  ASSERT_TRUE(parseLowercaseHexInto(good, out));
  EXPECT_EQ(out, bytes);
  EXPECT_FALSE(parseLowercaseHexInto(good.substr(2), out));
  EXPECT_FALSE(parseLowercaseHexInto(good + "00", out));
  EXPECT_FALSE(parseLowercaseHexInto(good.substr(0, good.size() - 2), out));
  EXPECT_FALSE(parseLowercaseHexInto("0X" + good.substr(2), out));
  // Every byte that is not a lowercase digit, at every digit position.
  for (int c = 0; c < 256; ++c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) continue;
    for (size_t at = 2; at < good.size(); ++at) {
      std::string bad = good;
      bad[at] = static_cast<char>(c);
      EXPECT_FALSE(parseLowercaseHexInto(bad, out)) << c << " at " << at;
    }
  }
}

}  // namespace
}  // namespace clawpay
