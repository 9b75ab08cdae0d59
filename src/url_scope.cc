// URL normalization for session scopes. The parser is deliberately narrower
// than WHATWG: it accepts the plain "scheme://host[:port]/path?query#frag"
// shape and rejects every input on which WHATWG would silently repair or
// reinterpret something (backslashes, stripped whitespace, userinfo, missing
// slashes). On what it accepts, it produces what a WHATWG fetch would put on
// the wire, in one canonical escape form, so two spellings of the same request
// compare equal and two different requests never do.

#include "url_scope.h"

#include <array>
#include <cstddef>
#include <exception>
#include <utility>

#include "canonical_url_view.h"
#include "url_syntax.h"

namespace clawpay {
namespace {

using namespace url_syntax;

constexpr char kUpperHex[] = "0123456789ABCDEF";

char asciiLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c; }

// RFC 3986 unreserved: an escape of one of these means the character itself.
bool isUnreserved(unsigned char c) {
  return isAlpha(c) || isDigit(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

bool hasRejectedByte(std::string_view url) {
  for (char c : url) {
    if (isRejectedByte(static_cast<unsigned char>(c))) return true;
  }
  return false;
}

void appendEscape(std::string& out, unsigned char c) {
  out.push_back('%');
  out.push_back(kUpperHex[c >> 4]);
  out.push_back(kUpperHex[c & 0xF]);
}

// Appends `text` in canonical escape form: escapes of unreserved characters
// decoded, other escapes with uppercase hex, `mustEncode` characters escaped.
// false on a malformed escape, or (when `forbidSlash`) an escaped '/' or '\',
// which a server may decode into a path separator after we have matched.
// A template on `mustEncode` so that the test is inlined into the scan.
template <bool (*mustEncode)(unsigned char)>
bool appendCanonical(std::string& out, std::string_view text, bool forbidSlash) {
  size_t i = 0;
  while (i < text.size()) {
    // Characters kept as they are go out in one append per run.
    size_t run = i;
    while (run < text.size() && text[run] != '%' && !mustEncode(static_cast<unsigned char>(text[run]))) ++run;
    out.append(text.data() + i, run - i);
    i = run;
    if (i == text.size()) break;
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c != '%') {
      appendEscape(out, c);
      ++i;
      continue;
    }
    if (text.size() - i < 3) return false;
    const int hi = hexValue(text[i + 1]);
    const int lo = hexValue(text[i + 2]);
    if (hi < 0 || lo < 0) return false;
    const auto decoded = static_cast<unsigned char>(hi * 16 + lo);
    if (forbidSlash && (decoded == '/' || decoded == '\\')) return false;
    if (isUnreserved(decoded)) {
      out.push_back(static_cast<char>(decoded));
    } else {
      appendEscape(out, decoded);
    }
    i += 3;
  }
  return true;
}

// Validates escapes without producing output (the fragment is dropped, but a
// malformed one still marks the whole URL as something we do not understand).
bool hasValidEscapes(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') continue;
    if (text.size() - i < 3 || hexValue(text[i + 1]) < 0 || hexValue(text[i + 2]) < 0) return false;
    i += 2;
  }
  return true;
}

// ---------------------------------------------------------------- scheme

// Consumes "http://" or "https://" (any case). "https:host" and "https:/host"
// are valid WHATWG but we only take the unambiguous form.
bool parseScheme(std::string_view& rest, std::string& scheme) {
  const size_t colon = rest.find(':');
  if (colon != 4 && colon != 5) return false;
  char lowered[5];
  for (size_t i = 0; i < colon; ++i) lowered[i] = asciiLower(rest[i]);
  const std::string_view name(lowered, colon);
  if (name != "http" && name != "https") return false;
  if (rest.substr(colon, 3) != "://") return false;
  scheme.assign(name);
  rest.remove_prefix(colon + 3);
  return true;
}

// ---------------------------------------------------------------- host

// WHATWG IPv6 parsing (RFC 4291 text forms, including an IPv4 tail) into
// eight 16-bit pieces. Zone ids never get here: '%' is rejected in hosts.
using Ipv6Pieces = std::array<uint16_t, 8>;

// Reads the dotted IPv4 tail of an IPv6 address into two pieces.
bool parseIpv4Tail(std::string_view text, size_t pos, Ipv6Pieces& pieces, size_t& index) {
  if (index > 6) return false;
  int parts = 0;
  while (pos < text.size()) {
    if (parts > 0) {
      if (text[pos] != '.' || parts == 4) return false;
      ++pos;
    }
    if (pos >= text.size() || !isDigit(static_cast<unsigned char>(text[pos]))) return false;
    int value = -1;
    while (pos < text.size() && isDigit(static_cast<unsigned char>(text[pos]))) {
      if (value == 0) return false;  // no leading zeros
      value = (value < 0 ? 0 : value * 10) + (text[pos] - '0');
      if (value > 255) return false;
      ++pos;
    }
    pieces[index] = static_cast<uint16_t>(pieces[index] * 0x100 + value);
    ++parts;
    if (parts == 2 || parts == 4) ++index;
  }
  return parts == 4;
}

std::optional<Ipv6Pieces> parseIpv6(std::string_view text) {
  Ipv6Pieces pieces{};
  size_t index = 0;
  std::optional<size_t> compress;
  size_t pos = 0;
  if (!text.empty() && text[0] == ':') {
    if (text.size() < 2 || text[1] != ':') return std::nullopt;
    pos = 2;
    compress = ++index;
  }
  while (pos < text.size()) {
    if (index == 8) return std::nullopt;
    if (text[pos] == ':') {
      if (compress) return std::nullopt;
      ++pos;
      compress = ++index;
      continue;
    }
    unsigned value = 0;
    size_t length = 0;
    while (length < 4 && pos < text.size() && hexValue(text[pos]) >= 0) {
      value = value * 16 + static_cast<unsigned>(hexValue(text[pos]));
      ++pos;
      ++length;
    }
    if (pos < text.size() && text[pos] == '.') {
      if (length == 0 || !parseIpv4Tail(text, pos - length, pieces, index)) return std::nullopt;
      break;
    }
    if (pos < text.size()) {
      if (text[pos] != ':') return std::nullopt;
      ++pos;
      if (pos == text.size()) return std::nullopt;
    }
    pieces[index++] = static_cast<uint16_t>(value);
  }
  if (compress) {
    // Move the pieces after "::" to the end; zeros fill the gap.
    size_t swaps = index - *compress;
    for (size_t dst = 7; dst != 0 && swaps > 0; --dst, --swaps) {
      std::swap(pieces[dst], pieces[*compress + swaps - 1]);
    }
  } else if (index != 8) {
    return std::nullopt;
  }
  return pieces;
}

// WHATWG serialization: lowercase hex without leading zeros, the first
// longest run of two or more zero pieces written as "::".
void appendIpv6(std::string& out, const Ipv6Pieces& pieces) {
  size_t bestStart = 8, bestLength = 1;
  for (size_t i = 0; i < 8;) {
    size_t j = i;
    while (j < 8 && pieces[j] == 0) ++j;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = (j == i) ? i + 1 : j;
  }
  static constexpr char kLowerHex[] = "0123456789abcdef";
  out.push_back('[');
  for (size_t i = 0; i < 8; ++i) {
    if (i == bestStart) {
      out += (i == 0) ? "::" : ":";
      i += bestLength - 1;
      continue;
    }
    bool started = false;
    for (int shift = 12; shift >= 0; shift -= 4) {
      const unsigned digit = (pieces[i] >> shift) & 0xF;
      if (digit == 0 && !started && shift != 0) continue;
      started = true;
      out.push_back(kLowerHex[digit]);
    }
    if (i != 7) out.push_back(':');
  }
  out.push_back(']');
}

// Four decimal parts 0..255 without leading zeros: the only IPv4 spelling
// WHATWG leaves unchanged.
bool isCanonicalIpv4(std::string_view host) {
  int parts = 0;
  size_t pos = 0;
  while (true) {
    const size_t start = pos;
    int value = 0;
    while (pos < host.size() && isDigit(static_cast<unsigned char>(host[pos])) && pos - start < 3) {
      value = value * 10 + (host[pos] - '0');
      ++pos;
    }
    const size_t length = pos - start;
    if (length == 0 || value > 255 || (length > 1 && host[start] == '0')) return false;
    if (++parts == 4) return pos == host.size();
    if (pos >= host.size() || host[pos] != '.') return false;
    ++pos;
  }
}

// A DNS-style name or a canonical IPv4 literal: letters, digits, '-', '_',
// dots between non-empty labels, optionally one trailing dot. Lowercased.
// Other numeric forms are refused rather than canonicalized: what we compare
// must be what fetch sends, and we never want two spellings of an address
// to hide behind different strings that we then treat as different hosts.
bool appendRegName(std::string& out, std::string_view text) {
  if (text.empty() || text[0] == '.') return false;
  char previous = 0;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '.') {
      if (previous == '.') return false;
    } else if (!isRegNameByte(u)) {
      return false;
    }
    previous = c;
  }
  if (endsInNumber(text) && !isCanonicalIpv4(text)) return false;
  const size_t start = out.size();
  out.append(text);
  for (size_t i = start; i < out.size(); ++i) out[i] = asciiLower(out[i]);
  return true;
}

