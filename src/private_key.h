// A secp256k1 private key that lives only in native memory. It is never
// returned to callers, is wiped (secureWipe) when its owner goes
// away, and signs digests deterministically (RFC 6979, low-s), which is what
// makes our signatures byte-identical to viem's.
#pragma once

#include <array>
#include <cstdint>

#include "bytes.h"
#include "signature.h"

namespace clawpay {

class PrivateKey {
 public:
  // Throws ERR_INVALID_LENGTH unless 32 bytes, ERR_INVALID_PRIVATE_KEY unless
  // 0 < key < n.
  static PrivateKey fromBytes(ByteView bytes32);
  // 32 bytes from the OS's CSPRNG (os_random.h), redrawn until valid
  // (ERR_RANDOM_FAILED if the OS cannot provide them).
  static PrivateKey generate();

  PrivateKey(PrivateKey&& other) noexcept;
  PrivateKey& operator=(PrivateKey&& other) noexcept;
  PrivateKey(const PrivateKey&) = delete;
  PrivateKey& operator=(const PrivateKey&) = delete;
  ~PrivateKey();

  // Stays readable after wipe() and on a moved-from key: only the secret goes.
  const Address& address() const noexcept { return address_; }
  // Throws ERR_DESTROYED after wipe().
  RecoverableSignature sign(const Hash32& digest) const;
  // Zeroes the secret; the object can no longer sign.
  void wipe() noexcept;
  bool wiped() const noexcept { return wiped_; }

 private:
  PrivateKey() = default;
  std::array<uint8_t, 32> secret_{};
  Address address_{};
  bool wiped_ = true;
};

}  // namespace clawpay
