// Ethereum addresses: parsing with EIP-55 checksum validation, checksummed
// formatting, and derivation from a public key.
#pragma once

#include <string>
#include <string_view>

#include "bytes.h"

namespace clawpay {

// EIP-55 mixed-case form, "0x" + 40 hex.
std::string toChecksumAddress(const Address& address);

// Parses "0x" + 40 hex ("0X" is refused, as viem refuses it). All-lowercase
// and all-uppercase digits are accepted as EIP-55 and viem's getAddress accept
// them (viem's strict isAddress refuses all-uppercase); mixed case must be the
// correct checksum, otherwise throws ERR_BAD_CHECKSUM. Other shapes throw
// ERR_INVALID_ADDRESS. `what` names the parameter in the message.
Address parseAddress(std::string_view text, const char* what);

// keccak256(x || y)[12..32] of an uncompressed public key without its 0x04
// (ERR_INVALID_LENGTH unless 64 bytes; the point is not checked to be on the
// curve — callers pass keys libsecp256k1 produced).
Address addressFromPublicKey(ByteView publicKey64);

}  // namespace clawpay
