// Random bytes for keys and blinding seeds, straight from the operating
// system's CSPRNG, so that no platform needs OpenSSL for them: getentropy(3)
// on Linux (getrandom(2) underneath) and macOS, BCryptGenRandom with the
// system-preferred RNG on Windows.
#pragma once

#include <cstddef>
#include <cstdint>

namespace clawpay {

// Fills out[0, size); false if the OS could not (the caller reports
// ERR_RANDOM_FAILED). Never returns partly filled output as success.
bool osRandom(uint8_t* out, size_t size) noexcept;

}  // namespace clawpay
