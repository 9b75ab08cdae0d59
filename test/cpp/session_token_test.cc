// Session tokens: a fixed vector made by ClawPay 1.1's algorithm with viem,
// and every verdict.
#include "session_token.h"

#include "test_support.h"

#include <gtest/gtest.h>

#include "address.h"
#include "base64url.h"
#include "error.h"
#include "hex.h"

namespace clawpay {
namespace {

constexpr char kKey[] = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
constexpr char kSignerAddress[] = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23";
constexpr int64_t kCreated = 1708538400;
constexpr int64_t kExpires = 1708542000;

// ClawPay 1.1's token for payloadFixture() and kKey (viem signMessage).
constexpr char kReferenceToken[] =
    "eyJjcmVhdGVkQXQiOjE3MDg1Mzg0MDAsImVuZHBvaW50IjoiaHR0cHM6Ly9hcGkuZXhhbXBsZS5jb20vdjEiLCJleHBpcmVzQXQiOjE3"
    "MDg1NDIwMDAsInBheW1lbnRBbW91bnQiOiIxMDAwMDAwIiwicGF5bWVudFR4SGFzaCI6IjB4YWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFi"
    "YWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYmFiYWJhYiIsInNjb3BlIjoicHJlZml4Iiwic2Vzc2lvbklkIjoiM2IyNDEx"
    "MDEtZTJiYi00MjU1LThjYWYtNDEzNmM1NjZhOTYyIiwidmVyc2lvbiI6ImNsYXdwYXkvMS4xIiwid2FsbGV0QWRkcmVzcyI6IjB4MmM3"
    "NTM2RTM2MDVEOUMxNmE3YTNEN2IxODk4ZTUyOTM5NmE2NWMyMyJ9.0x6a7f895ea234126542b745aa2fbecdc6497296da72bd9ab48ca"
    "b7e631935cfce106072b4813b0e64db47307fb934bbe5265470aed209b3125e276d3ad2326c6a1b";

PrivateKey key() { return PrivateKey::fromBytes(*parseHex(std::string("0x") + kKey)); }

SessionTokenPayload payloadFixture() {
  SessionTokenPayload p;
  p.version = "clawpay/1.1";
  p.sessionId = "3b241101-e2bb-4255-8caf-4136c566a962";
  p.walletAddress = kSignerAddress;
  p.endpoint = "https://api.example.com/v1";
  p.scope = "prefix";
  p.createdAt = kCreated;
  p.expiresAt = kExpires;
  p.paymentTxHash = "0x" + std::string(64, 'a');
  for (size_t i = 3; i < p.paymentTxHash.size(); i += 2) p.paymentTxHash[i] = 'b';
  p.paymentAmount = "1000000";
  return p;
}

TokenCheck at(int64_t now) {
  TokenCheck c;
  c.now = now;
  return c;
}

TEST(SessionToken, BuildsTheSameTokenAsClawPay11) {
  EXPECT_EQ(buildSessionToken(payloadFixture(), key()).token, kReferenceToken);
}

TEST(SessionToken, CanonicalJsonEscapesLikeJsonStringify) {
  auto p = payloadFixture();
  p.endpoint = "https://x.example/\xC3\xA9\"\\\n\x01\xED\xA0\x80\xF0\x9F\x98\x80";  // é " \ LF U+0001 lone D800 😀
  auto t = buildSessionToken(p, key());
  EXPECT_NE(t.canonicalJson.find(R"("endpoint":"https://x.example/)"
                                 "\xC3\xA9"
                                 R"(\"\\\n\u0001\ud800)"
                                 "\xF0\x9F\x98\x80\""),
            std::string::npos)
      << t.canonicalJson;
  // ClawPay (viem) signature for this payload and key.
  EXPECT_EQ(t.signature,
            "0x317c4b7286f257b4a735bd12f335ec2c631723c191d40c94e63f9aa6feecb8dc21a86606c20c47aa70dfa741caf55916de"
            "1239c00051c49aa2162626dc5f322e1c");
}

TEST(SessionToken, DecodeReturnsThePayloadAndSignature) {
  auto d = decodeSessionToken(kReferenceToken);
  EXPECT_EQ(d.payload.endpoint, "https://api.example.com/v1");
  EXPECT_EQ(d.payload.expiresAt, kExpires);
  EXPECT_EQ(toHex(d.signature).substr(0, 10), "0x6a7f895e");
  EXPECT_EQ(canonicalSessionJson(d.payload), d.canonicalJson);
}

TEST(SessionToken, VerifiesWithSignerWalletAndUrl) {
  TokenCheck c = at(kCreated);
  c.wallet = parseAddress(kSignerAddress, "wallet");
  c.url = "https://api.example.com/v1/search?q=1";
  auto v = verifySessionToken(kReferenceToken, c);
  EXPECT_EQ(v.verdict, TokenVerdict::Valid) << v.detail;
  EXPECT_EQ(toChecksumAddress(*v.signer), kSignerAddress);
}

TEST(SessionToken, RecoverIsTheTokenOnlyHalfAndCheckThePerRequestHalf) {
  TokenVerification recovered = recoverSessionToken(kReferenceToken);
  ASSERT_EQ(recovered.verdict, TokenVerdict::Valid) << recovered.detail;
  EXPECT_EQ(toChecksumAddress(*recovered.signer), kSignerAddress);
  // Recovery knows nothing of time, wallet or URL: an expired token recovers.
  TokenCheck late = at(kExpires + 1);
  late.wallet = parseAddress(kSignerAddress, "wallet");
  late.url = "https://api.example.com/v1/x";
  TokenVerification expired = recovered;
  checkSessionToken(expired, late);
  EXPECT_EQ(expired.verdict, TokenVerdict::Expired);
  for (TokenCheck c : {at(kCreated), at(kExpires), late}) {
    TokenVerification split = recoverSessionToken(kReferenceToken);
    checkSessionToken(split, c);
    TokenVerification whole = verifySessionToken(kReferenceToken, c);
    EXPECT_EQ(split.verdict, whole.verdict);
    EXPECT_EQ(split.detail, whole.detail);
  }
  // A first-half failure stays as it is.
  TokenVerification bad = recoverSessionToken("x.y");
  ASSERT_EQ(bad.verdict, TokenVerdict::Malformed);
  checkSessionToken(bad, at(kCreated));
  EXPECT_EQ(bad.verdict, TokenVerdict::Malformed);
}

TEST(SessionToken, ADetailQuotingALoneSurrogateIsValidUtf8WithUFFFDPerByte) {
  std::string json = "{\"\\ud800x\":1}";
  std::string token = base64UrlEncode(asBytes(json)) + ".0x" + std::string(130, 'a');
  TokenVerification v = recoverSessionToken(token);
  EXPECT_EQ(v.verdict, TokenVerdict::Malformed);
  EXPECT_EQ(v.detail, "Malformed session token: unknown field \"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBDx\"");
}

TEST(SessionToken, ExpiredFromExpiresAtOn) {
  EXPECT_EQ(verifySessionToken(kReferenceToken, at(kExpires - 1)).verdict, TokenVerdict::Valid);
  EXPECT_EQ(verifySessionToken(kReferenceToken, at(kExpires)).verdict, TokenVerdict::Expired);
}

TEST(SessionToken, WrongSignerWhenAnotherWalletIsRequired) {
  TokenCheck c = at(kCreated);
  c.wallet = parseAddress("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "wallet");
  EXPECT_EQ(verifySessionToken(kReferenceToken, c).verdict, TokenVerdict::WrongSigner);
}

TEST(SessionToken, OutOfScopeForConfusableUrls) {
  for (const char* url : {"https://api.example.com.evil.io/", "https://api.example.com@evil.io/",
                          "https://api.example.com/v10", "https://api.example.com/v1/../admin",
                          "http://api.example.com/v1"}) {
    TokenCheck c = at(kCreated);
    c.url = url;
    EXPECT_EQ(verifySessionToken(kReferenceToken, c).verdict, TokenVerdict::OutOfScope) << url;
  }
}

TEST(SessionToken, UnsupportedVersionIsReported) {
  auto p = payloadFixture();
  p.version = "clawpay/2.0";
  EXPECT_EQ(verifySessionToken(buildSessionToken(p, key()).token, at(kCreated)).verdict,
            TokenVerdict::UnsupportedVersion);
}

TEST(SessionToken, BadSignatureForBadVAndHighS) {
  std::string token = kReferenceToken;
  std::string badV = token.substr(0, token.size() - 2) + "1d";
  EXPECT_EQ(verifySessionToken(badV, at(kCreated)).verdict, TokenVerdict::BadSignature);
  // s -> n - s with v flipped recovers the same key in permissive
  // libraries; we refuse it.
  size_t dot = token.find('.');
  auto sig = *parseHex(token.substr(dot + 1));
  static const uint8_t n[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
                                0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
  int borrow = 0;
  for (int i = 31; i >= 0; --i) {
    int d = n[i] - sig[32 + i] - borrow;
    borrow = d < 0;
    sig[32 + i] = static_cast<uint8_t>(d + (borrow ? 256 : 0));
  }
  sig[64] = sig[64] == 27 ? 28 : 27;
  EXPECT_EQ(verifySessionToken(token.substr(0, dot + 1) + toHex(sig), at(kCreated)).verdict,
            TokenVerdict::BadSignature);
}

TEST(SessionToken, MalformedTokensAreRefusedWithoutThrowing) {
  std::string token = kReferenceToken;
  size_t dot = token.find('.');
  std::string body = token.substr(0, dot), sig = token.substr(dot + 1);
  auto json = *base64UrlDecode(body);
  auto rebody = [&](const std::string& j) { return base64UrlEncode(asBytes(j)) + "." + sig; };
  std::string reordered = json;
  reordered.replace(reordered.find("\"createdAt\":1708538400,"), 23, "");
  reordered.insert(reordered.size() - 1, ",\"createdAt\":1708538400");
  for (const std::string& bad :
       {std::string(), body, token + ".x", body + "=." + sig, body + "." + sig.substr(0, 131),
        body + ".0X" + sig.substr(2), std::string(20000, 'A') + "." + sig,
        rebody(json.substr(0, json.size() - 1)), rebody(reordered), rebody("{}"), rebody("[]"),
        rebody(std::string(json).insert(1, "\"x\":\"y\",")), rebody(std::string(json).insert(1, " "))}) {
    auto v = verifySessionToken(bad, at(kCreated));
    EXPECT_EQ(v.verdict, TokenVerdict::Malformed) << bad.substr(0, 60);
    EXPECT_FALSE(v.detail.empty());
    EXPECT_THROW(decodeSessionToken(bad), Error);
  }
}

TEST(SessionToken, ASurrogatePairSplitAcrossAnEscapeIsAMalformedToken) {
  std::string json = R"({"createdAt":1,"endpoint":"https://a.example/","expiresAt":2,"paymentAmount":"1",)"
                     R"("paymentTxHash":"0x","scope":"prefix","sessionId":"\ud800)" "\xED\xB0\x80"
                     R"(","version":"clawpay/1.1","walletAddress":"w"})";
  std::string token = base64UrlEncode(asBytes(json)) + ".0x" + std::string(128, '1') + "1b";
  EXPECT_EQ(captureError([&] { decodeSessionToken(token); }).code(), "ERR_MALFORMED_TOKEN");
  EXPECT_EQ(verifySessionToken(token, at(1)).verdict, TokenVerdict::Malformed);
}

TEST(SessionToken, BatchEqualsOneByOneOnAnyThreadCount) {
  std::vector<std::string> tokens;
  for (int i = 0; i < 64; ++i) {
    auto p = payloadFixture();
    p.expiresAt = kCreated + (i % 3) - 1;
    tokens.push_back(i % 5 == 0 ? std::string("junk") : buildSessionToken(p, key()).token);
  }
  for (unsigned threads : {1u, 2u, 0u, 200u, 4000000000u}) {
    auto batch = verifySessionTokens(tokens, at(kCreated), threads);
    ASSERT_EQ(batch.size(), tokens.size());
    for (size_t i = 0; i < tokens.size(); ++i) {
      EXPECT_EQ(batch[i].verdict, verifySessionToken(tokens[i], at(kCreated)).verdict) << i;
    }
  }
  EXPECT_TRUE(verifySessionTokens({}, at(0), 2).empty());
}

}  // namespace
}  // namespace clawpay
