// EIP-191 personal_sign hashing, and personal signatures equal to viem's.
#include "eip191.h"

#include "test_support.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "address.h"
#include "hex.h"
#include "keccak.h"
#include "private_key.h"
#include "signature.h"

namespace clawpay {
namespace {

// A case's message: text cases store only the text (its bytes are UTF-8).
Bytes messageOf(const nlohmann::json& c) {
  if (c.contains("text")) {
    std::string text = c.at("text");
    return Bytes(text.begin(), text.end());
  }
  return parseHex(c.at("message").get<std::string>()).value();
}

// The definition, written the slow way: one concatenated buffer.
Hash32 hashByDefinition(const std::string& message, size_t declaredLength) {
  std::string whole = std::string("\x19") + "Ethereum Signed Message:\n" +
                      std::to_string(declaredLength) + message;
  return keccak256(asBytes(whole));
}

TEST(HashPersonalMessage, EmptyMessageGivesViemsDigest) {
  EXPECT_EQ(toHex(hashPersonalMessage({})),
            "0x5f35dce98ba4fba25530a026ed80b2cecdaa31091ba4958b99b52ea1d068adad");
}

TEST(HashPersonalMessage, HelloWorldGivesViemsDigest) {
  EXPECT_EQ(toHex(hashPersonalMessage(asBytes("hello world"))),
            "0xd9eba16ed0ecae432b71fe008c98cc872bb4cc214d3220a36f365326cf807d68");
}

TEST(HashPersonalMessage, EqualsTheConcatenatedDefinitionAcrossDigitCountChanges) {
  for (size_t length : {0u, 1u, 9u, 10u, 99u, 100u, 101u, 999u, 1000u, 10000u}) {
    std::string message(length, 'm');
    EXPECT_EQ(hashPersonalMessage(asBytes(message)), hashByDefinition(message, length))
        << "length " << length;
  }
}

TEST(HashPersonalMessage, PrefixCountsUtf8BytesNotCharacters) {
  // "pay 5 € 🦞": 9 characters, 14 UTF-8 bytes.
  std::string message = "pay 5 \xe2\x82\xac \xf0\x9f\xa6\x9e";
  ASSERT_EQ(message.size(), 14u);
  EXPECT_EQ(hashPersonalMessage(asBytes(message)), hashByDefinition(message, 14));
  EXPECT_NE(hashPersonalMessage(asBytes(message)), hashByDefinition(message, 9));
}

TEST(HashPersonalMessage, EmptyViewWithNullDataHashesLikeEmptyMessage) {
  ByteView empty(static_cast<const uint8_t*>(nullptr), 0);
  EXPECT_EQ(hashPersonalMessage(empty), hashByDefinition("", 0));
}

TEST(HashPersonalMessage, EveryViemMessageHashMatches) {
  for (const auto& c : cryptoVectors().at("cases")) {
    EXPECT_EQ(toHex(hashPersonalMessage(messageOf(c))), c.at("messageHash").get<std::string>())
        << c.dump();
  }
}

TEST(PersonalSign, SignaturesAreByteIdenticalToViemSignMessage) {
  for (const auto& c : cryptoVectors().at("cases")) {
    PrivateKey key = PrivateKey::fromBytes(parseHexExact(c.at("privateKey").get<std::string>(), 32, "privateKey"));
    RecoverableSignature signature = key.sign(hashPersonalMessage(messageOf(c)));
    EXPECT_EQ(toHex(signature.serialize()), c.at("messageSignature").get<std::string>());
  }
}

TEST(PersonalSign, ViemSignaturesRecoverToTheSignersAddress) {
  for (const auto& c : cryptoVectors().at("cases")) {
    RecoverableSignature signature =
        parseSignature(parseHexExact(c.at("messageSignature").get<std::string>(), 65, "messageSignature"));
    Address signer = recoverAddress(hashPersonalMessage(messageOf(c)), signature);
    EXPECT_EQ(toChecksumAddress(signer), c.at("address").get<std::string>());
  }
}

}  // namespace
}  // namespace clawpay
