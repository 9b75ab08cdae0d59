#include "wtf8.h"

#include <cstdint>

namespace clawpay {
namespace {

bool isHighSurrogate(uint32_t c) { return c >= 0xD800 && c <= 0xDBFF; }
bool isLowSurrogate(uint32_t c) { return c >= 0xDC00 && c <= 0xDFFF; }

}  // namespace

void appendWtf8(std::string& out, uint32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

std::string wtf8FromUtf16(std::u16string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    uint32_t c = text[i];
    if (isHighSurrogate(c) && i + 1 < text.size() && isLowSurrogate(text[i + 1])) {
      c = 0x10000 + ((c - 0xD800) << 10) + (text[i + 1] - 0xDC00);
      ++i;
    }
    appendWtf8(out, c);
  }
  return out;
}

int32_t nextWtf8CodePoint(std::string_view s, size_t& pos) noexcept {
  auto byte = [&](size_t i) { return static_cast<uint8_t>(s[i]); };
  uint8_t b0 = byte(pos);
  if (b0 < 0x80) {
    ++pos;
    return b0;
  }
  size_t len;
  uint32_t c;
  uint32_t min;
  if ((b0 & 0xE0) == 0xC0) {
    len = 2, c = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3, c = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4, c = b0 & 0x07, min = 0x10000;
  } else {
    return -1;
  }
  if (pos + len > s.size()) return -1;
  for (size_t k = 1; k < len; ++k) {
    uint8_t b = byte(pos + k);
    if ((b & 0xC0) != 0x80) return -1;
    c = (c << 6) | (b & 0x3F);
  }
  if (c < min || c > 0x10FFFF) return -1;
  // A high surrogate followed by a low one must have been one 4-byte form.
  if (isHighSurrogate(c) && pos + 6 <= s.size() && byte(pos + 3) == 0xED &&
      (byte(pos + 4) & 0xF0) == 0xB0) {
    return -1;
  }
  pos += len;
  return static_cast<int32_t>(c);
}

bool isValidWtf8(std::string_view text) noexcept {
  size_t pos = 0;
  while (pos < text.size()) {
    if (static_cast<uint8_t>(text[pos]) < 0x80) {
      ++pos;  // ASCII fast path
      continue;
    }
    if (nextWtf8CodePoint(text, pos) < 0) return false;
  }
  return true;
}

std::optional<size_t> utf16LengthOfUtf8(std::string_view text) noexcept {
  size_t units = 0;
  for (size_t pos = 0; pos < text.size();) {
    int32_t c = nextWtf8CodePoint(text, pos);
    if (c < 0 || (c >= 0xD800 && c <= 0xDFFF)) return std::nullopt;
    units += c > 0xFFFF ? 2 : 1;
  }
  return units;
}

bool isValidUtf8(std::string_view text) noexcept {
  size_t pos = 0;
  while (pos < text.size()) {
    if (static_cast<uint8_t>(text[pos]) < 0x80) {
      ++pos;  // ASCII fast path
      continue;
    }
    int32_t c = nextWtf8CodePoint(text, pos);
    if (c < 0 || (c >= 0xD800 && c <= 0xDFFF)) return false;
  }
  return true;
}

std::string utf8ForDisplay(std::string_view text) {
  if (isValidUtf8(text)) return std::string(text);
  std::string out;
  out.reserve(text.size() + 8);
  size_t pos = 0;
  while (pos < text.size()) {
    size_t start = pos;
    int32_t c = nextWtf8CodePoint(text, pos);
    if (c < 0) pos = start + 1;
    if (c < 0 || (c >= 0xD800 && c <= 0xDFFF)) {
      for (size_t i = start; i < pos; ++i) out += "\xEF\xBF\xBD";
    } else {
      out.append(text.substr(start, pos - start));
    }
  }
  return out;
}

std::u16string utf16FromWtf8(std::string_view text) {
  std::u16string out;
  out.reserve(text.size());
  size_t pos = 0;
  while (pos < text.size()) {
    int32_t c = nextWtf8CodePoint(text, pos);
    if (c < 0) {
      out += u'\uFFFD';
      ++pos;
    } else if (c >= 0x10000) {
      out += static_cast<char16_t>(0xD800 + ((c - 0x10000) >> 10));
      out += static_cast<char16_t>(0xDC00 + ((c - 0x10000) & 0x3FF));
    } else {
      out += static_cast<char16_t>(c);
    }
  }
  return out;
}

}  // namespace clawpay
