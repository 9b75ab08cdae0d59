#include "json_document.h"

#include <gtest/gtest.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

namespace clawpay {
namespace {

using json = nlohmann::json;

// Empty when `value` holds exactly what `expected` holds (same types, same
// bits); otherwise where they differ.
std::string difference(const json& expected, const JsonValue& value, const std::string& where = "$") {
  auto mismatch = [&](const std::string& what) { return where + ": " + what; };
  switch (expected.type()) {
    case json::value_t::null:
      return value.type() == JsonType::Null ? "" : mismatch("expected null");
    case json::value_t::boolean:
      return value.type() == JsonType::Boolean && value.boolean() == expected.get<bool>() ? "" : mismatch("boolean");
    case json::value_t::number_unsigned:
      return value.type() == JsonType::Unsigned && value.unsignedValue() == expected.get<uint64_t>()
                 ? ""
                 : mismatch("unsigned " + expected.dump());
    case json::value_t::number_integer:
      return value.type() == JsonType::Integer && value.integerValue() == expected.get<int64_t>()
                 ? ""
                 : mismatch("integer " + expected.dump());
    case json::value_t::number_float: {
      double a = expected.get<double>();
      double b = value.type() == JsonType::Float ? value.floatValue() : 0;
      return value.type() == JsonType::Float && std::memcmp(&a, &b, sizeof a) == 0 ? "" : mismatch("float " + expected.dump());
    }
    case json::value_t::string:
      return value.isString() && value.string() == expected.get_ref<const std::string&>() ? "" : mismatch("string");
    case json::value_t::array: {
      if (!value.isArray() || value.size() != expected.size()) return mismatch("array of " + std::to_string(expected.size()));
      for (size_t i = 0; i < expected.size(); ++i) {
        std::string d = difference(expected[i], value.elements()[i], where + "[" + std::to_string(i) + "]");
        if (!d.empty()) return d;
      }
      return "";
    }
    case json::value_t::object: {
      if (!value.isObject() || value.size() != expected.size()) return mismatch("object of " + std::to_string(expected.size()));
      size_t i = 0;
      for (auto it = expected.begin(); it != expected.end(); ++it, ++i) {
        const JsonMember& m = value.members()[i];
        if (m.key != it.key()) return mismatch("key " + it.key() + " at member " + std::to_string(i));
        if (value.find(it.key()) != m.value) return mismatch("find(" + it.key() + ")");
        std::string d = difference(it.value(), *m.value, where + "." + it.key());
        if (!d.empty()) return d;
      }
      return "";
    }
    default:
      return mismatch("unexpected nlohmann type");
  }
}

// Both readers accept `text` or both refuse it; when accepted, equal trees,
// and the same tree again through fromJson.
void expectSameAsNlohmann(const std::string& text) {
  json expected = json::parse(text, nullptr, /*allow_exceptions=*/false);
  std::optional<JsonDocument> ours = JsonDocument::parse(text);
  std::string shown = text.size() > 200 ? text.substr(0, 200) + "..." : text;
  if (expected.is_discarded()) {
    EXPECT_FALSE(ours.has_value()) << "accepted what nlohmann refuses: " << shown;
    return;
  }
  ASSERT_TRUE(ours.has_value()) << "refused what nlohmann accepts: " << shown;
  EXPECT_EQ(difference(expected, ours->root()), "") << shown;
  JsonDocument converted = JsonDocument::fromJson(expected);
  EXPECT_EQ(difference(expected, converted.root()), "") << "fromJson: " << shown;
  EXPECT_EQ(toJson(ours->root()), expected) << shown;
}

TEST(JsonDocument, ReadsWhatNlohmannReadsOnEveryKindOfValidText) {
  for (const char* text : {
           "null", "true", "false", "0", "-0", "1", "-1", "0.0", "-0.0", "1.5", "1e5", "1E5", "1e+5", "1e-5",
           "12345678901234567890", "18446744073709551615", "18446744073709551616", "-9223372036854775808",
           "-9223372036854775809", "9007199254740993", "1e-400", "-1e-400", "4.9e-324", "2.4703282292062327e-324",
           "2.4703282292062328e-324", "1.7976931348623157e308", "0.1", "123.456e-7", "100000000000000000000000",
           "\"\"", "\"abc\"", R"("\"\\\/\b\f\n\r\t")", R"("\u0000\u001f\u007f\u0080\u00e9\u20ac")",
           R"("\ud83d\ude00")", R"("\uD83D\uDE00")", "\"\x7f\"", "\"é€😀\"", "\"\xc2\x80\xdf\xbf\"",
           "\"\xe0\xa0\x80\xef\xbf\xbf\"", "\"\xed\x9f\xbf\xee\x80\x80\"", "\"\xf0\x90\x80\x80\xf4\x8f\xbf\xbf\"",
           "[]", "{}", "[1,2,3]", " [ 1 , [ ] , { } ] ", "\t\n\r {\"a\" : 1}\n", R"({"b":1,"a":2,"c":[{"z":0,"y":1}]})",
           R"({"a":1,"a":2})", R"({"a":{"x":1},"b":0,"a":[2]})", R"({"k":1,"k":{"k":2,"k":3},"j":0})",
           R"({"\u0000bigint":"5"})", R"({"":0,"\u0000":1,"a":2,"é":3,"Z":4})", "\xef\xbb\xbf{}", "\xef\xbb\xbf 1",
           R"({"types":{"T":[{"name":"v","type":"uint8"}]},"primaryType":"T","domain":{},"message":{"v":1}})",
       }) {
    expectSameAsNlohmann(text);
  }
}

TEST(JsonDocument, RefusesWhatNlohmannRefuses) {
  for (std::string text : {
           "", " ", "nul", "tru", "truex", "nulll", "True", "NaN", "Infinity", "-Infinity", "01", "-01", "1.", ".5",
           "+1", "-", "1e", "1e+", "0x10", "1e400", "-1e400", "1 2", "[1,]", "[,1]", "{,}", "{\"a\"}", "{\"a\":}",
           "{\"a\" 1}", "{a:1}", "{\"a\":1,}", "[", "]", "{", "}", "[1", "{\"a\":1", "\"abc", "\"\\x\"", "\"\\u12\"",
           "\"\\u12g4\"", R"("\ud800")", R"("\udc00")", R"("\ud800\u0041")", R"("\ud800x")", R"("\ude00\ud83d")",
           "\"\x01\"", "\"\n\"", "\"\t\"", "\"\x80\"", "\"\xc0\x80\"", "\"\xc1\xbf\"", "\"\xe0\x80\x80\"",
           "\"\xe0\x9f\xbf\"", "\"\xed\xa0\x80\"", "\"\xed\xbf\xbf\"", "\"\xf0\x80\x80\x80\"", "\"\xf4\x90\x80\x80\"",
           "\"\xf5\x80\x80\x80\"", "\"\xff\"", "\"\xc2\"", "\"\xe2\x82\"", "\xef\xbb{}", "\xef{}", " \xef\xbb\xbf{}",
           "[1]x", "{}{}", "/*c*/1", "1//c",
       }) {
    expectSameAsNlohmann(text);
  }
  // nlohmann reads a NUL outside strings as the end of the input.
  for (std::string text : {std::string("[1]\0", 4), std::string("[1]\0xyz", 7), std::string("1\0", 2),
                           std::string("\0", 1), std::string("[1,\0]", 5), std::string("tr\0ue", 6),
                           std::string("1.\0", 3), std::string("\"a\0b\"", 5), std::string("{\"a\":1}\0}", 9)}) {
    expectSameAsNlohmann(text);
  }
}

TEST(JsonDocument, DeepNestingIsReadWithoutRecursion) {
  std::string arrays = std::string(100000, '[') + std::string(100000, ']');
  std::optional<JsonDocument> doc = JsonDocument::parse(arrays);
  ASSERT_TRUE(doc.has_value());
  const JsonValue* v = &doc->root();
  size_t depth = 0;
  while (v->isArray() && v->size() == 1) {
    v = &v->elements()[0];
    ++depth;
  }
  EXPECT_EQ(depth, 99999u);
  std::string objects;
  for (int i = 0; i < 50000; ++i) objects += "{\"a\":";
  objects += "1" + std::string(50000, '}');
  ASSERT_TRUE(JsonDocument::parse(objects).has_value());
  EXPECT_FALSE(JsonDocument::parse(std::string(100000, '[') + std::string(99999, ']')).has_value());
}

TEST(JsonDocument, LargeObjectsFindEveryMemberAndKeepTheLastOfARepeatedKey) {
  std::string text = "{";
  for (int i = 0; i < 300; ++i) text += "\"k" + std::to_string((i * 7919) % 300) + "\":" + std::to_string(i) + ",";
  text += "\"k5\":\"last\"}";
  expectSameAsNlohmann(text);
  std::optional<JsonDocument> doc = JsonDocument::parse(text);
  ASSERT_TRUE(doc.has_value());
  EXPECT_EQ(doc->root().find("k5")->string(), "last");
  EXPECT_EQ(doc->root().find("nope"), nullptr);
  EXPECT_EQ(doc->root().size(), 300u);
}

TEST(JsonDocument, TypeNamesAreNlohmanns) {
  for (const char* text : {"null", "true", "1", "-1", "1.5", "\"s\"", "[]", "{}"}) {
    EXPECT_STREQ(JsonDocument::parse(text)->root().typeName(), json::parse(text).type_name()) << text;
  }
}

// Random text near JSON: valid documents, then bytes flipped, dropped,
// doubled or swapped, so both readers meet every edge again and again.
TEST(JsonDocument, AgreesWithNlohmannOnRandomNearJsonText) {
  std::mt19937 rng(0x5eed712);
  const std::vector<std::string> pieces = {
      "{", "}", "[", "]", ",", ":", " ", "\n", "\"a\"", "\"b\"", "\"\\u0000bigint\"", "\"\\ud83d\\ude00\"", "\"\\ud800\"",
      "\"é\"", "\"\\n\"", "0", "-0", "1", "-7", "1.5", "2e3", "-1E-2", "18446744073709551616", "9223372036854775808",
      "-9223372036854775809", "true", "false", "null", "\"x\":", "\"a\":1", "\xef\xbb\xbf", "\"\xed\xa0\x80\"",
      "\"\xf0\x9f\x98\x80\"", "\x7f", "\\", "\"", "1e999", "0.", "01", std::string("\0", 1)};
  auto randomText = [&] {
    std::string text;
    int n = std::uniform_int_distribution<int>(1, 24)(rng);
    for (int i = 0; i < n; ++i) text += pieces[std::uniform_int_distribution<size_t>(0, pieces.size() - 1)(rng)];
    return text;
  };
  auto mutate = [&](std::string text) {
    if (text.empty()) return text;
    size_t at = std::uniform_int_distribution<size_t>(0, text.size() - 1)(rng);
    switch (std::uniform_int_distribution<int>(0, 3)(rng)) {
      case 0: text[at] = static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng)); break;
      case 1: text.erase(at, 1); break;
      case 2: text.insert(at, 1, text[at]); break;
      default: std::swap(text[at], text[std::uniform_int_distribution<size_t>(0, text.size() - 1)(rng)]); break;
    }
    return text;
  };
  const std::vector<std::string> valid = {
      R"({"types":{"EIP712Domain":[{"name":"name","type":"string"}],"M":[{"name":"a","type":"uint256[]"}]},"primaryType":"M","domain":{"name":"x"},"message":{"a":[1,{"\u0000bigint":"2"},"0x3"]}})",
      R"([{"k":[true,false,null,-0.5e-3,"\"\\\/\b\f\n\r\t"]},{},[]])",
      R"({"z":1,"a":{"z":[1,2,{"y":"é😀"}],"a":null},"m":"\ud83d\ude00"})",
  };
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string text = i % 2 == 0 ? randomText() : mutate(mutate(valid[i % valid.size()]));
    json expected = json::parse(text, nullptr, false);
    accepted += !expected.is_discarded();
    expectSameAsNlohmann(text);
    if (HasFailure()) return;
  }
  EXPECT_GT(accepted, 500) << "too few random texts were JSON to compare trees";
}

}  // namespace
}  // namespace clawpay
