// The one-pass canonical reader against the general reading it replaces on
// the verify path (flat parse + fields + rebuild-and-compare): over random
// payloads and mutations of their text, both accept the same texts and give
// the same payload.
#include "canonical_session_reader.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "error.h"
#include "js_json.h"
#include "session_token.h"
#include "url_scope.h"

namespace clawpay {
namespace {

bool samePayload(const SessionTokenPayload& a, const SessionTokenPayload& b) {
  return a.version == b.version && a.sessionId == b.sessionId && a.walletAddress == b.walletAddress &&
         a.endpoint == b.endpoint && a.scope == b.scope && a.createdAt == b.createdAt &&
         a.expiresAt == b.expiresAt && a.paymentTxHash == b.paymentTxHash &&
         a.paymentAmount == b.paymentAmount;
}

// Holds both readers to each other on `text`; returns whether they accepted.
bool expectSameVerdict(const std::string& text) {
  SessionTokenPayload fast;
  bool fastAccepts = readCanonicalSessionJson(text, fast) && parseScope(fast.scope);
  bool generalAccepts = true;
  SessionTokenPayload general;
  try {
    general = readSessionJsonGenerally(text);
  } catch (const Error&) {
    generalAccepts = false;
  }
  EXPECT_EQ(fastAccepts, generalAccepts) << text;
  if (fastAccepts && generalAccepts) EXPECT_TRUE(samePayload(fast, general)) << text;
  return generalAccepts;
}

class Gen {
 public:
  explicit Gen(uint32_t seed) : rng_(seed) {}
  size_t below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  // WTF-8 text from pieces that exercise every escape rule.
  std::string text() {
    static const std::vector<std::string> pieces = {
        "a", "Z", "0", "/", " ", "~", "\x7f", "\"", "\\", "\b", "\f", "\n", "\r", "\t",
        std::string(1, '\0'), "\x01", "\x1f", "\xc3\xa9", "\xe2\x80\xa8", "\xef\xbf\xbf",
        "\xf0\x9f\x98\x80", "\xed\xa0\x80" /* lone high */, "\xed\xbf\xbf" /* lone low */,
        "https://api.example.com/v1", "clawpay/1.1"};
    std::string out;
    size_t n = below(6);
    for (size_t i = 0; i < n; ++i) {
      const std::string& piece = pieces[below(pieces.size())];
      // A high then a low surrogate written apart is not WTF-8; skip the low.
      if (piece == "\xed\xbf\xbf" && out.size() >= 3 && out.compare(out.size() - 3, 2, "\xed\xa0") == 0)
        continue;
      out += piece;
    }
    return out;
  }

  int64_t integer() {
    static const std::vector<int64_t> edges = {0, 1, -1, 9, 10, kMaxSafeInteger, -kMaxSafeInteger,
                                               1708538400};
    if (below(2)) return edges[below(edges.size())];
    return std::uniform_int_distribution<int64_t>(-kMaxSafeInteger, kMaxSafeInteger)(rng_);
  }

  SessionTokenPayload payload() {
    SessionTokenPayload p;
    p.version = below(2) ? "clawpay/1.1" : text();
    p.sessionId = text();
    p.walletAddress = text();
    p.endpoint = text();
    p.scope = below(4) ? (below(2) ? "prefix" : "exact") : text();
    p.createdAt = integer();
    p.expiresAt = integer();
    p.paymentTxHash = text();
    p.paymentAmount = text();
    return p;
  }

  // A small edit of canonical text, biased toward spellings a lax reader
  // would take for the same payload.
  std::string mutate(std::string s) {
    static const std::vector<std::pair<std::string, std::string>> swaps = {
        {"/", "\\/"}, {"\\n", "\\u000a"}, {"\\b", "\\u0008"}, {"\\u001f", "\\u001F"},
        {"\\ud800", "\\uD800"}, {"\xc3\xa9", "\\u00e9"}, {"a", "\\u0061"},
        {"\xf0\x9f\x98\x80", "\\ud83d\\ude00"}, {"\xf0\x9f\x98\x80", "\\ud83d\\uDE00"},
        {"\xf0\x9f\x98\x80", "\\ud83d\xed\xb8\x80"}, {":1", ":01"}, {":0", ":-0"}, {":", ": "},
        {",", " ,"}, {"}", "} "}, {"{", " {"}, {"\"createdAt\"", "\"createdAt\":0,\"createdAt\""},
        {"\"scope\"", "\"Scope\""}, {"\\\\", "\\"}, {"\\\"", "\""}, {"\t", "\\t"},
        {"\x01", "\\u0001"}, {"\\u0001", "\x01"}, {"9007199254740991", "9007199254740992"},
        {"\xed\xa0\x80", "\\ud800"}, {"\\ud800", "\xed\xa0\x80"}, {"\"", "'"}};
    switch (below(5)) {
      case 0: {  // a byte changed
        if (!s.empty()) s[below(s.size())] = static_cast<char>(below(256));
        return s;
      }
      case 1: {  // a byte removed
        if (!s.empty()) s.erase(below(s.size()), 1);
        return s;
      }
      case 2: {  // two fields swapped (key order)
        size_t a = s.find(",\"endpoint\""), b = s.find(",\"expiresAt\""), c = s.find(",\"paymentAmount\"");
        if (a != std::string::npos && b != std::string::npos && c != std::string::npos)
          return s.substr(0, a) + s.substr(b, c - b) + s.substr(a, b - a) + s.substr(c);
        return s;
      }
      default: {  // one spelling swapped for another
        const auto& [from, to] = swaps[below(swaps.size())];
        size_t at = s.find(from);
        if (at != std::string::npos) s.replace(at, from.size(), to);
        return s;
      }
    }
  }

