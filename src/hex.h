// Hex text <-> bytes. Parsing is strict: callers say whether the 0x prefix is
// required and how many bytes they expect, and get a named error otherwise.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "bytes.h"

namespace clawpay {

// Lowercase hex, with "0x" when `prefix`.
std::string toHex(ByteView bytes, bool prefix = true);

// Decodes "0x…" (prefix required) hex of any even length; nullopt when the
// text is not exactly that. Accepts upper and lower case digits.
std::optional<Bytes> parseHex(std::string_view text);

// Like parseHex but throws clawpay::Error naming `what` (e.g. "hash") when the
// text is not 0x-prefixed hex of exactly `expectedBytes` bytes.
Bytes parseHexExact(std::string_view text, size_t expectedBytes, const char* what);

// Decodes "0x" + exactly 2 * out.size() lowercase hex digits into `out`:
// the one spelling viem writes. False (out unspecified) for anything else.
bool parseLowercaseHexInto(std::string_view text, std::span<uint8_t> out) noexcept;

namespace hex_detail {
// parseLowercaseHexInto one digit pair at a time, without vector
// instructions: what the vector loop is tested against.
bool parseLowercaseHexIntoScalar(std::string_view text, std::span<uint8_t> out) noexcept;
}  // namespace hex_detail

// Value of one hex digit, or -1.
int hexDigitValue(char c) noexcept;

// Whether `text` is "0x" followed by exactly `digits` hex digits (a-f only
// when `lowercaseOnly`): a shape check for ids and hashes kept as text.
bool isPrefixedHex(std::string_view text, size_t digits, bool lowercaseOnly = false) noexcept;

// `text` with ASCII letters lowercased: the one spelling of a hex value
// that indexes compare.
std::string lowercaseHex(std::string_view text);

}  // namespace clawpay
