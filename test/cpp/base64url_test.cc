#include "base64url.h"

#include <gtest/gtest.h>

#include <random>

namespace clawpay {
namespace {

TEST(Base64Url, MatchesRfc4648VectorsWithoutPadding) {
  const std::pair<const char*, const char*> vectors[] = {
      {"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"}, {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"},
      {"foobar", "Zm9vYmFy"}, {"\xfb\xff", "-_8"}};
  for (auto [plain, encoded] : vectors) {
    EXPECT_EQ(base64UrlEncode(asBytes(plain)), encoded);
    EXPECT_EQ(base64UrlDecode(encoded), std::string(plain));
  }
}

TEST(Base64Url, RoundTripsRandomBytes) {
  std::mt19937 rng(7);
  for (int n = 0; n < 300; ++n) {
    std::string bytes(n, '\0');
    for (char& c : bytes) c = static_cast<char>(rng());
    EXPECT_EQ(base64UrlDecode(base64UrlEncode(asBytes(bytes))), bytes);
  }
}

TEST(Base64Url, RefusesPaddingForeignCharactersBadLengthsAndNonZeroTrailingBits) {
  for (const char* bad : {"Zg==", "Zm9v+", "Zm9v/", "Z", "Zm9vY", "Zh", "Zm9", "Zm 9v", "Zm9v\n"}) {
    EXPECT_FALSE(base64UrlDecode(bad)) << bad;
  }
}

// The decoder reads whole groups of four through one table per position and
// checks them all at once at the end: every byte outside the alphabet is
// refused at each position of a group, in the first, a middle and the last
// group, and in the partial tail.
TEST(Base64Url, RefusesEveryForeignByteAtEveryPosition) {
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  const std::string good = base64UrlEncode(asBytes(std::string("twelve bytes!!x", 14)));  // 19 chars
  ASSERT_TRUE(base64UrlDecode(good));
  for (int byte = 0; byte < 256; ++byte) {
    if (alphabet.find(static_cast<char>(byte)) != std::string::npos) continue;
    for (size_t at = 0; at < good.size(); ++at) {
      std::string bad = good;
      bad[at] = static_cast<char>(byte);
      EXPECT_FALSE(base64UrlDecode(bad)) << "byte " << byte << " at " << at;
    }
  }
}

TEST(Base64Url, DecodeIsTheInverseOfEncodeOnRandomText) {
  // Random alphabet text of every length: decodes exactly when the length is
  // not 1 mod 4 and the leftover bits are zero, and then encodes back to itself.
  const std::string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::mt19937 rng(11);
  size_t decoded = 0;
  for (int i = 0; i < 4000; ++i) {
    std::string text(rng() % 40, 'A');
    for (char& c : text) c = alphabet[rng() % 64];
    auto bytes = base64UrlDecode(text);
    if (bytes) {
      ++decoded;
      EXPECT_EQ(base64UrlEncode(asBytes(*bytes)), text);
    } else {
      // Refused only for a length of 1 mod 4 or nonzero leftover bits.
      size_t rest = text.size() % 4;
      int last = rest == 0 ? 0 : static_cast<int>(alphabet.find(text.back()));
      bool leftoverBits = (rest == 2 && (last & 0xF)) || (rest == 3 && (last & 0x3));
      EXPECT_TRUE(rest == 1 || leftoverBits) << text;
    }
  }
  EXPECT_GT(decoded, 1000u);
}

}  // namespace
}  // namespace clawpay
