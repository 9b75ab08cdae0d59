#include "secp256k1_context.h"


#include <array>
#include <string>

#include "address.h"
#include "error.h"
#include "os_random.h"
#include "secure_wipe.h"

namespace clawpay::secp256k1 {
namespace {

// The library calls back on the thread that made the bad call, so a
// thread-local slot attributes a complaint to the right caller even though
// the context (and thus the callback registration) is shared.
thread_local const char* tComplaint = nullptr;

// Never aborts: records the message and returns. The library guarantees the
// failing call returns without crashing; CallGuard::check() then throws.
void recordComplaint(const char* message, void* /*data*/) noexcept {
  tComplaint = message != nullptr ? message : "unspecified libsecp256k1 failure";
}

secp256k1_context* createRandomizedContext() {
  // NONE is the only non-deprecated flag in 0.2.0 and enables signing and
  // verification alike.
  secp256k1_context* ctx = secp256k1_context_create(SECP256K1_CONTEXT_NONE);
  secp256k1_context_set_illegal_callback(ctx, recordComplaint, nullptr);
  secp256k1_context_set_error_callback(ctx, recordComplaint, nullptr);

  // Blinding seed: protects signing against side channels; secret, so wiped.
  std::array<unsigned char, 32> seed;
  if (!osRandom(seed.data(), seed.size())) {
    secp256k1_context_destroy(ctx);
    throw Error(ErrorKind::Invalid, "ERR_RANDOM_FAILED",
                "the operating system's CSPRNG could not provide 32 bytes to randomize the secp256k1 context");
  }
  int ok = secp256k1_context_randomize(ctx, seed.data());
  secureWipe(seed.data(), seed.size());
  if (ok != 1) {
    secp256k1_context_destroy(ctx);
    throw Error(ErrorKind::Invalid, "ERR_SECP256K1", "secp256k1_context_randomize failed");
  }
  return ctx;
}

}  // namespace

const secp256k1_context* context() {
  // Function-local static: initialized exactly once even under concurrent
  // first calls; if creation throws, the next call retries.
  static const secp256k1_context* const shared = createRandomizedContext();
  return shared;
}

CallGuard::CallGuard(const char* operation) noexcept : operation_(operation) {
  tComplaint = nullptr;
}

void CallGuard::check() const {
  if (tComplaint == nullptr) return;
  std::string message = std::string("libsecp256k1 rejected ") + operation_ + ": " + tComplaint;
  tComplaint = nullptr;
  throw Error(ErrorKind::Invalid, "ERR_SECP256K1", message);
}

Address addressOf(const secp256k1_pubkey& publicKey) {
  unsigned char serialized[65];
  size_t serializedSize = sizeof(serialized);
  CallGuard guard("public key serialization");
  secp256k1_ec_pubkey_serialize(context(), serialized, &serializedSize, &publicKey, SECP256K1_EC_UNCOMPRESSED);
  guard.check();
  return addressFromPublicKey(ByteView(serialized + 1, 64));  // skip the 0x04 tag
}

}  // namespace clawpay::secp256k1
