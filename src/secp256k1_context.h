// Internal: the one libsecp256k1 context of the process, and the guard that
// turns the library's "illegal argument" / "internal error" callbacks into a
// clawpay::Error instead of the library's default abort().
//
// Callers validate every input before calling the library, so the callbacks
// should never fire; the guard is the second line of defence.
#pragma once

#include <secp256k1.h>

#include "bytes.h"

namespace clawpay::secp256k1 {

// Created on first use (thread-safe), randomized once with 32 bytes from
// the OS's CSPRNG (os_random.h), never destroyed (threads may still sign during exit), and
// only ever read afterwards, which libsecp256k1 allows from any thread.
// Throws ERR_RANDOM_FAILED if the CSPRNG cannot seed the randomization.
const secp256k1_context* context();

// Wrap every library call: construct before, call check() after. check()
// throws clawpay::Error(Invalid, "ERR_SECP256K1") naming `operation` when a
// callback fired on this thread since construction.
class CallGuard {
 public:
  explicit CallGuard(const char* operation) noexcept;
  void check() const;

 private:
  const char* operation_;
};

// The Ethereum address of a public key the library produced (uncompressed
// serialization, then keccak256 of x || y).
Address addressOf(const secp256k1_pubkey& publicKey);

}  // namespace clawpay::secp256k1
