#include "canonical_session_reader.h"

#include <bit>
#include <cstdint>
#include <cstring>

#include "cpu_features.h"
#include "js_json.h"
#include "wtf8.h"

#if CLAWPAY_SSE2
#include <emmintrin.h>
#endif

namespace clawpay {
namespace {

class CanonicalReader {
 public:
  explicit CanonicalReader(std::string_view text) : s_(text) {}

  bool literal(std::string_view expected) {
    if (s_.substr(pos_, expected.size()) != expected) return false;
    pos_ += expected.size();
    return true;
  }

  bool atEnd() const { return pos_ == s_.size(); }

  // What std::to_string writes for a safe integer: an optional '-', then "0"
  // or digits without a leading zero; never "-0".
  bool integer(int64_t& out) {
    bool negative = peek() == '-';
    if (negative) ++pos_;
    if (peek() == '0') {
      if (negative) return false;
      ++pos_;
      out = 0;
      return !isDigit(peek());
    }
    size_t start = pos_;
    uint64_t value = 0;
    // 2^53 - 1 has 16 digits; a 17th is out of range whatever it is.
    while (isDigit(peek()) && pos_ - start < 17) value = value * 10 + static_cast<uint64_t>(s_[pos_++] - '0');
    if (pos_ == start || value > static_cast<uint64_t>(kMaxSafeInteger)) return false;
    out = negative ? -static_cast<int64_t>(value) : static_cast<int64_t>(value);
    return true;
  }

  // A string as appendJsJsonString writes it, decoded to WTF-8.
  bool string(std::string& out) {
    if (!literal("\"")) return false;
    out.clear();
    while (true) {
      size_t run = plainRunEnd(pos_);
      out.append(s_.data() + pos_, run - pos_);
      pos_ = run;
      if (pos_ >= s_.size()) return false;
      char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return true;
      }
      if (c == '\\') {
        if (!escape(out)) return false;
        continue;
      }
      if (static_cast<uint8_t>(c) < 0x20) return false;  // raw control: stringify escapes it
      // Raw non-ASCII must be UTF-8 and no surrogate: those are written escaped.
      size_t start = pos_;
      int32_t cp = nextWtf8CodePoint(s_, pos_);
      if (cp < 0 || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
      out.append(s_.data() + start, pos_ - start);
    }
  }

 private:
  static bool isDigit(char c) { return c >= '0' && c <= '9'; }
  static bool isLowerHex(char c) { return isDigit(c) || (c >= 'a' && c <= 'f'); }
  static int lowerHexValue(char c) { return isDigit(c) ? c - '0' : c - 'a' + 10; }
  static bool isPlainAscii(char c) {
    auto b = static_cast<uint8_t>(c);
    return b >= 0x20 && b < 0x80 && c != '"' && c != '\\';
  }

  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }

  // Whether any of the 8 bytes in `x` is not plain ASCII: below 0x20, 0x80 or
  // above, '"' or '\\'. The zero-byte test has no false negatives, so a
  // clear result means all 8 are plain.
  static bool anyStopByte(uint64_t x) {
    constexpr uint64_t kOnes = 0x0101010101010101ULL, kHighs = 0x8080808080808080ULL;
    auto hasZero = [](uint64_t y) { return (y - kOnes) & ~y & kHighs; };
    uint64_t below20 = (x - kOnes * 0x20) & ~x & kHighs;
    return (below20 | (x & kHighs) | hasZero(x ^ (kOnes * '"')) | hasZero(x ^ (kOnes * '\\'))) != 0;
  }

  // The end of the run of plain ASCII from `pos`: 16 bytes a step where SSE2
  // is there (every x86-64), then 8 bytes a step while it lasts.
  size_t plainRunEnd(size_t pos) const {
#if CLAWPAY_SSE2
    // Signed bytes: one compare finds both the controls and 0x80 and above.
    const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    while (pos + 16 <= s_.size()) {
      __m128i chunk = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s_.data() + pos));
      __m128i stop = _mm_or_si128(_mm_cmplt_epi8(chunk, space),
                                  _mm_or_si128(_mm_cmpeq_epi8(chunk, quote), _mm_cmpeq_epi8(chunk, backslash)));
      auto mask = static_cast<unsigned>(_mm_movemask_epi8(stop));
      if (mask != 0) return pos + static_cast<size_t>(std::countr_zero(mask));
      pos += 16;
    }
#endif
    while (pos + 8 <= s_.size()) {
      uint64_t chunk;
      std::memcpy(&chunk, s_.data() + pos, 8);
      if (anyStopByte(chunk)) break;
      pos += 8;
    }
    while (pos < s_.size() && isPlainAscii(s_[pos])) ++pos;
    return pos;
  }

  // After a backslash: only the escapes JSON.stringify writes.
  bool escape(std::string& out) {
    if (pos_ + 1 >= s_.size()) return false;
    char e = s_[pos_ + 1];
    pos_ += 2;
    switch (e) {
      case '"': out += '"'; return true;
      case '\\': out += '\\'; return true;
      case 'b': out += '\b'; return true;
      case 'f': out += '\f'; return true;
      case 'n': out += '\n'; return true;
      case 'r': out += '\r'; return true;
      case 't': out += '\t'; return true;
      case 'u': break;
      default: return false;  // "\/" included: stringify writes '/' raw
    }
    if (pos_ + 4 > s_.size()) return false;
    const char* h = s_.data() + pos_;
    if (!isLowerHex(h[0]) || !isLowerHex(h[1]) || !isLowerHex(h[2]) || !isLowerHex(h[3])) return false;
    uint32_t unit = static_cast<uint32_t>((lowerHexValue(h[0]) << 12) | (lowerHexValue(h[1]) << 8) |
                                          (lowerHexValue(h[2]) << 4) | lowerHexValue(h[3]));
    pos_ += 4;
    if (unit < 0x20) {
      // These five have short escapes, which stringify uses instead.
      if (unit == '\b' || unit == '\f' || unit == '\n' || unit == '\r' || unit == '\t') return false;
    } else if (unit < 0xD800 || unit > 0xDFFF) {
      return false;  // stringify writes every other code point raw
    } else if (unit <= 0xDBFF && s_.substr(pos_, 3) == "\\ud" && pos_ + 3 < s_.size() &&
               s_[pos_ + 3] >= 'c' && s_[pos_ + 3] <= 'f') {
      // A high then a low surrogate escape is one code point, which stringify
      // writes raw; only lone surrogates are escaped. (An uppercase low escape
      // is refused when it is read.)
      return false;
    }
    appendWtf8(out, unit);
    return true;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

bool readCanonicalSessionJson(std::string_view text, SessionTokenPayload& p) {
  CanonicalReader r(text);
  // The order canonicalSessionJson writes the keys in.
  return r.literal("{\"createdAt\":") && r.integer(p.createdAt) &&
         r.literal(",\"endpoint\":") && r.string(p.endpoint) &&
         r.literal(",\"expiresAt\":") && r.integer(p.expiresAt) &&
         r.literal(",\"paymentAmount\":") && r.string(p.paymentAmount) &&
         r.literal(",\"paymentTxHash\":") && r.string(p.paymentTxHash) &&
         r.literal(",\"scope\":") && r.string(p.scope) &&
         r.literal(",\"sessionId\":") && r.string(p.sessionId) &&
         r.literal(",\"version\":") && r.string(p.version) &&
         r.literal(",\"walletAddress\":") && r.string(p.walletAddress) &&
         r.literal("}") && r.atEnd();
}

}  // namespace clawpay
