// Recoverable signatures: sign/recover round trips, viem parity, and every
// rule parseSignature / recoverAddress enforce (lengths, v, r and s ranges,
// low-s), plus the libsecp256k1 callback guard.
#include "signature.h"

#include "test_support.h"

#include <gtest/gtest.h>
#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "address.h"
#include "error.h"
#include "hex.h"
#include "keccak.h"
#include "private_key.h"
#include "secp256k1_context.h"

namespace clawpay {
namespace {

using Scalar = std::array<uint8_t, 32>;

Scalar scalarFromHex(const char* hex) {
  Bytes bytes = parseHexExact(hex, 32, "scalar");
  Scalar out;
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

const Scalar kN = scalarFromHex("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
const Scalar kHalfN =
    scalarFromHex("0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0");

// a - b for big-endian 256-bit numbers with a >= b.
Scalar subtract(const Scalar& a, const Scalar& b) {
  Scalar out;
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int d = a[i] - b[i] - borrow;
    borrow = d < 0;
    out[i] = static_cast<uint8_t>(d + (borrow ? 256 : 0));
  }
  return out;
}

Scalar addOne(Scalar x) {
  for (int i = 31; i >= 0 && ++x[i] == 0; --i) {
  }
  return x;
}

Hash32 randomHash(std::mt19937& rng) {
  Hash32 h;
  for (auto& b : h) b = static_cast<uint8_t>(rng());
  return h;
}

Hash32 hashFromHex(const std::string& hex) {
  Bytes bytes = parseHexExact(hex, 32, "hash");
  Hash32 out;
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

std::array<uint8_t, 65> bytesOf(const Scalar& r, const Scalar& s, uint8_t v) {
  std::array<uint8_t, 65> out;
  std::copy(r.begin(), r.end(), out.begin());
  std::copy(s.begin(), s.end(), out.begin() + 32);
  out[64] = v;
  return out;
}

// A fixed, valid signature to mutate.
struct Signed {
  Hash32 hash;
  RecoverableSignature signature;
  Address signer;
};
Signed knownSignature() {
  PrivateKey key = PrivateKey::fromBytes(
      parseHexExact("0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318", 32, "key"));
  Hash32 hash = keccak256(asBytes("a fixed digest for signature tests"));
  return {hash, key.sign(hash), key.address()};
}

// Recovery straight through libsecp256k1, bypassing our validation, to
// prove a rejected signature is nonetheless one the library would accept.
std::optional<Address> recoverWithoutPolicy(const Hash32& hash, const Scalar& r, const Scalar& s,
                                            int recoveryId) {
  const secp256k1_context* ctx = secp256k1::context();
  unsigned char compact[64];
  std::copy(r.begin(), r.end(), compact);
  std::copy(s.begin(), s.end(), compact + 32);
  secp256k1_ecdsa_recoverable_signature sig;
  secp256k1_pubkey pub;
  if (!secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &sig, compact, recoveryId)) {
    return std::nullopt;
  }
  if (!secp256k1_ecdsa_recover(ctx, &pub, &sig, hash.data())) return std::nullopt;
  unsigned char serialized[65];
  size_t size = sizeof(serialized);
  secp256k1_ec_pubkey_serialize(ctx, serialized, &size, &pub, SECP256K1_EC_UNCOMPRESSED);
  return addressFromPublicKey(ByteView(serialized + 1, 64));
}

TEST(SignAndRecover, RecoverReturnsTheSignerForManyRandomKeysAndDigests) {
  std::mt19937 rng(12345);
  for (int i = 0; i < 200; ++i) {
    PrivateKey key = PrivateKey::generate();
    Hash32 digest = randomHash(rng);
    RecoverableSignature signature = key.sign(digest);
    EXPECT_EQ(recoverAddress(digest, signature), key.address()) << "iteration " << i;
    // And through the wire format.
    EXPECT_EQ(recoverAddress(digest, parseSignature(signature.serialize())), key.address());
  }
}

TEST(SignAndRecover, SignaturesOfViemHashesAreByteIdenticalToViem) {
  for (const auto& c : cryptoVectors().at("cases")) {
    PrivateKey key = PrivateKey::fromBytes(parseHexExact(c.at("privateKey").get<std::string>(), 32, "privateKey"));
    std::string expected = c.at("hashSignature");
    EXPECT_EQ(toHex(key.sign(hashFromHex(c.at("hash"))).serialize()), expected);
  }
}

TEST(SignAndRecover, ViemSignaturesRecoverToViemAddresses) {
  for (const auto& c : cryptoVectors().at("cases")) {
    RecoverableSignature signature =
        parseSignature(parseHexExact(c.at("hashSignature").get<std::string>(), 65, "hashSignature"));
    EXPECT_EQ(toChecksumAddress(recoverAddress(hashFromHex(c.at("hash")), signature)),
              c.at("address").get<std::string>());
  }
}

TEST(SignAndRecover, ADifferentDigestRecoversADifferentAddress) {
  Signed known = knownSignature();
  Hash32 other = known.hash;
  other[0] ^= 1;
  EXPECT_NE(recoverAddress(other, known.signature), known.signer);
}

TEST(SignAndRecover, ConcurrentThreadsOnTheSharedContextAgreeWithOneThread) {
  Signed known = knownSignature();
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      PrivateKey key = PrivateKey::fromBytes(parseHexExact(
          "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318", 32, "key"));
      for (int i = 0; i < 100; ++i) {
        RecoverableSignature s = key.sign(known.hash);
        if (s.serialize() != known.signature.serialize()) ++failures[t];
        if (recoverAddress(known.hash, s) != known.signer) ++failures[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(failures[t], 0) << "thread " << t;
}

TEST(Serialize, WritesRThenSThenVAs27PlusRecoveryId) {
  RecoverableSignature signature{};
  signature.r.fill(0x11);
  signature.s.fill(0x22);
  signature.recoveryId = 0;
  auto bytes = signature.serialize();
  EXPECT_EQ(bytes[0], 0x11);
  EXPECT_EQ(bytes[31], 0x11);
  EXPECT_EQ(bytes[32], 0x22);
  EXPECT_EQ(bytes[63], 0x22);
  EXPECT_EQ(bytes[64], 27);
  signature.recoveryId = 1;
  EXPECT_EQ(signature.serialize()[64], 28);
}

TEST(ParseSignature, AcceptsV27And28And0And1AsTheSameRecoveryIds) {
  Signed known = knownSignature();
  uint8_t id = known.signature.recoveryId;
  for (uint8_t v : {static_cast<uint8_t>(id), static_cast<uint8_t>(27 + id)}) {
    RecoverableSignature parsed = parseSignature(bytesOf(known.signature.r, known.signature.s, v));
    EXPECT_EQ(parsed.recoveryId, id) << "v " << int(v);
    EXPECT_EQ(recoverAddress(known.hash, parsed), known.signer) << "v " << int(v);
  }
  // The other parity parses too (it just names a different key).
  for (uint8_t v : {static_cast<uint8_t>(1 - id), static_cast<uint8_t>(28 - id)}) {
    RecoverableSignature parsed = parseSignature(bytesOf(known.signature.r, known.signature.s, v));
    EXPECT_EQ(parsed.recoveryId, 1 - id);
    EXPECT_NE(recoverAddress(known.hash, parsed), known.signer);
  }
}

TEST(ParseSignature, RejectsEveryOtherVWithBadV) {
  Signed known = knownSignature();
  for (int v = 0; v < 256; ++v) {
    if (v == 0 || v == 1 || v == 27 || v == 28) continue;
    auto bytes = bytesOf(known.signature.r, known.signature.s, static_cast<uint8_t>(v));
    Error e = captureError([&] { parseSignature(bytes); });
    EXPECT_EQ(e.code(), "ERR_BAD_V") << "v " << v;
    EXPECT_NE(std::string(e.what()).find(std::to_string(v)), std::string::npos) << e.what();
  }
}

TEST(ParseSignature, RejectsWrongLengthsNamingBothCounts) {
  for (size_t length : {0u, 64u, 66u, 130u}) {
    Bytes bytes(length, 1);
    Error e = captureError([&] { parseSignature(bytes); });
    EXPECT_EQ(e.code(), "ERR_INVALID_LENGTH");
    EXPECT_EQ(e.kind(), ErrorKind::Range);
    EXPECT_EQ(std::string(e.what()),
              "Expected 65 bytes for signature but received " + std::to_string(length));
  }
}

TEST(ParseSignature, RejectsZeroRAndZeroSAsInvalidSignature) {
  Signed known = knownSignature();
  Scalar zero{};
  EXPECT_EQ(captureError([&] { parseSignature(bytesOf(zero, known.signature.s, 27)); }).code(),
            "ERR_INVALID_SIGNATURE");
  EXPECT_EQ(captureError([&] { parseSignature(bytesOf(known.signature.r, zero, 27)); }).code(),
            "ERR_INVALID_SIGNATURE");
}

TEST(ParseSignature, RejectsROfCurveOrderOrAboveAsInvalidSignature) {
  Signed known = knownSignature();
  Scalar all{};
  all.fill(0xff);
  for (const Scalar& r : {kN, addOne(kN), all}) {
    EXPECT_EQ(captureError([&] { parseSignature(bytesOf(r, known.signature.s, 27)); }).code(),
              "ERR_INVALID_SIGNATURE");
  }
}

TEST(ParseSignature, RejectsSOfCurveOrderOrAboveAsInvalidSignature) {
  Signed known = knownSignature();
  Scalar all{};
  all.fill(0xff);
  for (const Scalar& s : {kN, addOne(kN), all}) {
    EXPECT_EQ(captureError([&] { parseSignature(bytesOf(known.signature.r, s, 27)); }).code(),
              "ERR_INVALID_SIGNATURE");
  }
}

TEST(ParseSignature, AcceptsSOfExactlyHalfTheOrderAndRejectsAnythingAboveAsHighS) {
  Signed known = knownSignature();
  EXPECT_NO_THROW(parseSignature(bytesOf(known.signature.r, kHalfN, 27)));
  Scalar one{};
  one[31] = 1;
  for (const Scalar& s : {addOne(kHalfN), subtract(kN, one)}) {
    Error e = captureError([&] { parseSignature(bytesOf(known.signature.r, s, 27)); });
    EXPECT_EQ(e.code(), "ERR_HIGH_S");
  }
}

// (r, n - s) with the other recovery id is the same signer's signature too;
// accepting it would let anyone mint a second valid encoding.
TEST(ParseSignature, RejectsTheHighSTwinOfEveryValidSignatureWithHighS) {
  std::mt19937 rng(99);
  for (int i = 0; i < 50; ++i) {
    PrivateKey key = PrivateKey::generate();
    Hash32 digest = randomHash(rng);
    RecoverableSignature low = key.sign(digest);
    Scalar highS = subtract(kN, low.s);
    int twinId = 1 - low.recoveryId;
    ASSERT_EQ(recoverWithoutPolicy(digest, low.r, highS, twinId), key.address())
        << "the twin should be a valid signature by the same key";
    Error e = captureError(
        [&] { parseSignature(bytesOf(low.r, highS, static_cast<uint8_t>(27 + twinId))); });
    EXPECT_EQ(e.code(), "ERR_HIGH_S");
    EXPECT_EQ(e.kind(), ErrorKind::Invalid);
  }
}

TEST(ParseSignature, OurSignaturesAreAlwaysLowS) {
  std::mt19937 rng(5);
  PrivateKey key = PrivateKey::generate();
  for (int i = 0; i < 200; ++i) {
    EXPECT_NO_THROW(parseSignature(key.sign(randomHash(rng)).serialize()));
  }
}

// x = 5 gives 5^3 + 7 = 132, which has no square root mod p: no curve point
// has that x coordinate, so no public key can be recovered.
TEST(RecoverAddress, RIsNotTheXOfAnyCurvePointThrowsRecoveryFailed) {
  Signed known = knownSignature();
  Scalar r{};
  r[31] = 5;
  RecoverableSignature signature = parseSignature(bytesOf(r, known.signature.s, 27));
  Error e = captureError([&] { recoverAddress(known.hash, signature); });
  EXPECT_EQ(e.code(), "ERR_RECOVERY_FAILED");
  EXPECT_EQ(e.kind(), ErrorKind::Invalid);
}

TEST(RecoverAddress, RejectsHandBuiltSignaturesThatParseSignatureWouldReject) {
  Signed known = knownSignature();
  RecoverableSignature badId = known.signature;
  badId.recoveryId = 2;
  EXPECT_EQ(captureError([&] { recoverAddress(known.hash, badId); }).code(), "ERR_BAD_V");

  RecoverableSignature zeroR = known.signature;
  zeroR.r.fill(0);
  EXPECT_EQ(captureError([&] { recoverAddress(known.hash, zeroR); }).code(),
            "ERR_INVALID_SIGNATURE");

  RecoverableSignature bigS = known.signature;
  bigS.s = kN;
  EXPECT_EQ(captureError([&] { recoverAddress(known.hash, bigS); }).code(),
            "ERR_INVALID_SIGNATURE");

  RecoverableSignature highS = known.signature;
  highS.s = subtract(kN, known.signature.s);
  highS.recoveryId = static_cast<uint8_t>(1 - known.signature.recoveryId);
  EXPECT_EQ(captureError([&] { recoverAddress(known.hash, highS); }).code(), "ERR_HIGH_S");
}

// Bad arguments that slip past our validation must not reach the library's
// default handler, which would abort the process.
TEST(Secp256k1CallGuard, IllegalLibraryArgumentThrowsInsteadOfAborting) {
  Signed known = knownSignature();
  const secp256k1_context* ctx = secp256k1::context();
  unsigned char compact[64];
  std::copy(known.signature.r.begin(), known.signature.r.end(), compact);
  std::copy(known.signature.s.begin(), known.signature.s.end(), compact + 32);
  secp256k1_ecdsa_recoverable_signature sig;
  ASSERT_TRUE(secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &sig, compact,
                                                                  known.signature.recoveryId));
  secp256k1_pubkey pub;
  ASSERT_TRUE(secp256k1_ecdsa_recover(ctx, &pub, &sig, known.hash.data()));

  unsigned char out[65];
  size_t tooSmall = 10;  // an uncompressed key needs 65 bytes: an illegal argument
  secp256k1::CallGuard guard("test serialization");
  secp256k1_ec_pubkey_serialize(ctx, out, &tooSmall, &pub, SECP256K1_EC_UNCOMPRESSED);
  Error e = captureError([&] { guard.check(); });
  EXPECT_EQ(e.code(), "ERR_SECP256K1");
  EXPECT_NE(std::string(e.what()).find("test serialization"), std::string::npos) << e.what();

  // The complaint is consumed: the next guarded call starts clean.
  secp256k1::CallGuard next("clean call");
  EXPECT_NO_THROW(next.check());
}

}  // namespace
}  // namespace clawpay
