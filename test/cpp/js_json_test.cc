// JSON.stringify-exact string escaping and the strict flat-object reader.
#include "js_json.h"

#include <gtest/gtest.h>

namespace clawpay {
namespace {

std::string jsQuoted(std::string_view s) {
  std::string out;
  appendJsJsonString(out, s);
  return out;
}

TEST(JsJson, EscapesExactlyWhatJsonStringifyEscapes) {
  EXPECT_EQ(jsQuoted(""), R"("")");
  EXPECT_EQ(jsQuoted("a\"b\\c/d"), R"("a\"b\\c/d")");
  EXPECT_EQ(jsQuoted("\b\f\n\r\t"), R"("\b\f\n\r\t")");
  EXPECT_EQ(jsQuoted(std::string("\x00\x01\x1f\x7f", 4)), "\"\\u0000\\u0001\\u001f\x7f\"");
  // Non-ASCII stays raw, U+2028/2029 included (JSON.stringify does not escape them).
  EXPECT_EQ(jsQuoted("\xC3\xA9\xE2\x80\xA8\xF0\x9F\x98\x80"), "\"\xC3\xA9\xE2\x80\xA8\xF0\x9F\x98\x80\"");
  // Lone surrogates (WTF-8) become lowercase \u escapes.
  EXPECT_EQ(jsQuoted("\xED\xA0\x80x\xED\xBF\xBF"), R"("\ud800x\udfff")");
}

TEST(JsJson, ReadsFlatObjectsOfStringsAndSafeIntegers) {
  std::string error;
  auto o = parseFlatJsonObject(R"({"a":"x\u00e9\ud83d\ude00\ud800","b":-12,"c":9007199254740991})", error);
  ASSERT_TRUE(o) << error;
  ASSERT_EQ(o->size(), 3u);
  EXPECT_EQ(std::get<std::string>((*o)[0].second), "x\xC3\xA9\xF0\x9F\x98\x80\xED\xA0\x80");
  EXPECT_EQ(std::get<int64_t>((*o)[1].second), -12);
  EXPECT_EQ(std::get<int64_t>((*o)[2].second), kMaxSafeInteger);
  EXPECT_TRUE(parseFlatJsonObject("{}", error));
}

TEST(JsJson, RefusesRawSurrogatesSoNoPairCanBeSplitAcrossAnEscape) {
  // Found by review during fuzzing: "\ud800" + raw ED B0 80 used to come back
  // as a pair spelled as two halves, which is not WTF-8.
  for (const std::string& bad : {std::string("{\"a\":\"\\ud800\xED\xB0\x80\"}"),
                                std::string("{\"a\":\"\xED\xA0\x80\\udc00\"}"),
                                std::string("{\"a\":\"\xED\xA0\x80\"}")}) {
    std::string error;
    EXPECT_FALSE(parseFlatJsonObject(bad, error)) << bad;
    EXPECT_NE(error.find("invalid UTF-8"), std::string::npos) << error;
  }
  // Escaped, both halves of a pair combine and a lone one stays lone.
  std::string error;
  auto o = parseFlatJsonObject(R"({"a":"\ud800\udc00","b":"\ud800x"})", error);
  ASSERT_TRUE(o) << error;
  EXPECT_EQ(std::get<std::string>((*o)[0].second), "\xF0\x90\x80\x80");
  EXPECT_EQ(std::get<std::string>((*o)[1].second), "\xED\xA0\x80x");
}

TEST(JsJson, RefusesEverythingElseWithAReason) {
  for (const char* bad : {"", "{", "}", "[]", R"({"a":1,})", R"({"a":1} )", R"( {"a":1})", R"({"a" :1})",
                          R"({"a":1.5})", R"({"a":1e3})", R"({"a":9007199254740992})", R"({"a":true})",
                          R"({"a":null})", R"({"a":{"b":1}})", R"({"a":"\x"})", R"({"a":"\u12"})",
                          "{\"a\":\"\x01\"}", "{\"a\":\"\xff\"}", "{\"a\":\"\xC0\x80\"}", R"({"a":1,"a":2})",
                          R"({"a":-})", R"({a:1})", R"({"a":"unterminated})"}) {
    std::string error;
    EXPECT_FALSE(parseFlatJsonObject(bad, error)) << bad;
    EXPECT_FALSE(error.empty()) << bad;
  }
}

}  // namespace
}  // namespace clawpay
