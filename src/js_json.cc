#include "js_json.h"

#include <charconv>

#include "hex.h"
#include "wtf8.h"

namespace clawpay {
namespace {

// Printable ASCII other than '"' and '\\': bytes JSON.stringify writes as
// they are and that read back as themselves.
bool isPlainAscii(char c) {
  auto b = static_cast<uint8_t>(c);
  return b >= 0x20 && b < 0x80 && c != '"' && c != '\\';
}

// The end of the run of plain ASCII bytes starting at `pos`.
size_t plainRunEnd(std::string_view text, size_t pos) {
  while (pos < text.size() && isPlainAscii(text[pos])) ++pos;
  return pos;
}

void appendUnicodeEscape(std::string& out, uint32_t unit) {
  static constexpr char kDigits[] = "0123456789abcdef";
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4) out += kDigits[(unit >> shift) & 0xF];
}

class FlatReader {
 public:
  FlatReader(std::string_view text, std::string& error) : s_(text), error_(error) {}

  std::optional<FlatJsonObject> read() {
    FlatJsonObject object;
    object.reserve(16);  // a session token has 9 fields
    if (!expect('{')) return std::nullopt;
    if (peek() == '}') {
      ++pos_;
      return finish(std::move(object));
    }
    while (true) {
      auto key = readString();
      if (!key) return std::nullopt;
      for (const auto& [existing, unused] : object) {
        if (existing == *key) return fail("repeated key \"" + *key + "\"");
      }
      if (!expect(':')) return std::nullopt;
      if (peek() == '"') {
        auto value = readString();
        if (!value) return std::nullopt;
        object.emplace_back(std::move(*key), std::move(*value));
      } else {
        auto value = readInteger();
        if (!value) return std::nullopt;
        object.emplace_back(std::move(*key), *value);
      }
      if (peek() == ',') {
        ++pos_;
        continue;
      }
      if (!expect('}')) return std::nullopt;
      return finish(std::move(object));
    }
  }

 private:
  std::optional<FlatJsonObject> finish(FlatJsonObject object) {
    if (pos_ != s_.size()) return fail("trailing characters");
    return object;
  }

  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }

  bool expect(char c) {
    if (peek() != c) {
      fail(std::string("expected '") + c + "'");
      return false;
    }
    ++pos_;
    return true;
  }

  std::nullopt_t fail(const std::string& what) {
    if (error_.empty()) error_ = what + " at byte " + std::to_string(pos_);
    return std::nullopt;
  }

  std::optional<uint32_t> readHex4() {
    if (pos_ + 4 > s_.size()) return fail("truncated \\u escape");
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      int d = hexDigitValue(s_[pos_ + i]);
      if (d < 0) return fail("bad \\u escape");
      v = (v << 4) | static_cast<uint32_t>(d);
    }
    pos_ += 4;
    return v;
  }

  std::optional<std::string> readString() {
    if (!expect('"')) return std::nullopt;
    std::string out;
    while (true) {
      size_t run = plainRunEnd(s_, pos_);
      out.append(s_.substr(pos_, run - pos_));
      pos_ = run;
      if (pos_ >= s_.size()) return fail("unterminated string");
      char c = s_[pos_];
      if (c == '"') {
        ++pos_;
        return out;
      }
      if (static_cast<uint8_t>(c) < 0x20) return fail("raw control character in string");
      if (c != '\\') {
        // Raw text must be UTF-8: a surrogate may only appear escaped (as
        // JSON.stringify writes it). Allowing raw ones would let a pair be
        // split between an escape and raw bytes and come out as invalid WTF-8.
        size_t start = pos_;
        int32_t cp = nextWtf8CodePoint(s_, pos_);
        if (cp < 0 || (cp >= 0xD800 && cp <= 0xDFFF)) {
          pos_ = start;
          return fail("invalid UTF-8");
        }
        out.append(s_.substr(start, pos_ - start));
        continue;
      }
      ++pos_;
      char e = peek();
      ++pos_;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          auto unit = readHex4();
          if (!unit) return std::nullopt;
          uint32_t cp = *unit;
          // A high surrogate escape followed by a low one is one code point;
          // alone, each stays a lone surrogate (kept as WTF-8, as JS keeps it).
          if (cp >= 0xD800 && cp <= 0xDBFF && s_.substr(pos_, 2) == "\\u") {
            size_t save = pos_;
            pos_ += 2;
            auto low = readHex4();
            if (!low) return std::nullopt;
            if (*low >= 0xDC00 && *low <= 0xDFFF) {
              cp = 0x10000 + ((cp - 0xD800) << 10) + (*low - 0xDC00);
            } else {
              pos_ = save;
            }
          }
          appendWtf8(out, cp);
          break;
        }
        default:
          --pos_;
          return fail("bad escape");
      }
    }
  }

  std::optional<int64_t> readInteger() {
    size_t start = pos_;
    if (peek() == '-') ++pos_;
    size_t digits = pos_;
    while (peek() >= '0' && peek() <= '9') ++pos_;
    if (pos_ == digits) return fail("expected a string or an integer");
    if (peek() == '.' || peek() == 'e' || peek() == 'E') return fail("non-integer number");
    int64_t value = 0;
    auto [end, ec] = std::from_chars(s_.data() + start, s_.data() + pos_, value);
    if (ec != std::errc() || end != s_.data() + pos_ || value > kMaxSafeInteger ||
        value < -kMaxSafeInteger) {
      return fail("integer outside the safe range");
    }
    return value;
  }

  std::string_view s_;
  std::string& error_;
  size_t pos_ = 0;
};

}  // namespace

void appendJsJsonString(std::string& out, std::string_view text) {
  out += '"';
  size_t pos = 0;
  while (pos < text.size()) {
    size_t run = plainRunEnd(text, pos);
    out.append(text.substr(pos, run - pos));
    pos = run;
    if (pos == text.size()) break;
    size_t start = pos;
    int32_t c = nextWtf8CodePoint(text, pos);
    if (c < 0) {  // not WTF-8: callers validate first; never emit raw garbage
      appendUnicodeEscape(out, 0xFFFD);
      pos = start + 1;
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (c < 0x20 || (c >= 0xD800 && c <= 0xDFFF)) {
          appendUnicodeEscape(out, static_cast<uint32_t>(c));
        } else {
          out.append(text.substr(start, pos - start));
        }
    }
  }
  out += '"';
}

std::optional<FlatJsonObject> parseFlatJsonObject(std::string_view text, std::string& error) {
  error.clear();
  return FlatReader(text, error).read();
}

}  // namespace clawpay
