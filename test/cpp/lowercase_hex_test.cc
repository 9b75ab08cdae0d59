// parseLowercaseHexInto (vector blocks of 32 digits where the CPU has them)
// held to its scalar form: same verdict and same bytes on random and mutated
// text of many lengths.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "hex.h"

namespace clawpay {
namespace {

struct Outcomes {
  size_t accepted = 0, refused = 0;
};

void expectSame(const std::string& text, size_t bytes, Outcomes& outcomes) {
  std::vector<uint8_t> fast(bytes, 0xAA), slow(bytes, 0x55);
  bool fastOk = parseLowercaseHexInto(text, fast);
  bool slowOk = hex_detail::parseLowercaseHexIntoScalar(text, slow);
  ASSERT_EQ(fastOk, slowOk) << text << " for " << bytes << " bytes";
  if (slowOk) ASSERT_EQ(fast, slow) << text;
  ++(slowOk ? outcomes.accepted : outcomes.refused);
}

std::string randomHex(std::mt19937& rng, size_t bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string text = "0x";
  for (size_t i = 0; i < 2 * bytes; ++i) text += kDigits[rng() % 16];
  return text;
}

TEST(LowercaseHex, AgreesWithScalarOnRandomAndMutatedText) {
  std::mt19937 rng(21);
  Outcomes outcomes;
  for (size_t bytes = 0; bytes <= 100; ++bytes) {
    for (int round = 0; round < 40; ++round) {
      std::string text = randomHex(rng, bytes);
      switch (round % 8) {
        case 0: case 1: case 2: break;  // as it is
        case 3:                         // one byte anywhere (prefix included) set to anything
          text[rng() % text.size()] = static_cast<char>(rng());
          break;
        case 4:  // a digit uppercased, where there is a letter
          for (size_t at = 2 + rng() % (text.size() - 1); at < text.size(); ++at) {
            if (text[at] >= 'a') {
              text[at] = static_cast<char>(text[at] - 'a' + 'A');
              break;
            }
          }
          break;
        case 5:  // one digit more or fewer
          if (rng() % 2 || text.size() == 2) text += "0";
          else text.pop_back();
          break;
        case 6:  // a digit pair more or fewer (the length a different byte count would have)
          if (rng() % 2 || text.size() == 2) text += "00";
          else text.resize(text.size() - 2);
          break;
        case 7:  // another prefix
          text.replace(0, 2, std::vector<std::string>{"0X", "00", "x0", "1x", "", "0xx"}[rng() % 6]);
          break;
      }
      expectSame(text, bytes, outcomes);
    }
  }
  EXPECT_GT(outcomes.accepted, 1000u);
  EXPECT_GT(outcomes.refused, 1500u);
}

TEST(LowercaseHex, RefusesEveryNonDigitByteAtEveryPosition) {
  std::mt19937 rng(22);
  // Below, at and past one and several 32-digit blocks, and a signature's 65 bytes.
  for (size_t bytes : {8u, 15u, 16u, 17u, 31u, 32u, 33u, 48u, 65u}) {
    std::string good = randomHex(rng, bytes);
    Outcomes outcomes;
    expectSame(good, bytes, outcomes);
    for (int byte = 0; byte < 256; ++byte) {
      bool digit = (byte >= '0' && byte <= '9') || (byte >= 'a' && byte <= 'f');
      if (digit) continue;
      for (size_t at = 2; at < good.size(); ++at) {
        std::string bad = good;
        bad[at] = static_cast<char>(byte);
        std::vector<uint8_t> out(bytes);
        ASSERT_FALSE(parseLowercaseHexInto(bad, out)) << "byte " << byte << " at " << at << " of " << bytes;
        expectSame(bad, bytes, outcomes);
      }
    }
    EXPECT_EQ(outcomes.accepted, 1u);
    EXPECT_EQ(outcomes.refused, (256u - 16u) * 2 * bytes);
  }
}

}  // namespace
}  // namespace clawpay
