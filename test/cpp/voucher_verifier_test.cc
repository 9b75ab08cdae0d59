// The seller's voucher check: one test per verdict, each built from a
// voucher that passes every other check, so the named check alone refuses it.
#include "voucher_verifier.h"

#include <gtest/gtest.h>

#include <string>

#include "address.h"
#include "hex.h"
#include "private_key.h"

namespace clawpay {
namespace {

PrivateKey keyOf(uint8_t fill) {
  std::array<uint8_t, 32> bytes;
  bytes.fill(fill);
  return PrivateKey::fromBytes(bytes);
}

struct Fixture {
  VoucherDomain domain{84532, parseAddress("0x4020074e9dF2ce1deE5A9C1b5c3f541D02a10003", "contract")};
  PrivateKey payer = keyOf(0x21);
  ChannelStanding channel;
  std::string channelIdHex, amountText, signatureHex;

  Fixture() {
    channel.channelId.fill(0x5c);
    channel.signer = payer.address();
    channel.balance = 1'000'000;   // 1 USDC deposited
    channel.totalClaimed = 3'000;  // claimed on chain
    channel.chargedCumulative = 5'000;
    channel.price = 1'000;
    sign(6'000);
  }
  void sign(Uint128 amount, const PrivateKey* key = nullptr) {
    channelIdHex = toHex(channel.channelId);
    amountText = toDecimal(amount);
    signatureHex = toHex(signVoucher(domain, channel.channelId, amount, key ? *key : payer).serialize());
  }
  VoucherCheck check() const { return checkVoucher(domain, {channelIdHex, amountText, signatureHex}, channel); }
};

TEST(VoucherVerifier, AcceptsTheNextCumulativeVoucherOfTheChannelsSigner) {
  Fixture f;
  VoucherCheck check = f.check();
  EXPECT_EQ(check.verdict, VoucherVerdict::Accepted) << check.detail;
  EXPECT_EQ(check.signer, f.payer.address());
  EXPECT_EQ(check.amount, Uint128{6'000});
  EXPECT_EQ(voucherVerdictCode(check.verdict), "accepted");
}

TEST(VoucherVerifier, MalformedFieldsAreRefusedBeforeAnyRecovery) {
  for (auto mutate : std::initializer_list<void (*)(Fixture&)>{
           [](Fixture& f) { f.channelIdHex.pop_back(); },
           [](Fixture& f) { f.channelIdHex[5] = 'g'; },
           [](Fixture& f) { f.amountText = "06000"; },
           [](Fixture& f) { f.amountText = "-6000"; },
           [](Fixture& f) { f.amountText = "340282366920938463463374607431768211456"; },
           [](Fixture& f) { f.signatureHex = f.signatureHex.substr(0, 130); },
           [](Fixture& f) { f.signatureHex[0] = 'X'; },
       }) {
    Fixture f;
    mutate(f);
    VoucherCheck check = f.check();
    EXPECT_EQ(check.verdict, VoucherVerdict::Malformed) << check.detail;
    EXPECT_FALSE(check.signer.has_value());
    EXPECT_EQ(voucherVerdictCode(check.verdict), "malformed");
  }
}

TEST(VoucherVerifier, AVoucherForAnotherChannelIsRefused) {
  Fixture f;
  Hash32 other = f.channel.channelId;
  other[0] ^= 1;
  f.channelIdHex = toHex(other);
  EXPECT_EQ(f.check().verdict, VoucherVerdict::ChannelMismatch);
}

TEST(VoucherVerifier, AVoucherAboveTheDepositIsRefused) {
  Fixture f;
  f.channel.price.reset();
  f.sign(1'000'001);
  EXPECT_EQ(f.check().verdict, VoucherVerdict::AboveDeposit);
  f.sign(1'000'000);  // the whole deposit, exactly
  EXPECT_EQ(f.check().verdict, VoucherVerdict::Accepted);
}

TEST(VoucherVerifier, AVoucherAtOrBelowWhatWasClaimedIsRefused) {
  Fixture f;
  f.channel.price.reset();
  f.channel.chargedCumulative = 0;
  f.sign(3'000);
  EXPECT_EQ(f.check().verdict, VoucherVerdict::BelowClaimed);
  f.sign(3'001);
  EXPECT_EQ(f.check().verdict, VoucherVerdict::Accepted);
}

TEST(VoucherVerifier, WithoutAPriceAVoucherMustRiseAboveTheRunningTotal) {
  Fixture f;
  f.channel.price.reset();
  f.sign(5'000);  // a replay of the last accepted total
  EXPECT_EQ(f.check().verdict, VoucherVerdict::NotAboveTotal);
  f.sign(5'001);
  EXPECT_EQ(f.check().verdict, VoucherVerdict::Accepted);
}

TEST(VoucherVerifier, WithAPriceAVoucherMustBeTheRunningTotalPlusThePrice) {
  Fixture f;
  for (Uint128 amount : {Uint128{5'999}, Uint128{6'001}, Uint128{5'000}}) {
    f.sign(amount);
    VoucherCheck check = f.check();
    EXPECT_EQ(check.verdict, VoucherVerdict::CumulativeMismatch) << toDecimal(amount);
    EXPECT_NE(check.detail.find("running total 5000 plus the price 1000"), std::string::npos) << check.detail;
  }
}

TEST(VoucherVerifier, ARunningTotalPlusPriceBeyondUint128IsAMismatchNotAnOverflow) {
  Fixture f;
  Uint128 max = ~Uint128{0};
  f.channel.balance = max;
  f.channel.chargedCumulative = max - 10;
  f.channel.price = 20;  // total + price wraps past 2^128
  f.sign(9);             // what a wrapped sum would equal
  EXPECT_EQ(f.check().verdict, VoucherVerdict::BelowClaimed);
  f.channel.totalClaimed = 0;
  EXPECT_EQ(f.check().verdict, VoucherVerdict::CumulativeMismatch);
  f.sign(max);
  EXPECT_EQ(f.check().verdict, VoucherVerdict::CumulativeMismatch);
}

TEST(VoucherVerifier, AVoucherSignedByAnotherKeyIsRefusedNamingTheSigner) {
  Fixture f;
  PrivateKey other = keyOf(0x22);
  f.sign(6'000, &other);
  VoucherCheck check = f.check();
  EXPECT_EQ(check.verdict, VoucherVerdict::WrongSigner);
  EXPECT_EQ(check.signer, other.address());
  EXPECT_NE(check.detail.find(toChecksumAddress(other.address())), std::string::npos);
}

TEST(VoucherVerifier, ASignatureOverAnotherAmountRecoversToAStranger) {
  Fixture f;
  std::string signatureFor7000 = (f.sign(7'000), f.signatureHex);
  f.sign(6'000);
  f.signatureHex = signatureFor7000;
  EXPECT_EQ(f.check().verdict, VoucherVerdict::WrongSigner);
}

TEST(VoucherVerifier, SignaturesTheContractWouldRefuseAreBadSignatures) {
  Fixture f;
  std::string good = f.signatureHex;
  f.signatureHex = good.substr(0, 130) + (good.substr(130) == "1b" ? "00" : "01");  // v = 0/1
  EXPECT_EQ(f.check().verdict, VoucherVerdict::BadSignature);
  f.signatureHex = "0x" + std::string(64, '0') + good.substr(66);  // r = 0
  EXPECT_EQ(f.check().verdict, VoucherVerdict::BadSignature);
  f.signatureHex = good.substr(0, 66) + std::string(64, 'f') + good.substr(130);  // s >= n
  EXPECT_EQ(f.check().verdict, VoucherVerdict::BadSignature);
  EXPECT_EQ(voucherVerdictCode(f.check().verdict), "bad_signature");
}

}  // namespace
}  // namespace clawpay
