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

}  // namespace
}  // namespace clawpay
