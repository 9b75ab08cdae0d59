// The byte classes, limits and segment rules of normalizeUrl's URL form,
// stated once: normalizeUrl (url_scope.cc) applies them to any URL, and
// readCanonicalUrl (canonical_url_view.cc) checks with the same ones that a
// URL is already in that form. Internal to those two files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace clawpay::url_syntax {

// Limits that keep hostile input cheap. Node's own HTTP server refuses
// request heads over 16 KiB, so longer URLs are not real requests; the path
// limits bound prefixCandidates(), whose output grows with length x depth.
inline constexpr size_t kMaxUrlBytes = 16 * 1024;
inline constexpr size_t kMaxPathBytes = 4096;
inline constexpr size_t kMaxPathSegments = 128;

constexpr bool isAlpha(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
constexpr bool isDigit(unsigned char c) { return c >= '0' && c <= '9'; }

constexpr int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// WHATWG strips tab/newline anywhere and C0/space at the ends, and reads '\'
// as '/': each is a way for the text we see to differ from what is sent.
constexpr bool isRejectedByte(unsigned char c) { return c <= 0x20 || c == 0x7F || c == '\\'; }

// A DNS-style host name's bytes (before lowercasing).
constexpr bool isRegNameByte(unsigned char c) {
  return isAlpha(c) || isDigit(c) || c == '-' || c == '_' || c == '.';
}

// Characters the WHATWG path percent-encode set covers that can reach us
// (controls, space, '#', '?' never get this far). Node 20 leaves '^' raw;
// should a later fetch encode it, "^" and "%5E" merely stop matching.
constexpr bool pathMustEncode(unsigned char c) {
  return c >= 0x80 || c == '"' || c == '<' || c == '>' || c == '`' || c == '{' || c == '}';
}

// The WHATWG special-query percent-encode set, minus what we reject earlier.
constexpr bool queryMustEncode(unsigned char c) {
  return c >= 0x80 || c == '"' || c == '<' || c == '>' || c == '\'';
}

inline uint16_t defaultPortFor(std::string_view scheme) { return scheme == "https" ? 443 : 80; }

// WHATWG's "ends in a number": the last label (ignoring one trailing dot) is
// all digits or 0x-hex. Such a host is parsed as IPv4 and rewritten
// ("0x7f.1", "127.1", "2130706433", "1.2.3.4." all become "127.0.0.1"-like
// dotted decimal), or refused when that fails ("example.123").
inline bool endsInNumber(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  const size_t dot = host.rfind('.');
  std::string_view last = dot == std::string_view::npos ? host : host.substr(dot + 1);
  if (last.empty()) return false;
  if (last.size() >= 2 && last[0] == '0' && (last[1] == 'x' || last[1] == 'X')) {
    last.remove_prefix(2);
    for (char c : last) {
      if (hexValue(c) < 0) return false;
    }
    return true;
  }
  for (char c : last) {
    if (!isDigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// A path segment (after escapes are made canonical) that is refused:
// "." and "..", which URL parsers disagree on resolving, and "..;x" and
// ".;x": Java servlet containers strip ";params" and then treat the rest as
// a dot segment, so "/v1/..;/admin" reaches "/admin" there even though fetch
// sends it verbatim.
inline bool isRefusedSegment(std::string_view segment) {
  if (segment == "." || segment == "..") return true;
  size_t dots = 0;
  while (dots < segment.size() && dots < 2 && segment[dots] == '.') ++dots;
  if (dots == 0) return false;
  const std::string_view rest = segment.substr(dots);
  return (!rest.empty() && rest[0] == ';') || (rest.size() >= 3 && rest[0] == '%' &&
                                               rest[1] == '3' && (rest[2] == 'B' || rest[2] == 'b'));
}

}  // namespace clawpay::url_syntax
