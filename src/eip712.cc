// EIP-712 hashing, matching viem's hashTypedData bit for bit on every input
// both accept. Where viem is lenient in ways that hide mistakes, this code
// rejects the input instead: odd-length hex (viem pads a zero nibble), " 5 ",
// "", "+5", "0b11" or true as integers (viem hands them to BigInt), numbers
// as strings, "0X" bytes (viem hashes them as text), fixed-size array lengths
// (viem never checks them), JSON numbers beyond 2^53 - 1 (JS would have
// rounded them), duplicate or non-identifier field names, and a null domain
// (viem then drops the domain separator altogether). The one input accepted
// here that viem refuses is an all-uppercase address, which parseAddress
// allows as EIP-55 does.
//
// Shape of the work: one TypeRegistry per call parses and checks every type
// definition once; one Encoder per call hashes values, computing each struct's
// type hash at most once and streaming every encoding straight into Keccak.

#include "eip712.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "address.h"
#include "error.h"
#include "hex.h"
#include "js_json.h"
#include "json_document.h"
#include "keccak.h"
#include "uint256.h"

namespace clawpay {
namespace {

using json = nlohmann::json;

// Struct and array values nested deeper than this are refused. Real documents
// nest a few levels; the cap keeps hostile input from exhausting the stack.
constexpr int kMaxValueDepth = 64;

constexpr std::string_view kDomainTypeName = "EIP712Domain";
constexpr uint8_t kTypedDataPrefix[2] = {0x19, 0x01};
constexpr size_t kDynamicLength = SIZE_MAX;
// Beyond this a fixed array length could never match a real array anyway.
constexpr size_t kMaxFixedLength = 1u << 30;
// JSON numbers beyond kMaxSafeInteger (js_json.h) are refused even when exact
// here: the same JSON text read by JS (and so by viem) would hold a rounded
// double, e.g. 1152921504606847200 is 2^60 + 256 in JS.
constexpr uint64_t kMaxSafeMagnitude = static_cast<uint64_t>(kMaxSafeInteger);

// ------------------------------------------------------------------ errors

// Type definitions that are wrong in themselves (bad names, undefined types).
[[noreturn]] void throwBadType(const std::string& message) {
  throw Error(ErrorKind::Invalid, "ERR_EIP712_TYPE", message);
}
// Type definitions of the wrong JSON kind.
[[noreturn]] void throwTypeShape(const std::string& message) {
  throw Error(ErrorKind::Type, "ERR_EIP712_TYPE", message);
}

// Where a value sits in the document ("message.to.wallets[1]"). Segments live
// on the stack of the encoder's recursion and are only rendered into text when
// an error is thrown, so the success path never builds paths.
struct PathSegment {
  const PathSegment* parent;
  std::string_view name;  // ".name", or the whole root; empty means "[index]"
  size_t index;
};

std::string renderPath(const PathSegment& last) {
  std::vector<const PathSegment*> segments;
  for (const PathSegment* s = &last; s != nullptr; s = s->parent) segments.push_back(s);
  std::string out;
  for (auto it = segments.rbegin(); it != segments.rend(); ++it) {
    const PathSegment& s = **it;
    if (s.name.empty()) {
      out += '[' + std::to_string(s.index) + ']';
    } else {
      if (s.parent != nullptr) out += '.';
      out += s.name;
    }
  }
  return out;
}

[[noreturn]] void throwBadValue(const PathSegment& path, const std::string& problem) {
  throw Error(ErrorKind::Type, "ERR_EIP712_VALUE", renderPath(path) + ": " + problem);
}

[[noreturn]] void throwOutOfRange(const PathSegment& path, const std::string& problem) {
  throw Error(ErrorKind::Range, "ERR_EIP712_RANGE", renderPath(path) + ": " + problem);
}

void checkDepth(int depth, const PathSegment& path) {
  if (depth > kMaxValueDepth) {
    throw Error(ErrorKind::Range, "ERR_EIP712_DEPTH",
                renderPath(path) + ": values nest deeper than " + std::to_string(kMaxValueDepth) +
                    " structs/arrays");
  }
}

// Quotes a value for an error message without echoing megabytes of it.
// Invalid UTF-8 (one byte of a multi-byte character, WTF-8 surrogates) is
// shown as U+FFFD: dump() would throw a json exception instead.
std::string quoteValue(const json& value) {
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  constexpr size_t kMaxShown = 80;
  if (text.size() > kMaxShown) text = text.substr(0, kMaxShown) + "...";
  return text;
}

// Quoted values are scalars or one-member tagged objects: small to convert.
std::string quoteValue(const JsonValue& value) { return quoteValue(toJson(value)); }

// ------------------------------------------------------------- type model

enum class BaseKind : uint8_t { Struct, Address, Bool, String, Bytes, FixedBytes, Int, Uint };

struct FieldType {
  std::string_view text;  // as written; encodeType repeats it verbatim
  BaseKind kind = BaseKind::Bool;
  unsigned size = 0;         // bytes for FixedBytes, bits for Int / Uint
  uint32_t structIndex = 0;  // for Struct: index into the registry
  // Array dimensions, innermost first: "uint8[2][]" is {2, kDynamicLength},
  // a dynamic array whose elements are uint8[2].
  std::vector<size_t> dimensions;
};

struct Field {
  std::string_view name;
  FieldType type;
};

struct StructType {
  std::string_view name;
  const JsonValue* definition;  // the JSON field list; null for the derived domain
  std::vector<Field> fields;
};

// "8".."256" style sizes: decimal, no leading zero, at most 3 digits.
std::optional<unsigned> parseTypeSize(std::string_view digits) {
  if (digits.empty() || digits.size() > 3 || digits[0] == '0') return std::nullopt;
  unsigned value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  return value;
}

struct AtomicType {
  BaseKind kind;
  unsigned size;
};

// The EIP-712 atomic and dynamic types, exactly as viem's regexes allow.
std::optional<AtomicType> parseAtomicType(std::string_view base) {
  if (base == "address") return AtomicType{BaseKind::Address, 0};
  if (base == "bool") return AtomicType{BaseKind::Bool, 0};
  if (base == "string") return AtomicType{BaseKind::String, 0};
  if (base == "bytes") return AtomicType{BaseKind::Bytes, 0};
  if (base.starts_with("bytes")) {
    auto n = parseTypeSize(base.substr(5));
    if (n && *n >= 1 && *n <= 32) return AtomicType{BaseKind::FixedBytes, *n};
    return std::nullopt;
  }
  bool isUnsigned = base.starts_with("uint");
  if (isUnsigned || base.starts_with("int")) {
    auto bits = parseTypeSize(base.substr(isUnsigned ? 4 : 3));
    if (bits && *bits >= 8 && *bits <= 256 && *bits % 8 == 0) {
      return AtomicType{isUnsigned ? BaseKind::Uint : BaseKind::Int, *bits};
    }
  }
  return std::nullopt;
}

bool isNameChar(char c, bool allowColon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$' || (allowColon && c == ':');
}

bool allNameChars(std::string_view name, bool allowColon) {
  return !name.empty() &&
         std::all_of(name.begin(), name.end(), [&](char c) { return isNameChar(c, allowColon); });
}

// viem's rule for struct names: letters, digits, '_', '$', ':', and nothing
// that reads as a Solidity type, so a struct can never shadow "uint7" or
// "bytes33" the way other implementations would parse them.
bool looksLikeSolidityType(std::string_view name) {
  if (name == "address" || name == "bool" || name == "string") return true;
  std::string_view rest;
  if (name.starts_with("uint")) {
    rest = name.substr(4);
  } else if (name.starts_with("int")) {
    rest = name.substr(3);
  } else if (name.starts_with("bytes")) {
    rest = name.substr(5);
  } else {
    return false;
  }
  return std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void checkStructName(std::string_view name) {
  if (!allNameChars(name, /*allowColon=*/true)) {
    throwBadType("types: struct name '" + std::string(name) +
                 "' must be non-empty and use only letters, digits, '_', '$' and ':'");
  }
  if (looksLikeSolidityType(name)) {
    throwBadType("types: struct name '" + std::string(name) + "' would shadow a Solidity type");
  }
}

// ---------------------------------------------------------------- registry

// Every struct type of one document, sorted by name: lookups are binary
// searches, and walking indices in order is the name order encodeType needs.
class TypeRegistry {
 public:
  TypeRegistry(const JsonValue* types, const JsonValue& domain) {
    if (types != nullptr) {
      if (!types->isObject()) throwTypeShape("types must be an object of struct definitions");
      structs_.reserve(types->size() + 1);
      for (const JsonMember& member : types->members()) {
        checkStructName(member.key);
        structs_.push_back(StructType{member.key, member.value, {}});
      }
    }
    if (types == nullptr || types->find(kDomainTypeName) == nullptr) structs_.push_back(derivedDomainType(domain));
    std::sort(structs_.begin(), structs_.end(),
              [](const StructType& a, const StructType& b) { return a.name < b.name; });
    for (StructType& type : structs_) {
      if (type.definition != nullptr) parseFields(type);
    }
  }

  std::optional<uint32_t> find(std::string_view name) const {
    auto it = std::lower_bound(structs_.begin(), structs_.end(), name,
                               [](const StructType& s, std::string_view n) { return s.name < n; });
    if (it != structs_.end() && it->name == name) return static_cast<uint32_t>(it - structs_.begin());
    return std::nullopt;
  }

  const StructType& at(uint32_t index) const { return structs_[index]; }
  size_t size() const { return structs_.size(); }

 private:
  // viem's getTypesForEIP712Domain: the fields present on the domain and not
  // null, in this fixed order.
  static StructType derivedDomainType(const JsonValue& domain) {
    struct Candidate {
      std::string_view name;
      std::string_view type;
      BaseKind kind;
      unsigned size;
    };
    static constexpr Candidate kCandidates[] = {
        {"name", "string", BaseKind::String, 0},
        {"version", "string", BaseKind::String, 0},
        {"chainId", "uint256", BaseKind::Uint, 256},
        {"verifyingContract", "address", BaseKind::Address, 0},
        {"salt", "bytes32", BaseKind::FixedBytes, 32},
    };
    StructType out{kDomainTypeName, nullptr, {}};
    for (const Candidate& c : kCandidates) {
      const JsonValue* value = domain.find(c.name);
      if (value == nullptr || value->isNull()) continue;
      FieldType type;
      type.text = c.type;
      type.kind = c.kind;
      type.size = c.size;
      out.fields.push_back(Field{c.name, std::move(type)});
    }
    return out;
  }

  void parseFields(StructType& type) {
    const JsonValue& definition = *type.definition;
    auto where = [&] { return "types." + std::string(type.name); };
    if (!definition.isArray()) throwTypeShape(where() + " must be an array of {name, type}");
    type.fields.reserve(definition.size());
    for (size_t i = 0; i < definition.size(); ++i) {
      const JsonValue& entry = definition.elements()[i];
      const JsonValue* name = entry.find("name");
      const JsonValue* typeText = entry.find("type");
      if (!entry.isObject() || name == nullptr || !name->isString() || typeText == nullptr ||
          !typeText->isString()) {
        throwTypeShape(where() + "[" + std::to_string(i) + "] must be an object with string 'name' and 'type'");
      }
      std::string_view fieldName = name->string();
      if (!allNameChars(fieldName, /*allowColon=*/false)) {
        throwBadType(where() + "[" + std::to_string(i) + "]: field name '" + std::string(fieldName) +
                     "' must be non-empty and use only letters, digits, '_' and '$'");
      }
      type.fields.push_back(Field{fieldName, parseFieldType(typeText->string(), type.name, fieldName)});
    }
    checkUniqueFieldNames(type);
  }

  static void checkUniqueFieldNames(const StructType& type) {
    std::vector<std::string_view> names;
    names.reserve(type.fields.size());
    for (const Field& f : type.fields) names.push_back(f.name);
    std::sort(names.begin(), names.end());
    auto duplicate = std::adjacent_find(names.begin(), names.end());
    if (duplicate != names.end()) {
      throwBadType("types." + std::string(type.name) + ": field name '" + std::string(*duplicate) +
                   "' appears more than once");
    }
  }

  FieldType parseFieldType(std::string_view text, std::string_view structName, std::string_view fieldName) const {
    auto where = [&] { return "types." + std::string(structName) + "." + std::string(fieldName); };
    FieldType out;
    out.text = text;
    // Peel "[k]" / "[]" suffixes from the right: the last one is outermost.
    std::string_view base = text;
    while (!base.empty() && base.back() == ']') {
      size_t open = base.rfind('[');
      if (open == std::string_view::npos) throwBadType(where() + ": malformed type '" + std::string(text) + "'");
      std::string_view digits = base.substr(open + 1, base.size() - open - 2);
      std::optional<size_t> length = parseArrayLength(digits);
      if (!length) throwBadType(where() + ": malformed or too large array length in '" + std::string(text) + "'");
      out.dimensions.push_back(*length);
      base = base.substr(0, open);
    }
    std::reverse(out.dimensions.begin(), out.dimensions.end());

    if (auto index = find(base)) {
      out.kind = BaseKind::Struct;
      out.structIndex = *index;
    } else if (auto atomic = parseAtomicType(base)) {
      out.kind = atomic->kind;
      out.size = atomic->size;
    } else if (base == "int" || base == "uint") {
      throwBadType(where() + ": type '" + std::string(text) + "' needs a size, e.g. " + std::string(base) +
                   "256");
    } else {
      throwBadType(where() + ": type '" + std::string(text) + "' is not an EIP-712 type nor defined in types");
    }
    return out;
  }

  // "" is a dynamic array; digits are a fixed length (leading zeros allowed,
  // as viem's regex allows them).
  static std::optional<size_t> parseArrayLength(std::string_view digits) {
    if (digits.empty()) return kDynamicLength;
    size_t length = 0;
    for (char c : digits) {
      if (c < '0' || c > '9') return std::nullopt;
      length = length * 10 + static_cast<size_t>(c - '0');
      if (length > kMaxFixedLength) return std::nullopt;
    }
    return length;
  }

  std::vector<StructType> structs_;
};

// ------------------------------------------------------------ value words

// Hashes text the way viem does: TextEncoder's UTF-8. Text from the binding
// may be WTF-8 (JS strings can hold lone surrogates, ED A0..BF xx);
// TextEncoder writes each of those as U+FFFD, so do the same.
void updateWithUtf8(Keccak256& hasher, std::string_view text) {
  static constexpr uint8_t kReplacementCharacter[3] = {0xEF, 0xBF, 0xBD};
  size_t start = 0;
  for (size_t i = text.find('\xED'); i != std::string_view::npos; i = text.find('\xED', i)) {
    auto second = static_cast<uint8_t>(i + 1 < text.size() ? text[i + 1] : 0);
    if (i + 2 < text.size() && second >= 0xA0 && second <= 0xBF) {
      hasher.update(asBytes(text.substr(start, i - start)));
      hasher.update(kReplacementCharacter, sizeof kReplacementCharacter);
      i += 3;
      start = i;
    } else {
      ++i;
    }
  }
  hasher.update(asBytes(text.substr(start)));
}

// JSON has no bigint or byte array, so the JS layer writes them as one-key
// objects {"\0bigint": "…"} / {"\0bytes": "0x…"}. Keeping the JS type this
// way lets a bigint count as an integer but never as a string, as in viem.
constexpr std::string_view kBigintTag{"\0bigint", 7};
constexpr std::string_view kBytesTag{"\0bytes", 6};

const JsonValue* tagged(const JsonValue& value, std::string_view tag) {
  if (!value.isObject() || value.size() != 1) return nullptr;
  const JsonMember& only = value.members()[0];
  return only.key == tag && only.value->isString() ? only.value : nullptr;
}

// The JS-side name of a value's kind, for error messages.
std::string kindName(const JsonValue& value) {
  if (tagged(value, kBigintTag)) return "a bigint";
  if (tagged(value, kBytesTag)) return "a Uint8Array";
  return value.typeName();
}

std::string bytesTypeName(unsigned fixedSize) {
  return fixedSize == 0 ? "bytes" : "bytes" + std::to_string(fixedSize);
}

// The hex digits of a "0x…" byte string. Lowercase "0x" only: viem hashes
// "0X…" as text rather than hex, so accepting it would silently disagree.
// `fixedSize` is N for bytesN, 0 for dynamic bytes.
std::string_view hexDigitsOf(const JsonValue& input, const PathSegment& path, unsigned fixedSize) {
  const JsonValue* bytes = tagged(input, kBytesTag);
  const JsonValue& value = bytes ? *bytes : input;
  if (!value.isString()) {
    throwBadValue(path, "expected a 0x-hex string for " + bytesTypeName(fixedSize) + " but got " + kindName(value));
  }
  std::string_view text = value.string();
  if (text.size() < 2 || text[0] != '0' || text[1] != 'x') {
    throwBadValue(path, "expected a 0x-hex string for " + bytesTypeName(fixedSize) + " but got " + quoteValue(value));
  }
  std::string_view digits = text.substr(2);
  // Deliberately stricter than viem, which left-pads odd-length hex with a
  // zero nibble: "0x123" is far more likely a typo than 0x0123.
  if (digits.size() % 2 != 0) {
    throwBadValue(path, "odd number of hex digits for " + bytesTypeName(fixedSize) + " in " + quoteValue(value));
  }
  return digits;
}

void decodeHexInto(std::string_view digits, uint8_t* out, const PathSegment& path) {
  for (size_t i = 0; i < digits.size() / 2; ++i) {
    int high = hexDigitValue(digits[2 * i]);
    int low = hexDigitValue(digits[2 * i + 1]);
    if (high < 0 || low < 0) {
      char bad = high < 0 ? digits[2 * i] : digits[2 * i + 1];
      throwBadValue(path, "invalid hex digit " + quoteValue(std::string(1, bad)) + " in a bytes value");
    }
    out[i] = static_cast<uint8_t>((high << 4) | low);
  }
}

Hash32 hashHexBytes(std::string_view digits, const PathSegment& path) {
  Keccak256 hasher;
  uint8_t chunk[256];
  while (!digits.empty()) {
    size_t take = std::min(digits.size(), 2 * sizeof chunk);
    decodeHexInto(digits.substr(0, take), chunk, path);
    hasher.update(chunk, take / 2);
    digits.remove_prefix(take);
  }
  return hasher.finish();
}

std::string integerTypeName(bool isSigned, unsigned bits) {
  return (isSigned ? "int" : "uint") + std::to_string(bits);
}

std::string integerRange(bool isSigned, unsigned bits) {
  if (isSigned) {
    return "-2^" + std::to_string(bits - 1) + " to 2^" + std::to_string(bits - 1) + "-1";
  }
  return "0 to 2^" + std::to_string(bits) + "-1";
}

[[noreturn]] void throwUnsafeNumber(const JsonValue& value, bool isSigned, unsigned bits, const PathSegment& path) {
  throwOutOfRange(path, quoteValue(value) + " is not a safe integer (beyond 2^53-1); pass large " +
                            integerTypeName(isSigned, bits) + " values as decimal or 0x-hex strings");
}

// Reads a JSON number that is a safe integer, or a string (decimal with
// optional '-', or 0x-hex), as sign and magnitude.
void readInteger(const JsonValue& input, bool isSigned, unsigned bits, const PathSegment& path, bool& negative,
                 Uint256& magnitude) {
  const JsonValue* bigint = tagged(input, kBigintTag);
  const JsonValue& value = bigint ? *bigint : input;
  negative = false;
  switch (value.type()) {
    case JsonType::Unsigned: {
      uint64_t v = value.unsignedValue();
      if (v > kMaxSafeMagnitude) throwUnsafeNumber(value, isSigned, bits, path);
      magnitude = Uint256::fromUint64(v);
      return;
    }
    case JsonType::Integer: {
      int64_t v = value.integerValue();
      negative = v < 0;
      // 0 - v in unsigned arithmetic is |v| even for INT64_MIN.
      uint64_t absolute = negative ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v);
      if (absolute > kMaxSafeMagnitude) throwUnsafeNumber(value, isSigned, bits, path);
      magnitude = Uint256::fromUint64(absolute);
      return;
    }
    case JsonType::Float: {
      double v = value.floatValue();
      if (!std::isfinite(v) || std::trunc(v) != v) {
        throwBadValue(path, "expected an integer for " + integerTypeName(isSigned, bits) + " but got " +
                                quoteValue(value));
      }
      // Past 2^53 a double no longer holds every integer: the number the
      // caller meant may already be lost, so insist on a string.
      if (std::fabs(v) > static_cast<double>(kMaxSafeMagnitude)) throwUnsafeNumber(value, isSigned, bits, path);
      negative = v < 0;
      magnitude = Uint256::fromUint64(static_cast<uint64_t>(std::fabs(v)));
      return;
    }
    case JsonType::String: {
      std::string_view text = value.string();
      Uint256::ParseStatus status;
      if (!text.empty() && text[0] == '-') {
        negative = true;
        status = Uint256::parseDecimal(text.substr(1), magnitude);
      } else {
        status = Uint256::parse(text, magnitude);
      }
      if (status == Uint256::ParseStatus::Malformed) {
        throwBadValue(path, "expected a decimal or 0x-hex integer string for " + integerTypeName(isSigned, bits) +
                                " but got " + quoteValue(value));
      }
      if (status == Uint256::ParseStatus::Overflow) {
        throwOutOfRange(path, quoteValue(value) + " is out of range for " + integerTypeName(isSigned, bits) +
                                  " (" + integerRange(isSigned, bits) + ")");
      }
      return;
    }
    default:
      throwBadValue(path, "expected an integer (number or string) for " + integerTypeName(isSigned, bits) +
                              " but got " + kindName(value));
  }
}

void encodeInteger(const JsonValue& value, bool isSigned, unsigned bits, const PathSegment& path, uint8_t word[32]) {
  bool negative;
  Uint256 magnitude;
  readInteger(value, isSigned, bits, path, negative, magnitude);
  if (magnitude.isZero()) negative = false;  // "-0"

  bool inRange;
  if (!isSigned) {
    inRange = !negative && magnitude.bitLength() <= bits;
  } else {
    Uint256 limit = Uint256::powerOfTwo(bits - 1);  // |min|; max is limit - 1
    inRange = negative ? magnitude <= limit : magnitude < limit;
  }
  if (!inRange) {
    throwOutOfRange(path, quoteValue(value) + " is out of range for " + integerTypeName(isSigned, bits) + " (" +
                              integerRange(isSigned, bits) + ")");
  }
  (negative ? magnitude.negated() : magnitude).toBigEndian(word);
}

void copyHash(const Hash32& hash, uint8_t word[32]) { std::copy(hash.begin(), hash.end(), word); }

// ------------------------------------------------------------------- memos

constexpr size_t kMaxMemoKey = 512;

// Hashes worth keeping across calls: the typeHash of an encodeType, and a
// domain separator under its domain type and values. A payer signs the same
// few types over the same few domains again and again. Each thread keeps the
// last few in a fixed table: no locks, no allocation, round-robin
// replacement. Only results computed without error are stored, each under the
// exact text it was computed from, so a hit returns what computing would.
template <size_t Entries>
class RecentHashes {
 public:
  const Hash32* find(std::string_view key) const {
    for (const Entry& entry : entries_) {
      if (entry.size == key.size() && entry.size != 0 && std::memcmp(entry.key, key.data(), key.size()) == 0) {
        return &entry.value;
      }
    }
    return nullptr;
  }