// Digits only, any number of leading zeros, at most 65535. Empty means the
// scheme's default, as in WHATWG.
bool parsePort(std::string_view text, uint16_t defaultPort, uint16_t& port) {
  if (text.empty()) {
    port = defaultPort;
    return true;
  }
  uint32_t value = 0;
  for (char c : text) {
    if (!isDigit(static_cast<unsigned char>(c))) return false;
    value = value * 10 + static_cast<uint32_t>(c - '0');
    if (value > 65535) return false;
  }
  port = static_cast<uint16_t>(value);
  return true;
}

// "host", "host:port", "[v6]" or "[v6]:port". Any '@' is userinfo (even an
// empty one): rejected, because it is how "https://trusted@evil/" deceives.
bool parseAuthority(std::string_view authority, NormalizedUrl& url) {
  if (authority.find('@') != std::string_view::npos) return false;
  if (authority.find('%') != std::string_view::npos) return false;
  std::string_view hostText;
  std::string_view portText;
  bool hasPort = false;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return false;
    hostText = authority.substr(1, close - 1);
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return false;
      hasPort = true;
      portText = after.substr(1);
    }
    const auto pieces = parseIpv6(hostText);
    if (!pieces) return false;
    appendIpv6(url.host, *pieces);
  } else {
    const size_t colon = authority.find(':');
    hostText = authority.substr(0, colon);
    if (colon != std::string_view::npos) {
      hasPort = true;
      portText = authority.substr(colon + 1);
    }
    if (!appendRegName(url.host, hostText)) return false;
  }
  const uint16_t defaultPort = defaultPortFor(url.scheme);
  url.port = defaultPort;
  return !hasPort || parsePort(portText, defaultPort, url.port);
}

