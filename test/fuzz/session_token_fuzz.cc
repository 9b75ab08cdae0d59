// libFuzzer target: decodeSessionToken / verifySessionToken on arbitrary
// bytes as a token, plus the same checks on the fuzzed payload re-signed with
// a fixed key (a fuzzer cannot forge signatures, so without re-signing it
// would never get past the signature check into expiry/scope).
//
// Properties beyond "no crash":
//  - verifySessionToken never throws;
//  - decodeSessionToken returns or throws clawpay::Error ERR_MALFORMED_TOKEN;
//  - decode succeeds exactly when the verdict is not Malformed;
//  - the one-pass canonical reader and the general reading accept the same
//    payload texts, with the same payload;
//  - a decoded token is the one canonical spelling of its payload:
//    canonicalSessionJson(payload) == canonicalJson and
//    base64url(canonicalJson) + "." + signature == token;
//  - Valid implies decoded, signer == wallet, now < expiresAt, URL in scope;
//  - the verdicts of the re-signed token follow from the payload.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "base64url.h"
#include "canonical_session_reader.h"
#include "error.h"
#include "hex.h"
#include "private_key.h"
#include "session_token.h"
#include "url_scope.h"

using namespace clawpay;

namespace {

// Anvil / Hardhat account #0 (a public test key): 0xf39F…2266.
constexpr uint8_t kKey[32] = {0xac, 0x09, 0x74, 0xbe, 0xc3, 0x9a, 0x17, 0xe3, 0x6b, 0xa4, 0xa6,
                              0xb4, 0xd2, 0x38, 0xff, 0x94, 0x4b, 0xac, 0xb4, 0x78, 0xcb, 0xed,
                              0x5e, 0xfc, 0xae, 0x78, 0x4d, 0x7b, 0xf4, 0xf2, 0xff, 0x80};
constexpr int64_t kNow = 1700000000;
constexpr const char* kUrl = "https://api.example.com/v1/weather?city=paris";

[[noreturn]] void fail(const char* what, std::string_view token) {
  std::fprintf(stderr, "PROPERTY VIOLATION: %s\n  token (%zu bytes): %.*s\n", what, token.size(),
               static_cast<int>(token.size() > 2000 ? 2000 : token.size()), token.data());
  std::abort();
}

const PrivateKey& key() {
  static PrivateKey k = PrivateKey::fromBytes(ByteView(kKey, sizeof kKey));
  return k;
}

const TokenCheck& check() {
  static TokenCheck c = [] {
    TokenCheck t;
    t.now = kNow;
    t.wallet = key().address();
    t.url = kUrl;
    return t;
  }();
  return c;
}

TokenVerification verifyOrDie(std::string_view token, const TokenCheck& c) {
  try {
    return verifySessionToken(token, c);
  } catch (...) {
    fail("verifySessionToken threw", token);
  }
}

bool samePayload(const SessionTokenPayload& a, const SessionTokenPayload& b) {
  return a.version == b.version && a.sessionId == b.sessionId && a.walletAddress == b.walletAddress &&
         a.endpoint == b.endpoint && a.scope == b.scope && a.createdAt == b.createdAt &&
         a.expiresAt == b.expiresAt && a.paymentTxHash == b.paymentTxHash && a.paymentAmount == b.paymentAmount;
}

// The verdict a token signed by key() must get, given its (decodable) payload.
TokenVerdict expectedVerdict(const SessionTokenPayload& p) {
  if (p.version != kSessionTokenVersion) return TokenVerdict::UnsupportedVersion;
  if (kNow >= p.expiresAt) return TokenVerdict::Expired;
  if (!scopeCovers(p.endpoint, *parseScope(p.scope), kUrl)) return TokenVerdict::OutOfScope;
  return TokenVerdict::Valid;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view token(reinterpret_cast<const char*>(data), size);

  const TokenVerification v = verifyOrDie(token, check());
  TokenCheck loose;  // no wallet, no URL
  loose.now = kNow;
  const TokenVerification lv = verifyOrDie(token, loose);

  std::optional<DecodedSessionToken> decoded;
  try {
    decoded = decodeSessionToken(token);
  } catch (const Error& e) {
    if (e.code() != "ERR_MALFORMED_TOKEN") {
      std::fprintf(stderr, "decode threw %s: %s\n", e.code().c_str(), e.what());
      fail("decodeSessionToken threw a code other than ERR_MALFORMED_TOKEN", token);
    }
  } catch (...) {
    fail("decodeSessionToken threw something other than clawpay::Error", token);
  }

  if (decoded.has_value() != (v.verdict != TokenVerdict::Malformed)) fail("decode and verify disagree", token);
  if (decoded.has_value() != v.decoded.has_value()) fail("verify's decoded disagrees with decode", token);
  if (v.verdict == TokenVerdict::Valid) {
    if (!v.signer || *v.signer != key().address()) fail("Valid but signer is not the wallet", token);
    if (!(kNow < decoded->payload.expiresAt)) fail("Valid but expired", token);
    if (!scopeCovers(decoded->payload.endpoint, *parseScope(decoded->payload.scope), kUrl)) {
      fail("Valid but URL out of scope", token);
    }
  }
  if (lv.verdict == TokenVerdict::WrongSigner || lv.verdict == TokenVerdict::OutOfScope) {
    fail("loose check (no wallet, no url) gave wrong_signer/out_of_scope", token);
  }
  // The one-pass canonical reader decode uses accepts exactly what the
  // general reading (flat parse, fields, scope, rebuild and compare) accepts,
  // with the same payload; the payload part is tried both as it is and as
  // base64url (tokens carry it encoded).
  const size_t dot = token.find('.');
  const std::string_view head = token.substr(0, dot);
  const auto json = base64UrlDecode(head);
  for (std::string_view text : {head, json ? std::string_view(*json) : head}) {
    SessionTokenPayload fast;
    const bool fastAccepts = readCanonicalSessionJson(text, fast) && parseScope(fast.scope);
    std::optional<SessionTokenPayload> general;
    try {
      general = readSessionJsonGenerally(text);
    } catch (const Error&) {
    }
    if (fastAccepts != general.has_value()) fail("canonical reader and general reading disagree", text);
    if (fastAccepts && !samePayload(fast, *general)) fail("canonical reader read another payload", text);
  }
  if (!decoded) return 0;

  // One payload, one spelling.
  std::string canonical;
  try {
    canonical = canonicalSessionJson(decoded->payload);
  } catch (...) {
    fail("canonicalSessionJson threw on a decoded payload", token);
  }
  if (canonical != decoded->canonicalJson) fail("canonicalSessionJson(decoded) != decoded canonicalJson", token);
  if (base64UrlEncode(asBytes(canonical)) + "." + toHex(decoded->signature) != token) {
    fail("decoded token is not the canonical spelling of its payload", token);
  }
  if (v.decoded->canonicalJson != canonical) fail("verify decoded a different payload", token);

  // Re-sign the payload with the fixed key and check the later verdicts.
  SessionToken rebuilt;
  try {
    rebuilt = buildSessionToken(decoded->payload, key());
  } catch (...) {
    fail("buildSessionToken threw on a decoded payload", token);
  }
  if (rebuilt.canonicalJson != canonical) fail("rebuilt token has a different canonical JSON", token);
  DecodedSessionToken again;
  try {
    again = decodeSessionToken(rebuilt.token);
  } catch (...) {
    fail("a rebuilt token does not decode", token);
  }
  if (!samePayload(again.payload, decoded->payload)) fail("rebuilt token decodes to another payload", token);
  const TokenVerification rv = verifyOrDie(rebuilt.token, check());
  if (rv.verdict != expectedVerdict(decoded->payload)) {
    std::fprintf(stderr, "rebuilt verdict %s, expected %s (%s)\n", std::string(tokenVerdictCode(rv.verdict)).c_str(),
                 std::string(tokenVerdictCode(expectedVerdict(decoded->payload))).c_str(), rv.detail.c_str());
    fail("re-signed token got an unexpected verdict", token);
  }
  return 0;
}
