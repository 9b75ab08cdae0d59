#include "json_document.h"

#include <locale.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>

namespace clawpay {

// Assembles the flat tree. Containers are built bottom-up: the values of an
// open container wait on a scratch stack and move into the document,
// contiguously, when it closes. Until finish(), children are referred to by
// index (the vectors still grow); finish() turns indices into pointers.
class JsonTreeBuilder {
 public:
  explicit JsonTreeBuilder(JsonDocument& document) : doc_(document) {}

  static JsonDocument newDocument() { return JsonDocument(); }
  static std::unique_ptr<char[]>& text(JsonDocument& document) { return document.text_; }

  static JsonValue scalar(JsonType type) {
    JsonValue v;
    v.type_ = type;
    return v;
  }
  static JsonValue boolean(bool b) {
    JsonValue v = scalar(JsonType::Boolean);
    v.number_.boolean = b;
    return v;
  }
  static JsonValue unsignedNumber(uint64_t u) {
    JsonValue v = scalar(JsonType::Unsigned);
    v.number_.u = u;
    return v;
  }
  static JsonValue integerNumber(int64_t i) {
    JsonValue v = scalar(JsonType::Integer);
    v.number_.i = i;
    return v;
  }
  static JsonValue floatNumber(double d) {
    JsonValue v = scalar(JsonType::Float);
    v.number_.d = d;
    return v;
  }
  static JsonValue string(std::string_view text) {
    JsonValue v = scalar(JsonType::String);
    v.data_ = text.data();
    v.count_ = static_cast<uint32_t>(text.size());
    return v;
  }

  bool inContainer() const { return !frames_.empty(); }
  bool inObject() const { return frames_.back().object; }
  void open(bool object) { frames_.push_back(Frame{object, scratch_.size(), {}}); }
  void key(std::string_view k) { frames_.back().key = k; }

  // Adds a finished value to the open container, or makes it the root.
  void add(const JsonValue& value) {
    if (frames_.empty()) {
      doc_.values_.push_back(value);
    } else {
      scratch_.push_back(Pending{frames_.back().key, value});
    }
  }

  // Closes the innermost container; returns it, to be add()ed.
  JsonValue close() {
    Frame frame = frames_.back();
    frames_.pop_back();
    auto first = scratch_.begin() + static_cast<ptrdiff_t>(frame.start);
    auto last = scratch_.end();
    JsonValue container;
    if (!frame.object) {
      container.type_ = JsonType::Array;
      container.data_ = indexPointer(doc_.values_.size());
      for (auto it = first; it != last; ++it) doc_.values_.push_back(it->value);
      container.count_ = static_cast<uint32_t>(last - first);
    } else {
      container.type_ = JsonType::Object;
      sortByKey(first, last);
      container.data_ = indexPointer(doc_.members_.size());
      uint32_t count = 0;
      for (auto it = first; it != last; ++it) {
        // A repeated key keeps its last value, as nlohmann's operator[] does.
        if (it + 1 != last && (it + 1)->key == it->key) continue;
        doc_.members_.push_back(JsonMember{it->key, static_cast<const JsonValue*>(indexPointer(doc_.values_.size()))});
        doc_.values_.push_back(it->value);
        ++count;
      }
      container.count_ = count;
    }
    scratch_.resize(frame.start);
    return container;
  }

  // Turns the indices left by close() into pointers.
  void finish() {
    for (JsonValue& v : doc_.values_) {
      if (v.type_ == JsonType::Array) v.data_ = doc_.values_.data() + indexOf(v.data_);
      if (v.type_ == JsonType::Object) v.data_ = doc_.members_.data() + indexOf(v.data_);
    }
    for (JsonMember& m : doc_.members_) m.value = doc_.values_.data() + indexOf(m.value);
  }

 private:
  struct Frame {
    bool object;
    size_t start;          // the container's first value on the scratch stack
    std::string_view key;  // key of the member being read (objects)
  };
  struct Pending {
    std::string_view key;
    JsonValue value;
  };

