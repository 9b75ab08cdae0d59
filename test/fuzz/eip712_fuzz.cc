// libFuzzer target: hashTypedData (eip712.h).
//
// Two modes, chosen by the first byte:
//  - below 0x80 (every JSON document starts so): the input is JSON, parsed
//    with nlohmann::json::parse(…, allow_exceptions=false) and hashed; and
//    read as the binding reads it (JsonDocument), which must accept the same
//    texts, hold the same values and hash or fail identically.
//  - 0x80 and up: the remaining bytes drive a small grammar that builds a
//    well-typed document (nested structs, dynamic / fixed / nested arrays,
//    bytes, bytesN, intN / uintN at and past their range limits, addresses in
//    each spelling), so the fuzzer reaches the encoder's deep paths instead
//    of stopping at the type checks. The grammar builds the same document
//    twice with independently chosen spellings of each value (number,
//    decimal, 0x-hex, tagged bigint, integral double; checksum / lower /
//    upper-case address; tagged / plain, upper / lower-case bytes).
//
// Properties beyond "no crash":
//  - only clawpay::Error escapes;
//  - a document the grammar built with only in-range values hashes without
//    throwing, and both spellings hash to the same digest;
//  - a document with an out-of-range or ill-typed value throws clawpay::Error;
//  - hashing is deterministic (the same document twice, same digest).
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "eip712.h"
#include "error.h"
#include "json_document.h"

using namespace clawpay;
using nlohmann::json;

namespace {

std::string_view g_input;

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "PROPERTY VIOLATION: %s\n  %s\n", what, detail.c_str());
  std::abort();
}

// Hashes, turning anything but clawpay::Error into a crash. nullopt on Error.
std::optional<Hash32> hashOrError(const json& doc, std::string* error = nullptr) {
  try {
    return hashTypedData(doc);
  } catch (const Error& e) {
    if (error) *error = e.code() + ": " + e.what();
    return std::nullopt;
  } catch (const std::exception& e) {
    fail("hashTypedData threw a non-clawpay exception", e.what());
  } catch (...) {
    fail("hashTypedData threw a non-exception");
  }
}

// Type-exact equality (nlohmann's == calls 1 and 1.0 equal).
bool sameJson(const json& a, const json& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case json::value_t::array:
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i) {
        if (!sameJson(a[i], b[i])) return false;
      }
      return true;
    case json::value_t::object: {
      if (a.size() != b.size()) return false;
      for (auto ia = a.begin(), ib = b.begin(); ia != a.end(); ++ia, ++ib) {
        if (ia.key() != ib.key() || !sameJson(ia.value(), ib.value())) return false;
      }
      return true;
    }
    case json::value_t::number_float: {
      double x = a.get<double>(), y = b.get<double>();
      return std::memcmp(&x, &y, sizeof x) == 0;
    }
    default:
      return a == b;
  }
}

std::string outcomeOf(const std::function<Hash32()>& hash) {
  try {
    Hash32 h = hash();
    return std::string(h.begin(), h.end());
  } catch (const Error& e) {
    return "error " + e.code() + ": " + e.what();
  } catch (const std::exception& e) {
    fail("hashTypedData threw a non-clawpay exception", e.what());
  }
}

// ------------------------------------------------------------ big integers

// Unsigned 264-bit magnitude, big-endian bytes (room for 2^256).
using Big = std::array<uint8_t, 33>;