  void insert(std::string_view key, const Hash32& value) {
    if (key.empty() || key.size() > kMaxMemoKey) return;
    Entry& entry = entries_[next_];
    next_ = (next_ + 1) % Entries;
    entry.size = key.size();
    std::memcpy(entry.key, key.data(), key.size());
    entry.value = value;
  }

 private:
  struct Entry {
    size_t size;  // 0: unused
    char key[kMaxMemoKey];
    Hash32 value;
  };
  std::array<Entry, Entries> entries_;
  size_t next_;
};

// Zero-initialized, trivially destructible: no guard, nothing run at exit.
thread_local RecentHashes<16> tTypeHashes;
thread_local RecentHashes<8> tDomainSeparators;

// ----------------------------------------------------------------- encoder

class Encoder {
 public:
  explicit Encoder(const TypeRegistry& types) : types_(types), typeHashes_(types.size()), inClosure_(types.size()) {}

  // hashStruct: keccak(typeHash || encodeData). `depth` counts the structs
  // and arrays enclosing this value, itself included.
  Hash32 hashStruct(uint32_t structIndex, const JsonValue& value, const PathSegment& path, int depth) {
    checkDepth(depth, path);
    const StructType& type = types_.at(structIndex);
    if (!value.isObject() || tagged(value, kBigintTag) || tagged(value, kBytesTag)) {
      throwBadValue(path, "expected an object for struct " + std::string(type.name) + " but got " +
                              kindName(value));
    }
    Keccak256 hasher;
    hasher.update(typeHash(structIndex));
    uint8_t word[32];
    for (const Field& field : type.fields) {
      const JsonValue* member = value.find(field.name);
      if (member == nullptr) {
        throwBadValue(path, "missing field '" + std::string(field.name) + "' of type " + std::string(type.name));
      }
      PathSegment fieldPath{&path, field.name, 0};
      encodeValue(field.type, field.type.dimensions.size(), *member, fieldPath, depth, word);
      hasher.update(word, sizeof word);
    }
    return hasher.finish();
  }

