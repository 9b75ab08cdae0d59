// JS strings are UTF-16 and may hold lone surrogates; JSON.stringify writes
// those as "\udXXX" escapes. To reproduce that byte for byte, the core keeps
// such strings as WTF-8: UTF-8 that may also encode a lone surrogate as its
// three-byte form. Well-formed text is plain UTF-8 either way.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace clawpay {

std::string wtf8FromUtf16(std::u16string_view text);
std::u16string utf16FromWtf8(std::string_view text);  // input must be valid WTF-8

// Decodes one code point (a lone surrogate counts as one) at `pos`, advancing
// it. Returns -1 on bytes that are not valid WTF-8 (overlong forms, values
// above U+10FFFF, a surrogate pair spelled as two 3-byte halves, truncation).
int32_t nextWtf8CodePoint(std::string_view text, size_t& pos) noexcept;

bool isValidWtf8(std::string_view text) noexcept;
// WTF-8 without lone surrogates, i.e. plain UTF-8.
bool isValidUtf8(std::string_view text) noexcept;

// The text as plain UTF-8 for a message: each byte of a lone surrogate or of
// an invalid sequence becomes U+FFFD, as V8 reads such bytes.
std::string utf8ForDisplay(std::string_view text);

// How long JS says the text is (String.prototype.length: UTF-16 code units,
// a code point above U+FFFF counting two), so that limits mean the same on
// both sides of the binding; nullopt unless `text` is valid UTF-8.
std::optional<size_t> utf16LengthOfUtf8(std::string_view text) noexcept;

// Appends the WTF-8 encoding of a code point (or lone surrogate).
void appendWtf8(std::string& out, uint32_t codePoint);

}  // namespace clawpay
