// x402 batch-settlement vouchers (x402 specs/schemes/batch-settlement, EVM):
// the EIP-712 digest of Voucher(bytes32 channelId,uint128 maxClaimableAmount),
// the channel id (the EIP-712 hash of the channel's ChannelConfig), and
// signing and recovery of vouchers. Both hashes are under the domain
// {name "x402 Batch Settlement", version "1", chainId, verifyingContract:
// the x402BatchSettlement contract}, as @x402/evm builds them; results equal
// viem's hashTypedData on the same input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "bytes.h"
#include "private_key.h"
#include "signature.h"

namespace clawpay {

inline constexpr std::string_view kBatchSettlementDomainName = "x402 Batch Settlement";
inline constexpr std::string_view kBatchSettlementDomainVersion = "1";
// ChannelConfig.withdrawDelay is a uint40.
inline constexpr uint64_t kMaxWithdrawDelay = (uint64_t{1} << 40) - 1;

// Voucher amounts are uint128 on chain.
__extension__ typedef unsigned __int128 Uint128;

// Decimal digits, the form String(bigint) gives: no sign, no spaces, no
// leading zero (except "0" itself). Throws ERR_VOUCHER_AMOUNT naming `what`:
// a TypeError for other text, a RangeError at 2^128 or more.
Uint128 parseUint128(std::string_view decimal, const char* what);
// False instead of throwing, for hostile input on the request path.
bool tryParseUint128(std::string_view decimal, Uint128& out) noexcept;
std::string toDecimal(Uint128 value);

struct ChannelConfig {
  Address payer{};
  Address payerAuthorizer{};  // zero: the payer signs (EIP-1271 possible)
  Address receiver{};
  Address receiverAuthorizer{};
  Address token{};
  uint64_t withdrawDelay = 0;  // seconds, uint40
  Hash32 salt{};
};

// One (chainId, contract) pair. The domain separator is computed once, when
// the domain is made; every digest after that costs two Keccak-256 blocks.
class VoucherDomain {
 public:
  // Throws ERR_INVALID_CHAIN_ID (RangeError) for chain id 0.
  VoucherDomain(uint64_t chainId, const Address& verifyingContract);

  uint64_t chainId() const noexcept { return chainId_; }
  const Address& verifyingContract() const noexcept { return verifyingContract_; }
  const Hash32& separator() const noexcept { return separator_; }

  // The digest a payer signs for "up to maxClaimableAmount in total".
  Hash32 voucherDigest(const Hash32& channelId, Uint128 maxClaimableAmount) const noexcept;
  // channelId = EIP-712 hash of the config. Throws ERR_WITHDRAW_DELAY
  // (RangeError) when withdrawDelay does not fit a uint40.
  Hash32 channelId(const ChannelConfig& config) const;

 private:
  uint64_t chainId_;
  Address verifyingContract_;
  Hash32 separator_;
};

// A voucher signature the channel contract can use at claim time: 65 bytes
// r || s || v with v 27 or 28 (the ecrecover precompile refuses 0 and 1,
// which viem would accept), low s (OpenZeppelin's ECDSA refuses high s,
// which viem would also accept), r and s in range. Throws ERR_INVALID_LENGTH,
// ERR_BAD_V, ERR_HIGH_S or ERR_INVALID_SIGNATURE, as parseSignature does.
RecoverableSignature parseVoucherSignature(ByteView bytes65);

// The address that signed this voucher (ERR_RECOVERY_FAILED when none).
Address recoverVoucherSigner(const VoucherDomain& domain, const Hash32& channelId, Uint128 maxClaimableAmount,
                             const RecoverableSignature& signature);

RecoverableSignature signVoucher(const VoucherDomain& domain, const Hash32& channelId, Uint128 maxClaimableAmount,
                                 const PrivateKey& key);

}  // namespace clawpay