Big pow2(unsigned k) {
  Big b{};
  b[32 - k / 8] = static_cast<uint8_t>(1u << (k % 8));
  return b;
}
void sub1(Big& b) {
  for (int i = 32; i >= 0; --i) {
    if (b[i]-- != 0) break;
  }
}
void add1(Big& b) {
  for (int i = 32; i >= 0; --i) {
    if (++b[i] != 0) break;
  }
}
bool isZero(const Big& b) {
  return std::all_of(b.begin(), b.end(), [](uint8_t x) { return x == 0; });
}
std::string toDecimal(Big b) {
  if (isZero(b)) return "0";
  std::string digits;
  while (!isZero(b)) {
    unsigned rem = 0;
    for (uint8_t& byte : b) {
      unsigned cur = rem * 256 + byte;
      byte = static_cast<uint8_t>(cur / 10);
      rem = cur % 10;
    }
    digits.push_back(static_cast<char>('0' + rem));
  }
  std::reverse(digits.begin(), digits.end());
  return digits;
}
std::string toHex(const Big& b, bool upper) {
  const char* digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
  std::string out;
  for (uint8_t byte : b) {
    out.push_back(digits[byte >> 4]);
    out.push_back(digits[byte & 15]);
  }
  size_t nz = out.find_first_not_of('0');
  return "0x" + (nz == std::string::npos ? std::string("0") : out.substr(nz));
}
// A value of at most `bits` bits from the fuzzer.
Big randomBits(FuzzedDataProvider& p, unsigned bits) {
  Big b{};
  for (unsigned i = 0; i < (bits + 7) / 8; ++i) b[32 - i] = p.ConsumeIntegral<uint8_t>();
  if (bits % 8) b[32 - bits / 8] &= static_cast<uint8_t>((1u << (bits % 8)) - 1);
  return b;
}
bool fitsSafe(const Big& b, uint64_t& out) {
  for (int i = 0; i < 25; ++i) {
    if (b[i]) return false;
  }
  out = 0;
  for (int i = 25; i < 33; ++i) out = out << 8 | b[i];
  return out <= 9007199254740991ULL;
}

// ---------------------------------------------------------------- grammar

struct Type {
  std::string base;            // "uint256", "Beta", …
  std::vector<int> dims;       // textual order; -1 = "[]"
  std::string text() const {
    std::string t = base;
    for (int d : dims) t += d < 0 ? "[]" : "[" + std::to_string(d) + "]";
    return t;
  }
};

const char* const kStructNames[] = {"Alpha", "Beta", "Gamma", "Delta"};
const char* const kAtomics[] = {"address", "bool",   "string", "bytes",   "bytes1", "bytes20", "bytes32",
                                "uint8",   "uint16", "uint64", "uint128", "uint256", "int8",    "int16",
                                "int64",   "int128", "int256", "uint24",  "int72",   "uint160"};
const char* const kAddresses[] = {"0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266",
                                  "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
                                  "0x0000000000000000000000000000000000000000"};

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}
std::string upperHexDigits(std::string s) {  // keeps the 0x prefix lowercase
  for (size_t i = 2; i < s.size(); ++i) s[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[i])));
  return s;
}

// Fixed-size arrays of structs multiply; documents past this many values
// are skipped rather than built (they only slow the fuzzer down).
constexpr size_t kMaxValues = 4000;
struct TooBig {};

class Grammar {
 public:
  explicit Grammar(FuzzedDataProvider& p) : p_(p) {}

  bool valid = true;  // false once a value is deliberately out of range / ill-typed

