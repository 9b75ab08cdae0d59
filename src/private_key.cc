#include "private_key.h"

#include <secp256k1.h>
#include <secp256k1_recovery.h>

#include <algorithm>
#include <string>

#include "error.h"
#include "os_random.h"
#include "secure_wipe.h"
#include "rfc6979.h"
#include "secp256k1_context.h"

namespace clawpay {
namespace {

// libsecp256k1 checks 0 < key < n in constant time, which a plain byte
// comparison here would not; validity itself is not secret.
bool isValidSecret(const std::array<uint8_t, 32>& secret) {
  secp256k1::CallGuard guard("private key check");
  int ok = secp256k1_ec_seckey_verify(secp256k1::context(), secret.data());
  guard.check();
  return ok == 1;
}

Address deriveAddress(const std::array<uint8_t, 32>& secret) {
  secp256k1_pubkey publicKey;
  secp256k1::CallGuard guard("public key derivation");
  int ok = secp256k1_ec_pubkey_create(secp256k1::context(), &publicKey, secret.data());
  guard.check();
  if (ok != 1) {  // unreachable: callers pass only verified secrets
    throw Error(ErrorKind::Invalid, "ERR_INVALID_PRIVATE_KEY",
                "Private key must be greater than 0 and less than the secp256k1 curve order");
  }
  return secp256k1::addressOf(publicKey);
}

}  // namespace

PrivateKey PrivateKey::fromBytes(ByteView bytes32) {
  if (bytes32.size() != 32) {
    // Only the length is reported: never echo key material.
    throw Error(ErrorKind::Range, "ERR_INVALID_LENGTH",
                "Expected 32 bytes for private key but received " +
                    std::to_string(bytes32.size()));
  }
  PrivateKey key;  // starts wiped; its destructor cleanses on every exit path
  std::copy(bytes32.begin(), bytes32.end(), key.secret_.begin());
  if (!isValidSecret(key.secret_)) {
    throw Error(ErrorKind::Range, "ERR_INVALID_PRIVATE_KEY",
                "Private key must be greater than 0 and less than the secp256k1 curve order");
  }
  key.address_ = deriveAddress(key.secret_);
  key.wiped_ = false;
  return key;
}

PrivateKey PrivateKey::generate() {
  PrivateKey key;
  // A uniform 32-byte string is >= n with probability about 2^-128, so the
  // loop effectively runs once; redrawing keeps the distribution uniform.
  do {
    if (!osRandom(key.secret_.data(), key.secret_.size())) {
      throw Error(ErrorKind::Invalid, "ERR_RANDOM_FAILED",
                  "the operating system's CSPRNG could not provide 32 bytes for a private key");
    }
  } while (!isValidSecret(key.secret_));
  key.address_ = deriveAddress(key.secret_);
  key.wiped_ = false;
  return key;
}

PrivateKey::PrivateKey(PrivateKey&& other) noexcept
    : secret_(other.secret_), address_(other.address_), wiped_(other.wiped_) {
  other.wipe();  // exactly one live copy of the secret
}

PrivateKey& PrivateKey::operator=(PrivateKey&& other) noexcept {
  if (this != &other) {
    wipe();
    secret_ = other.secret_;
    address_ = other.address_;
    wiped_ = other.wiped_;
    other.wipe();
  }
  return *this;
}

PrivateKey::~PrivateKey() { wipe(); }

void PrivateKey::wipe() noexcept {
  // secureWipe, unlike memset, is not removed as a dead store.
  secureWipe(secret_.data(), secret_.size());
  wiped_ = true;
}

RecoverableSignature PrivateKey::sign(const Hash32& digest) const {
  if (wiped_) {
    throw Error(ErrorKind::State, "ERR_DESTROYED",
                "This private key has been destroyed and can no longer sign");
  }
  const secp256k1_context* ctx = secp256k1::context();
  secp256k1_ecdsa_recoverable_signature signature;
  unsigned char compact[64];
  int recoveryId = 0;

  secp256k1::CallGuard guard("signing");
  // RFC 6979 without extra entropy: the same deterministic nonce viem
  // (@noble/curves) uses, so the bytes match. rfc6979Nonce is libsecp256k1's
  // default nonce function on faster SHA-256. The library also normalizes s
  // to the low half.
  int ok = secp256k1_ecdsa_sign_recoverable(ctx, &signature, digest.data(), secret_.data(),
                                            rfc6979Nonce, nullptr);
  guard.check();
  if (ok != 1) {  // unreachable for a verified key and the default nonce function
    throw Error(ErrorKind::Invalid, "ERR_SECP256K1", "libsecp256k1 failed to sign the digest");
  }
  secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, compact, &recoveryId, &signature);
  guard.check();

  RecoverableSignature out;
  std::copy(compact, compact + 32, out.r.begin());
  std::copy(compact + 32, compact + 64, out.s.begin());
  out.recoveryId = static_cast<uint8_t>(recoveryId);
  return out;
}

}  // namespace clawpay
