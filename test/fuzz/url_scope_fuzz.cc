// libFuzzer target: normalizeUrl / scopeCovers. The input is split at its
// first 0x00 byte into (endpoint, url); without one, both are the input.
//
// Properties beyond "no crash":
//  - normalization is idempotent: normalizeUrl(n.exactKey()) accepts and
//    gives the same exactKey() / prefixKey() / origin();
//  - an accepted URL's host holds no '@', '\\', '%', whitespace or control
//    characters, its path starts with '/', its prefixCandidates() run from
//    prefixKey() down to origin() + "/";
//  - scopeCovers(e, Prefix, u) == (normalize(e).prefixKey() is in
//    normalize(u).prefixCandidates()), which is how SessionStore indexes;
//  - scopeCovers(e, Exact, u) == (normalize(e).exactKey() == normalize(u).exactKey());
//  - a URL covered by a prefix endpoint has the endpoint's origin();
//  - the fast path: whatever readCanonicalUrl accepts, normalizeUrl maps to
//    itself with the same fields; scopeCovers == scopeCoversGenerally and
//    urlLookupKeys == urlLookupKeysGenerally on every input.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "canonical_url_view.h"
#include "url_scope.h"

using namespace clawpay;

namespace {

std::string_view g_endpoint, g_url;

[[noreturn]] void fail(const char* what, std::string_view detail = {}) {
  std::fprintf(stderr, "PROPERTY VIOLATION: %s\n  endpoint: %.*s\n  url: %.*s\n  detail: %.*s\n", what,
               static_cast<int>(g_endpoint.size()), g_endpoint.data(), static_cast<int>(g_url.size()),
               g_url.data(), static_cast<int>(detail.size()), detail.data());
  std::abort();
}

void checkOne(std::string_view input, const std::optional<NormalizedUrl>& n) {
  if (!n) return;
  for (char ch : n->host) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '@' || c == '\\' || c == '%' || c <= 0x20 || c == 0x7F) fail("accepted host holds a forbidden byte", n->host);
  }
  if (n->host.empty()) fail("accepted URL with an empty host", input);
  if (n->scheme != "http" && n->scheme != "https") fail("scheme is not http(s)", n->scheme);
  if (n->path.empty() || n->path[0] != '/') fail("path does not start with '/'", n->path);
  const std::string exact = n->exactKey();
  const auto again = normalizeUrl(exact);
  if (!again) fail("normalizeUrl rejects its own exactKey()", exact);
  if (again->exactKey() != exact) fail("normalization is not idempotent (exactKey)", again->exactKey());
  if (again->prefixKey() != n->prefixKey()) fail("normalization is not idempotent (prefixKey)", again->prefixKey());
  if (again->origin() != n->origin()) fail("normalization is not idempotent (origin)", again->origin());
  if (again->port != n->port || again->host != n->host || again->scheme != n->scheme || again->query != n->query) {
    fail("normalization is not idempotent (fields)", exact);
  }
  const auto candidates = n->prefixCandidates();
  if (candidates.empty() || candidates.front() != n->prefixKey()) fail("first prefix candidate is not prefixKey()", exact);
  if (candidates.back() != n->origin() + "/") fail("last prefix candidate is not origin/", exact);
  for (const auto& c : candidates) {
    if (c.compare(0, n->origin().size(), n->origin()) != 0) fail("prefix candidate outside the origin", c);
  }
}

// readCanonicalUrl against normalizeUrl, and the lookup keys with and
// without it.
void checkView(std::string_view input, const std::optional<NormalizedUrl>& n) {
  const auto view = readCanonicalUrl(input);
  if (view) {
    if (!n) fail("the canonical view accepts what normalizeUrl refuses", input);
    if (n->exactKey() != input) fail("the canonical view accepts a URL normalizeUrl rewrites", n->exactKey());
    if (view->scheme != n->scheme || view->host != n->host || view->port != n->port || view->path != n->path ||
        view->query.has_value() != n->query.has_value() || (view->query && *view->query != *n->query) ||
        view->origin != n->origin()) {
      fail("the canonical view's fields differ from normalizeUrl's", input);
    }
  }
  std::string fastBuffer, generalBuffer;
  const auto fast = urlLookupKeys(input, fastBuffer);
  const auto general = urlLookupKeysGenerally(input, generalBuffer);
  if (fast.has_value() != general.has_value()) fail("urlLookupKeys accepts differently with the view", input);
  if (fast && (fast->origin != general->origin || fast->path != general->path || fast->target != general->target)) {
    fail("urlLookupKeys gives other keys with the view", input);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const size_t zero = input.find('\0');
  g_endpoint = zero == std::string_view::npos ? input : input.substr(0, zero);
  g_url = zero == std::string_view::npos ? input : input.substr(zero + 1);

  const auto e = normalizeUrl(g_endpoint);
  const auto u = normalizeUrl(g_url);
  checkOne(g_endpoint, e);
  checkOne(g_url, u);
  checkView(g_endpoint, e);
  checkView(g_url, u);

  const bool prefix = scopeCovers(g_endpoint, Scope::Prefix, g_url);
  bool viaIndex = false;
  if (e && u) {
    const auto candidates = u->prefixCandidates();
    viaIndex = std::find(candidates.begin(), candidates.end(), e->prefixKey()) != candidates.end();
  }
  if (prefix != viaIndex) fail(prefix ? "scopeCovers(prefix) but not via prefixCandidates" : "prefixCandidates match but not scopeCovers(prefix)");
  if (prefix && e->origin() != u->origin()) fail("prefix-covered URL with another origin");

  const bool exact = scopeCovers(g_endpoint, Scope::Exact, g_url);
  const bool exactViaIndex = e && u && e->exactKey() == u->exactKey();
  if (exact != exactViaIndex) fail("scopeCovers(exact) disagrees with exactKey() equality");
  if (exact && !prefix) fail("exact-covered but not prefix-covered");
  if (prefix != scopeCoversGenerally(g_endpoint, Scope::Prefix, g_url)) fail("scopeCovers(prefix) differs with the view");
  if (exact != scopeCoversGenerally(g_endpoint, Scope::Exact, g_url)) fail("scopeCovers(exact) differs with the view");
  // A URL always covers itself.
  if (u && !scopeCovers(g_url, Scope::Exact, g_url)) fail("an accepted URL does not cover itself (exact)");
  return 0;
}