  // The domain separator, hashStruct of the domain; remembered per thread
  // under the domain type's encodeType and the values of its fields.
  Hash32 domainSeparator(uint32_t domainIndex, const JsonValue& domain, const PathSegment& path) {
    std::string key = encodeType(domainIndex);
    key += '\0';  // never in an encodeType: names and types are checked
    bool remember = appendFieldValuesKey(key, types_.at(domainIndex), domain);
    if (remember) {
      if (const Hash32* known = tDomainSeparators.find(key)) return *known;
    }
    Hash32 separator = hashStruct(domainIndex, domain, path, 1);
    if (remember) tDomainSeparators.insert(key, separator);
    return separator;
  }

 private:
  // Writes the 32-byte encoding of `value`, typed as `type` with only its
  // innermost `dimensions` array dimensions left.
  void encodeValue(const FieldType& type, size_t dimensions, const JsonValue& value, const PathSegment& path, int depth,
                   uint8_t word[32]) {
    if (dimensions > 0) {
      encodeArray(type, dimensions, value, path, depth + 1, word);
      return;
    }
    switch (type.kind) {
      case BaseKind::Struct:
        copyHash(hashStruct(type.structIndex, value, path, depth + 1), word);
        return;
      case BaseKind::Address:
        encodeAddress(value, path, word);
        return;
      case BaseKind::Bool:
        if (!value.isBoolean()) throwBadValue(path, "expected a boolean but got " + kindName(value));
        std::fill(word, word + 32, 0);
        word[31] = value.boolean() ? 1 : 0;
        return;
      case BaseKind::String: {
        if (!value.isString()) throwBadValue(path, "expected a string but got " + kindName(value));
        Keccak256 hasher;
        updateWithUtf8(hasher, value.string());
        copyHash(hasher.finish(), word);
        return;
      }
      case BaseKind::Bytes:
        copyHash(hashHexBytes(hexDigitsOf(value, path, 0), path), word);
        return;
      case BaseKind::FixedBytes: {
        std::string_view digits = hexDigitsOf(value, path, type.size);
        if (digits.size() != 2 * type.size) {
          throwBadValue(path, "expected exactly " + std::to_string(type.size) + " bytes for bytes" +
                                  std::to_string(type.size) + " but got " + std::to_string(digits.size() / 2));
        }
        std::fill(word, word + 32, 0);  // bytesN is left-aligned, zero-padded on the right
        decodeHexInto(digits, word, path);
        return;
      }
      case BaseKind::Int:
      case BaseKind::Uint:
        encodeInteger(value, type.kind == BaseKind::Int, type.size, path, word);
        return;
    }
  }

