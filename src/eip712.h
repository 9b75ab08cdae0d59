// EIP-712 typed structured data hashing, with the full type system: nested
// structs, dynamic / fixed-size / nested arrays, bytes, bytesN, intN/uintN
// (range-checked), bool, address (checksum-checked), string; any subset of
// the domain fields. Results equal viem's hashTypedData.
#pragma once

#include <string_view>

#include <nlohmann/json.hpp>

#include "bytes.h"
#include "json_document.h"

namespace clawpay {

// `typedData` is {types, primaryType, domain, message} as JSON. Integers are
// JSON integers, or strings in decimal or 0x-hex; bytes are 0x-hex strings.
// types.EIP712Domain, when absent, is derived from the domain fields present
// (name, version, chainId, verifyingContract, salt — in that order), as viem
// does. primaryType "EIP712Domain" hashes the domain alone. Throws
// clawpay::Error with a message naming the offending type / field path.
Hash32 hashTypedData(const JsonValue& typedData);
Hash32 hashTypedData(const nlohmann::json& typedData);  // the same, for a parsed nlohmann::json

// The separator hashTypedData uses for a document with this `domain` and no
// types.EIP712Domain: hashStruct under the type derived from the fields
// present. Throws as hashTypedData does for a bad domain value.
Hash32 domainSeparatorOf(const JsonValue& domain);

// keccak256(0x19 0x01 || domainSeparator || structHash): the digest EIP-712
// signs, for callers that hash a fixed struct themselves (channel_voucher.h).
Hash32 typedDataDigest(const Hash32& domainSeparator, const Hash32& structHash) noexcept;

// The JSON text the JS layer sends, read for hashTypedData; throws
// ERR_EIP712_TYPE "typedData is not valid JSON" for anything that is not JSON.
JsonDocument parseTypedDataJson(std::string_view text);

}  // namespace clawpay
