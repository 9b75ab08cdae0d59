#include "os_random.h"

#ifdef _WIN32
#include <windows.h>
#include <bcrypt.h>
#else
#include <unistd.h>
#if defined(__APPLE__)
#include <sys/random.h>
#endif
#endif

#include <algorithm>

namespace clawpay {

bool osRandom(uint8_t* out, size_t size) noexcept {
#ifdef _WIN32
  while (size > 0) {
    ULONG chunk = static_cast<ULONG>(std::min<size_t>(size, 1u << 30));
    if (!BCRYPT_SUCCESS(BCryptGenRandom(nullptr, out, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG))) return false;
    out += chunk;
    size -= chunk;
  }
  return true;
#else
  // getentropy gives at most 256 bytes a call, and all of them or none.
  while (size > 0) {
    size_t chunk = std::min<size_t>(size, 256);
    if (::getentropy(out, chunk) != 0) return false;
    out += chunk;
    size -= chunk;
  }
  return true;
#endif
}

}  // namespace clawpay