  // keccak of the concatenated element encodings (each element a struct
  // hash, an inner array hash, or an atomic word).
  void encodeArray(const FieldType& type, size_t dimensions, const JsonValue& value, const PathSegment& path, int depth,
                   uint8_t word[32]) {
    checkDepth(depth, path);
    if (!value.isArray()) {
      throwBadValue(path, "expected an array for " + std::string(type.text) + " but got " + kindName(value));
    }
    size_t expected = type.dimensions[dimensions - 1];
    if (expected != kDynamicLength && value.size() != expected) {
      throwBadValue(path, "expected " + std::to_string(expected) + " elements but got " +
                              std::to_string(value.size()));
    }
    Keccak256 hasher;
    uint8_t elementWord[32];
    size_t index = 0;
    for (const JsonValue& element : value.elements()) {
      PathSegment elementPath{&path, {}, index++};
      encodeValue(type, dimensions - 1, element, elementPath, depth, elementWord);
      hasher.update(elementWord, sizeof elementWord);
    }
    copyHash(hasher.finish(), word);
  }

  static void encodeAddress(const JsonValue& value, const PathSegment& path, uint8_t word[32]) {
    if (!value.isString()) throwBadValue(path, "expected an address string but got " + kindName(value));
    Address address;
    try {
      address = parseAddress(value.string(), "the value");
    } catch (const Error& e) {
      // Keep parseAddress's code (ERR_INVALID_ADDRESS / ERR_BAD_CHECKSUM), add where.
      throw Error(e.kind(), e.code(), renderPath(path) + ": " + e.what());
    }
    std::fill(word, word + 12, 0);
    std::copy(address.begin(), address.end(), word + 12);
  }

