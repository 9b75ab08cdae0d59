// EIP-191 version 0x45 ("personal_sign") message hashing.
#pragma once

#include "bytes.h"

namespace clawpay {

// keccak256("\x19Ethereum Signed Message:\n" + decimal byte length + message)
Hash32 hashPersonalMessage(ByteView message) noexcept;

}  // namespace clawpay
