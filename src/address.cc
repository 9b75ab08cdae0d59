#include "address.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <string>

#include "error.h"
#include "hex.h"
#include "keccak.h"

namespace clawpay {
namespace {

constexpr size_t kAddressHexDigits = 40;

bool isLowerHexLetter(char c) { return c >= 'a' && c <= 'f'; }
bool isUpperHexLetter(char c) { return c >= 'A' && c <= 'F'; }

// EIP-55: hash the lowercase hex digits (as ASCII text, no 0x); a letter is
// uppercase exactly when the matching nibble of that hash is >= 8.
void checksumCase(const Address& address, char digits[kAddressHexDigits]) {
  static constexpr char kHex[] = "0123456789abcdef";
  for (size_t i = 0; i < address.size(); ++i) {
    digits[2 * i] = kHex[address[i] >> 4];
    digits[2 * i + 1] = kHex[address[i] & 0x0f];
  }
  Hash32 hash = keccak256(asBytes(std::string_view(digits, kAddressHexDigits)));
  for (size_t i = 0; i < kAddressHexDigits; ++i) {
    uint8_t nibble = (i % 2 == 0) ? (hash[i / 2] >> 4) : (hash[i / 2] & 0x0f);
    if (nibble >= 8 && isLowerHexLetter(digits[i])) digits[i] -= 'a' - 'A';
  }
}

// That Keccak-256 is most of what checksumming costs, and the same few
// addresses come back again and again (a payer's own, the token contract, the
// wallet a server checks tokens against). So each thread remembers the digits
// of the last addresses it checksummed: a fixed table indexed by the last
// byte, no locks, nothing to free. Addresses are public; nothing secret here.
struct ChecksumEntry {
  bool filled;
  Address address;
  char digits[kAddressHexDigits];
};
constexpr size_t kChecksumCacheSize = 64;
thread_local std::array<ChecksumEntry, kChecksumCacheSize> tRecentChecksums{};

// The 40 EIP-55 digits of `address`, into `digits`.
void checksumDigits(const Address& address, char digits[kAddressHexDigits]) {
  ChecksumEntry& entry = tRecentChecksums[address.back() % kChecksumCacheSize];
  if (!entry.filled || entry.address != address) {
    checksumCase(address, entry.digits);
    entry.address = address;
    entry.filled = true;
  }
  std::memcpy(digits, entry.digits, kAddressHexDigits);
}

[[noreturn]] void throwInvalidAddress(const char* what, const std::string& problem) {
  throw Error(ErrorKind::Type, "ERR_INVALID_ADDRESS",
              std::string("Expected ") + what + " to be an address (0x followed by 40 hex digits) but " +
                  problem);
}

}  // namespace

std::string toChecksumAddress(const Address& address) {
  char digits[kAddressHexDigits];
  checksumDigits(address, digits);
  std::string out = "0x";
  out.append(digits, kAddressHexDigits);
  return out;
}

Address parseAddress(std::string_view text, const char* what) {
  if (text.size() < 2 || text[0] != '0' || text[1] != 'x') {
    throwInvalidAddress(what, "it does not start with 0x");
  }
  std::string_view digits = text.substr(2);
  if (digits.size() != kAddressHexDigits) {
    throwInvalidAddress(what, "it has " + std::to_string(digits.size()) + " characters after 0x");
  }

  Address address;
  bool sawLower = false;
  bool sawUpper = false;
  for (size_t i = 0; i < kAddressHexDigits; ++i) {
    char c = digits[i];
    if (hexDigitValue(c) < 0) {
      throwInvalidAddress(what, "character " + std::to_string(i + 2) + " is not a hex digit");
    }
    sawLower |= isLowerHexLetter(c);
    sawUpper |= isUpperHexLetter(c);
  }
  for (size_t i = 0; i < address.size(); ++i) {
    address[i] = static_cast<uint8_t>((hexDigitValue(digits[2 * i]) << 4) |
                                      hexDigitValue(digits[2 * i + 1]));
  }

  // Single-case text carries no checksum (EIP-55); mixed case must be exact.
  if (sawLower && sawUpper) {
    char expected[kAddressHexDigits];
    checksumDigits(address, expected);
    if (std::memcmp(digits.data(), expected, kAddressHexDigits) != 0) {
      throw Error(ErrorKind::Invalid, "ERR_BAD_CHECKSUM",
                  std::string("The EIP-55 checksum of ") + what + " is wrong: received " +
                      std::string(text) + ", expected 0x" + std::string(expected, kAddressHexDigits));
    }
  }
  return address;
}

Address addressFromPublicKey(ByteView publicKey64) {
  if (publicKey64.size() != 64) {
    throw Error(ErrorKind::Range, "ERR_INVALID_LENGTH",
                "Expected 64 bytes for public key (x || y, without the 0x04 prefix) but received " +
                    std::to_string(publicKey64.size()));
  }
  Hash32 hash = keccak256(publicKey64);
  Address address;
  std::copy(hash.begin() + 12, hash.end(), address.begin());
  return address;
}

}  // namespace clawpay
