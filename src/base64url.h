// base64url without padding (RFC 4648 §5), as Node's Buffer writes it.
// Decoding is strict so that one payload has exactly one token spelling.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "bytes.h"

namespace clawpay {

std::string base64UrlEncode(ByteView bytes);
// nullopt on characters outside the alphabet, padding, a length of 4k+1, or
// non-zero trailing bits.
std::optional<std::string> base64UrlDecode(std::string_view text);

}  // namespace clawpay
