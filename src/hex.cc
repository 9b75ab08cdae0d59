#include "hex.h"

#include <array>

#include "error.h"

namespace clawpay {

int hexDigitValue(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

namespace {

// Each byte's value as a lowercase hex digit, or 0x10 (a bit no digit sets).
constexpr auto kLowercaseDigits = [] {
  std::array<uint8_t, 256> table{};
  table.fill(0x10);
  for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<uint8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) table[c] = static_cast<uint8_t>(c - 'a' + 10);
  return table;
}();

}  // namespace

bool parseLowercaseHexInto(std::string_view text, std::span<uint8_t> out) noexcept {
  if (text.size() != 2 + 2 * out.size() || text[0] != '0' || text[1] != 'x') return false;
  const auto* digits = reinterpret_cast<const uint8_t*>(text.data()) + 2;
  // Branch-free per byte; one test at the end for any non-digit.
  uint8_t bad = 0;
  for (size_t i = 0; i < out.size(); ++i) {
    uint8_t high = kLowercaseDigits[digits[2 * i]], low = kLowercaseDigits[digits[2 * i + 1]];
    bad |= high | low;
    out[i] = static_cast<uint8_t>((high << 4) | (low & 0xF));
  }
  return (bad & 0x10) == 0;
}

bool isPrefixedHex(std::string_view text, size_t digits, bool lowercaseOnly) noexcept {
  if (text.size() != digits + 2 || text.substr(0, 2) != "0x") return false;
  for (char c : text.substr(2)) {
    if (hexDigitValue(c) < 0 || (lowercaseOnly && c >= 'A' && c <= 'F')) return false;
  }
  return true;
}

std::string lowercaseHex(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
  }
  return out;
}

std::string toHex(ByteView bytes, bool prefix) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2 + 2);
  if (prefix) out += "0x";
  for (uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 0xf];
  }
  return out;
}

std::optional<Bytes> parseHex(std::string_view text) {
  if (text.size() < 2 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) return std::nullopt;
  text.remove_prefix(2);
  if (text.size() % 2 != 0) return std::nullopt;
  Bytes out(text.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = hexDigitValue(text[2 * i]);
    int lo = hexDigitValue(text[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<uint8_t>((hi << 4) | lo);
  }
  return out;
}

Bytes parseHexExact(std::string_view text, size_t expectedBytes, const char* what) {
  auto bytes = parseHex(text);
  if (!bytes) {
    throw Error(ErrorKind::Type, "ERR_INVALID_HEX",
                std::string("Expected 0x-prefixed hex for ") + what);
  }
  if (bytes->size() != expectedBytes) {
    throw Error(ErrorKind::Range, "ERR_INVALID_LENGTH",
                std::string("Expected ") + std::to_string(expectedBytes) + " bytes for " + what +
                    " but received " + std::to_string(bytes->size()));
  }
  return std::move(*bytes);
}

}  // namespace clawpay
