// Batch-settlement vouchers: digest and channel id against the official
// package's values (computed with @x402/evm's computeChannelId and viem's
// hashTypedData / signTypedData), against our general EIP-712 encoder on
// random inputs, amount parsing at the uint128 edges, and the signature rules
// the channel contract imposes (v 27/28, low s).
#include "channel_voucher.h"

#include "test_support.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

#include "address.h"
#include "eip712.h"
#include "error.h"
#include "hex.h"
#include "private_key.h"

namespace clawpay {
namespace {

constexpr const char* kBatchSettlementAddress = "0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003";
constexpr const char* kMaxUint128 = "340282366920938463463374607431768211455";

template <size_t N>
std::array<uint8_t, N> fromHex(const std::string& hex) {
  Bytes bytes = parseHexExact(hex, N, "value");
  std::array<uint8_t, N> out;
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return out;
}

PrivateKey keyOf(uint8_t fill) {
  std::array<uint8_t, 32> bytes;
  bytes.fill(fill);
  return PrivateKey::fromBytes(bytes);
}

VoucherDomain baseDomain() { return VoucherDomain(8453, parseAddress(kBatchSettlementAddress, "contract")); }

// The config behind the official package's vector below.
ChannelConfig officialConfig() {
  ChannelConfig config;
  config.payer.fill(0x01);
  config.payerAuthorizer = keyOf(0x11).address();
  config.receiver.fill(0x03);
  config.receiverAuthorizer.fill(0x04);
  config.token = parseAddress("0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913", "token");
  config.withdrawDelay = 900;
  config.salt[31] = 0x07;
  return config;
}

TEST(ChannelVoucher, ChannelIdEqualsTheOfficialPackagesComputeChannelId) {
  EXPECT_EQ(toHex(baseDomain().channelId(officialConfig())),
            "0xb2afd3e53d337f0f0459a95ba189d142a0ce2b7d35e9288aceee88a7edf9483b");
}

TEST(ChannelVoucher, DigestAndSignatureEqualViemAtTheLargestUint128) {
  VoucherDomain domain = baseDomain();
  Hash32 channelId = domain.channelId(officialConfig());
  Uint128 amount = parseUint128(kMaxUint128, "amount");
  EXPECT_EQ(toHex(domain.voucherDigest(channelId, amount)),
            "0x55bb9fc6f004ce20ac448632f0211a5206b5652b584acc75eeb61c53c934e358");
  EXPECT_EQ(toHex(signVoucher(domain, channelId, amount, keyOf(0x11)).serialize()),
            "0x18f2eecb3b4f0773d436fef9abcd60cadfa89c79c7f5fbb7aec9cbadc92b4e53266510dd7eea0385fbebd2078737d0c8c6017efa"
            "6e0850856cee52174af7d5ed1c");
}

nlohmann::json domainJson(uint64_t chainId, const Address& contract) {
  return {{"name", "x402 Batch Settlement"},
          {"version", "1"},
          {"chainId", chainId},
          {"verifyingContract", toChecksumAddress(contract)}};
}

template <size_t N>
std::array<uint8_t, N> randomBytes(std::mt19937_64& rng) {
  std::array<uint8_t, N> out;
  for (auto& b : out) b = static_cast<uint8_t>(rng());
  return out;
}

Uint128 randomAmount(std::mt19937_64& rng) {
  Uint128 value = (static_cast<Uint128>(rng()) << 64) | rng();
  return value >> (rng() % 128);  // every magnitude, up to 2^128 - 1
}

TEST(ChannelVoucher, EqualsTheGeneralEip712EncoderOnRandomInputs) {
  const uint64_t seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  for (int i = 0; i < 200; ++i) {
    uint64_t chainId = 1 + rng() % ((uint64_t{1} << 53) - 1);
    Address contract = randomBytes<20>(rng);
    VoucherDomain domain(chainId, contract);
    ChannelConfig config;
    config.payer = randomBytes<20>(rng);
    config.payerAuthorizer = randomBytes<20>(rng);
    config.receiver = randomBytes<20>(rng);
    config.receiverAuthorizer = randomBytes<20>(rng);
    config.token = randomBytes<20>(rng);
    config.withdrawDelay = rng() % (kMaxWithdrawDelay + 1);
    config.salt = randomBytes<32>(rng);
    nlohmann::json channel = {
        {"types",
         {{"ChannelConfig",
           {{{"name", "payer"}, {"type", "address"}},
            {{"name", "payerAuthorizer"}, {"type", "address"}},
            {{"name", "receiver"}, {"type", "address"}},
            {{"name", "receiverAuthorizer"}, {"type", "address"}},
            {{"name", "token"}, {"type", "address"}},
            {{"name", "withdrawDelay"}, {"type", "uint40"}},
            {{"name", "salt"}, {"type", "bytes32"}}}}}},
        {"primaryType", "ChannelConfig"},
        {"domain", domainJson(chainId, contract)},
        {"message",
         {{"payer", toChecksumAddress(config.payer)},
          {"payerAuthorizer", toChecksumAddress(config.payerAuthorizer)},
          {"receiver", toChecksumAddress(config.receiver)},
          {"receiverAuthorizer", toChecksumAddress(config.receiverAuthorizer)},
          {"token", toChecksumAddress(config.token)},
          {"withdrawDelay", std::to_string(config.withdrawDelay)},
          {"salt", toHex(config.salt)}}}};
    Hash32 channelId = domain.channelId(config);
    ASSERT_EQ(toHex(channelId), toHex(hashTypedData(channel)));

    Uint128 amount = randomAmount(rng);
    nlohmann::json voucher = {
        {"types",
         {{"Voucher",
           {{{"name", "channelId"}, {"type", "bytes32"}}, {{"name", "maxClaimableAmount"}, {"type", "uint128"}}}}}},
        {"primaryType", "Voucher"},
        {"domain", domainJson(chainId, contract)},
        {"message", {{"channelId", toHex(channelId)}, {"maxClaimableAmount", toDecimal(amount)}}}};
    ASSERT_EQ(toHex(domain.voucherDigest(channelId, amount)), toHex(hashTypedData(voucher)));
  }
}

TEST(ChannelVoucher, TheChannelIdBindsTheChainAndTheContract) {
  ChannelConfig config = officialConfig();
  Address contract = parseAddress(kBatchSettlementAddress, "contract");
  Address other = contract;
  other[19] ^= 1;
  Hash32 base = VoucherDomain(8453, contract).channelId(config);
  EXPECT_NE(base, VoucherDomain(84532, contract).channelId(config));
  EXPECT_NE(base, VoucherDomain(8453, other).channelId(config));
  config.salt[0] ^= 1;
  EXPECT_NE(base, VoucherDomain(8453, contract).channelId(config));
}

TEST(ChannelVoucher, SignAndRecoverRoundTripToTheSignersAddress) {
  VoucherDomain domain = baseDomain();
  PrivateKey key = keyOf(0x42);
  Hash32 channelId{};
  channelId[0] = 0xab;
  for (Uint128 amount : {Uint128{0}, Uint128{1}, Uint128{1000000}, parseUint128(kMaxUint128, "a")}) {
    RecoverableSignature signature = signVoucher(domain, channelId, amount, key);
    EXPECT_EQ(recoverVoucherSigner(domain, channelId, amount, signature), key.address());
    EXPECT_NE(recoverVoucherSigner(domain, channelId, amount + 1, signature), key.address());
  }
}

TEST(ChannelVoucher, AmountsParseAsUint128InOneSpelling) {
  EXPECT_EQ(parseUint128("0", "a"), Uint128{0});
  EXPECT_EQ(toDecimal(parseUint128(kMaxUint128, "a")), kMaxUint128);
  EXPECT_EQ(toDecimal(parseUint128("1000000", "a")), "1000000");
  EXPECT_EQ(captureError([] { parseUint128("340282366920938463463374607431768211456", "amount"); }).code(),
            "ERR_VOUCHER_AMOUNT");
  EXPECT_EQ(captureError([] { parseUint128("340282366920938463463374607431768211456", "amount"); }).kind(),
            ErrorKind::Range);
  for (const char* bad : {"", "01", "-1", "+1", " 1", "1 ", "0x10", "1e6", "1.5"}) {
    Uint128 out = 7;
    EXPECT_FALSE(tryParseUint128(bad, out)) << bad;
    EXPECT_EQ(out, Uint128{7}) << bad;
    EXPECT_EQ(captureError([&] { parseUint128(bad, "amount"); }).kind(), ErrorKind::Type) << bad;
  }
}

TEST(ChannelVoucher, ChainIdZeroAndWithdrawDelayBeyondUint40AreRefused) {
  Address contract{};
  EXPECT_EQ(captureError([&] { VoucherDomain(0, contract); }).code(), "ERR_INVALID_CHAIN_ID");
  ChannelConfig config = officialConfig();
  config.withdrawDelay = kMaxWithdrawDelay;
  EXPECT_NO_THROW(baseDomain().channelId(config));
  config.withdrawDelay = kMaxWithdrawDelay + 1;
  EXPECT_EQ(captureError([&] { baseDomain().channelId(config); }).code(), "ERR_WITHDRAW_DELAY");
}

std::array<uint8_t, 65> signedBytes(const VoucherDomain& domain, const Hash32& channelId, Uint128 amount) {
  return signVoucher(domain, channelId, amount, keyOf(0x11)).serialize();
}

TEST(ChannelVoucher, SignaturesTheContractCannotUseAreRefused) {
  VoucherDomain domain = baseDomain();
  Hash32 channelId{};
  auto good = signedBytes(domain, channelId, 5);
  EXPECT_NO_THROW(parseVoucherSignature(good));

  auto zeroOne = good;
  zeroOne[64] -= 27;  // viem accepts v = 0/1; ecrecover does not
  EXPECT_EQ(captureError([&] { parseVoucherSignature(zeroOne); }).code(), "ERR_BAD_V");

  // The high-s twin recovers to the same address in viem; OpenZeppelin's ECDSA refuses it.
  auto high = good;
  static const auto n = fromHex<32>("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int d = n[i] - good[32 + i] - borrow;
    borrow = d < 0;
    high[32 + i] = static_cast<uint8_t>(d + (borrow ? 256 : 0));
  }
  high[64] = good[64] == 27 ? 28 : 27;
  EXPECT_EQ(captureError([&] { parseVoucherSignature(high); }).code(), "ERR_HIGH_S");

  EXPECT_EQ(captureError([&] { parseVoucherSignature(ByteView(good.data(), 64)); }).code(), "ERR_INVALID_LENGTH");
  auto zeroR = good;
  std::fill(zeroR.begin(), zeroR.begin() + 32, 0);
  EXPECT_EQ(captureError([&] { parseVoucherSignature(zeroR); }).code(), "ERR_INVALID_SIGNATURE");
}

}  // namespace
}  // namespace clawpay
