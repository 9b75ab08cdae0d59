#include "keccak.h"

#include <bit>
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

// The 25 lanes as locals a0..a24 (lane (x, y) is a<x + 5y>): the compiler can
// keep them in registers, where an array behind a pointer is reloaded and
// stored every round.
//
// Lane complementing: lanes 1, 2, 8, 12, 17 and 20 are held inverted between
// rounds. That pattern survives theta, rho and pi as a known pattern at chi's
// input, and with it chi's a ^ (~b & c) can be written per lane as one AND or
// OR with at most one NOT per row (5 per round instead of 25): x64 without
// BMI has no and-not instruction. The inversion is applied on loading the
// state and undone on storing it.
//
// One round from lanes A* into lanes E*: theta's column parities c and
// corrections d, then per output row the five rho-rotated lanes that pi moves
// there (b0..b4), chi on them, and iota on lane 0.
#define CLAWPAY_KECCAK_ROUND(A, E, roundConstant) \
  { \
    const uint64_t c0 = A##0 ^ A##5 ^ A##10 ^ A##15 ^ A##20, c1 = A##1 ^ A##6 ^ A##11 ^ A##16 ^ A##21, \
                   c2 = A##2 ^ A##7 ^ A##12 ^ A##17 ^ A##22, c3 = A##3 ^ A##8 ^ A##13 ^ A##18 ^ A##23, \
                   c4 = A##4 ^ A##9 ^ A##14 ^ A##19 ^ A##24; \
    const uint64_t d0 = c4 ^ std::rotl(c1, 1), d1 = c0 ^ std::rotl(c2, 1), d2 = c1 ^ std::rotl(c3, 1), \
                   d3 = c2 ^ std::rotl(c4, 1), d4 = c3 ^ std::rotl(c0, 1); \
    { \
      const uint64_t b0 = A##0 ^ d0, \
                     b1 = std::rotl(A##6 ^ d1, 44), \
                     b2 = std::rotl(A##12 ^ d2, 43), \
                     b3 = std::rotl(A##18 ^ d3, 21), \
                     b4 = std::rotl(A##24 ^ d4, 14); \
      E##0 = b0 ^ (b1 | b2); \
      E##1 = b1 ^ (~b2 | b3); \
      E##2 = b2 ^ (b3 & b4); \
      E##3 = b3 ^ (b4 | b0); \
      E##4 = b4 ^ (b0 & b1); \
    } \
    { \
      const uint64_t b0 = std::rotl(A##3 ^ d3, 28), \
                     b1 = std::rotl(A##9 ^ d4, 20), \
                     b2 = std::rotl(A##10 ^ d0, 3), \
                     b3 = std::rotl(A##16 ^ d1, 45), \
                     b4 = std::rotl(A##22 ^ d2, 61); \
      E##5 = b0 ^ (b1 | b2); \
      E##6 = b1 ^ (b2 & b3); \
      E##7 = b2 ^ (b3 | ~b4); \
      E##8 = b3 ^ (b4 | b0); \
      E##9 = b4 ^ (b0 & b1); \
    } \
    { \
      const uint64_t b0 = std::rotl(A##1 ^ d1, 1), \
                     b1 = std::rotl(A##7 ^ d2, 6), \
                     b2 = std::rotl(A##13 ^ d3, 25), \
                     b3 = std::rotl(A##19 ^ d4, 8), \
                     b4 = std::rotl(A##20 ^ d0, 18); \
      E##10 = b0 ^ (b1 | b2); \
      E##11 = b1 ^ (b2 & b3); \
      E##12 = b2 ^ (~b3 & b4); \
      E##13 = ~b3 ^ (b4 | b0); \
      E##14 = b4 ^ (b0 & b1); \
    } \
    { \
      const uint64_t b0 = std::rotl(A##4 ^ d4, 27), \
                     b1 = std::rotl(A##5 ^ d0, 36), \
                     b2 = std::rotl(A##11 ^ d1, 10), \
                     b3 = std::rotl(A##17 ^ d2, 15), \
                     b4 = std::rotl(A##23 ^ d3, 56); \
      E##15 = b0 ^ (b1 & b2); \
      E##16 = b1 ^ (b2 | b3); \
      E##17 = b2 ^ (~b3 | b4); \
      E##18 = ~b3 ^ (b4 & b0); \
      E##19 = b4 ^ (b0 | b1); \
    } \
    { \
      const uint64_t b0 = std::rotl(A##2 ^ d2, 62), \
                     b1 = std::rotl(A##8 ^ d3, 55), \
                     b2 = std::rotl(A##14 ^ d4, 39), \
                     b3 = std::rotl(A##15 ^ d0, 41), \
                     b4 = std::rotl(A##21 ^ d1, 2); \
      E##20 = b0 ^ (~b1 & b2); \
      E##21 = ~b1 ^ (b2 | b3); \
      E##22 = b2 ^ (b3 & b4); \
      E##23 = b3 ^ (b4 | b0); \
      E##24 = b4 ^ (b0 & b1); \
    } \
    E##0 ^= (roundConstant); \
  }

// One load (and below, one copy out) where the machine is little-endian (x64,
// arm64: every target we build); GCC does not merge the byte loops.
inline uint64_t loadLe64(const uint8_t* p) {
  uint64_t v = 0;
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(&v, p, sizeof(v));
  } else {
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  }
  return v;
}

inline void absorbBlock(uint64_t state[25], const uint8_t* block) {
  for (size_t i = 0; i < 136 / 8; ++i) state[i] ^= loadLe64(block + 8 * i);
  keccakF1600(state);
}

}  // namespace

void keccakF1600(uint64_t s[25]) noexcept {
  uint64_t a0 = s[0], a1 = ~s[1], a2 = ~s[2], a3 = s[3], a4 = s[4], a5 = s[5], a6 = s[6], a7 = s[7],
           a8 = ~s[8], a9 = s[9], a10 = s[10], a11 = s[11], a12 = ~s[12], a13 = s[13], a14 = s[14],
           a15 = s[15], a16 = s[16], a17 = ~s[17], a18 = s[18], a19 = s[19], a20 = ~s[20], a21 = s[21],
           a22 = s[22], a23 = s[23], a24 = s[24];
  uint64_t e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11, e12, e13, e14, e15, e16, e17, e18, e19,
      e20, e21, e22, e23, e24;
  // Two rounds per step, a into e and back, so no lanes are copied.
  for (int round = 0; round < 24; round += 2) {
    CLAWPAY_KECCAK_ROUND(a, e, kRoundConstants[round])
    CLAWPAY_KECCAK_ROUND(e, a, kRoundConstants[round + 1])
  }
  s[0] = a0, s[1] = ~a1, s[2] = ~a2, s[3] = a3, s[4] = a4, s[5] = a5, s[6] = a6;
  s[7] = a7, s[8] = ~a8, s[9] = a9, s[10] = a10, s[11] = a11, s[12] = ~a12;
  s[13] = a13, s[14] = a14, s[15] = a15, s[16] = a16, s[17] = ~a17, s[18] = a18;
  s[19] = a19, s[20] = ~a20, s[21] = a21, s[22] = a22, s[23] = a23, s[24] = a24;
}

#undef CLAWPAY_KECCAK_ROUND

void Keccak256::reset() noexcept {
  std::memset(state_, 0, sizeof(state_));
  buffered_ = 0;
}

Keccak256& Keccak256::update(ByteView data) noexcept {
  // An empty view may carry a null pointer; memcpy(dst, nullptr, 0) is UB.
  if (data.empty()) return *this;
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
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(out.data(), state_, out.size());
  } else {
    for (size_t i = 0; i < 32; ++i) out[i] = static_cast<uint8_t>(state_[i / 8] >> (8 * (i % 8)));
  }
  return out;
}

Hash32 keccak256(ByteView data) noexcept {
  Keccak256 h;
  h.update(data);
  return h.finish();
}

}  // namespace clawpay