  static const void* indexPointer(size_t index) { return reinterpret_cast<const void*>(index); }
  static size_t indexOf(const void* p) { return reinterpret_cast<size_t>(p); }

  // Stable, so that equal keys stay in document order. Objects are small:
  // insertion sort, without the buffer std::stable_sort allocates.
  static void sortByKey(std::vector<Pending>::iterator first, std::vector<Pending>::iterator last) {
    if (last - first > 32) {
      std::stable_sort(first, last, [](const Pending& a, const Pending& b) { return a.key < b.key; });
      return;
    }
    for (auto it = first + (first != last); it < last; ++it) {
      if (!(it->key < (it - 1)->key)) continue;
      Pending moving = *it;
      auto hole = it;
      do {
        *hole = *(hole - 1);
        --hole;
      } while (hole != first && moving.key < (hole - 1)->key);
      *hole = moving;
    }
  }

  JsonDocument& doc_;
  std::vector<Frame> frames_;
  std::vector<Pending> scratch_;
};

namespace {

// ------------------------------------------------------------------ reader

// Reads JSON text the way nlohmann::json's lexer and parser do, in one pass
// over a private copy of the text in which strings are unescaped in place
// (an escape is never shorter than what it stands for).
class JsonReader {
 public:
  JsonReader(char* text, size_t size, JsonTreeBuilder& builder)
      : p_(text), end_(text + size), builder_(builder) {}

  bool read() {
    // nlohmann skips a UTF-8 byte-order mark, and refuses a partial one.
    if (p_ != end_ && static_cast<uint8_t>(*p_) == 0xEF) {
      if (end_ - p_ < 3 || static_cast<uint8_t>(p_[1]) != 0xBB || static_cast<uint8_t>(p_[2]) != 0xBF) return false;
      p_ += 3;
    }
    for (;;) {
      // A value starts here.
      skipWhitespace();
      if (p_ == end_) return false;
      JsonValue value;
      switch (*p_) {
        case '{':
        case '[': {
          bool object = *p_ == '{';
          ++p_;
          builder_.open(object);
          skipWhitespace();
          if (p_ != end_ && *p_ == (object ? '}' : ']')) {
            ++p_;
            value = builder_.close();
            break;
          }
          if (object && !readKey()) return false;
          continue;
        }
        case '"': {
          std::string_view text;
          if (!readString(text)) return false;
          value = JsonTreeBuilder::string(text);
          break;
        }
        case 't':
          if (!literal("true")) return false;
          value = JsonTreeBuilder::boolean(true);
          break;
        case 'f':
          if (!literal("false")) return false;
          value = JsonTreeBuilder::boolean(false);
          break;
        case 'n':
          if (!literal("null")) return false;
          value = JsonTreeBuilder::scalar(JsonType::Null);
          break;
        default:
          if (!readNumber(value)) return false;
          break;
      }
      // A value is complete: place it, then close every container it ends.
      for (;;) {
        bool nested = builder_.inContainer();
        builder_.add(value);
        skipWhitespace();
        if (!nested) return p_ == end_;
        if (p_ == end_) return false;
        bool object = builder_.inObject();
        if (*p_ == ',') {
          ++p_;
          if (object) {
            skipWhitespace();
            if (!readKey()) return false;
          }
          break;
        }
        if (*p_ != (object ? '}' : ']')) return false;
        ++p_;
        value = builder_.close();
      }
    }
  }

 private:
  void skipWhitespace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')) ++p_;
  }

