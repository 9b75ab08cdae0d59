#include "keccak.h"

#include <cstring>

namespace clawpay {
namespace {

constexpr uint64_t kRoundConstants[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

// Rotation offsets and the pi lane order, walking the lanes in rho-pi order.
constexpr int kRho[24] = {1,  3,  6,  10, 15, 21, 28, 36, 45, 55, 2,  14,
                          27, 41, 56, 8,  25, 43, 62, 18, 39, 61, 20, 44};
constexpr int kPi[24] = {10, 7, 11, 17, 18, 3, 5, 16, 8, 21, 24, 4,
                         15, 23, 19, 13, 12, 2, 20, 14, 22, 9, 6, 1};

inline uint64_t rotl(uint64_t x, int n) { return (x << n) | (x >> (64 - n)); }

inline uint64_t loadLe64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

inline void absorbBlock(uint64_t state[25], const uint8_t* block) {
  for (size_t i = 0; i < 136 / 8; ++i) state[i] ^= loadLe64(block + 8 * i);
  keccakF1600(state);
}

}  // namespace

void keccakF1600(uint64_t s[25]) noexcept {
  uint64_t c[5];
  for (int round = 0; round < 24; ++round) {
    // theta
    for (int x = 0; x < 5; ++x) c[x] = s[x] ^ s[x + 5] ^ s[x + 10] ^ s[x + 15] ^ s[x + 20];
    for (int x = 0; x < 5; ++x) {
      uint64_t d = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
      for (int y = 0; y < 25; y += 5) s[y + x] ^= d;
    }
    // rho and pi
    uint64_t carry = s[1];
    for (int i = 0; i < 24; ++i) {
      int j = kPi[i];
      uint64_t next = s[j];
      s[j] = rotl(carry, kRho[i]);
      carry = next;
    }
    // chi
    for (int y = 0; y < 25; y += 5) {
      for (int x = 0; x < 5; ++x) c[x] = s[y + x];
      for (int x = 0; x < 5; ++x) s[y + x] = c[x] ^ (~c[(x + 1) % 5] & c[(x + 2) % 5]);
    }
    // iota
    s[0] ^= kRoundConstants[round];
  }
}

void Keccak256::reset() noexcept {
  std::memset(state_, 0, sizeof(state_));
  buffered_ = 0;
}

Keccak256& Keccak256::update(ByteView data) noexcept {
  const uint8_t* p = data.data();
  size_t n = data.size();
  if (buffered_ > 0) {
    size_t take = std::min(n, kRate - buffered_);
    std::memcpy(buffer_ + buffered_, p, take);
    buffered_ += take;
    p += take;
    n -= take;
    if (buffered_ < kRate) return *this;
    absorbBlock(state_, buffer_);
    buffered_ = 0;
  }
  while (n >= kRate) {
    absorbBlock(state_, p);
    p += kRate;
    n -= kRate;
  }
  if (n > 0) {
    std::memcpy(buffer_, p, n);
    buffered_ = n;
  }
  return *this;
}

Hash32 Keccak256::finish() noexcept {
  std::memset(buffer_ + buffered_, 0, kRate - buffered_);
  buffer_[buffered_] ^= 0x01;  // Keccak padding, not SHA-3's 0x06
  buffer_[kRate - 1] ^= 0x80;
  absorbBlock(state_, buffer_);
  Hash32 out;
  for (size_t i = 0; i < 32; ++i) out[i] = static_cast<uint8_t>(state_[i / 8] >> (8 * (i % 8)));
  return out;
}

Hash32 keccak256(ByteView data) noexcept {
  Keccak256 h;
  h.update(data);
  return h.finish();
}

}  // namespace clawpay
