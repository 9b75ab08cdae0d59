#include "rfc6979.h"

#include <gtest/gtest.h>
#include <secp256k1.h>

#include <array>
#include <cstring>
#include <random>
#include <string>

#include "hex.h"

namespace clawpay {
namespace {

using Bytes32 = std::array<unsigned char, 32>;

Bytes32 fromHex(const std::string& hex) {
  Bytes32 out{};
  Bytes bytes = parseHexExact(hex, 32, "test value");
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

// Both nonce functions on the same input must give the same 32 bytes.
void expectSameNonce(const Bytes32& msg, const Bytes32& key, unsigned counter) {
  Bytes32 ours{}, theirs{};
  ASSERT_EQ(rfc6979Nonce(ours.data(), msg.data(), key.data(), nullptr, nullptr, counter), 1);
  ASSERT_EQ(secp256k1_nonce_function_rfc6979(theirs.data(), msg.data(), key.data(), nullptr, nullptr, counter), 1);
  EXPECT_EQ(toHex(ours), toHex(theirs)) << "msg " << toHex(msg) << " key " << toHex(key) << " counter " << counter;
}

TEST(Rfc6979Nonce, EqualsLibsecp256k1sOnRandomKeysAndDigests) {
  std::mt19937_64 rng(0x6979);
  for (int i = 0; i < 20000; ++i) {
    Bytes32 msg, key;
    for (auto& b : msg) b = static_cast<unsigned char>(rng());
    for (auto& b : key) b = static_cast<unsigned char>(rng());
    if (i % 4 == 0) std::memset(msg.data(), 0xff, 16);  // digests at or above the order n
    expectSameNonce(msg, key, 0);
    if (HasFailure()) return;
  }
}

// A later counter means earlier candidates were refused (never seen in
// practice: it takes a nonce >= n); the retry step must match too.
TEST(Rfc6979Nonce, EqualsLibsecp256k1sForLaterCounters) {
  std::mt19937_64 rng(0x6980);
  for (int i = 0; i < 200; ++i) {
    Bytes32 msg, key;
    for (auto& b : msg) b = static_cast<unsigned char>(rng());
    for (auto& b : key) b = static_cast<unsigned char>(rng());
    for (unsigned counter : {1u, 2u, 3u, 17u}) expectSameNonce(msg, key, counter);
  }
}

// Digests around the order n are reduced before seeding (bits2octets).
TEST(Rfc6979Nonce, EqualsLibsecp256k1sForDigestsAroundTheOrder) {
  const std::string n = "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";
  const Bytes32 key = fromHex("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318");
  for (const std::string& msg : std::initializer_list<std::string>{
           std::string("0x") + std::string(64, '0'), "0x" + std::string(63, '0') + "1",
           "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140", n,
           "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364142",
           "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd03641ff",
           "0xffffffffffffffffffffffffffffffffbaaedce6af48a03bbfd25e8cd0364141",
           "0x" + std::string(64, 'f'),
       }) {
    expectSameNonce(fromHex(msg), key, 0);
    expectSameNonce(fromHex(msg), fromHex("0x" + std::string(63, '0') + "1"), 0);
    expectSameNonce(fromHex(msg), fromHex("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364140"), 0);
  }
}

TEST(Rfc6979Nonce, HandsExtraDataAndAlgorithmTagsToLibsecp256k1) {
  const Bytes32 msg = fromHex("0x" + std::string(64, '7'));
  const Bytes32 key = fromHex("0x" + std::string(64, '3'));
  Bytes32 extra = fromHex("0x" + std::string(64, 'a'));
  const unsigned char algo[16] = {'E', 'C', 'D', 'S', 'A'};
  Bytes32 ours{}, theirs{};
  rfc6979Nonce(ours.data(), msg.data(), key.data(), algo, extra.data(), 0);
  secp256k1_nonce_function_rfc6979(theirs.data(), msg.data(), key.data(), algo, extra.data(), 0);
  EXPECT_EQ(ours, theirs);
  rfc6979Nonce(ours.data(), msg.data(), key.data(), nullptr, extra.data(), 1);
  secp256k1_nonce_function_rfc6979(theirs.data(), msg.data(), key.data(), nullptr, extra.data(), 1);
  EXPECT_EQ(ours, theirs);
}

}  // namespace
}  // namespace clawpay
