// Wiping secrets (keys, nonces, their intermediates) in a way the compiler
// may not remove as a dead store: SecureZeroMemory on Windows, else a write
// through a volatile pointer followed by a compiler barrier. No OpenSSL
// needed, so the macOS and Windows builds can leave it out (CMakeLists.txt).
#pragma once

#include <cstddef>

namespace clawpay {

void secureWipe(void* data, size_t size) noexcept;

}  // namespace clawpay
