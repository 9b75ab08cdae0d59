// The one place where a session meets a URL. A URL is normalized only in ways
// that cannot change what a fetch sends (case of scheme and host, default
// port, escapes of unreserved characters), and anything ambiguous is
// rejected: a rejected URL is covered by nothing, so a session token can
// never leak to a host or path it was not issued for.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clawpay {

enum class Scope { Prefix, Exact };

struct NormalizedUrl {
  std::string scheme;  // "http" or "https"
  std::string host;    // lowercase; IPv6 kept in brackets
  uint16_t port = 0;   // explicit or the scheme's default
  std::string path;    // starts with "/", no dot segments, escapes canonical
  std::optional<std::string> query;  // without "?", escapes canonical; fragment dropped

  // "https://host" or "https://host:8443": default ports omitted.
  std::string origin() const;
  // The same, appended to `out` (a caller that reuses a buffer allocates nothing).
  void appendOrigin(std::string& out) const;
  // origin + path ("prefix" index key).
  std::string prefixKey() const;
  // origin + path + ("?" + query) ("exact" index key).
  std::string exactKey() const;
  // Keys of every path this URL lies within, longest first: the path itself,
  // then each ancestor at a "/" boundary, with and without a trailing "/",
  // down to origin + "/". A prefix endpoint covers the URL exactly when its
  // prefixKey() is in this list.
  std::vector<std::string> prefixCandidates() const;
  // The same list without the origin, as views into `path` (valid while
  // this URL lives): what a per-origin index looks up without allocating.
  std::vector<std::string_view> prefixPaths() const;
};

// Calls visit(prefix) on each of prefixPaths(), longest first, without
// building the list; stops at the first visit that returns true, and says
// whether one did.
template <typename Visit>
bool forEachPrefixPath(std::string_view path, Visit&& visit) {
  for (size_t length = path.size(); length >= 1; --length) {
    if (length == path.size() || path[length - 1] == '/' || path[length] == '/') {
      if (visit(path.substr(0, length))) return true;
    }
  }
  return false;
}

// nullopt for anything that is not an absolute http(s) URL we can normalize
// unambiguously (userinfo, backslashes, whitespace or control characters,
// bad percent escapes, encoded "/" or "\" in the path, "." or ".." path
// segments in any spelling — URL parsers disagree on resolving them —
// non-ASCII or percent-encoded hosts, bad ports).
std::optional<NormalizedUrl> normalizeUrl(std::string_view url);

// Whether a session for (endpoint, scope) covers `url`. When both are
// already canonical (readCanonicalUrl) it compares views, else it is
// scopeCoversGenerally; the two agree on every input (test/cpp/canonical_url_view_test.cc).
bool scopeCovers(std::string_view endpoint, Scope scope, std::string_view url);
bool scopeCoversGenerally(std::string_view endpoint, Scope scope, std::string_view url);

// What SessionStore probes its index with for a request URL: origin()
// (origin index), path (prefix index, with its ancestors) and path + "?" +
// query when there is a query (exact index). Views into `url` itself when it
// is already canonical, else into `buffer`, which normalizeUrl's result is
// written into; nullopt when normalizeUrl refuses the URL. The general form
// is kept callable so that a test can hold the two to each other.
struct UrlLookupKeys {
  std::string_view origin;
  std::string_view path;
  std::string_view target;
};
std::optional<UrlLookupKeys> urlLookupKeys(std::string_view url, std::string& buffer);
std::optional<UrlLookupKeys> urlLookupKeysGenerally(std::string_view url, std::string& buffer);

// "prefix" / "exact"; nullopt otherwise.
std::optional<Scope> parseScope(std::string_view text);

}  // namespace clawpay