// ---------------------------------------------------------------- path

// Canonicalizes escapes segment by segment and refuses any dot segment.
// Resolving "." and ".." here would compare a path that may never be sent:
// Node 20's own URL parser (ada 2.9) leaves "/admin/.x/../../v1/a" as it is,
// so fetch requests /admin/... while a resolving check sees /v1/a. Decoding
// first is what makes "%2e%2e" a dot segment too.
bool normalizePath(std::string_view raw, std::string& out) {
  out.reserve(raw.size() + 1);
  // `raw` is empty or starts with '/'; an empty path is "/". Each pass adds
  // one segment and its '/' (an escaped '/' is refused, so none comes from
  // the text).
  size_t segments = 0;
  for (size_t pos = 1; pos <= raw.size();) {
    if (++segments > kMaxPathSegments) return false;
    size_t end = raw.find('/', pos);
    if (end == std::string_view::npos) end = raw.size();
    const size_t mark = out.size();
    out.push_back('/');
    if (!appendCanonical<pathMustEncode>(out, raw.substr(pos, end - pos), true)) return false;
    const std::string_view segment(out.data() + mark + 1, out.size() - mark - 1);
    if (isRefusedSegment(segment)) return false;
    pos = end + 1;
  }
  if (out.empty()) out.push_back('/');
  return out.size() <= kMaxPathBytes;
}

// ---------------------------------------------------------------- whole URL

// Where the authority ends: the first '/', '?' or '#', npos without one. A
// plain loop: find_first_of("/?#") calls memchr once per character.
size_t authorityLength(std::string_view rest) {
  for (size_t i = 0; i < rest.size(); ++i) {
    const char c = rest[i];
    if (c == '/' || c == '?' || c == '#') return i;
  }
  return std::string_view::npos;
}

std::optional<NormalizedUrl> normalizeOrThrow(std::string_view input) {
  if (input.size() > kMaxUrlBytes || hasRejectedByte(input)) return std::nullopt;
  NormalizedUrl url;
  std::string_view rest = input;
  if (!parseScheme(rest, url.scheme)) return std::nullopt;

  const size_t authorityEnd = authorityLength(rest);
  if (!parseAuthority(rest.substr(0, authorityEnd), url)) return std::nullopt;
  rest.remove_prefix(authorityEnd == std::string_view::npos ? rest.size() : authorityEnd);

  const size_t hash = rest.find('#');
  if (hash != std::string_view::npos) {
    if (!hasValidEscapes(rest.substr(hash + 1))) return std::nullopt;
    rest = rest.substr(0, hash);
  }
  const size_t question = rest.find('?');
  if (!normalizePath(rest.substr(0, question), url.path)) return std::nullopt;
  if (question != std::string_view::npos) {
    // "?" with nothing after it is kept as an empty query: fetch sends it.
    const std::string_view query = rest.substr(question + 1);
    url.query.emplace();
    url.query->reserve(query.size());
    if (!appendCanonical<queryMustEncode>(*url.query, query, false)) return std::nullopt;
  }
  return url;
}

