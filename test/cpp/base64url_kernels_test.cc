// Each vector kernel of base64UrlDecode held to the scalar decoder: same
// bytes or the same refusal, on random text of every length and on every
// foreign byte at every position.
#include "base64url_kernels.h"

#include <gtest/gtest.h>

#include <random>

#include "base64url.h"

namespace clawpay {
namespace {

const std::string kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::vector<Base64UrlKernel> vectorKernels() {
  auto kernels = base64UrlKernelsHere();
  kernels.erase(kernels.begin());
  return kernels;
}

const char* name(Base64UrlKernel k) {
  switch (k) {
    case Base64UrlKernel::Scalar: return "scalar";
    case Base64UrlKernel::Ssse3: return "ssse3";
    case Base64UrlKernel::Avx2: return "avx2";
  }
  return "?";
}

TEST(Base64UrlKernels, ScalarComesFirstAndTheDefaultIsTheWidest) {
  auto kernels = base64UrlKernelsHere();
  ASSERT_FALSE(kernels.empty());
  EXPECT_EQ(kernels.front(), Base64UrlKernel::Scalar);
  if (kernels.size() == 1) GTEST_SKIP() << "no vector kernel on this build or CPU";
  std::string text = base64UrlEncode(asBytes(std::string(300, 'x')));
  EXPECT_EQ(base64UrlDecode(text), base64UrlDecodeWith(text, Base64UrlKernel::Scalar));
}

TEST(Base64UrlKernels, AgreeWithScalarOnRandomTextOfEveryLength) {
  auto kernels = vectorKernels();
  if (kernels.empty()) GTEST_SKIP() << "no vector kernel on this build or CPU";
  std::mt19937 rng(15);
  for (auto kernel : kernels) {
    size_t decoded = 0, refused = 0;
    for (size_t length = 0; length <= 600; ++length) {
      for (int round = 0; round < 12; ++round) {
        std::string text(length, 'A');
        for (char& c : text) c = kAlphabet[rng() % 64];
        // Half get zero leftover bits, so that most of those decode.
        if (round % 2 == 0 && length % 4 >= 2) {
          size_t keep = length % 4 == 2 ? 0x30 : 0x3C;
          text.back() = kAlphabet[kAlphabet.find(text.back()) & keep];
        }
        // Some texts get a foreign byte or two at random places.
        int foreign = length == 0 ? 0 : round % 4 == 3 ? 1 + static_cast<int>(rng() % 2) : 0;
        for (int f = 0; f < foreign; ++f) text[rng() % length] = static_cast<char>(rng());
        auto expected = base64UrlDecodeWith(text, Base64UrlKernel::Scalar);
        auto got = base64UrlDecodeWith(text, kernel);
        ASSERT_EQ(got, expected) << name(kernel) << " on " << text;
        ++(expected ? decoded : refused);
      }
    }
    // Both outcomes, many times each.
    EXPECT_GT(decoded, 3000u) << name(kernel);
    EXPECT_GT(refused, 2000u) << name(kernel);
  }
}

TEST(Base64UrlKernels, RefuseEveryForeignByteAtEveryPosition) {
  auto kernels = vectorKernels();
  if (kernels.empty()) GTEST_SKIP() << "no vector kernel on this build or CPU";
  std::mt19937 rng(16);
  // Lengths below, at and past one and several 16- and 32-character blocks,
  // and the length of a real token's payload.
  for (size_t length : {16u, 22u, 32u, 43u, 64u, 75u, 128u, 171u, 443u}) {
    std::string good;
    do {
      good.assign(length, 'A');
      for (char& c : good) c = kAlphabet[rng() % 64];
    } while (!base64UrlDecodeWith(good, Base64UrlKernel::Scalar));
    for (auto kernel : kernels) {
      ASSERT_EQ(base64UrlDecodeWith(good, kernel), base64UrlDecodeWith(good, Base64UrlKernel::Scalar));
      size_t refused = 0;
      for (int byte = 0; byte < 256; ++byte) {
        if (kAlphabet.find(static_cast<char>(byte)) != std::string::npos) continue;
        for (size_t at = 0; at < length; ++at) {
          std::string bad = good;
          bad[at] = static_cast<char>(byte);
          ASSERT_FALSE(base64UrlDecodeWith(bad, kernel)) << name(kernel) << ": byte " << byte << " at " << at
                                                         << " of " << length;
          ++refused;
        }
      }
      EXPECT_EQ(refused, 192 * length);
    }
  }
}

}  // namespace
}  // namespace clawpay
