#include "signature.h"

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <algorithm>
#include <cstring>
#include <string>

#include "error.h"
#include "secp256k1_context.h"

namespace clawpay {
namespace {

using Scalar = std::array<uint8_t, 32>;

// The order n of secp256k1's group, and floor(n / 2), big-endian.
constexpr Scalar kCurveOrder = {
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
    0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48, 0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
constexpr Scalar kHalfCurveOrder = {
    0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d, 0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0};

// -1, 0 or 1 as a <, ==, > b, read as big-endian integers. r and s are
// public, so memcmp's early exit leaks nothing; this runs on every
// verification (in parseSignature and again in recoverAddress), so it is kept
// cheap.
int compareBigEndian(const Scalar& a, const Scalar& b) {
  int c = std::memcmp(a.data(), b.data(), a.size());
  return (c > 0) - (c < 0);
}

bool isZero(const Scalar& x) {
  static constexpr Scalar kZero{};
  return std::memcmp(x.data(), kZero.data(), x.size()) == 0;
}

void requireScalarInRange(const Scalar& x, const char* name) {
  if (isZero(x) || compareBigEndian(x, kCurveOrder) >= 0) {
    throw Error(ErrorKind::Invalid, "ERR_INVALID_SIGNATURE",
                std::string("Signature ") + name +
                    " must be greater than 0 and less than the secp256k1 curve order");
  }
}

// The rules parseSignature enforces, re-checked by recoverAddress so a
// hand-built RecoverableSignature cannot bypass them (or reach libsecp256k1
// with an argument it would reject).
void validate(const RecoverableSignature& signature) {
  if (signature.recoveryId > 1) {
    throw Error(ErrorKind::Range, "ERR_BAD_V",
                "Expected signature recovery id 0 or 1 but received " +
                    std::to_string(signature.recoveryId));
  }
  requireScalarInRange(signature.r, "r");
  requireScalarInRange(signature.s, "s");
  // s and n - s both verify; Ethereum (EIP-2) and viem accept only the low one.
  if (compareBigEndian(signature.s, kHalfCurveOrder) > 0) {
    throw Error(ErrorKind::Invalid, "ERR_HIGH_S",
                "Signature s is in the upper half of the curve order (a malleable signature); "
                "only low-s signatures are accepted");
  }
}

}  // namespace

std::array<uint8_t, 65> RecoverableSignature::serialize() const {
  std::array<uint8_t, 65> out;
  std::copy(r.begin(), r.end(), out.begin());
  std::copy(s.begin(), s.end(), out.begin() + 32);
  out[64] = static_cast<uint8_t>(27 + recoveryId);
  return out;
}

RecoverableSignature parseSignature(ByteView bytes65) {
  if (bytes65.size() != 65) {
    throw Error(ErrorKind::Range, "ERR_INVALID_LENGTH",
                "Expected 65 bytes for signature but received " + std::to_string(bytes65.size()));
  }
  uint8_t v = bytes65[64];
  if (v != 0 && v != 1 && v != 27 && v != 28) {
    throw Error(ErrorKind::Range, "ERR_BAD_V",
                "Expected signature v to be 27, 28, 0 or 1 but received " + std::to_string(v));
  }
  RecoverableSignature signature;
  std::copy(bytes65.begin(), bytes65.begin() + 32, signature.r.begin());
  std::copy(bytes65.begin() + 32, bytes65.begin() + 64, signature.s.begin());
  signature.recoveryId = static_cast<uint8_t>(v >= 27 ? v - 27 : v);
  validate(signature);
  return signature;
}

Address recoverAddress(const Hash32& hash, const RecoverableSignature& signature) {
  validate(signature);
  const secp256k1_context* ctx = secp256k1::context();

  unsigned char compact[64];
  std::copy(signature.r.begin(), signature.r.end(), compact);
  std::copy(signature.s.begin(), signature.s.end(), compact + 32);

  secp256k1_ecdsa_recoverable_signature parsed;
  secp256k1_pubkey publicKey;

  secp256k1::CallGuard guard("signature recovery");
  // Cannot fail: r and s were range-checked above and recoveryId is 0 or 1.
  int parsedOk = secp256k1_ecdsa_recoverable_signature_parse_compact(ctx, &parsed, compact,
                                                                     signature.recoveryId);
  guard.check();
  if (parsedOk != 1) {
    throw Error(ErrorKind::Invalid, "ERR_INVALID_SIGNATURE", "Signature r or s is out of range");
  }
  int recovered = secp256k1_ecdsa_recover(ctx, &publicKey, &parsed, hash.data());
  guard.check();
  if (recovered != 1) {
    throw Error(ErrorKind::Invalid, "ERR_RECOVERY_FAILED",
                "No public key can be recovered from this signature and hash");
  }
  return secp256k1::addressOf(publicKey);
}

}  // namespace clawpay
