// Private keys: validation, address derivation, generation, deterministic
// signing, and the guarantee that a wiped / moved-from / destroyed key leaves
// no secret behind and cannot sign.
#include "private_key.h"

#include "test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <new>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "address.h"
#include "error.h"
#include "hex.h"
#include "keccak.h"

namespace clawpay {
namespace {

// The key from the Web3 Secret Storage docs, used across Ethereum tooling.
constexpr const char* kKnownKey = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
constexpr const char* kKnownAddress = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23";
constexpr const char* kCurveOrder = "0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

Bytes keyBytes(const char* hex) { return parseHexExact(hex, 32, "key"); }

PrivateKey knownKey() { return PrivateKey::fromBytes(keyBytes(kKnownKey)); }

const Hash32 kDigest = keccak256(asBytes("digest"));

// True when the 32 secret bytes appear anywhere in the object's storage.
bool storageContains(const void* storage, size_t size, const Bytes& secret) {
  auto begin = static_cast<const uint8_t*>(storage);
  return std::search(begin, begin + size, secret.begin(), secret.end()) != begin + size;
}

TEST(PrivateKeyFromBytes, KnownKeyDerivesItsKnownAddress) {
  EXPECT_EQ(toChecksumAddress(knownKey().address()), kKnownAddress);
}

TEST(PrivateKeyFromBytes, EveryViemKeyDerivesViemsAddress) {
  for (const auto& c : cryptoVectors().at("cases")) {
    PrivateKey key = PrivateKey::fromBytes(parseHexExact(c.at("privateKey").get<std::string>(), 32, "privateKey"));
    EXPECT_EQ(toChecksumAddress(key.address()), c.at("address").get<std::string>());
  }
}

TEST(PrivateKeyFromBytes, RejectsZeroAsInvalidPrivateKey) {
  Error e = captureError([] { PrivateKey::fromBytes(Bytes(32, 0)); });
  EXPECT_EQ(e.code(), "ERR_INVALID_PRIVATE_KEY");
}

TEST(PrivateKeyFromBytes, RejectsCurveOrderAndAboveAsInvalidPrivateKey) {
  Bytes n = keyBytes(kCurveOrder);
  Bytes nPlusOne = n;
  nPlusOne[31] += 1;
  for (const Bytes& key : {n, nPlusOne, Bytes(32, 0xff)}) {
    Error e = captureError([&] { PrivateKey::fromBytes(key); });
    EXPECT_EQ(e.code(), "ERR_INVALID_PRIVATE_KEY");
    // The message must not echo the key.
    EXPECT_EQ(std::string(e.what()).find("ffff"), std::string::npos) << e.what();
  }
}

TEST(PrivateKeyFromBytes, AcceptsOneAndCurveOrderMinusOne) {
  Bytes one(32, 0);
  one[31] = 1;
  Bytes nMinusOne = keyBytes(kCurveOrder);
  nMinusOne[31] -= 1;
  EXPECT_EQ(toChecksumAddress(PrivateKey::fromBytes(one).address()),
            "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf");
  EXPECT_FALSE(PrivateKey::fromBytes(nMinusOne).wiped());
}

TEST(PrivateKeyFromBytes, RejectsWrongLengthsNamingBothCounts) {
  for (size_t length : {0u, 31u, 33u, 64u}) {
    Error e = captureError([&] { PrivateKey::fromBytes(Bytes(length, 1)); });
    EXPECT_EQ(e.code(), "ERR_INVALID_LENGTH");
    EXPECT_EQ(std::string(e.what()),
              "Expected 32 bytes for private key but received " + std::to_string(length));
  }
}

TEST(PrivateKeyGenerate, GivesDistinctKeysThatSignAndRecover) {
  std::set<Address> addresses;
  for (int i = 0; i < 100; ++i) {
    PrivateKey key = PrivateKey::generate();
    EXPECT_FALSE(key.wiped());
    EXPECT_EQ(recoverAddress(kDigest, key.sign(kDigest)), key.address());
    addresses.insert(key.address());
  }
  EXPECT_EQ(addresses.size(), 100u);
}

TEST(PrivateKeySign, IsDeterministicForTheSameKeyAndDigest) {
  PrivateKey key = knownKey();
  EXPECT_EQ(key.sign(kDigest).serialize(), key.sign(kDigest).serialize());
  EXPECT_EQ(knownKey().sign(kDigest).serialize(), key.sign(kDigest).serialize());
}

TEST(PrivateKeyWipe, MakesSignThrowDestroyed) {
  PrivateKey key = knownKey();
  key.wipe();
  EXPECT_TRUE(key.wiped());
  Error e = captureError([&] { key.sign(kDigest); });
  EXPECT_EQ(e.code(), "ERR_DESTROYED");
  EXPECT_EQ(e.kind(), ErrorKind::State);
}

TEST(PrivateKeyWipe, TwiceIsHarmless) {
  PrivateKey key = knownKey();
  key.wipe();
  key.wipe();
  EXPECT_TRUE(key.wiped());
}

TEST(PrivateKeyWipe, RemovesTheSecretFromTheObjectsMemory) {
  Bytes secret = keyBytes(kKnownKey);
  PrivateKey key = knownKey();
  ASSERT_TRUE(storageContains(&key, sizeof(key), secret)) << "test cannot see the secret";
  key.wipe();
  EXPECT_FALSE(storageContains(&key, sizeof(key), secret));
}

TEST(PrivateKeyDestructor, RemovesTheSecretFromTheObjectsMemory) {
  Bytes secret = keyBytes(kKnownKey);
  alignas(PrivateKey) unsigned char storage[sizeof(PrivateKey)];
  auto* key = new (storage) PrivateKey(knownKey());
  ASSERT_TRUE(storageContains(storage, sizeof(storage), secret)) << "test cannot see the secret";
  key->~PrivateKey();
  EXPECT_FALSE(storageContains(storage, sizeof(storage), secret));
}

TEST(PrivateKeyMove, MovedFromKeyCannotSignAndHoldsNoSecret) {
  Bytes secret = keyBytes(kKnownKey);
  PrivateKey source = knownKey();
  PrivateKey target(std::move(source));
  EXPECT_TRUE(source.wiped());  // NOLINT(bugprone-use-after-move): the point of the test
  EXPECT_EQ(captureError([&] { source.sign(kDigest); }).code(), "ERR_DESTROYED");
  EXPECT_FALSE(storageContains(&source, sizeof(source), secret));
  EXPECT_EQ(target.address(), knownKey().address());
  EXPECT_EQ(target.sign(kDigest).serialize(), knownKey().sign(kDigest).serialize());
}

TEST(PrivateKeyMove, MoveAssignmentTransfersTheKeyAndWipesTheSource) {
  Bytes secret = keyBytes(kKnownKey);
  PrivateKey source = knownKey();
  PrivateKey target = PrivateKey::generate();
  target = std::move(source);
  EXPECT_TRUE(source.wiped());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(captureError([&] { source.sign(kDigest); }).code(), "ERR_DESTROYED");
  EXPECT_FALSE(storageContains(&source, sizeof(source), secret));
  EXPECT_EQ(toChecksumAddress(target.address()), kKnownAddress);
  EXPECT_EQ(recoverAddress(kDigest, target.sign(kDigest)), target.address());
}

TEST(PrivateKeyMove, MovingAWipedKeyGivesAWipedKey) {
  PrivateKey source = knownKey();
  source.wipe();
  PrivateKey target(std::move(source));
  EXPECT_TRUE(target.wiped());
  EXPECT_EQ(captureError([&] { target.sign(kDigest); }).code(), "ERR_DESTROYED");
}

}  // namespace
}  // namespace clawpay
