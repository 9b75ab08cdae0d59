// Ethereum addresses: parsing with EIP-55 checksum validation, checksummed
// formatting, and derivation from a public key.
#pragma once

#include <string>
#include <string_view>

#include "bytes.h"

namespace clawpay {

// EIP-55 mixed-case form, "0x" + 40 hex.
std::string toChecksumAddress(const Address& address);

// Parses "0x" + 40 hex. All-lowercase and all-uppercase digits are accepted
// as-is; mixed case must be the correct EIP-55 checksum (as viem's getAddress
// and isAddress require), otherwise throws ERR_BAD_CHECKSUM. Other shapes
// throw ERR_INVALID_ADDRESS. `what` names the parameter in the message.
Address parseAddress(std::string_view text, const char* what);

// keccak256(x || y)[12..32] of an uncompressed public key without its 0x04.
Address addressFromPublicKey(ByteView publicKey64);

}  // namespace clawpay