  // Builds docs a and b (same meaning, independent spellings).
  void build(json& a, json& b) {
    const size_t structs = p_.ConsumeIntegralInRange<size_t>(1, 4);
    json types = json::object();
    for (size_t k = 0; k < structs; ++k) {
      std::vector<Type> fields;
      const size_t count = p_.ConsumeIntegralInRange<size_t>(0, 5);
      for (size_t f = 0; f < count; ++f) {
        Type t;
        const unsigned pick = p_.ConsumeIntegralInRange<unsigned>(0, 99);
        bool selfRef = false;
        if (pick < 25 && k + 1 < structs) {
          t.base = kStructNames[p_.ConsumeIntegralInRange<size_t>(k + 1, structs - 1)];
        } else if (pick < 30) {  // back or self reference: only through a dynamic array
          t.base = kStructNames[p_.ConsumeIntegralInRange<size_t>(0, k)];
          selfRef = true;
        } else {
          t.base = kAtomics[p_.ConsumeIntegralInRange<size_t>(0, std::size(kAtomics) - 1)];
        }
        const size_t dims = selfRef ? 1 : p_.ConsumeIntegralInRange<size_t>(0, 5) / 2;
        for (size_t d = 0; d < dims; ++d) {
          t.dims.push_back(selfRef ? -1 : p_.ConsumeIntegralInRange<int>(-1, 3));
        }
        fields.push_back(t);
      }
      structFields_.push_back(fields);
      json def = json::array();
      for (size_t f = 0; f < fields.size(); ++f) def.push_back({{"name", "f" + std::to_string(f)}, {"type", fields[f].text()}});
      types[kStructNames[k]] = def;
    }

    // The domain: a subset of the standard fields, typed explicitly or derived.
    json domainA = json::object(), domainB = json::object();
    json domainType = json::array();
    const uint8_t mask = p_.ConsumeIntegral<uint8_t>();
    const std::pair<const char*, const char*> kDomainFields[] = {
        {"name", "string"}, {"version", "string"}, {"chainId", "uint256"}, {"verifyingContract", "address"}, {"salt", "bytes32"}};
    for (size_t i = 0; i < 5; ++i) {
      if (!(mask & (1u << i))) continue;
      domainType.push_back({{"name", kDomainFields[i].first}, {"type", kDomainFields[i].second}});
      value(Type{kDomainFields[i].second, {}}, 0, domainA[kDomainFields[i].first], domainB[kDomainFields[i].first]);
    }
    if (mask & 0x80) types["EIP712Domain"] = domainType;

    const bool domainOnly = (mask & 0x60) == 0x60;
    std::string primary = domainOnly ? "EIP712Domain" : kStructNames[p_.ConsumeIntegralInRange<size_t>(0, structs - 1)];
    json messageA, messageB;
    if (!domainOnly) structValue(primaryIndex(primary), 0, messageA, messageB);

    a = {{"types", types}, {"primaryType", primary}, {"domain", domainA}};
    b = {{"types", types}, {"primaryType", primary}, {"domain", domainB}};
    if (!domainOnly) {
      a["message"] = messageA;
      b["message"] = messageB;
    }
  }

 private:
  size_t primaryIndex(const std::string& name) {
    for (size_t i = 0; i < std::size(kStructNames); ++i) {
      if (name == kStructNames[i]) return i;
    }
    return 0;
  }

  void structValue(size_t index, int depth, json& a, json& b) {
    a = json::object();
    b = json::object();
    const auto& fields = structFields_[index];
    for (size_t f = 0; f < fields.size(); ++f) {
      const std::string name = "f" + std::to_string(f);
      value(fields[f], depth + 1, a[name], b[name]);
    }
    if (p_.ConsumeIntegralInRange<unsigned>(0, 15) == 0) {  // extra fields are ignored
      a["extra"] = 1;
      b["extra"] = "x";
    }
  }

