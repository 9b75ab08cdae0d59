#include "address.h"

#include <algorithm>
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
std::string checksumCase(std::string lowerDigits) {
  Hash32 hash = keccak256(asBytes(lowerDigits));
  for (size_t i = 0; i < lowerDigits.size(); ++i) {
    uint8_t nibble = (i % 2 == 0) ? (hash[i / 2] >> 4) : (hash[i / 2] & 0x0f);
    if (nibble >= 8 && isLowerHexLetter(lowerDigits[i])) lowerDigits[i] -= 'a' - 'A';
  }
  return lowerDigits;
}

[[noreturn]] void throwInvalidAddress(const char* what, const std::string& problem) {
  throw Error(ErrorKind::Type, "ERR_INVALID_ADDRESS",
              std::string("Expected ") + what + " to be an address (0x followed by 40 hex digits) but " +
                  problem);
}

}  // namespace

std::string toChecksumAddress(const Address& address) {
  return "0x" + checksumCase(toHex(address, /*prefix=*/false));
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
    std::string expected = toChecksumAddress(address);
    if (digits != std::string_view(expected).substr(2)) {
      throw Error(ErrorKind::Invalid, "ERR_BAD_CHECKSUM",
                  std::string("The EIP-55 checksum of ") + what + " is wrong: received " +
                      std::string(text) + ", expected " + expected);
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
