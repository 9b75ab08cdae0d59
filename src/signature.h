// 65-byte recoverable ECDSA signatures (r || s || v) and public key recovery.
#pragma once

#include <array>
#include <cstdint>

#include "bytes.h"

namespace clawpay {

struct RecoverableSignature {
  std::array<uint8_t, 32> r{};
  std::array<uint8_t, 32> s{};
  uint8_t recoveryId = 0;  // 0 or 1

  // r || s || v with v = 27 + recoveryId, the form viem's signMessage returns.
  std::array<uint8_t, 65> serialize() const;
};

// Parses 65 bytes r || s || v (other lengths: ERR_INVALID_LENGTH). v may be
// 27/28 or 0/1; anything else throws ERR_BAD_V. r or s of zero or >= n throws ERR_INVALID_SIGNATURE; s > n/2
// (the malleable twin of a valid signature) throws ERR_HIGH_S.
RecoverableSignature parseSignature(ByteView bytes65);

// The signer's address. Re-checks a hand-built signature with the same rules
// as parseSignature (ERR_BAD_V, ERR_INVALID_SIGNATURE, ERR_HIGH_S); throws
// ERR_RECOVERY_FAILED when no public key exists for this (hash, signature).
Address recoverAddress(const Hash32& hash, const RecoverableSignature& signature);

}  // namespace clawpay