  void value(const Type& type, int depth, json& a, json& b) {
    if (++values_ > kMaxValues) throw TooBig{};
    if (!type.dims.empty()) {
      Type inner = type;
      const int outer = inner.dims.back();
      inner.dims.pop_back();
      size_t length = outer >= 0 ? static_cast<size_t>(outer) : p_.ConsumeIntegralInRange<size_t>(0, 3);
      if (depth > 6) length = outer >= 0 ? length : 0;
      if (outer >= 0 && p_.ConsumeIntegralInRange<unsigned>(0, 31) == 0) {  // wrong fixed length
        ++length;
        valid = false;
      }
      a = json::array();
      b = json::array();
      for (size_t i = 0; i < length; ++i) {
        a.push_back(nullptr);
        b.push_back(nullptr);
        value(inner, depth + 1, a.back(), b.back());
      }
      return;
    }
    const std::string& base = type.base;
    for (size_t i = 0; i < std::size(kStructNames); ++i) {
      if (base == kStructNames[i]) return structValue(i, depth, a, b);
    }
    if (p_.ConsumeIntegralInRange<unsigned>(0, 63) == 0) {  // a value of the wrong JSON kind
      valid = false;
      // Not null: a null domain field means "absent" for a derived domain.
      a = b = p_.ConsumeBool() ? json::object() : json::array();
      return;
    }
    if (base == "bool") {
      a = b = p_.ConsumeBool();
    } else if (base == "string") {
      a = b = p_.ConsumeRandomLengthString(24);
    } else if (base == "address") {
      std::string addr = kAddresses[p_.ConsumeIntegralInRange<size_t>(0, std::size(kAddresses) - 1)];
      a = spellAddress(addr);
      b = spellAddress(addr);
      if (p_.ConsumeIntegralInRange<unsigned>(0, 31) == 0) {  // break the checksum
        std::string bad = a.get<std::string>();
        for (size_t i = 2; i < bad.size(); ++i) {
          if (std::isalpha(static_cast<unsigned char>(bad[i]))) {
            bad[i] = static_cast<char>(std::islower(static_cast<unsigned char>(bad[i])) ? std::toupper(bad[i]) : std::tolower(bad[i]));
            break;
          }
        }
        if (bad != lower(bad) && bad != upperHexDigits(bad)) {
          a = b = bad;
          valid = false;
        }
      }
    } else if (base.starts_with("bytes")) {
      const size_t fixed = base == "bytes" ? 0 : std::stoul(base.substr(5));
      size_t length = fixed ? fixed : p_.ConsumeIntegralInRange<size_t>(0, 70);
      if (fixed && p_.ConsumeIntegralInRange<unsigned>(0, 31) == 0) {
        length = p_.ConsumeBool() ? fixed + 1 : fixed - 1;
        valid = false;
      }
      std::string bytes = p_.ConsumeBytesAsString(length);
      bytes.resize(length, '\0');
      static const char* kHex = "0123456789abcdef";
      std::string hex = "0x";
      for (unsigned char c : bytes) {
        hex.push_back(kHex[c >> 4]);
        hex.push_back(kHex[c & 15]);
      }
      if (p_.ConsumeIntegralInRange<unsigned>(0, 31) == 0) {  // odd length or a bad digit
        hex.push_back(p_.ConsumeBool() ? 'a' : 'g');
        valid = false;
      }
      a = spellBytes(hex);
      b = spellBytes(hex);
    } else {
      integer(base, a, b);
    }
  }

  json spellAddress(const std::string& checksummed) {
    switch (p_.ConsumeIntegralInRange<unsigned>(0, 2)) {
      case 0: return checksummed;
      case 1: return lower(checksummed);
      default: return upperHexDigits(checksummed);
    }
  }

  json spellBytes(const std::string& hex) {
    std::string text = p_.ConsumeBool() ? upperHexDigits(hex) : hex;
    if (p_.ConsumeBool()) return json{{std::string("\0bytes", 6), text}};
    return text;
  }

  void integer(const std::string& base, json& a, json& b) {
    const bool isSigned = base[0] == 'i';
    const unsigned bits = static_cast<unsigned>(std::stoul(base.substr(isSigned ? 3 : 4)));
    Big magnitude{};
    bool negative = false;
    bool inRange = true;
    switch (p_.ConsumeIntegralInRange<unsigned>(0, 7)) {
      case 0: case 1: case 2:  // anything in range
        magnitude = randomBits(p_, isSigned ? bits - 1 : bits);
        negative = isSigned && p_.ConsumeBool();
        if (negative && p_.ConsumeBool()) add1(magnitude);  // reach -2^(bits-1) too
        break;
      case 3:  // the maximum
        magnitude = pow2(isSigned ? bits - 1 : bits);
        sub1(magnitude);
        break;
      case 4:  // zero or minus zero
        negative = p_.ConsumeBool();
        break;
      case 5:  // the minimum of a signed type; -1 for an unsigned one
        if (isSigned) {
          magnitude = pow2(bits - 1);
        } else {
          magnitude = pow2(0);
          inRange = false;
        }
        negative = true;
        break;
      case 6:  // one past the maximum
        magnitude = pow2(isSigned ? bits - 1 : bits);
        inRange = false;
        break;
      default:  // one past the minimum of a signed type
        magnitude = pow2(isSigned ? bits - 1 : 0);
        add1(magnitude);
        if (!isSigned) sub1(magnitude);
        negative = isSigned;
        inRange = !isSigned;
        break;
    }
    if (!inRange) valid = false;
    a = spellInteger(magnitude, negative);
    b = spellInteger(magnitude, negative);
  }