  bool literal(std::string_view word) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::memcmp(p_, word.data(), word.size()) != 0) return false;
    p_ += word.size();
    return true;
  }

  // "key" then ':'; the next value is that member's.
  bool readKey() {
    if (p_ == end_ || *p_ != '"') return false;
    std::string_view key;
    if (!readString(key)) return false;
    skipWhitespace();
    if (p_ == end_ || *p_ != ':') return false;
    ++p_;
    builder_.key(key);
    return true;
  }

  static int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  bool readHex4(uint32_t& unit) {
    if (end_ - p_ < 4) return false;
    unit = 0;
    for (int i = 0; i < 4; ++i) {
      int d = hexValue(p_[i]);
      if (d < 0) return false;
      unit = (unit << 4) | static_cast<uint32_t>(d);
    }
    p_ += 4;
    return true;
  }

  // Length of the well-formed UTF-8 sequence at p_ (lead byte >= 0x80), or 0:
  // the ranges of RFC 3629, which nlohmann's lexer checks byte by byte.
  size_t utf8SequenceLength() const {
    auto byte = [&](size_t i) { return p_ + i < end_ ? static_cast<uint8_t>(p_[i]) : 0; };
    auto in = [](uint8_t b, uint8_t lo, uint8_t hi) { return b >= lo && b <= hi; };
    uint8_t b0 = byte(0);
    if (in(b0, 0xC2, 0xDF)) return in(byte(1), 0x80, 0xBF) ? 2 : 0;
    if (b0 == 0xE0) return in(byte(1), 0xA0, 0xBF) && in(byte(2), 0x80, 0xBF) ? 3 : 0;
    if (in(b0, 0xE1, 0xEC) || b0 == 0xEE || b0 == 0xEF) return in(byte(1), 0x80, 0xBF) && in(byte(2), 0x80, 0xBF) ? 3 : 0;
    if (b0 == 0xED) return in(byte(1), 0x80, 0x9F) && in(byte(2), 0x80, 0xBF) ? 3 : 0;
    if (b0 == 0xF0) return in(byte(1), 0x90, 0xBF) && in(byte(2), 0x80, 0xBF) && in(byte(3), 0x80, 0xBF) ? 4 : 0;
    if (in(b0, 0xF1, 0xF3)) return in(byte(1), 0x80, 0xBF) && in(byte(2), 0x80, 0xBF) && in(byte(3), 0x80, 0xBF) ? 4 : 0;
    if (b0 == 0xF4) return in(byte(1), 0x80, 0x8F) && in(byte(2), 0x80, 0xBF) && in(byte(3), 0x80, 0xBF) ? 4 : 0;
    return 0;
  }

  static char* appendUtf8(char* out, uint32_t cp) {
    if (cp < 0x80) {
      *out++ = static_cast<char>(cp);
    } else if (cp < 0x800) {
      *out++ = static_cast<char>(0xC0 | (cp >> 6));
      *out++ = static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      *out++ = static_cast<char>(0xE0 | (cp >> 12));
      *out++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out++ = static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      *out++ = static_cast<char>(0xF0 | (cp >> 18));
      *out++ = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      *out++ = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      *out++ = static_cast<char>(0x80 | (cp & 0x3F));
    }
    return out;
  }

  // At the opening quote. Unescapes in place: `out` trails p_.
  bool readString(std::string_view& text) {
    ++p_;
    char* start = p_;
    char* out = p_;
    for (;;) {
      // Plain ASCII runs move as a block.
      char* run = p_;
      while (p_ != end_) {
        auto c = static_cast<uint8_t>(*p_);
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
        ++p_;
      }
      if (out != run) std::memmove(out, run, static_cast<size_t>(p_ - run));
      out += p_ - run;
      if (p_ == end_) return false;  // no closing quote
      auto c = static_cast<uint8_t>(*p_);
      if (c == '"') {
        ++p_;
        text = std::string_view(start, static_cast<size_t>(out - start));
        return true;
      }
      if (c < 0x20) return false;  // raw control character
      if (c >= 0x80) {
        size_t length = utf8SequenceLength();
        if (length == 0) return false;
        if (out != p_) std::memmove(out, p_, length);
        out += length;
        p_ += length;
        continue;
      }
      // A backslash.
      ++p_;
      if (p_ == end_) return false;
      char e = *p_++;
      switch (e) {
        case '"': *out++ = '"'; break;
        case '\\': *out++ = '\\'; break;
        case '/': *out++ = '/'; break;
        case 'b': *out++ = '\b'; break;
        case 'f': *out++ = '\f'; break;
        case 'n': *out++ = '\n'; break;
        case 'r': *out++ = '\r'; break;
        case 't': *out++ = '\t'; break;
        case 'u': {
          uint32_t cp;
          if (!readHex4(cp)) return false;
          if (cp >= 0xDC00 && cp <= 0xDFFF) return false;  // a low surrogate alone
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            // nlohmann requires the low half, escaped, right after.
            uint32_t low;
            if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return false;
            p_ += 2;
            if (!readHex4(low) || low < 0xDC00 || low > 0xDFFF) return false;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          out = appendUtf8(out, cp);
          break;
        }
        default:
          return false;
      }
    }
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? — then typed as nlohmann
  // types it: an integer token is unsigned (or signed when negative) if it
  // fits 64 bits, a float otherwise; a float must be finite.
  bool readNumber(JsonValue& value) {
    const char* start = p_;
    auto digit = [&] { return p_ != end_ && *p_ >= '0' && *p_ <= '9'; };
    bool negative = p_ != end_ && *p_ == '-';
    if (negative) ++p_;
    if (!digit()) return false;
    if (*p_ == '0') {
      ++p_;
    } else {
      while (digit()) ++p_;
    }
    bool isFloat = false;
    if (p_ != end_ && *p_ == '.') {
      ++p_;
      if (!digit()) return false;
      while (digit()) ++p_;
      isFloat = true;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (!digit()) return false;
      while (digit()) ++p_;
      isFloat = true;
    }
    const char* stop = p_;
    if (!isFloat) {
      if (negative) {
        int64_t i;
        auto [end, ec] = std::from_chars(start, stop, i);
        if (ec == std::errc() && end == stop) {
          value = JsonTreeBuilder::integerNumber(i);
          return true;
        }
      } else {
        uint64_t u;
        auto [end, ec] = std::from_chars(start, stop, u);
        if (ec == std::errc() && end == stop) {
          value = JsonTreeBuilder::unsignedNumber(u);
          return true;
        }
      }
    }
    double d = 0;
#if defined(_LIBCPP_VERSION) && _LIBCPP_VERSION < 200000
    // libc++ before 20 (macOS's toolchain) has no floating-point from_chars:
    // strtod in the C locale reads the same, already checked, token.
    const bool read = false;
#else
    auto [end, ec] = std::from_chars(start, stop, d);
    const bool read = ec == std::errc() && end == stop;
#endif
    if (!read) {
      // Out of range (or no from_chars): strtod's answer (0 or a subnormal for
      // tiny numbers, infinity for huge ones), as nlohmann reads it in the C locale.
      std::string token(start, stop);
#ifdef _WIN32
      static const _locale_t cLocale = _create_locale(LC_ALL, "C");
      d = _strtod_l(token.c_str(), nullptr, cLocale);
#else
      static const locale_t cLocale = newlocale(LC_ALL_MASK, "C", static_cast<locale_t>(nullptr));
      d = strtod_l(token.c_str(), nullptr, cLocale);
#endif
    }
    if (!std::isfinite(d)) return false;  // nlohmann: "number overflow"
    value = JsonTreeBuilder::floatNumber(d);
    return true;
  }

  char* p_;
  char* end_;
  JsonTreeBuilder& builder_;
};

}  // namespace

