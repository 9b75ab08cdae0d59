// EIP-3009 TransferWithAuthorization's own digest against the general EIP-712
// encoder on random inputs, and the reader's refusals (nullopt, never an
// error: the general path then names the problem).
#include "transfer_authorization.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "address.h"
#include "eip712.h"
#include "hex.h"

namespace clawpay {
namespace {

constexpr const char* kFrom = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
constexpr const char* kTo = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
constexpr const char* kNonce = "0x1111111111111111111111111111111111111111111111111111111111111111";
constexpr const char* kMaxUint256 =
    "115792089237316195423570985008687907853269"
    "984665640564039457584007913129639935";

std::string randomHex(std::mt19937_64& rng, size_t bytes) {
  Bytes out(bytes);
  for (uint8_t& b : out) b = static_cast<uint8_t>(rng());
  return toHex(out);
}

std::string document(const std::string& domain, const std::string& from, const std::string& to,
                     const std::string& value, const std::string& validAfter, const std::string& validBefore,
                     const std::string& nonce) {
  return R"({"types":{"TransferWithAuthorization":[{"name":"from","type":"address"},{"name":"to","type":"address"},)"
         R"({"name":"value","type":"uint256"},{"name":"validAfter","type":"uint256"},)"
         R"({"name":"validBefore","type":"uint256"},{"name":"nonce","type":"bytes32"}]},)"
         R"("primaryType":"TransferWithAuthorization","domain":)" +
         domain + R"(,"message":{"from":")" + from + R"(","to":")" + to + R"(","value":")" + value +
         R"(","validAfter":")" + validAfter + R"(","validBefore":")" + validBefore + R"(","nonce":")" + nonce +
         R"("}})";
}

TEST(TransferAuthorization, DigestEqualsTheGeneralEncoderOnRandomInputs) {
  std::mt19937_64 rng(20261207);
  for (int i = 0; i < 200; ++i) {
    std::string from = toChecksumAddress(parseAddress(randomHex(rng, 20), "from"));
    std::string to = i % 2 ? randomHex(rng, 20) : toChecksumAddress(parseAddress(randomHex(rng, 20), "to"));
    std::string value = i == 0 ? kMaxUint256 : std::to_string(rng());
    std::string validAfter = i % 3 ? "0" : "0x" + std::to_string(rng() % 1000);
    std::string validBefore = std::to_string(rng() % 4000000000ULL);
    std::string nonce = randomHex(rng, 32);
    std::string domain = R"({"name":"USD Coin","version":"2","chainId":)" + std::to_string(1 + rng() % 100000) +
                         R"(,"verifyingContract":")" + randomHex(rng, 20) + "\"" +
                         (i % 5 == 0 ? R"(,"salt":")" + randomHex(rng, 32) + "\"" : std::string()) + "}";
    JsonDocument typedData = parseTypedDataJson(document(domain, from, to, value, validAfter, validBefore, nonce));
    JsonDocument domainJson = parseTypedDataJson(domain);

    auto authorization = readTransferAuthorization(from, to, value, validAfter, validBefore, nonce);
    ASSERT_TRUE(authorization.has_value()) << i;
    EXPECT_EQ(toHex(transferAuthorizationDigest(domainSeparatorOf(domainJson.root()), *authorization)),
              toHex(hashTypedData(typedData.root())))
        << i;
  }
}

TEST(TransferAuthorization, TheReaderStepsAsideForWhatItDoesNotTake) {
  auto read = [](const char* from, const char* value, const char* nonce) {
    return readTransferAuthorization(from, kTo, value, "0", "1", nonce).has_value();
  };
  EXPECT_TRUE(read(kFrom, "10000", kNonce));
  EXPECT_TRUE(read(kFrom, kMaxUint256, kNonce));
  EXPECT_TRUE(read("0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266", "0x2710", kNonce));
  EXPECT_FALSE(read("0xF39fd6e51aad88F6F4ce6aB8827279cffFb92266", "1",
                    kNonce));  // bad checksum
  EXPECT_FALSE(read("0xf39fd6e51aad88f6f4ce6ab8827279cfffb9226", "1",
                    kNonce));  // 39 digits
  EXPECT_FALSE(read(kFrom, "-1", kNonce));
  EXPECT_FALSE(read(kFrom, " 1", kNonce));
  EXPECT_FALSE(read(kFrom, "", kNonce));
  // 2^256
  EXPECT_FALSE(read(kFrom,
                    "1157920892373161954235709850086879078532699846656405640394"
                    "57584007913129639936",
                    kNonce));
  EXPECT_FALSE(read(kFrom, "1", "0x11"));
  EXPECT_FALSE(read(kFrom, "1", "0X1111111111111111111111111111111111111111111111111111111111111111"));
  EXPECT_FALSE(read(kFrom, "1", "0x111111111111111111111111111111111111111111111111111111111111111g"));
}

}  // namespace
}  // namespace clawpay