  json spellInteger(const Big& magnitude, bool negative) {
    uint64_t small = 0;
    const bool safe = fitsSafe(magnitude, small);
    const std::string sign = negative ? "-" : "";
    for (;;) {
      switch (p_.ConsumeIntegralInRange<unsigned>(0, 4)) {
        case 0:
          if (!safe) break;
          if (negative) return json(-static_cast<int64_t>(small));
          return json(small);
        case 1:
          return sign + toDecimal(magnitude);
        case 2:
          if (negative) break;
          return toHex(magnitude, p_.ConsumeBool());
        case 3:
          return json{{std::string("\0bigint", 7), sign + toDecimal(magnitude)}};
        default:
          if (!safe) break;
          return json(negative ? -static_cast<double>(small) : static_cast<double>(small));
      }
      if (p_.remaining_bytes() == 0) return sign + toDecimal(magnitude);
    }
  }

  FuzzedDataProvider& p_;
  std::vector<std::vector<Type>> structFields_;
  size_t values_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  g_input = std::string_view(reinterpret_cast<const char*>(data), size);
  if (size == 0) return 0;
  if (data[0] < 0x80) {
    const json doc = json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
    const auto first = hashOrError(doc);
    const auto second = hashOrError(doc);
    if (first != second) fail("hashing the same document twice differs");
    std::optional<JsonDocument> ours = JsonDocument::parse(g_input);
    if (doc.is_discarded() != !ours.has_value()) {
      fail(ours ? "JsonDocument accepted text nlohmann refuses" : "JsonDocument refused text nlohmann accepts");
    }
    if (ours) {
      if (!sameJson(toJson(ours->root()), doc)) fail("JsonDocument read other values than nlohmann");
      if (outcomeOf([&] { return hashTypedData(ours->root()); }) != outcomeOf([&] { return hashTypedData(doc); })) {
        fail("the JsonDocument and nlohmann::json paths hash differently");
      }
    }
    return 0;
  }

  FuzzedDataProvider provider(data + 1, size - 1);
  Grammar grammar(provider);
  json a, b;
  try {
    grammar.build(a, b);
  } catch (const TooBig&) {
    return 0;
  }
  std::string errorA, errorB;
  const auto hashA = hashOrError(a, &errorA);
  const auto hashB = hashOrError(b, &errorB);
  if (grammar.valid) {
    if (!hashA) fail("a well-typed, in-range document was refused", errorA + "\n  " + a.dump(-1, ' ', true, json::error_handler_t::replace));
    if (!hashB) fail("a well-typed, in-range document was refused", errorB + "\n  " + b.dump(-1, ' ', true, json::error_handler_t::replace));
    if (*hashA != *hashB) {
      fail("two spellings of the same document hash differently", a.dump(-1, ' ', true, json::error_handler_t::replace) + "\n  " + b.dump(-1, ' ', true, json::error_handler_t::replace));
    }
  } else if (hashA || hashB) {
    // Deliberately invalid values may sit in fields never encoded (none in
    // this grammar: every field is encoded), so this is a real finding.
    fail("a document with an out-of-range / ill-typed value was accepted",
         (hashA ? a : b).dump(-1, ' ', true, json::error_handler_t::replace));
  }
  return 0;
}
