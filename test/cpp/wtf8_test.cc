#include "wtf8.h"

#include <gtest/gtest.h>

namespace clawpay {
namespace {

TEST(Wtf8, RoundTripsUtf16WithLoneSurrogates) {
  std::u16string text = u"a\u00e9\u4e2d\U0001F600";
  text += char16_t(0xD800);
  text += u"x";
  text += char16_t(0xDFFF);
  std::string wtf8 = wtf8FromUtf16(text);
  EXPECT_EQ(wtf8, "a\xC3\xA9\xE4\xB8\xAD\xF0\x9F\x98\x80\xED\xA0\x80x\xED\xBF\xBF");
  EXPECT_TRUE(isValidWtf8(wtf8));
  EXPECT_FALSE(isValidUtf8(wtf8));
  EXPECT_EQ(utf16FromWtf8(wtf8), text);
}

TEST(Wtf8, PlainUtf8IsValidBoth) {
  EXPECT_TRUE(isValidUtf8("plain \xC3\xA9 \xF0\x9F\x98\x80"));
  EXPECT_TRUE(isValidWtf8("plain \xC3\xA9 \xF0\x9F\x98\x80"));
}

TEST(Wtf8, RefusesOverlongTruncatedOutOfRangeAndSplitPairs) {
  for (const char* bad : {"\xC0\x80", "\xE0\x80\x80", "\xF0\x80\x80\x80", "\xC3", "\xE4\xB8", "\xF4\x90\x80\x80",
                          "\xFF", "\x80", "\xED\xA0\x80\xED\xB0\x80" /* a pair spelled as two halves */}) {
    EXPECT_FALSE(isValidWtf8(bad)) << bad;
  }
}

}  // namespace
}  // namespace clawpay
