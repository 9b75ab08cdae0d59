#include "rfc6979.h"

#include <secp256k1.h>

#if CLAWPAY_OPENSSL_SHA256
// The low-level SHA256_* calls are deprecated in OpenSSL 3 in favour of EVP,
// whose per-call provider dispatch and context copies cost more than the
// hashing here (18 short compressions). They remain in every OpenSSL 3.x.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <cstdint>
#include <cstring>
#include <optional>

#include "secure_wipe.h"

namespace clawpay {
namespace {

// HMAC-SHA256 under one 32-byte key, its two padded blocks absorbed once.
class HmacSha256 {
 public:
  explicit HmacSha256(const uint8_t key[32]) {
    uint8_t pad[64];
    for (size_t i = 0; i < sizeof pad; ++i) pad[i] = static_cast<uint8_t>((i < 32 ? key[i] : 0) ^ 0x36);
    SHA256_Init(&inner_);
    SHA256_Update(&inner_, pad, sizeof pad);
    for (uint8_t& b : pad) b ^= 0x36 ^ 0x5c;
    SHA256_Init(&outer_);
    SHA256_Update(&outer_, pad, sizeof pad);
    secureWipe(pad, sizeof pad);
  }
  ~HmacSha256() {
    secureWipe(&inner_, sizeof inner_);
    secureWipe(&outer_, sizeof outer_);
  }
  HmacSha256(const HmacSha256&) = delete;
  HmacSha256& operator=(const HmacSha256&) = delete;

  // out = HMAC(key, a || b || c); out may alias an input.
  void mac(uint8_t out[32], const uint8_t* a, size_t aSize, const uint8_t* b = nullptr, size_t bSize = 0,
           const uint8_t* c = nullptr, size_t cSize = 0) const {
    SHA256_CTX ctx = inner_;
    SHA256_Update(&ctx, a, aSize);
    if (bSize > 0) SHA256_Update(&ctx, b, bSize);
    if (cSize > 0) SHA256_Update(&ctx, c, cSize);
    uint8_t digest[32];
    SHA256_Final(digest, &ctx);
    ctx = outer_;
    SHA256_Update(&ctx, digest, sizeof digest);
    SHA256_Final(out, &ctx);
    secureWipe(&ctx, sizeof ctx);
    secureWipe(digest, sizeof digest);
  }

 private:
  SHA256_CTX inner_;
  SHA256_CTX outer_;
};

// The curve order n, big-endian.
constexpr uint8_t kOrder[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
                                0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};

// msg mod n, as libsecp256k1 reduces it before seeding (RFC 6979 bits2octets).
// msg < 2^256 < 2n, so at most one subtraction; chosen without a branch.
void reduceModOrder(const uint8_t msg[32], uint8_t out[32]) {
  uint8_t difference[32];
  unsigned borrow = 0;
  for (int i = 31; i >= 0; --i) {
    unsigned d = static_cast<unsigned>(msg[i]) - kOrder[i] - borrow;
    difference[i] = static_cast<uint8_t>(d);
    borrow = (d >> 8) & 1;
  }
  auto useDifference = static_cast<uint8_t>(0 - (borrow ^ 1));  // 0xff when msg >= n
  for (int i = 0; i < 32; ++i) {
    out[i] = static_cast<uint8_t>((difference[i] & useDifference) | (msg[i] & ~useDifference));
  }
}

}  // namespace

// secp256k1_rfc6979_hmac_sha256_{initialize,generate} of libsecp256k1's
// hash_impl.h, step for step, seeded with key || (msg mod n).
int rfc6979Nonce(unsigned char* nonce32, const unsigned char* msg32, const unsigned char* key32,
                 const unsigned char* algo16, void* data, unsigned int counter) {
  if (algo16 != nullptr || data != nullptr) {
    return secp256k1_nonce_function_rfc6979(nonce32, msg32, key32, algo16, data, counter);
  }
  static constexpr uint8_t kZero = 0x00;
  static constexpr uint8_t kOne = 0x01;
  uint8_t seed[64];
  std::memcpy(seed, key32, 32);
  reduceModOrder(msg32, seed + 32);
  uint8_t k[32];
  uint8_t v[32];
  std::memset(v, 0x01, sizeof v);  // RFC 6979 3.2.b
  std::memset(k, 0x00, sizeof k);  // 3.2.c
  std::optional<HmacSha256> hmac;  // always keyed with the current k
  hmac.emplace(k);
  hmac->mac(k, v, 32, &kZero, 1, seed, sizeof seed);  // 3.2.d
  hmac.emplace(k);
  hmac->mac(v, v, 32);                                // 3.2.e
  hmac->mac(k, v, 32, &kOne, 1, seed, sizeof seed);  // 3.2.f
  hmac.emplace(k);
  hmac->mac(v, v, 32);  // 3.2.g
  for (unsigned int i = 0; i <= counter; ++i) {
    if (i > 0) {  // the previous candidate was refused: 3.2.h's update
      hmac->mac(k, v, 32, &kZero, 1);
      hmac.emplace(k);
      hmac->mac(v, v, 32);
    }
    hmac->mac(v, v, 32);  // 3.2.h: the candidate
  }
  std::memcpy(nonce32, v, 32);
  secureWipe(seed, sizeof seed);
  secureWipe(k, sizeof k);
  secureWipe(v, sizeof v);
  return 1;
}

}  // namespace clawpay

#else  // !CLAWPAY_OPENSSL_SHA256

namespace clawpay {

// Without OpenSSL (the macOS and Windows builds): libsecp256k1's own
// function, the same nonces with its portable SHA-256.
int rfc6979Nonce(unsigned char* nonce32, const unsigned char* msg32, const unsigned char* key32,
                 const unsigned char* algo16, void* data, unsigned int counter) {
  return secp256k1_nonce_function_rfc6979(nonce32, msg32, key32, algo16, data, counter);
}

}  // namespace clawpay

#endif
