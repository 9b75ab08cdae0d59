#include "keccak.h"

#include <array>
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

// Lane (x, y) lives at index x + 5y. Rotation offsets of rho, by lane.
constexpr int kRho[25] = {0,  1,  62, 28, 27, 36, 44, 6,  55, 20, 3,  10, 43,
                          25, 39, 41, 45, 15, 21, 8,  18, 2,  61, 56, 14};

// pi moves lane (x, y) to (y, 2x + 3y): the destination index of each lane.
constexpr auto kPiDestination = [] {
  std::array<int, 25> to{};
  for (int x = 0; x < 5; ++x) {
    for (int y = 0; y < 5; ++y) to[x + 5 * y] = y + 5 * ((2 * x + 3 * y) % 5);
  }
  return to;
}();

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

// Every loop below has constant bounds and constant-table indices, so the
// compiler unrolls it into straight-line code on 25 lanes held in registers.
void keccakF1600(uint64_t s[25]) noexcept {
  for (int round = 0; round < 24; ++round) {
    uint64_t c[5], d[5], b[25];
#pragma GCC unroll 5
    for (int x = 0; x < 5; ++x) c[x] = s[x] ^ s[x + 5] ^ s[x + 10] ^ s[x + 15] ^ s[x + 20];
#pragma GCC unroll 5
    for (int x = 0; x < 5; ++x) d[x] = c[(x + 4) % 5] ^ std::rotl(c[(x + 1) % 5], 1);
    // theta, rho and pi in one pass
#pragma GCC unroll 25
    for (int i = 0; i < 25; ++i) b[kPiDestination[i]] = std::rotl(s[i] ^ d[i % 5], kRho[i]);
    // chi
#pragma GCC unroll 25
    for (int i = 0; i < 25; ++i) {
      int row = i - i % 5;
      s[i] = b[i] ^ (~b[row + (i + 1) % 5] & b[row + (i + 2) % 5]);
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
  for (size_t i = 0; i < 32; ++i) out[i] = static_cast<uint8_t>(state_[i / 8] >> (8 * (i % 8)));
  return out;
}

Hash32 keccak256(ByteView data) noexcept {
  Keccak256 h;
  h.update(data);
  return h.finish();
}

}  // namespace clawpay
