#include "base64url.h"

#include "base64url_kernels.h"
#include "cpu_features.h"

#include <array>
#include <cstdint>

namespace clawpay {
namespace {

constexpr const char* kAlphabet = kBase64UrlAlphabet;

// Each byte's value in the alphabet, or -1.
constexpr auto kSextets = [] {
  std::array<int8_t, 256> table{};
  table.fill(-1);
  for (int i = 0; i < 64; ++i) table[static_cast<uint8_t>(kAlphabet[i])] = static_cast<int8_t>(i);
  return table;
}();

int sextet(char c) { return kSextets[static_cast<uint8_t>(c)]; }

// For a character at position k of a group of four: its sextet already
// shifted into place in the group's 24 bits, or kBad (a bit no sextet sets)
// when it is not in the alphabet. A group is then four loads and three ORs,
// and one test of the OR of all groups says whether any character was bad.
constexpr uint32_t kBad = 1u << 31;
constexpr auto kPlaced = [] {
  std::array<std::array<uint32_t, 256>, 4> tables{};
  for (int k = 0; k < 4; ++k) {
    for (int c = 0; c < 256; ++c) {
      int v = kSextets[c];
      tables[k][c] = v < 0 ? kBad : static_cast<uint32_t>(v) << (18 - 6 * k);
    }
  }
  return tables;
}();

}  // namespace

std::string base64UrlEncode(ByteView bytes) {
  std::string out;
  out.reserve((bytes.size() * 4 + 2) / 3);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest == 1) {
    uint32_t v = bytes[i] << 16;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
  } else if (rest == 2) {
    uint32_t v = (bytes[i] << 16) | (bytes[i + 1] << 8);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

namespace {

using BlockDecoder = size_t (*)(const uint8_t*, size_t, uint8_t*, size_t, bool&);

size_t noBlocks(const uint8_t*, size_t, uint8_t*, size_t, bool&) { return 0; }

BlockDecoder blockDecoder(Base64UrlKernel kernel) {
  switch (kernel) {
    case Base64UrlKernel::Scalar: return noBlocks;
    case Base64UrlKernel::Ssse3: return base64url_detail::decodeBlocksSsse3;
    case Base64UrlKernel::Avx2: return base64url_detail::decodeBlocksAvx2;
  }
  return noBlocks;
}

// The widest kernel this CPU runs, chosen once.
BlockDecoder bestBlockDecoder() {
  static const BlockDecoder best = blockDecoder(base64UrlKernelsHere().back());
  return best;
}

std::optional<std::string> decode(std::string_view text, BlockDecoder blocks) {
  if (text.size() % 4 == 1) return std::nullopt;
  std::string out(text.size() * 3 / 4, '\0');
  const auto* in = reinterpret_cast<const uint8_t*>(text.data());
  auto* to = reinterpret_cast<uint8_t*>(out.data());
  bool bad = false;
  size_t start = blocks(in, text.size(), to, out.size(), bad);
  if (bad) return std::nullopt;
  size_t written = start / 4 * 3;
  // Four characters make three bytes.
  size_t whole = text.size() / 4 * 4;
  uint32_t seen = 0;
  for (size_t i = start; i < whole; i += 4) {
    uint32_t v = kPlaced[0][in[i]] | kPlaced[1][in[i + 1]] | kPlaced[2][in[i + 2]] | kPlaced[3][in[i + 3]];
    seen |= v;
    to[written] = static_cast<uint8_t>(v >> 16);
    to[written + 1] = static_cast<uint8_t>(v >> 8);
    to[written + 2] = static_cast<uint8_t>(v);
    written += 3;
  }
  if (seen & kBad) return std::nullopt;
  uint32_t acc = 0;
  int bits = 0;
  for (char ch : text.substr(whole)) {
    int v = sextet(ch);
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[written++] = static_cast<char>((acc >> bits) & 0xFF);
    }
  }
  // Leftover bits must be zero, or two spellings would decode the same.
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace

std::vector<Base64UrlKernel> base64UrlKernelsHere() {
  std::vector<Base64UrlKernel> kernels{Base64UrlKernel::Scalar};
  if (CLAWPAY_X86_DISPATCH && cpuFeatures().ssse3) kernels.push_back(Base64UrlKernel::Ssse3);
  if (CLAWPAY_X86_DISPATCH && cpuFeatures().ssse3 && cpuFeatures().avx2) kernels.push_back(Base64UrlKernel::Avx2);
  return kernels;
}

std::optional<std::string> base64UrlDecodeWith(std::string_view text, Base64UrlKernel kernel) {
  return decode(text, blockDecoder(kernel));
}

std::optional<std::string> base64UrlDecode(std::string_view text) { return decode(text, bestBlockDecoder()); }

}  // namespace clawpay