 private:
  std::mt19937 rng_;
};

TEST(CanonicalSessionReader, AgreesWithTheGeneralReadingOnRandomAndMutatedText) {
  Gen gen(20261207);
  size_t accepted = 0, refused = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string canonical = canonicalSessionJson(gen.payload());
    (expectSameVerdict(canonical) ? accepted : refused)++;
    std::string mutated = canonical;
    for (size_t edits = 1 + gen.below(3); edits > 0; --edits) mutated = gen.mutate(mutated);
    (expectSameVerdict(mutated) ? accepted : refused)++;
    if (::testing::Test::HasFailure()) break;
  }
  // Both outcomes are exercised, not just one.
  EXPECT_GT(accepted, 5000u);
  EXPECT_GT(refused, 5000u);
}

TEST(CanonicalSessionReader, RefusesEachNonCanonicalSpelling) {
  SessionTokenPayload p;
  p.version = "clawpay/1.1";
  p.sessionId = std::string("a/\x01\xed\xa0\x80", 6);
  p.walletAddress = "0xabc";
  p.endpoint = "https://x.test/";
  p.scope = "exact";
  p.createdAt = 10;
  p.expiresAt = -5;
  p.paymentTxHash = "\xf0\x9f\x98\x80";
  p.paymentAmount = "1";
  std::string canonical = canonicalSessionJson(p);
  SessionTokenPayload read;
  ASSERT_TRUE(readCanonicalSessionJson(canonical, read));
  EXPECT_TRUE(samePayload(read, p));
  auto refuses = [&](const std::string& from, const std::string& to) {
    std::string s = canonical;
    size_t at = s.find(from);
    ASSERT_NE(at, std::string::npos) << from;
    s.replace(at, from.size(), to);
    SessionTokenPayload out;
    EXPECT_FALSE(readCanonicalSessionJson(s, out)) << s;
    expectSameVerdict(s);
  };
  refuses("a/", "a\\/");
  refuses("\\u0001", "\x01");
  refuses("\\u0001", "\\u0001\\u0041");
  refuses("\\u0001", "\\u0001\\u007f");
  refuses("\\u0001", "\\u0001\\u000a");
  refuses("exact", "ex\\u0061ct");
  refuses("https", "\\u0068ttps");
  refuses("\\ud800", "\\uD800");
  refuses("\\ud800", "\xed\xa0\x80");
  refuses("\xf0\x9f\x98\x80", "\\ud83d\\ude00");
  refuses(":10", ":010");
  refuses(":-5", ":-05");
  refuses(":10", ":10.0");
  refuses(":10", ":1e1");
  refuses(":10", ":9007199254740992");
  refuses("{", "{ ");
  refuses("}", "},");
}

// Plain ASCII is skipped 8 bytes a step: every byte value at every position
// of a long run (and of the chunk straddling its end) is judged as the
// general reading judges it.
TEST(CanonicalSessionReader, EveryByteAtEveryPositionOfALongRun) {
  SessionTokenPayload p;
  p.version = "clawpay/1.1";
  p.sessionId = std::string(21, 'a');
  p.walletAddress = "0x";
  p.endpoint = "https://x.test/";
  p.scope = "prefix";
  p.paymentTxHash = "0x";
  p.paymentAmount = "1";
  const std::string canonical = canonicalSessionJson(p);
  const size_t start = canonical.find("aaaa");
  for (int byte = 0; byte < 256; ++byte) {
    for (size_t at = start; at < start + 22; ++at) {
      std::string s = canonical;
      s[at] = static_cast<char>(byte);
      expectSameVerdict(s);
    }
  }
}

}  // namespace
}  // namespace clawpay
