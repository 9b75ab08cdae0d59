#include "canonical_url_view.h"

#include <array>

#include "url_syntax.h"

namespace clawpay {
namespace {

using namespace url_syntax;

// Per byte: which part of a canonical URL may hold it as it is. Derived from
// the predicates normalizeUrl applies, so the two cannot drift apart.
enum : uint8_t { kLabelByte = 1, kPathByte = 2, kQueryByte = 4 };

constexpr std::array<uint8_t, 256> makeClasses() {
  std::array<uint8_t, 256> classes{};
  for (unsigned c = 0; c < 256; ++c) {
    const auto u = static_cast<unsigned char>(c);
    // Uppercase would be lowercased; '%' may start an escape to canonicalize.
    const bool kept = !isRejectedByte(u) && u != '%';
    uint8_t bits = 0;
    // Dots are read between labels.
    if (isRegNameByte(u) && u != '.' && !(u >= 'A' && u <= 'Z')) bits |= kLabelByte;
    // '/' separates segments, '?' ends the path, '#' starts a fragment.
    if (kept && !pathMustEncode(u) && u != '/' && u != '?' && u != '#') bits |= kPathByte;
    if (kept && !queryMustEncode(u) && u != '#') bits |= kQueryByte;
    classes[c] = bits;
  }
  return classes;
}

constexpr std::array<uint8_t, 256> kClasses = makeClasses();

bool is(char c, uint8_t bits) { return (kClasses[static_cast<unsigned char>(c)] & bits) != 0; }

}  // namespace

std::optional<CanonicalUrlView> readCanonicalUrl(std::string_view url) {
  if (url.size() > kMaxUrlBytes) return std::nullopt;
  CanonicalUrlView view;
  size_t i = 0;
  uint16_t defaultPort = 0;
  if (url.substr(0, 8) == "https://") {
    defaultPort = 443;
    i = 8;
  } else if (url.substr(0, 7) == "http://") {
    defaultPort = 80;
    i = 7;
  } else {
    return std::nullopt;
  }
  view.scheme = std::string_view(url.data(), i - 3);
  const size_t n = url.size();
  const char* const text = url.data();
  // A view of text[from, to): no bounds checks, the indices are ours.
  auto slice = [text](size_t from, size_t to) { return std::string_view(text + from, to - from); };

  // Host: non-empty labels separated by single dots (so no leading or
  // trailing dot); the last one not a number (IPv4 forms go the general way).
  const size_t hostStart = i;
  size_t labelStart;
  while (true) {
    labelStart = i;
    while (i < n && is(text[i], kLabelByte)) ++i;
    if (i == labelStart) return std::nullopt;
    if (i == n || text[i] != '.') break;
    ++i;
  }
  view.host = slice(hostStart, i);
  // Only a label starting with a digit can be a number ("0x1f" too).
  if (isDigit(static_cast<unsigned char>(text[labelStart])) && endsInNumber(view.host)) return std::nullopt;

  // Port: as std::to_string writes it (no leading zero, so not 0 either),
  // and never the default, which origin() omits.
  view.port = defaultPort;
  if (i < n && text[i] == ':') {
    const size_t digits = ++i;
    uint32_t value = 0;
    for (; i < n && i - digits < 5 && isDigit(static_cast<unsigned char>(text[i])); ++i) {
      value = value * 10 + static_cast<uint32_t>(text[i] - '0');
    }
    if (i == digits || text[digits] == '0' || value > 65535 || value == defaultPort) return std::nullopt;
    view.port = static_cast<uint16_t>(value);
  }
  view.origin = slice(0, i);

  // Path: normalizeUrl writes "/" for an empty one, so one must be there.
  if (i == n || text[i] != '/') return std::nullopt;
  const size_t pathStart = i;
  size_t segments = 0;
  while (i < n && text[i] == '/') {
    if (++segments > kMaxPathSegments) return std::nullopt;
    const size_t segmentStart = ++i;
    while (i < n && is(text[i], kPathByte)) ++i;
    // Only a segment starting with '.' can be refused.
    if (i > segmentStart && text[segmentStart] == '.' && isRefusedSegment(slice(segmentStart, i))) {
      return std::nullopt;
    }
  }
  if (i - pathStart > kMaxPathBytes) return std::nullopt;
  view.path = slice(pathStart, i);

  if (i < n) {
    if (text[i] != '?') return std::nullopt;  // a fragment, or a byte normalizeUrl would change
    const size_t queryStart = ++i;
    while (i < n && is(text[i], kQueryByte)) ++i;
    if (i < n) return std::nullopt;
    view.query = slice(queryStart, n);
  }
  view.target = slice(pathStart, n);
  return view;
}

}  // namespace clawpay
