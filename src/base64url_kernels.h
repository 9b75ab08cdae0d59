// The vector kernels behind base64UrlDecode, named so tests can hold each one
// to the scalar decoder on the machine they run on.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clawpay {

// RFC 4648's URL-safe alphabet, sextet i at index i: the one home of it for
// the scalar coder and the vector kernels' tables.
inline constexpr char kBase64UrlAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

enum class Base64UrlKernel { Scalar, Ssse3, Avx2 };

// The kernels this build has and this CPU runs, Scalar first.
std::vector<Base64UrlKernel> base64UrlKernelsHere();

// base64UrlDecode through one kernel (which must be in base64UrlKernelsHere).
// A kernel decodes whole blocks from the front; the scalar decoder does the
// rest, so every kernel must give exactly the scalar decoder's answer.
std::optional<std::string> base64UrlDecodeWith(std::string_view text, Base64UrlKernel kernel);

namespace base64url_detail {

// Decodes whole blocks (16 or 32 characters) from the front of `in` while
// the block's full-width store fits in `room` bytes of `out`; returns the
// characters read (a multiple of 4; 3 bytes written per 4). Any character
// outside the alphabet in those blocks sets `bad`.
size_t decodeBlocksSsse3(const uint8_t* in, size_t chars, uint8_t* out, size_t room, bool& bad);
size_t decodeBlocksAvx2(const uint8_t* in, size_t chars, uint8_t* out, size_t room, bool& bad);

}  // namespace base64url_detail
}  // namespace clawpay
