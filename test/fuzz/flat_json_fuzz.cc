// libFuzzer target: the strict flat-JSON reader and JSON.stringify-style
// writer (js_json.h), base64url (base64url.h) and WTF-8 (wtf8.h).
//
// Properties beyond "no crash":
//  - parseFlatJsonObject: strings (keys and values) come back as WTF-8 (as
//    documented); re-serializing a parsed object with appendJsJsonString and
//    re-parsing gives the same keys and values; serialization is a fixed point;
//    integers are safe;
//  - base64url: an accepted text is the encoding of what it decodes to;
//    decode(encode(x)) == x;
//  - WTF-8: valid UTF-8 implies valid WTF-8; utf16FromWtf8 / wtf8FromUtf16
//    round-trip valid WTF-8 and arbitrary UTF-16; decoding code points and
//    re-appending them reproduces the text; appendJsJsonString of valid WTF-8
//    reads back as the same string.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base64url.h"
#include "js_json.h"
#include "wtf8.h"

using namespace clawpay;

namespace {

std::string_view g_input;

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "PROPERTY VIOLATION: %s\n  input (%zu bytes):", what, g_input.size());
  for (size_t i = 0; i < g_input.size() && i < 512; ++i) std::fprintf(stderr, " %02x", static_cast<uint8_t>(g_input[i]));
  std::fprintf(stderr, "\n");
  std::abort();
}

std::string serialize(const FlatJsonObject& object) {
  std::string out = "{";
  bool first = true;
  for (const auto& [key, value] : object) {
    if (!first) out += ',';
    first = false;
    appendJsJsonString(out, key);
    out += ':';
    if (const auto* s = std::get_if<std::string>(&value)) {
      appendJsJsonString(out, *s);
    } else {
      out += std::to_string(std::get<int64_t>(value));
    }
  }
  out += '}';
  return out;
}

void checkFlatJson(std::string_view text) {
  std::string error;
  const auto object = parseFlatJsonObject(text, error);
  if (!object) {
    if (error.empty()) fail("parseFlatJsonObject failed without an error message");
    return;
  }
  if (!error.empty()) fail("parseFlatJsonObject succeeded but set an error");
  for (const auto& [key, value] : *object) {
    if (!isValidWtf8(key)) fail("parsed key is not valid WTF-8");
    if (const auto* s = std::get_if<std::string>(&value)) {
      if (!isValidWtf8(*s)) fail("parsed string value is not valid WTF-8");
    } else {
      const int64_t n = std::get<int64_t>(value);
      if (n > kMaxSafeInteger || n < -kMaxSafeInteger) fail("parsed integer outside the safe range");
    }
  }
  const std::string written = serialize(*object);
  std::string error2;
  const auto reread = parseFlatJsonObject(written, error2);
  if (!reread) fail("re-serialized object does not parse");
  if (*reread != *object) fail("re-serialized object parses to different keys/values");
  if (serialize(*reread) != written) fail("serialization is not a fixed point");
}

void checkBase64(std::string_view text) {
  if (const auto decoded = base64UrlDecode(text)) {
    if (base64UrlEncode(asBytes(*decoded)) != text) fail("base64url: accepted text is not encode(decode(text))");
  }
  const std::string encoded = base64UrlEncode(asBytes(text));
  const auto back = base64UrlDecode(encoded);
  if (!back || *back != text) fail("base64url: decode(encode(x)) != x");
}

void checkWtf8(std::string_view text) {
  const bool wtf8 = isValidWtf8(text);
  const bool utf8 = isValidUtf8(text);
  if (utf8 && !wtf8) fail("valid UTF-8 but not valid WTF-8");
  if (wtf8) {
    std::string rebuilt;
    size_t pos = 0;
    bool surrogate = false;
    while (pos < text.size()) {
      const size_t before = pos;
      const int32_t c = nextWtf8CodePoint(text, pos);
      if (c < 0 || pos <= before) fail("nextWtf8CodePoint failed inside valid WTF-8");
      if (c >= 0xD800 && c <= 0xDFFF) surrogate = true;
      appendWtf8(rebuilt, static_cast<uint32_t>(c));
    }
    if (rebuilt != text) fail("code points re-appended differ from the text");
    if (utf8 == surrogate) fail("isValidUtf8 disagrees with the lone surrogates present");
    if (wtf8FromUtf16(utf16FromWtf8(text)) != text) fail("wtf8FromUtf16(utf16FromWtf8(x)) != x");
    std::string json = "{\"k\":";
    appendJsJsonString(json, text);
    json += '}';
    std::string error;
    const auto object = parseFlatJsonObject(json, error);
    if (!object || object->size() != 1 || !std::holds_alternative<std::string>((*object)[0].second) ||
        std::get<std::string>((*object)[0].second) != text) {
      fail("appendJsJsonString of valid WTF-8 does not read back as the same string");
    }
  } else {
    // Never emits raw invalid bytes.
    std::string json;
    appendJsJsonString(json, text);
    if (!isValidUtf8(json)) fail("appendJsJsonString emitted invalid UTF-8 for invalid input");
  }
  // Arbitrary UTF-16 (pairs of input bytes), lone surrogates included.
  std::u16string units;
  for (size_t i = 0; i + 1 < text.size(); i += 2) {
    units.push_back(static_cast<char16_t>(static_cast<uint8_t>(text[i]) | (static_cast<uint8_t>(text[i + 1]) << 8)));
  }
  const std::string fromUnits = wtf8FromUtf16(units);
  if (!isValidWtf8(fromUnits)) fail("wtf8FromUtf16 produced invalid WTF-8");
  if (utf16FromWtf8(fromUnits) != units) fail("utf16FromWtf8(wtf8FromUtf16(x)) != x");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  g_input = std::string_view(reinterpret_cast<const char*>(data), size);
  checkFlatJson(g_input);
  checkBase64(g_input);
  checkWtf8(g_input);
  return 0;
}