  // keccak(encodeType), remembered per call and per thread.
  const Hash32& typeHash(uint32_t structIndex) {
    if (typeHashes_[structIndex]) return *typeHashes_[structIndex];
    std::string encoding = encodeType(structIndex);
    if (const Hash32* known = tTypeHashes.find(encoding)) return typeHashes_[structIndex].emplace(*known);
    Hash32 hash = keccak256(asBytes(encoding));
    tTypeHashes.insert(encoding, hash);
    return typeHashes_[structIndex].emplace(hash);
  }

  // "Primary(fields)" then every struct it reaches, through fields and array
  // elements, sorted by name. Cycles are fine.
  std::string encodeType(uint32_t structIndex) {
    // Iterative walk: a chain of many types must not deepen the stack.
    std::vector<uint32_t> reached{structIndex};
    inClosure_[structIndex] = true;
    for (size_t next = 0; next < reached.size(); ++next) {
      for (const Field& field : types_.at(reached[next]).fields) {
        if (field.type.kind == BaseKind::Struct && !inClosure_[field.type.structIndex]) {
          inClosure_[field.type.structIndex] = true;
          reached.push_back(field.type.structIndex);
        }
      }
    }
    // Registry indices follow name order, so sorting indices sorts names.
    std::sort(reached.begin() + 1, reached.end());

    std::string out;
    out.reserve(256);
    for (uint32_t index : reached) {
      appendTypeEncoding(out, types_.at(index));
      inClosure_[index] = false;
    }
    return out;
  }

