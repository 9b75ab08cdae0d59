// Keccak-256 as Ethereum uses it (original Keccak padding 0x01, not SHA3's
// 0x06). OpenSSL 3.0 has no KECCAK-256, so the permutation lives here.
#pragma once

#include <cstddef>
#include <cstdint>

#include "bytes.h"

namespace clawpay {

// Incremental hasher, for data that arrives in pieces (EIP-712 encoding,
// EIP-191 prefixes) without concatenating buffers first.
class Keccak256 {
 public:
  Keccak256() noexcept { reset(); }
  void reset() noexcept;
  Keccak256& update(ByteView data) noexcept;
  Keccak256& update(const uint8_t* data, size_t size) noexcept { return update(ByteView(data, size)); }
  Hash32 finish() noexcept;  // the hasher must be reset() before reuse

 private:
  static constexpr size_t kRate = 136;  // (1600 - 2*256) / 8
  uint64_t state_[25];
  uint8_t buffer_[kRate];
  size_t buffered_;
};

Hash32 keccak256(ByteView data) noexcept;

// The Keccak-f[1600] permutation, exposed for the known-answer tests.
void keccakF1600(uint64_t state[25]) noexcept;

}  // namespace clawpay
