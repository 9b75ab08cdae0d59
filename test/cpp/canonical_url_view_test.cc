// readCanonicalUrl, the fast path of scopeCovers and of SessionStore's
// lookup, against normalizeUrl and the general paths it stands in for: on
// URLs built from pieces of every kind and on byte mutations of them,
// whatever the view accepts normalizeUrl maps to itself with the same
// fields, and scopeCovers, the lookup keys and the store's answers are the
// same with and without the view.
#include "canonical_url_view.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "session_store.h"
#include "url_scope.h"

namespace clawpay {
namespace {

class UrlGen {
 public:
  explicit UrlGen(uint32_t seed) : rng_(seed) {}
  size_t below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  template <typename T>
  const T& pick(const std::vector<T>& items) { return items[below(items.size())]; }

  // Half the URLs are made of pieces in normalizeUrl's form only, half of
  // any pieces (mostly spellings it rewrites or refuses), so both outcomes
  // come up often.
  std::string url() {
    static const std::vector<std::string> schemes = {"https://", "http://", "HTTPS://", "Http://", "ftp://",
                                                     "https:/", "https:", "ws://", "httpss://"};
    canonical_ = below(2) == 0;
    const std::string scheme = canonical_ ? schemes[below(2)] : pick(schemes);
    return scheme + host() + port() + path() + query() + fragment();
  }

  std::string host() {
    static const std::vector<std::string> labels = {
        "api", "example", "com", "x-y", "a_b", "v1", "io", "localhost", "xn--e1a", "-", "_",
        "API", "Example", "123", "0x1f", "0X1F", "1", "0x", "a%41", "\xc3\xa9", "ex@mple", ""};
    static const std::vector<std::string> literals = {
        "127.0.0.1", "1.2.3.4", "0127.0.0.1", "1.2.3", "2130706433", "[::1]", "[2001:DB8::1]",
        "[::ffff:1.2.3.4]", "user@api.example.com", "@api.example.com", "api.example.com.",
        ".api.example.com", "api..example.com", "[::1", "api.example.com\\"};
    if (!canonical_ && below(4) == 0) return pick(literals);
    std::string out;
    for (size_t n = 1 + below(3); n > 0; --n) {
      out += canonical_ || below(3) ? labels[below(10)] : pick(labels);
      if (n > 1) out.push_back('.');
    }
    return out;
  }

  std::string port() {
    static const std::vector<std::string> ports = {
        "", "", "", ":8443", ":8080", ":1", ":65535", ":443", ":80", ":08443", ":0", ":00", ":",
        ":65536", ":99999", ":123456", ":8a", ":+1", ":-1"};
    return ports[below(canonical_ ? 7 : ports.size())];
  }

  std::string path() {
    static const std::vector<std::string> plain = {"v1", "items", "search", "42", "", "a;b", "~x", "x.json",
                                                   ".x", "..x", "x.", "...", "!$&'()*+,=", ":", "@", "[x]",
                                                   "^", "|", "A", "a-b_c"};
    static const std::vector<std::string> other = {
        ".", "..", "..;x", ".;", "..%3B", ".%3b", "%2e", "%2E%2e", ".%2E", "a%41", "%7e", "%7E", "%41",
        "%2F", "%2f", "%5c", "%5C", "%zz", "%", "%4", "%20", "%25", "%e9", "\xc3\xa9", "\"", "<", ">",
        "`", "{", "}", "\\", " ", "\t", "\x7f", "\x01"};
    if (!canonical_ && below(6) == 0) return "";  // no path at all: normalizeUrl writes "/"
    std::string out;
    for (size_t n = 1 + below(4); n > 0; --n) {
      out.push_back('/');
      out += canonical_ || below(2) ? pick(plain) : pick(other);
    }
    return out;
  }

  std::string query() {
    static const std::vector<std::string> queries = {
        "", "", "", "?", "?q=x402", "?page=2&a=b", "?x?y", "?a/b", "?`{}|^", "?~!$()*+,;=:@",
        "?a=%41", "?%7e", "?%zz", "?'", "?\"", "?<>", "?\xc3\xa9", "?a b", "?a\\b"};
    return queries[below(canonical_ ? 10 : queries.size())];
  }

  std::string fragment() {
    static const std::vector<std::string> fragments = {"", "", "", "", "", "", "#", "#frag", "#%zz", "#a#b"};
    return canonical_ ? "" : pick(fragments);
  }

