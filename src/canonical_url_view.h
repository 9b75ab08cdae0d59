// A URL already in normalizeUrl's output form, read as views into it: the
// verify and lookup paths almost always see such URLs (a token's endpoint was
// normalized when the session was made, and clients request what fetch
// sends), and reading one needs no allocation and a single pass.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace clawpay {

struct CanonicalUrlView {
  std::string_view origin;  // "https://host[:port]": what NormalizedUrl::origin() writes
  std::string_view scheme;  // "http" or "https"
  std::string_view host;    // lowercase DNS-style name
  uint16_t port = 0;        // explicit or the scheme's default
  std::string_view path;    // starts with "/"
  std::optional<std::string_view> query;  // without "?"
  std::string_view target;  // path, then "?" + query when there is one: exactKey() minus origin
};

// The views when normalizeUrl(url) succeeds and maps `url` to itself
// (exactKey() == url); nullopt otherwise, and also for some URLs it maps to
// themselves (IPv4 hosts, a trailing dot in the host, port 0): a caller
// takes normalizeUrl for every nullopt. So: "http" or "https", "://", a
// lowercase name of non-empty labels whose last one is not a number, a port
// only when not the default and without leading zeros, a path of bytes
// normalizeUrl keeps as they are (no '%' at all) without refused segments,
// an optional query likewise, no fragment, within normalizeUrl's limits.
std::optional<CanonicalUrlView> readCanonicalUrl(std::string_view url);

}  // namespace clawpay
