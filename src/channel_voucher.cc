// The two structs here have fixed layouts, so they are encoded word by word
// straight into Keccak instead of through the general EIP-712 encoder
// (eip712.h): a seller hashes a voucher on every paid request. The tests
// check both against hashTypedData and viem.
#include "channel_voucher.h"

#include <string>

#include "eip712.h"
#include "error.h"
#include "keccak.h"
#include "uint256.h"

namespace clawpay {
namespace {

Hash32 hashText(std::string_view text) { return keccak256(asBytes(text)); }

const Hash32& domainTypeHash() {
  static const Hash32 hash =
      hashText("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");
  return hash;
}

const Hash32& voucherTypeHash() {
  static const Hash32 hash = hashText("Voucher(bytes32 channelId,uint128 maxClaimableAmount)");
  return hash;
}

const Hash32& channelConfigTypeHash() {
  static const Hash32 hash = hashText(
      "ChannelConfig(address payer,address payerAuthorizer,address receiver,address receiverAuthorizer,"
      "address token,uint40 withdrawDelay,bytes32 salt)");
  return hash;
}

// ABI words: big-endian, left-padded to 32 bytes.
void putUint(Keccak256& hasher, Uint128 value) {
  uint8_t word[32] = {};
  for (int i = 31; i >= 16; --i) {
    word[i] = static_cast<uint8_t>(value);
    value >>= 8;
  }
  hasher.update(word, sizeof word);
}

void putAddress(Keccak256& hasher, const Address& address) {
  static constexpr uint8_t kPadding[12] = {};
  hasher.update(kPadding, sizeof kPadding);
  hasher.update(address);
}

}  // namespace

bool tryParseUint128(std::string_view decimal, Uint128& out) noexcept {
  if (decimal.size() > 1 && decimal[0] == '0') return false;  // one spelling per amount
  Uint256 value;
  if (Uint256::parseDecimal(decimal, value) != Uint256::ParseStatus::Ok || value.bitLength() > 128) return false;
  Hash32 word = value.toBigEndian();
  Uint128 result = 0;
  for (size_t i = 16; i < 32; ++i) result = (result << 8) | word[i];
  out = result;
  return true;
}

std::string toDecimal(Uint128 value) {
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  } while (value != 0);
  return digits;
}

Uint128 parseUint128(std::string_view decimal, const char* what) {
  Uint128 value = 0;
  if (tryParseUint128(decimal, value)) return value;
  Uint256 wide;
  bool tooLarge = !(decimal.size() > 1 && decimal[0] == '0') &&
                  Uint256::parseDecimal(decimal, wide) != Uint256::ParseStatus::Malformed;
  std::string shown(decimal.substr(0, 48));
  if (decimal.size() > 48) shown += "...";
  if (tooLarge) {
    throw Error(ErrorKind::Range, "ERR_VOUCHER_AMOUNT",
                std::string("Expected an amount below 2^128 for ") + what + " but received " + shown);
  }
  throw Error(ErrorKind::Type, "ERR_VOUCHER_AMOUNT",
              std::string("Expected decimal digits without a sign or leading zeros for ") + what +
                  " but received \"" + shown + "\"");
}

VoucherDomain::VoucherDomain(uint64_t chainId, const Address& verifyingContract)
    : chainId_(chainId), verifyingContract_(verifyingContract) {
  if (chainId == 0) throw Error(ErrorKind::Range, "ERR_INVALID_CHAIN_ID", "Expected a chain id above 0");
  Keccak256 hasher;
  hasher.update(domainTypeHash());
  hasher.update(hashText(kBatchSettlementDomainName));
  hasher.update(hashText(kBatchSettlementDomainVersion));
  putUint(hasher, chainId);
  putAddress(hasher, verifyingContract);
  separator_ = hasher.finish();
}

Hash32 VoucherDomain::voucherDigest(const Hash32& channelId, Uint128 maxClaimableAmount) const noexcept {
  Keccak256 hasher;
  hasher.update(voucherTypeHash());
  hasher.update(channelId);
  putUint(hasher, maxClaimableAmount);
  return typedDataDigest(separator_, hasher.finish());
}

Hash32 VoucherDomain::channelId(const ChannelConfig& config) const {
  if (config.withdrawDelay > kMaxWithdrawDelay) {
    throw Error(ErrorKind::Range, "ERR_WITHDRAW_DELAY",
                "Expected a withdrawDelay below 2^40 seconds but received " + std::to_string(config.withdrawDelay));
  }
  Keccak256 hasher;
  hasher.update(channelConfigTypeHash());
  putAddress(hasher, config.payer);
  putAddress(hasher, config.payerAuthorizer);
  putAddress(hasher, config.receiver);
  putAddress(hasher, config.receiverAuthorizer);
  putAddress(hasher, config.token);
  putUint(hasher, config.withdrawDelay);
  hasher.update(config.salt);
  return typedDataDigest(separator_, hasher.finish());
}

RecoverableSignature parseVoucherSignature(ByteView bytes65) {
  if (bytes65.size() == 65 && bytes65[64] != 27 && bytes65[64] != 28) {
    throw Error(ErrorKind::Range, "ERR_BAD_V",
                "Expected voucher signature v to be 27 or 28 (what the channel contract's ecrecover takes) "
                "but received " + std::to_string(bytes65[64]));
  }
  return parseSignature(bytes65);
}

Address recoverVoucherSigner(const VoucherDomain& domain, const Hash32& channelId, Uint128 maxClaimableAmount,
                             const RecoverableSignature& signature) {
  return recoverAddress(domain.voucherDigest(channelId, maxClaimableAmount), signature);
}

RecoverableSignature signVoucher(const VoucherDomain& domain, const Hash32& channelId, Uint128 maxClaimableAmount,
                                 const PrivateKey& key) {
  return key.sign(domain.voucherDigest(channelId, maxClaimableAmount));
}

}  // namespace clawpay
