#include "hex.h"

#include <array>

#include "cpu_features.h"
#include "error.h"

#if CLAWPAY_SSE2
#include <emmintrin.h>
#endif

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

// Pairs of digits from `from` on, through the table. Branch-free per byte;
// one test at the end for any non-digit.
bool parseLowercasePairs(const uint8_t* digits, size_t from, std::span<uint8_t> out) {
  uint8_t bad = 0;
  for (size_t i = from; i < out.size(); ++i) {
    uint8_t high = kLowercaseDigits[digits[2 * i]], low = kLowercaseDigits[digits[2 * i + 1]];
    bad |= high | low;
    out[i] = static_cast<uint8_t>((high << 4) | (low & 0xF));
  }
  return (bad & 0x10) == 0;
}

bool hasPrefixAndLength(std::string_view text, size_t bytes) {
  return text.size() == 2 + 2 * bytes && text[0] == '0' && text[1] == 'x';
}

#if CLAWPAY_SSE2
// Sixteen characters' digit values (0 for a non-digit); `allDigits` keeps
// 0xFF only in the places where every block so far had a lowercase digit.
inline __m128i lowercaseDigitValues(__m128i chars, __m128i& allDigits) {
  // Unsigned c - '0' <= 9 or c - 'a' <= 5, as min(x, limit) == x.
  __m128i fromZero = _mm_sub_epi8(chars, _mm_set1_epi8('0'));
  __m128i fromA = _mm_sub_epi8(chars, _mm_set1_epi8('a'));
  __m128i isDigit = _mm_cmpeq_epi8(_mm_min_epu8(fromZero, _mm_set1_epi8(9)), fromZero);
  __m128i isLetter = _mm_cmpeq_epi8(_mm_min_epu8(fromA, _mm_set1_epi8(5)), fromA);
  allDigits = _mm_and_si128(allDigits, _mm_or_si128(isDigit, isLetter));
  return _mm_or_si128(_mm_and_si128(isDigit, fromZero),
                      _mm_and_si128(isLetter, _mm_add_epi8(fromA, _mm_set1_epi8(10))));
}

// Digit values v0 v1 v2 v3 ... -> bytes v0<<4|v1, v2<<4|v3, ... in the low
// byte of each 16-bit lane.
inline __m128i joinDigitPairs(__m128i values) {
  return _mm_and_si128(_mm_or_si128(_mm_slli_epi16(values, 4), _mm_srli_epi16(values, 8)),
                       _mm_set1_epi16(0x00FF));
}
#endif

}  // namespace

bool hex_detail::parseLowercaseHexIntoScalar(std::string_view text, std::span<uint8_t> out) noexcept {
  if (!hasPrefixAndLength(text, out.size())) return false;
  return parseLowercasePairs(reinterpret_cast<const uint8_t*>(text.data()) + 2, 0, out);
}

bool parseLowercaseHexInto(std::string_view text, std::span<uint8_t> out) noexcept {
  if (!hasPrefixAndLength(text, out.size())) return false;
  const auto* digits = reinterpret_cast<const uint8_t*>(text.data()) + 2;
  size_t done = 0;
#if CLAWPAY_SSE2
  // 32 digits make 16 bytes; SSE2 is in every x86-64 CPU.
  __m128i allDigits = _mm_set1_epi8(-1);
  for (; done + 16 <= out.size(); done += 16) {
    const auto* at = reinterpret_cast<const __m128i*>(digits + 2 * done);
    __m128i first = joinDigitPairs(lowercaseDigitValues(_mm_loadu_si128(at), allDigits));
    __m128i second = joinDigitPairs(lowercaseDigitValues(_mm_loadu_si128(at + 1), allDigits));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out.data() + done), _mm_packus_epi16(first, second));
  }
  if (_mm_movemask_epi8(allDigits) != 0xFFFF) return false;
#endif
  return parseLowercasePairs(digits, done, out);
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
