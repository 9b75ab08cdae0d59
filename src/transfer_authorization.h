// EIP-3009 TransferWithAuthorization(address from,address to,uint256 value,
// uint256 validAfter,uint256 validBefore,bytes32 nonce): the struct every
// x402 `exact` payment signs. Its digest is computed here without the general
// EIP-712 encoder (eip712.h): no JSON, a fixed type hash, the domain
// separator kept by the caller. Equal to hashTypedData on the same values.
#pragma once

#include <optional>
#include <string_view>

#include "bytes.h"

namespace clawpay {

struct TransferAuthorization {
  Address from{};
  Address to{};
  Hash32 value{};  // uint256 values as 32-byte big-endian words
  Hash32 validAfter{};
  Hash32 validBefore{};
  Hash32 nonce{};
};

// The six values as text: addresses as parseAddress reads them (EIP-55),
// integers as decimal or 0x-hex digits below 2^256 (as hashTypedData reads an
// integer string), the nonce as "0x" + 64 hex digits. nullopt for anything
// else, never an error: the caller then takes hashTypedData's path, which
// accepts or names the problem as it always has.
std::optional<TransferAuthorization> readTransferAuthorization(std::string_view from, std::string_view to,
                                                               std::string_view value, std::string_view validAfter,
                                                               std::string_view validBefore,
                                                               std::string_view nonce) noexcept;

// keccak256(0x19 0x01 || domainSeparator || hashStruct(authorization)).
Hash32 transferAuthorizationDigest(const Hash32& domainSeparator, const TransferAuthorization& authorization) noexcept;

}  // namespace clawpay