// --------------------------------------------------------------- document

std::optional<JsonDocument> JsonDocument::parse(std::string_view text) {
  // nlohmann's lexer reads a NUL byte where a token may start as the end of
  // the input (and inside a string as a raw control character, an error):
  // the text ends at the first NUL either way.
  text = text.substr(0, std::min(text.size(), text.find('\0')));
  JsonDocument doc;
  doc.text_ = std::make_unique<char[]>(text.size() + 1);
  std::memcpy(doc.text_.get(), text.data(), text.size());
  // Rough sizes for typed data: a value per ~12 bytes of text.
  doc.values_.reserve(text.size() / 12 + 4);
  doc.members_.reserve(text.size() / 16 + 4);
  JsonTreeBuilder builder(doc);
  JsonReader reader(doc.text_.get(), text.size(), builder);
  if (!reader.read()) return std::nullopt;
  builder.finish();
  return doc;
}

JsonDocument JsonDocument::fromJson(const nlohmann::json& json) {
  using json_t = nlohmann::json;
  JsonDocument doc;
  JsonTreeBuilder builder(doc);
  // Depth-first with an explicit stack: documents may nest deeper than the
  // native stack would like.
  struct Frame {
    const json_t* node;
    json_t::const_iterator next;
  };
  std::vector<Frame> stack;
  auto scalar = [](const json_t& j) {
    switch (j.type()) {
      case json_t::value_t::boolean: return JsonTreeBuilder::boolean(j.get<bool>());
      case json_t::value_t::number_unsigned: return JsonTreeBuilder::unsignedNumber(j.get<uint64_t>());
      case json_t::value_t::number_integer: return JsonTreeBuilder::integerNumber(j.get<int64_t>());
      case json_t::value_t::number_float: return JsonTreeBuilder::floatNumber(j.get<double>());
      case json_t::value_t::string: return JsonTreeBuilder::string(j.get_ref<const std::string&>());
      default: return JsonTreeBuilder::scalar(JsonType::Null);  // null (binary and discarded too)
    }
  };
  auto enter = [&](const json_t& j) {
    if (j.is_object() || j.is_array()) {
      builder.open(j.is_object());
      stack.push_back(Frame{&j, j.cbegin()});
    } else {
      builder.add(scalar(j));
    }
  };
  enter(json);
  while (!stack.empty()) {
    Frame& top = stack.back();
    if (top.next == top.node->cend()) {
      stack.pop_back();
      builder.add(builder.close());
      continue;
    }
    const json_t& child = *top.next;
    if (top.node->is_object()) builder.key(top.next.key());
    ++top.next;
    enter(child);  // may grow the stack: `top` is not used after this
  }
  builder.finish();
  return doc;
}

