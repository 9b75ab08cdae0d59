#include "transfer_authorization.h"

#include <algorithm>

#include "address.h"
#include "eip712.h"
#include "error.h"
#include "hex.h"
#include "keccak.h"
#include "uint256.h"

namespace clawpay {
namespace {

constexpr std::string_view kTransferType =
    "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,"
    "bytes32 nonce)";

const Hash32& transferTypeHash() noexcept {
  static const Hash32 hash = keccak256(asBytes(kTransferType));
  return hash;
}

bool readAddress(std::string_view text, Address& out) noexcept {
  try {
    out = parseAddress(text, "address");
    return true;
  } catch (...) {  // a bad address is the general path's to report
    return false;
  }
}

bool readUint256(std::string_view text, Hash32& word) noexcept {
  Uint256 value;
  if (Uint256::parse(text, value) != Uint256::ParseStatus::Ok) return false;
  value.toBigEndian(word.data());
  return true;
}

// Lowercase "0x", as hashTypedData requires for bytes.
bool readNonce(std::string_view text, Hash32& out) noexcept {
  if (text.size() != 66 || text[0] != '0' || text[1] != 'x') return false;
  for (size_t i = 0; i < 32; ++i) {
    int high = hexDigitValue(text[2 + 2 * i]);
    int low = hexDigitValue(text[3 + 2 * i]);
    if (high < 0 || low < 0) return false;
    out[i] = static_cast<uint8_t>((high << 4) | low);
  }
  return true;
}

void appendAddressWord(Keccak256& hasher, const Address& address) noexcept {
  uint8_t word[32] = {};
  std::copy(address.begin(), address.end(), word + 12);
  hasher.update(word, sizeof word);
}

}  // namespace

std::optional<TransferAuthorization> readTransferAuthorization(std::string_view from, std::string_view to,
                                                               std::string_view value, std::string_view validAfter,
                                                               std::string_view validBefore,
                                                               std::string_view nonce) noexcept {
  TransferAuthorization out;
  if (!readAddress(from, out.from) || !readAddress(to, out.to) || !readUint256(value, out.value) ||
      !readUint256(validAfter, out.validAfter) || !readUint256(validBefore, out.validBefore) ||
      !readNonce(nonce, out.nonce)) {
    return std::nullopt;
  }
  return out;
}

Hash32 transferAuthorizationDigest(const Hash32& domainSeparator, const TransferAuthorization& authorization) noexcept {
  Keccak256 hasher;
  hasher.update(transferTypeHash());
  appendAddressWord(hasher, authorization.from);
  appendAddressWord(hasher, authorization.to);
  hasher.update(authorization.value);
  hasher.update(authorization.validAfter);
  hasher.update(authorization.validBefore);
  hasher.update(authorization.nonce);
  return typedDataDigest(domainSeparator, hasher.finish());
}

}  // namespace clawpay
