// ClawPay 1.1 session tokens: base64url(canonical JSON) + "." + EIP-191
// signature of the canonical JSON. Building is byte-identical to ClawPay;
// verifying is strict, one canonical spelling per token, so a token cannot
// be altered without breaking its signature.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bytes.h"
#include "clawpay_limits.h"  // kMaxSessionTokenLength
#include "private_key.h"

namespace clawpay {

inline constexpr std::string_view kSessionTokenVersion = "clawpay/1.1";

// The signed fields. Strings are WTF-8 (a lone surrogate from JS survives and
// is escaped as JSON.stringify escapes it). Times are integer Unix seconds.
struct SessionTokenPayload {
  std::string version;
  std::string sessionId;
  std::string walletAddress;
  std::string endpoint;
  std::string scope;
  int64_t createdAt = 0;
  int64_t expiresAt = 0;
  std::string paymentTxHash;
  std::string paymentAmount;
};

// Keys in JS default sort order, no whitespace, JSON.stringify escaping.
// Throws ERR_INVALID_SESSION_PAYLOAD for strings that are not WTF-8 or times
// outside the safe-integer range.
std::string canonicalSessionJson(const SessionTokenPayload& payload);

// The general reading of a payload's JSON: flat parse, the nine fields, the
// scope word, then the canonical text rebuilt and compared. Throws
// ERR_MALFORMED_TOKEN naming the first fault. decodeSessionToken reads in one
// pass (canonical_session_reader.h) and comes here only to say why it refused;
// tests hold the one-pass reader to this one.
SessionTokenPayload readSessionJsonGenerally(std::string_view json);

struct SessionToken {
  std::string token;
  std::string canonicalJson;
  std::string signature;  // 0x + 130 lowercase hex, v = 1b/1c
};

SessionToken buildSessionToken(const SessionTokenPayload& payload, const PrivateKey& key);

struct DecodedSessionToken {
  SessionTokenPayload payload;
  std::string canonicalJson;
  // The signature part's bytes (r, s, v); the token spells them as 0x + 130
  // lowercase hex digits, which toHex(signature) gives back.
  std::array<uint8_t, 65> signature{};
};

// Throws ERR_MALFORMED_TOKEN with the reason: not "<base64url>.<0x+130 hex>",
// over kMaxSessionTokenLength, JSON that is not exactly the canonical form of
// the nine payload fields with the right types.
DecodedSessionToken decodeSessionToken(std::string_view token);

enum class TokenVerdict {
  Valid,
  Malformed,           // not a well-formed, canonical ClawPay 1.1 token
  UnsupportedVersion,  // version is not "clawpay/1.1"
  BadSignature,        // signature unparsable, malleable (high s), or unrecoverable
  WrongSigner,         // recovers, but not to the required wallet
  Expired,             // now >= expiresAt
  OutOfScope,          // the URL is not within the token's endpoint and scope
};

std::string_view tokenVerdictCode(TokenVerdict verdict);  // "valid", "malformed", …

struct TokenCheck {
  int64_t now = 0;                      // Unix seconds
  std::optional<Address> wallet;        // required signer, when set
  std::optional<std::string> url;       // must be in scope, when set
};

struct TokenVerification {
  TokenVerdict verdict = TokenVerdict::Malformed;
  std::string detail;                          // why, for errors/logs; always valid UTF-8
  std::optional<DecodedSessionToken> decoded;  // set once the token decoded
  std::optional<Address> signer;               // set once the signature recovered
};

// A verification has two halves. The first depends on the token alone
// (shape, version, signature -> signer): it is the costly part, done once
// per token and cacheable. Its verdict is Valid, Malformed,
// UnsupportedVersion or BadSignature.
TokenVerification recoverSessionToken(std::string_view token);

// The second is per request (wallet, expiry, scope), on a token whose first
// half is Valid: it turns `recovered` into the full verdict. A verdict other
// than Valid is left as it is.
void checkSessionToken(TokenVerification& recovered, const TokenCheck& check);

// Both halves. Checks in order: shape, version, signature, signer, expiry,
// scope — the verdict names the first failure.
TokenVerification verifySessionToken(std::string_view token, const TokenCheck& check);

// The same for many tokens, spread over `threads` threads (0 = all cores).
std::vector<TokenVerification> verifySessionTokens(const std::vector<std::string>& tokens,
                                                   const TokenCheck& check, unsigned threads);

}  // namespace clawpay