  // A byte changed, inserted or removed, or a case flipped.
  std::string mutate(std::string s) {
    static const std::string bytes = "/?#%.:;@[]\\ Aa0-_~\x80\xff";
    if (s.empty()) return s;
    const size_t at = below(s.size());
    switch (below(4)) {
      case 0:
        s[at] = below(2) ? bytes[below(bytes.size())] : static_cast<char>(below(256));
        break;
      case 1:
        s.insert(s.begin() + static_cast<std::ptrdiff_t>(at), bytes[below(bytes.size())]);
        break;
      case 2:
        s.erase(at, 1);
        break;
      default:
        if (s[at] >= 'a' && s[at] <= 'z') s[at] = static_cast<char>(s[at] - 'a' + 'A');
        else if (s[at] >= 'A' && s[at] <= 'Z') s[at] = static_cast<char>(s[at] - 'A' + 'a');
        break;
    }
    return s;
  }

 private:
  std::mt19937 rng_;
  bool canonical_ = false;
};

bool isDigitsAndDots(std::string_view host) {
  return host.find_first_not_of("0123456789.") == std::string_view::npos;
}

struct Counts {
  size_t accepted = 0, refused = 0, refusedFixedPoints = 0;
};

// Holds the view to normalizeUrl on `url`: an accepted URL is one that
// normalizeUrl maps to itself, field by field; a refused one that
// normalizeUrl maps to itself is one of the forms left to it on purpose
// (IPv4 and IPv6 hosts, a trailing dot, port 0, canonical escapes).
void expectViewAgrees(const std::string& url, Counts& counts) {
  const auto view = readCanonicalUrl(url);
  const auto n = normalizeUrl(url);
  if (view) {
    ++counts.accepted;
    ASSERT_TRUE(n) << url;
    EXPECT_EQ(n->exactKey(), url);
    EXPECT_EQ(view->scheme, n->scheme) << url;
    EXPECT_EQ(view->host, n->host) << url;
    EXPECT_EQ(view->port, n->port) << url;
    EXPECT_EQ(view->path, n->path) << url;
    EXPECT_EQ(view->query.has_value(), n->query.has_value()) << url;
    if (view->query && n->query) EXPECT_EQ(*view->query, *n->query) << url;
    EXPECT_EQ(view->origin, n->origin()) << url;
    EXPECT_EQ(std::string(view->origin) + std::string(view->target), url);
    return;
  }
  ++counts.refused;
  if (n && n->exactKey() == url) {
    ++counts.refusedFixedPoints;
    EXPECT_TRUE(n->host.front() == '[' || n->host.back() == '.' || isDigitsAndDots(n->host) || n->port == 0 ||
                url.find('%') != std::string::npos)
        << "a URL in normalizeUrl's form that the view refuses: " << url;
  }
}

void expectSameKeys(const std::string& url) {
  std::string fastBuffer, generalBuffer;
  const auto fast = urlLookupKeys(url, fastBuffer);
  const auto general = urlLookupKeysGenerally(url, generalBuffer);
  ASSERT_EQ(fast.has_value(), general.has_value()) << url;
  if (!fast) return;
  EXPECT_EQ(fast->origin, general->origin) << url;
  EXPECT_EQ(fast->path, general->path) << url;
  EXPECT_EQ(fast->target, general->target) << url;
}

// Returns whether the pair took the fast path.
bool expectSameCoverage(const std::string& endpoint, const std::string& url, size_t& covered) {
  for (Scope scope : {Scope::Prefix, Scope::Exact}) {
    const bool fast = scopeCovers(endpoint, scope, url);
    EXPECT_EQ(fast, scopeCoversGenerally(endpoint, scope, url))
        << (scope == Scope::Exact ? "exact " : "prefix ") << endpoint << " / " << url;
    covered += fast;
  }
  return readCanonicalUrl(endpoint) && readCanonicalUrl(url);
}

// An endpoint related to `url`: itself, a cut of it, or its normalized form
// cut, so that coverage comes out both ways.
std::string relatedEndpoint(UrlGen& gen, const std::string& url) {
  switch (gen.below(4)) {
    case 0:
      return url;
    case 1:
      return url.substr(0, gen.below(url.size() + 1));
    case 2: {
      const auto n = normalizeUrl(url);
      if (!n) return url;
      const std::string key = gen.below(2) ? n->exactKey() : n->prefixKey();
      const size_t origin = n->origin().size();
      return key.substr(0, origin + gen.below(key.size() - origin + 1));
    }
    default:
      return gen.mutate(url);
  }
}

TEST(CanonicalUrlView, AgreesWithNormalizeUrlOnRandomAndMutatedUrls) {
  UrlGen gen(20261207);
  Counts counts;
  size_t fastPairs = 0, generalPairs = 0, covered = 0, pairs = 0;
  for (int i = 0; i < 40000 && !::testing::Test::HasFailure(); ++i) {
    std::string url = gen.url();
    if (gen.below(3) == 0) {
      for (size_t edits = 1 + gen.below(2); edits > 0; --edits) url = gen.mutate(url);
    }
    expectViewAgrees(url, counts);
    expectSameKeys(url);
    const std::string endpoint = relatedEndpoint(gen, url);
    (expectSameCoverage(endpoint, url, covered) ? fastPairs : generalPairs)++;
    pairs += 2;
  }
  // Both outcomes, many times over.
  EXPECT_GT(counts.accepted, 8000u);
  EXPECT_GT(counts.refused, 8000u);
  EXPECT_GT(fastPairs, 4000u);
  EXPECT_GT(generalPairs, 4000u);
  EXPECT_GT(covered, pairs / 10);
  EXPECT_LT(covered, pairs - pairs / 10);
  // The forms left to normalizeUrl on purpose are exercised too.
  EXPECT_GT(counts.refusedFixedPoints, 20u);
  std::printf("view accepted %zu, refused %zu (of which %zu in normalizeUrl's form); pairs fast %zu, general %zu; "
              "covered %zu of %zu\n", counts.accepted, counts.refused, counts.refusedFixedPoints, fastPairs,
              generalPairs, covered, pairs);
}

// Every byte at every position of a canonical URL: each one is judged by
// the view as normalizeUrl judges it.
TEST(CanonicalUrlView, EveryByteAtEveryPosition) {
  const std::string base = "https://api.ex-a_mple.com:8443/v1/.x/a;b/~?q=1&r=/?s";
  Counts counts;
  size_t covered = 0;
  for (size_t at = 0; at < base.size(); ++at) {
    for (int byte = 0; byte < 256; ++byte) {
      std::string url = base;
      url[at] = static_cast<char>(byte);
      expectViewAgrees(url, counts);
      expectSameKeys(url);
      expectSameCoverage(base, url, covered);
      expectSameCoverage(url, base, covered);
    }
  }
  EXPECT_GT(counts.accepted, 1000u);
  EXPECT_GT(counts.refused, 1000u);
}

TEST(CanonicalUrlView, AcceptsTheUsualFormsAndRefusesEachRewrittenOne) {
  const auto view = readCanonicalUrl("https://api.example.com:8443/v1/search?q=x402");
  ASSERT_TRUE(view);
  EXPECT_EQ(view->origin, "https://api.example.com:8443");
  EXPECT_EQ(view->scheme, "https");
  EXPECT_EQ(view->host, "api.example.com");
  EXPECT_EQ(view->port, 8443);
  EXPECT_EQ(view->path, "/v1/search");
  EXPECT_EQ(view->query, "q=x402");
  EXPECT_EQ(view->target, "/v1/search?q=x402");
  for (const char* url : {"http://localhost/", "https://a/?", "https://a//", "https://a/..x/.x/x..",
                          "https://a:1/", "http://a:443/", "https://a:80/"}) {
    EXPECT_TRUE(readCanonicalUrl(url)) << url;
  }
  for (const char* url : {"HTTPS://a/", "https://A/", "https://a", "https://a?q", "https://a:443/",
                          "http://a:80/", "https://a:0443/", "https://a:0/", "https://a:/", "https://a./",
                          "https://1.2.3.4/", "https://a.0x1f/", "https://[::1]/", "https://a/%41",
                          "https://a/%2F", "https://a/./", "https://a/../", "https://a/..;x", "https://a/.;",
                          "https://a/#", "https://a/x#y", "https://a/\xc3\xa9", "https://a/?'", "https://u@a/",
                          "https://a/\\", "https://a/ ", "https://a..b/", "https://.a/"}) {
    EXPECT_FALSE(readCanonicalUrl(url)) << url;
  }
}

TEST(CanonicalUrlView, LimitsAreNormalizeUrlsLimits) {
  // 128 segments pass, 129 do not; 4096 path bytes pass, 4097 do not.
  std::string segments = "https://a.test";
  for (int i = 0; i < 128; ++i) segments += "/s";
  EXPECT_TRUE(readCanonicalUrl(segments));
  EXPECT_FALSE(readCanonicalUrl(segments + "/s"));
  const std::string path = "https://a.test/" + std::string(4095, 'p');
  EXPECT_TRUE(readCanonicalUrl(path));
  EXPECT_FALSE(readCanonicalUrl(path + "p"));
  const std::string longQuery = "https://a.test/?" + std::string(16 * 1024 - 16, 'q');
  EXPECT_TRUE(readCanonicalUrl(longQuery));
  EXPECT_FALSE(readCanonicalUrl(longQuery + "q"));
  for (const std::string& url : {segments, segments + "/s", path, path + "p", longQuery, longQuery + "q"}) {
    EXPECT_EQ(normalizeUrl(url).has_value(), readCanonicalUrl(url).has_value());
  }
}

nlohmann::json sessionRecord(const std::string& id, const std::string& endpoint, const char* scope,
                             int64_t expiresAt) {
  return {{"sessionId", id}, {"endpoint", endpoint}, {"scope", scope}, {"walletAddress", "0x00"},
          {"createdAt", 0}, {"expiresAt", expiresAt}, {"paymentTxHash", "0x"}, {"paymentAmount", "1"},
          {"paymentToken", "0x"}, {"paymentRecipient", "0x"}, {"sessionToken", "t"}, {"signature", "0x"},
          {"callCount", 0}, {"lastUsedAt", 0}};
}

// A spelling of a URL in normalizeUrl's form that it rewrites to the same
// URL, so the store reads it the general way.
std::string respelled(UrlGen& gen, const std::string& url) {
  const size_t colon = url.find(':');
  switch (gen.below(3)) {
    case 0:  // scheme case
      return "HTTP" + url.substr(4);
    case 1: {  // the default port written out
      const size_t hostEnd = url.find('/', colon + 3);
      if (url.find(':', colon + 1) < hostEnd) return "HTTP" + url.substr(4);
      return url.substr(0, hostEnd) + (url[4] == 's' ? ":443" : ":80") + url.substr(hostEnd);
    }
    default: {  // an unreserved character of the path escaped
      const size_t hostEnd = url.find('/', colon + 3);
      const size_t at = url.find_first_of("abcdefghijklmnopqrstuvwxyz", hostEnd);
      if (at == std::string::npos || url.find('?') < at) return "HTTP" + url.substr(4);
      char escape[4];
      std::snprintf(escape, sizeof escape, "%%%02X", static_cast<unsigned>(url[at]));
      return url.substr(0, at) + escape + url.substr(at + 1);
    }
  }
}

// The store's answers with the view (a URL in normalizeUrl's form) and
// without it (another spelling of the same URL), among sessions whose
// endpoints share hosts and paths with the URLs so that lookups hit.
TEST(CanonicalUrlView, StoreFindsTheSameSessionWithAndWithoutTheView) {
  UrlGen gen(7);
  SessionStore store;
  std::vector<std::string> endpoints;
  for (int i = 0; i < 3000; ++i) {
    const std::string url = gen.url();
    if (!normalizeUrl(url)) continue;
    const std::string endpoint = relatedEndpoint(gen, url);
    const char* scope = gen.below(4) == 0 ? "exact" : "prefix";
    if (!normalizeUrl(endpoint)) continue;
    try {
      store.add(sessionRecord("s" + std::to_string(i), endpoint, scope, 100 + static_cast<int64_t>(gen.below(100))));
    } catch (const std::exception&) {  // text JSON cannot carry (not UTF-8)
      continue;
    }
    endpoints.push_back(url);
  }
  size_t viewed = 0, found = 0, missed = 0;
  for (int i = 0; i < 20000 && !::testing::Test::HasFailure(); ++i) {
    // Requests near the endpoints: one of them, cut or extended.
    std::string url = endpoints[gen.below(endpoints.size())];
    if (gen.below(2)) url = url.substr(0, gen.below(url.size() + 1));
    if (gen.below(2)) url += gen.path() + gen.query();
    if (gen.below(4) == 0) url = gen.mutate(url);
    const auto n = normalizeUrl(url);
    if (!n) continue;
    const std::string canonical = n->exactKey();
    if (!readCanonicalUrl(canonical)) continue;  // a form left to normalizeUrl
    ++viewed;
    const std::string other = respelled(gen, canonical);
    ASSERT_FALSE(readCanonicalUrl(other)) << other;
    const int64_t now = 100 + static_cast<int64_t>(gen.below(100));
    const auto fast = store.findJsonForUrl(canonical, now, false);
    const auto general = store.findJsonForUrl(other, now, false);
    ASSERT_EQ(fast.has_value(), general.has_value()) << canonical << " / " << other;
    if (fast) EXPECT_EQ(fast->revision, general->revision) << canonical << " / " << other;
    (fast ? found : missed)++;
  }
  EXPECT_GT(viewed, 5000u);
  EXPECT_GT(found, 1000u);
  EXPECT_GT(missed, 1000u);
  std::printf("store lookups %zu: found %zu, missed %zu\n", viewed, found, missed);
}

}  // namespace
}  // namespace clawpay