// Direct definition of prefix coverage on normalized paths, identical to
// "endpoint path is one of url.prefixCandidates()".
bool pathWithin(std::string_view endpointPath, std::string_view urlPath) {
  if (urlPath.size() < endpointPath.size()) return false;
  if (urlPath.substr(0, endpointPath.size()) != endpointPath) return false;
  if (urlPath.size() == endpointPath.size()) return true;
  return endpointPath.back() == '/' || urlPath[endpointPath.size()] == '/';
}

bool sameOrigin(const NormalizedUrl& a, const NormalizedUrl& b) {
  return a.scheme == b.scheme && a.port == b.port && a.host == b.host;
}

}  // namespace

std::string NormalizedUrl::origin() const {
  std::string out;
  appendOrigin(out);
  return out;
}

void NormalizedUrl::appendOrigin(std::string& out) const {
  out.reserve(out.size() + scheme.size() + 3 + host.size() + 6);
  out += scheme;
  out += "://";
  out += host;
  if (port != defaultPortFor(scheme)) {
    out.push_back(':');
    out += std::to_string(port);
  }
}

std::string NormalizedUrl::prefixKey() const { return origin() + path; }

std::string NormalizedUrl::exactKey() const {
  std::string out = prefixKey();
  if (query) {
    out.push_back('?');
    out += *query;
  }
  return out;
}

// Every prefix P of the path for which pathWithin(P, path) holds, longest
// first: the path itself, and each cut just before or just after a '/'.
std::vector<std::string_view> NormalizedUrl::prefixPaths() const {
  std::vector<std::string_view> out;
  out.reserve(8);
  forEachPrefixPath(path, [&](std::string_view prefix) {
    out.push_back(prefix);
    return false;
  });
  return out;
}

std::vector<std::string> NormalizedUrl::prefixCandidates() const {
  const std::string base = origin();
  std::vector<std::string> out;
  for (std::string_view prefix : prefixPaths()) {
    std::string key;
    key.reserve(base.size() + prefix.size());
    key += base;
    key += prefix;
    out.push_back(std::move(key));
  }
  return out;
}

std::optional<NormalizedUrl> normalizeUrl(std::string_view url) {
  try {
    return normalizeOrThrow(url);
  } catch (const std::exception&) {  // in practice only std::bad_alloc
    return std::nullopt;  // fail closed: an unparsed URL is covered by nothing
  }
}

bool scopeCovers(std::string_view endpoint, Scope scope, std::string_view url) {
  const auto target = readCanonicalUrl(url);
  const auto base = target ? readCanonicalUrl(endpoint) : std::nullopt;
  if (!target || !base) return scopeCoversGenerally(endpoint, scope, url);
  // Canonical origins are equal exactly when scheme, host and port are; a
  // path holds no '?', so equal targets are equal paths and equal queries
  // (present or not).
  if (base->origin != target->origin) return false;
  if (scope == Scope::Exact) return base->target == target->target;
  return pathWithin(base->path, target->path);
}

bool scopeCoversGenerally(std::string_view endpoint, Scope scope, std::string_view url) {
  const auto target = normalizeUrl(url);
  if (!target) return false;
  const auto base = normalizeUrl(endpoint);
  if (!base || !sameOrigin(*base, *target)) return false;
  if (scope == Scope::Exact) return base->path == target->path && base->query == target->query;
  return pathWithin(base->path, target->path);
}

std::optional<UrlLookupKeys> urlLookupKeys(std::string_view url, std::string& buffer) {
  if (const auto view = readCanonicalUrl(url)) return UrlLookupKeys{view->origin, view->path, view->target};
  return urlLookupKeysGenerally(url, buffer);
}

std::optional<UrlLookupKeys> urlLookupKeysGenerally(std::string_view url, std::string& buffer) {
  const auto n = normalizeUrl(url);
  if (!n) return std::nullopt;
  try {
    buffer.clear();
    n->appendOrigin(buffer);
    const size_t originSize = buffer.size();
    buffer += n->path;
    if (n->query) {
      buffer.push_back('?');
      buffer += *n->query;
    }
    // Views taken once the buffer is complete, so no growth moves them.
    const std::string_view all(buffer);
    return UrlLookupKeys{all.substr(0, originSize), all.substr(originSize, n->path.size()), all.substr(originSize)};
  } catch (const std::exception&) {  // std::bad_alloc: a URL we cannot look up matches nothing
    return std::nullopt;
  }
}

std::optional<Scope> parseScope(std::string_view text) {
  if (text == "prefix") return Scope::Prefix;
  if (text == "exact") return Scope::Exact;
  return std::nullopt;
}

}  // namespace clawpay
