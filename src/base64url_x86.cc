// SSSE3 and AVX2 base64url block decoding (see base64url_kernels.h). Each
// character is classified by its two nibbles: one table per nibble, and a
// character is in the alphabet exactly when the two entries share no bit.
// The compile-time checks below prove the tables against the alphabet.
#include "base64url_kernels.h"

#include <array>

#include "cpu_features.h"

#if CLAWPAY_X86_DISPATCH
#include <immintrin.h>
#endif

namespace clawpay::base64url_detail {
namespace {

constexpr const char* kAlphabet = kBase64UrlAlphabet;

constexpr int sextetOf(int c) {
  for (int i = 0; i < 64; ++i) {
    if (static_cast<uint8_t>(kAlphabet[i]) == c) return i;
  }
  return -1;
}

// One bit per class of high nibble; nibbles of a class allow the same low
// nibbles ('A'-'O' and 'a'-'o' share one; 0-1 and 8-F allow none).
constexpr std::array<uint8_t, 16> kHighClass = {1, 1, 2, 4, 8, 16, 8, 32, 1, 1, 1, 1, 1, 1, 1, 1};

// For each low nibble: the classes of high nibble it is not allowed with.
constexpr auto kLowBad = [] {
  std::array<uint8_t, 16> table{};
  for (int c = 0; c < 256; ++c) {
    if (sextetOf(c) < 0) table[c & 15] |= kHighClass[c >> 4];
  }
  return table;
}();

// What to add to a character to get its sextet, by high nibble; '_' shares
// its nibble with 'P'-'Z' and gets kUnderscoreFix on top.
constexpr auto kShift = [] {
  std::array<uint8_t, 16> table{};
  for (int c = 255; c >= 0; --c) {
    if (sextetOf(c) >= 0 && c != '_') table[c >> 4] = static_cast<uint8_t>(sextetOf(c) - c);
  }
  return table;
}();
constexpr uint8_t kUnderscoreFix = static_cast<uint8_t>(sextetOf('_') - '_' - kShift['_' >> 4]);

constexpr bool tablesMatchAlphabet() {
  for (int c = 0; c < 256; ++c) {
    bool in = (kLowBad[c & 15] & kHighClass[c >> 4]) == 0;
    if (in != (sextetOf(c) >= 0)) return false;
    uint8_t fix = c == '_' ? kUnderscoreFix : 0;
    if (in && static_cast<uint8_t>(c + kShift[c >> 4] + fix) != sextetOf(c)) return false;
  }
  return true;
}
static_assert(tablesMatchAlphabet(), "nibble tables disagree with the base64url alphabet");

}  // namespace

#if CLAWPAY_X86_DISPATCH

namespace {

inline __m128i load16(const std::array<uint8_t, 16>& table) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(table.data()));
}

// Sextets of 16 characters, and their bad bits (zero for alphabet characters).
__attribute__((target("ssse3"))) inline __m128i sextets16(__m128i chars, __m128i& badBits) {
  const __m128i nibble = _mm_set1_epi8(0x0F);
  const __m128i lowBad = load16(kLowBad), highClass = load16(kHighClass), shift = load16(kShift);
  __m128i high = _mm_and_si128(_mm_srli_epi32(chars, 4), nibble);
  __m128i low = _mm_and_si128(chars, nibble);
  badBits = _mm_and_si128(_mm_shuffle_epi8(lowBad, low), _mm_shuffle_epi8(highClass, high));
  __m128i fix = _mm_and_si128(_mm_cmpeq_epi8(chars, _mm_set1_epi8('_')),
                              _mm_set1_epi8(static_cast<char>(kUnderscoreFix)));
  return _mm_add_epi8(_mm_add_epi8(chars, _mm_shuffle_epi8(shift, high)), fix);
}

// Four sextets a,b,c,d per 32-bit lane -> a<<18 | b<<12 | c<<6 | d.
__attribute__((target("ssse3"))) inline __m128i join16(__m128i sextets) {
  __m128i pairs = _mm_maddubs_epi16(sextets, _mm_set1_epi32(0x01400140));
  return _mm_madd_epi16(pairs, _mm_set1_epi32(0x00011000));
}

// The three bytes of each lane, most significant first, packed into 12.
inline __m128i packOrder() {
  return _mm_setr_epi8(2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, -1, -1, -1, -1);
}

}  // namespace

__attribute__((target("ssse3"))) size_t decodeBlocksSsse3(const uint8_t* in, size_t chars, uint8_t* out,
                                                          size_t room, bool& bad) {
  __m128i anyBad = _mm_setzero_si128();
  size_t read = 0, written = 0;
  for (; read + 16 <= chars && written + 16 <= room; read += 16, written += 12) {
    __m128i badBits;
    __m128i sextets = sextets16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + read)), badBits);
    anyBad = _mm_or_si128(anyBad, badBits);
    __m128i bytes = _mm_shuffle_epi8(join16(sextets), packOrder());
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + written), bytes);
  }
  if (_mm_movemask_epi8(_mm_cmpeq_epi8(anyBad, _mm_setzero_si128())) != 0xFFFF) bad = true;
  return read;
}

__attribute__((target("avx2"))) size_t decodeBlocksAvx2(const uint8_t* in, size_t chars, uint8_t* out,
                                                        size_t room, bool& bad) {
  const __m256i nibble = _mm256_set1_epi8(0x0F);
  const __m256i lowBad = _mm256_broadcastsi128_si256(load16(kLowBad));
  const __m256i highClass = _mm256_broadcastsi128_si256(load16(kHighClass));
  const __m256i shift = _mm256_broadcastsi128_si256(load16(kShift));
  const __m256i underscore = _mm256_set1_epi8('_');
  const __m256i fixBy = _mm256_set1_epi8(static_cast<char>(kUnderscoreFix));
  const __m256i order = _mm256_broadcastsi128_si256(packOrder());
  // Each lane's 12 bytes are the first three dwords of the lane: put them together.
  const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7);
  __m256i anyBad = _mm256_setzero_si256();
  size_t read = 0, written = 0;
  for (; read + 32 <= chars && written + 32 <= room; read += 32, written += 24) {
    __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + read));
    __m256i high = _mm256_and_si256(_mm256_srli_epi32(v, 4), nibble);
    __m256i low = _mm256_and_si256(v, nibble);
    anyBad = _mm256_or_si256(anyBad, _mm256_and_si256(_mm256_shuffle_epi8(lowBad, low),
                                                      _mm256_shuffle_epi8(highClass, high)));
    __m256i fix = _mm256_and_si256(_mm256_cmpeq_epi8(v, underscore), fixBy);
    __m256i sextets = _mm256_add_epi8(_mm256_add_epi8(v, _mm256_shuffle_epi8(shift, high)), fix);
    __m256i pairs = _mm256_maddubs_epi16(sextets, _mm256_set1_epi32(0x01400140));
    __m256i joined = _mm256_madd_epi16(pairs, _mm256_set1_epi32(0x00011000));
    __m256i bytes = _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(joined, order), lanes);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + written), bytes);
  }
  if (!_mm256_testz_si256(anyBad, anyBad)) bad = true;
  // One 16-character block more where it fits.
  return read + decodeBlocksSsse3(in + read, chars - read, out + written, room - written, bad);
}

#else

size_t decodeBlocksSsse3(const uint8_t*, size_t, uint8_t*, size_t, bool&) { return 0; }
size_t decodeBlocksAvx2(const uint8_t*, size_t, uint8_t*, size_t, bool&) { return 0; }

#endif

}  // namespace clawpay::base64url_detail