  static void appendTypeEncoding(std::string& out, const StructType& type) {
    out += type.name;
    out += '(';
    bool first = true;
    for (const Field& field : type.fields) {
      if (!first) out += ',';
      first = false;
      out += field.type.text;
      out += ' ';
      out += field.name;
    }
    out += ')';
  }

  // Appends, self-delimited, every value the struct's fields read from
  // `value`; false when one is missing (that is an error, never remembered)
  // or the key grows past what a memo holds.
  static bool appendFieldValuesKey(std::string& key, const StructType& type, const JsonValue& value) {
    for (const Field& field : type.fields) {
      const JsonValue* member = value.find(field.name);
      if (member == nullptr || !appendValueKey(key, *member)) return false;
    }
    return key.size() <= kMaxMemoKey;
  }

  static void appendLength(std::string& key, size_t n) {
    auto n32 = static_cast<uint32_t>(n);
    key.append(reinterpret_cast<const char*>(&n32), sizeof n32);
  }

  static bool appendValueKey(std::string& key, const JsonValue& value) {
    if (key.size() > kMaxMemoKey) return false;
    key += static_cast<char>(value.type());
    switch (value.type()) {
      case JsonType::Null: return true;
      case JsonType::Boolean: key += value.boolean() ? '1' : '0'; return true;
      case JsonType::Unsigned: {
        uint64_t u = value.unsignedValue();
        key.append(reinterpret_cast<const char*>(&u), sizeof u);
        return true;
      }
      case JsonType::Integer: {
        int64_t i = value.integerValue();
        key.append(reinterpret_cast<const char*>(&i), sizeof i);
        return true;
      }
      case JsonType::Float: {
        double d = value.floatValue();
        key.append(reinterpret_cast<const char*>(&d), sizeof d);
        return true;
      }
      case JsonType::String:
        appendLength(key, value.string().size());
        key += value.string();
        return true;
      case JsonType::Array:
        appendLength(key, value.size());
        for (const JsonValue& element : value.elements()) {
          if (!appendValueKey(key, element)) return false;
        }
        return true;
      case JsonType::Object:
        appendLength(key, value.size());
        for (const JsonMember& member : value.members()) {
          appendLength(key, member.key.size());
          key += member.key;
          if (!appendValueKey(key, *member.value)) return false;
        }
        return true;
    }
    return false;
  }

