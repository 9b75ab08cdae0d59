#include "secure_wipe.h"

#ifdef _WIN32
#include <windows.h>
#endif

namespace clawpay {

void secureWipe(void* data, size_t size) noexcept {
#ifdef _WIN32
  SecureZeroMemory(data, size);
#else
  volatile unsigned char* p = static_cast<volatile unsigned char*>(data);
  for (size_t i = 0; i < size; ++i) p[i] = 0;
  __asm__ __volatile__("" : : "r"(data) : "memory");
#endif
}

}  // namespace clawpay
