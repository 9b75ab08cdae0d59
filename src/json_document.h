// A JSON document read into one flat, read-only tree: the form in which
// EIP-712 typed data crosses the binding. nlohmann::json allocates a map
// node or a string per value; this reads the ~700 bytes of a
// TransferWithAuthorization with four allocations, several times faster.
//
// It accepts exactly the text nlohmann::json::parse accepts (RFC 8259, UTF-8
// checked, a leading byte-order mark skipped, no comments, finite numbers)
// and holds the same values: a number is unsigned, signed or floating as
// nlohmann types it, a repeated key keeps its last value, an object's members
// are in key order. So code moved from nlohmann::json to this tree keeps its
// behaviour, down to the order in which it meets errors.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace clawpay {

// nlohmann's value_t, less its binary and discarded kinds.
enum class JsonType : uint8_t { Null, Boolean, Unsigned, Integer, Float, String, Array, Object };

class JsonValue;

struct JsonMember {
  std::string_view key;
  const JsonValue* value;
};

class JsonValue {
 public:
  JsonType type() const noexcept { return type_; }
  bool isNull() const noexcept { return type_ == JsonType::Null; }
  bool isBoolean() const noexcept { return type_ == JsonType::Boolean; }
  bool isString() const noexcept { return type_ == JsonType::String; }
  bool isArray() const noexcept { return type_ == JsonType::Array; }
  bool isObject() const noexcept { return type_ == JsonType::Object; }

  // Each valid only for its type.
  bool boolean() const noexcept { return number_.boolean; }
  uint64_t unsignedValue() const noexcept { return number_.u; }
  int64_t integerValue() const noexcept { return number_.i; }
  double floatValue() const noexcept { return number_.d; }
  std::string_view string() const noexcept { return {static_cast<const char*>(data_), count_}; }

  // Elements of an array, members of an object; 0 for anything else.
  size_t size() const noexcept { return isArray() || isObject() ? count_ : 0; }
  std::span<const JsonValue> elements() const noexcept {
    return isArray() ? std::span<const JsonValue>(static_cast<const JsonValue*>(data_), count_)
                     : std::span<const JsonValue>();
  }
  std::span<const JsonMember> members() const noexcept {
    return isObject() ? std::span<const JsonMember>(static_cast<const JsonMember*>(data_), count_)
                      : std::span<const JsonMember>();
  }
  // The member's value, or nullptr (also when this is not an object).
  const JsonValue* find(std::string_view key) const noexcept;

  // nlohmann's type_name(): "null", "boolean", "number", "string", "array", "object".
  const char* typeName() const noexcept;

 private:
  friend class JsonTreeBuilder;

  JsonType type_ = JsonType::Null;
  union {
    bool boolean;
    uint64_t u;
    int64_t i;
    double d;
  } number_{};
  const void* data_ = nullptr;  // string bytes, first element, or first member
  uint32_t count_ = 0;          // string length, elements, or members
};

class JsonDocument {
 public:
  JsonDocument(JsonDocument&&) noexcept = default;
  JsonDocument& operator=(JsonDocument&&) noexcept = default;
  JsonDocument(const JsonDocument&) = delete;  // values point into each other
  JsonDocument& operator=(const JsonDocument&) = delete;

  // nullopt for anything nlohmann::json::parse would refuse. The document
  // keeps its own copy of the text.
  static std::optional<JsonDocument> parse(std::string_view text);
  // The same tree for a parsed nlohmann::json. Its strings are views into
  // `json`, which must outlive the document.
  static JsonDocument fromJson(const nlohmann::json& json);

  const JsonValue& root() const noexcept { return values_.back(); }

 private:
  friend class JsonTreeBuilder;
  JsonDocument() = default;

  std::unique_ptr<char[]> text_;    // the input, strings unescaped in place
  std::vector<JsonValue> values_;   // children before their parent; the root last
  std::vector<JsonMember> members_;
};

// The nlohmann::json holding the same value, for callers that quote a value
// in a message (its dump()) exactly as they did before.
nlohmann::json toJson(const JsonValue& value);

}  // namespace clawpay