  const TypeRegistry& types_;
  std::vector<std::optional<Hash32>> typeHashes_;
  std::vector<bool> inClosure_;  // scratch for typeHash, all false between calls
};

}  // namespace

JsonDocument parseTypedDataJson(std::string_view text) {
  std::optional<JsonDocument> document = JsonDocument::parse(text);
  if (!document) throw Error(ErrorKind::Type, "ERR_EIP712_TYPE", "typedData is not valid JSON");
  return std::move(*document);
}

Hash32 hashTypedData(const json& typedData) {
  // Checked here so that a discarded or binary value keeps its own type name.
  if (!typedData.is_object()) {
    throw Error(ErrorKind::Type, "ERR_EIP712_VALUE",
                std::string("typed data must be an object but got ") + typedData.type_name());
  }
  return hashTypedData(JsonDocument::fromJson(typedData).root());
}

Hash32 hashTypedData(const JsonValue& typedData) {
  if (!typedData.isObject()) {
    throw Error(ErrorKind::Type, "ERR_EIP712_VALUE",
                std::string("typed data must be an object but got ") + typedData.typeName());
  }
  const JsonValue* primaryTypeJson = typedData.find("primaryType");
  if (primaryTypeJson == nullptr || !primaryTypeJson->isString()) {
    throwTypeShape("primaryType must be a string naming a struct in types");
  }
  std::string_view primaryType = primaryTypeJson->string();

  static const JsonDocument kEmptyDomain = *JsonDocument::parse("{}");
  const JsonValue* domain = typedData.find("domain");
  if (domain == nullptr) domain = &kEmptyDomain.root();
  // viem skips the domain separator entirely for a null domain; a signature
  // valid for every domain is never what the caller wants, so refuse it.
  if (!domain->isObject()) {
    throw Error(ErrorKind::Type, "ERR_EIP712_VALUE",
                std::string("domain must be an object but got ") + domain->typeName());
  }

  TypeRegistry types(typedData.find("types"), *domain);
  std::optional<uint32_t> primaryIndex = types.find(primaryType);
  if (!primaryIndex) throwBadType("primaryType '" + std::string(primaryType) + "' is not defined in types");

  Encoder encoder(types);
  PathSegment domainPath{nullptr, "domain", 0};
  Hash32 separator = encoder.domainSeparator(*types.find(kDomainTypeName), *domain, domainPath);

  if (primaryType == kDomainTypeName) {
    Keccak256 hasher;
    hasher.update(kTypedDataPrefix, sizeof kTypedDataPrefix);
    hasher.update(separator);
    return hasher.finish();
  }
  PathSegment messagePath{nullptr, "message", 0};
  const JsonValue* message = typedData.find("message");
  if (message == nullptr) throwBadValue(messagePath, "missing (required unless primaryType is EIP712Domain)");
  return typedDataDigest(separator, encoder.hashStruct(*primaryIndex, *message, messagePath, 1));
}

Hash32 domainSeparatorOf(const JsonValue& domain) {
  if (!domain.isObject()) {
    throw Error(ErrorKind::Type, "ERR_EIP712_VALUE",
                std::string("domain must be an object but got ") + domain.typeName());
  }
  TypeRegistry types(nullptr, domain);
  Encoder encoder(types);
  PathSegment domainPath{nullptr, "domain", 0};
  return encoder.domainSeparator(*types.find(kDomainTypeName), domain, domainPath);
}

Hash32 typedDataDigest(const Hash32& domainSeparator, const Hash32& structHash) noexcept {
  Keccak256 hasher;
  hasher.update(kTypedDataPrefix, sizeof kTypedDataPrefix);
  hasher.update(domainSeparator);
  hasher.update(structHash);
  return hasher.finish();
}

}  // namespace clawpay