// ------------------------------------------------------------------ values

const JsonValue* JsonValue::find(std::string_view key) const noexcept {
  auto members = this->members();
  // Members are sorted by key; objects are small, so a linear scan it is
  // up to a point.
  if (members.size() <= 8) {
    for (const JsonMember& m : members) {
      if (m.key == key) return m.value;
    }
    return nullptr;
  }
  auto it = std::lower_bound(members.begin(), members.end(), key,
                             [](const JsonMember& m, std::string_view k) { return m.key < k; });
  return it != members.end() && it->key == key ? it->value : nullptr;
}

const char* JsonValue::typeName() const noexcept {
  switch (type_) {
    case JsonType::Null: return "null";
    case JsonType::Boolean: return "boolean";
    case JsonType::Unsigned:
    case JsonType::Integer:
    case JsonType::Float: return "number";
    case JsonType::String: return "string";
    case JsonType::Array: return "array";
    case JsonType::Object: return "object";
  }
  return "null";
}

nlohmann::json toJson(const JsonValue& value) {
  switch (value.type()) {
    case JsonType::Null: return nullptr;
    case JsonType::Boolean: return value.boolean();
    case JsonType::Unsigned: return value.unsignedValue();
    case JsonType::Integer: return value.integerValue();
    case JsonType::Float: return value.floatValue();
    case JsonType::String: return std::string(value.string());
    case JsonType::Array: {
      nlohmann::json out = nlohmann::json::array();
      for (const JsonValue& element : value.elements()) out.push_back(toJson(element));
      return out;
    }
    case JsonType::Object: {
      nlohmann::json out = nlohmann::json::object();
      for (const JsonMember& m : value.members()) out[std::string(m.key)] = toJson(*m.value);
      return out;
    }
  }
  return nullptr;
}

}  // namespace clawpay
