#include "session_token.h"

#include "base64url.h"
#include "canonical_session_reader.h"
#include "eip191.h"
#include "error.h"
#include "hex.h"
#include "js_json.h"
#include "parallel.h"
#include "url_scope.h"
#include "wtf8.h"

namespace clawpay {
namespace {

Error malformed(const std::string& why) {
  return Error(ErrorKind::Invalid, "ERR_MALFORMED_TOKEN", "Malformed session token: " + why);
}

void appendField(std::string& out, std::string_view key, std::string_view value) {
  out += '"';
  out += key;
  out += "\":";
  appendJsJsonString(out, value);
}

void appendField(std::string& out, std::string_view key, int64_t value) {
  out += '"';
  out += key;
  out += "\":";
  out += std::to_string(value);
}

void checkPayload(const SessionTokenPayload& p) {
  auto checkText = [](const std::string& value, const char* name) {
    if (!isValidWtf8(value)) {
      throw Error(ErrorKind::Type, "ERR_INVALID_SESSION_PAYLOAD",
                  std::string("Session payload field ") + name + " is not valid text");
    }
  };
  checkText(p.version, "version");
  checkText(p.sessionId, "sessionId");
  checkText(p.walletAddress, "walletAddress");
  checkText(p.endpoint, "endpoint");
  checkText(p.scope, "scope");
  checkText(p.paymentTxHash, "paymentTxHash");
  checkText(p.paymentAmount, "paymentAmount");
  for (auto [value, name] : {std::pair{p.createdAt, "createdAt"}, {p.expiresAt, "expiresAt"}}) {
    if (value > kMaxSafeInteger || value < -kMaxSafeInteger) {
      throw Error(ErrorKind::Range, "ERR_INVALID_SESSION_PAYLOAD",
                  std::string("Session payload field ") + name + " is outside the safe integer range");
    }
  }
}

}  // namespace

SessionTokenPayload readSessionJsonGenerally(std::string_view json) {
  std::string error;
  auto object = parseFlatJsonObject(json, error);
  if (!object) throw malformed("payload is not a flat JSON object (" + error + ")");

  SessionTokenPayload p;
  size_t seen = 0;
  for (auto& [key, value] : *object) {
    std::string* text = nullptr;
    int64_t* number = nullptr;
    if (key == "version") text = &p.version;
    else if (key == "sessionId") text = &p.sessionId;
    else if (key == "walletAddress") text = &p.walletAddress;
    else if (key == "endpoint") text = &p.endpoint;
    else if (key == "scope") text = &p.scope;
    else if (key == "paymentTxHash") text = &p.paymentTxHash;
    else if (key == "paymentAmount") text = &p.paymentAmount;
    else if (key == "createdAt") number = &p.createdAt;
    else if (key == "expiresAt") number = &p.expiresAt;
    else throw malformed("unknown field \"" + key + "\"");
    if (text) {
      if (!std::holds_alternative<std::string>(value)) throw malformed(key + " must be a string");
      *text = std::move(std::get<std::string>(value));
    } else {
      if (!std::holds_alternative<int64_t>(value)) throw malformed(key + " must be an integer");
      *number = std::get<int64_t>(value);
    }
    ++seen;
  }
  if (seen != 9) throw malformed("expected the 9 ClawPay 1.1 fields, found " + std::to_string(seen));
  if (!parseScope(p.scope)) throw malformed("scope must be \"prefix\" or \"exact\"");
  // One payload, one spelling: anything but the canonical text (key order,
  // escapes, number form) is refused rather than reinterpreted.
  if (canonicalSessionJson(p) != json) throw malformed("payload is not in canonical form");
  return p;
}

std::string canonicalSessionJson(const SessionTokenPayload& p) {
  checkPayload(p);
  std::string out;
  out.reserve(512);
  // JS sorts keys by UTF-16 code units; for these ASCII keys that is this order.
  out += '{';
  appendField(out, "createdAt", p.createdAt);
  out += ',';
  appendField(out, "endpoint", p.endpoint);
  out += ',';
  appendField(out, "expiresAt", p.expiresAt);
  out += ',';
  appendField(out, "paymentAmount", p.paymentAmount);
  out += ',';
  appendField(out, "paymentTxHash", p.paymentTxHash);
  out += ',';
  appendField(out, "scope", p.scope);
  out += ',';
  appendField(out, "sessionId", p.sessionId);
  out += ',';
  appendField(out, "version", p.version);
  out += ',';
  appendField(out, "walletAddress", p.walletAddress);
  out += '}';
  return out;
}

SessionToken buildSessionToken(const SessionTokenPayload& payload, const PrivateKey& key) {
  SessionToken t;
  t.canonicalJson = canonicalSessionJson(payload);
  auto signature = key.sign(hashPersonalMessage(asBytes(t.canonicalJson))).serialize();
  t.signature = toHex(signature);
  t.token = base64UrlEncode(asBytes(t.canonicalJson)) + "." + t.signature;
  return t;
}

DecodedSessionToken decodeSessionToken(std::string_view token) {
  if (token.size() > kMaxSessionTokenLength) {
    throw malformed("longer than " + std::to_string(kMaxSessionTokenLength) + " characters");
  }
  size_t dot = token.find('.');
  if (dot == std::string_view::npos || token.find('.', dot + 1) != std::string_view::npos) {
    throw malformed("expected exactly one '.' between payload and signature");
  }
  auto json = base64UrlDecode(token.substr(0, dot));
  if (!json) throw malformed("payload is not unpadded base64url");
  DecodedSessionToken decoded;
  SessionTokenPayload& p = decoded.payload;
  // The canonical text is read in one pass; anything else goes through the
  // general reader, which refuses it and says why.
  if (!readCanonicalSessionJson(*json, p)) {
    readSessionJsonGenerally(*json);
    // The general reader took text the one-pass reader refused: a bug in
    // the latter (the differential tests look for it), refused either way.
    throw malformed("payload is not in canonical form");
  }
  if (!parseScope(p.scope)) throw malformed("scope must be \"prefix\" or \"exact\"");
  decoded.canonicalJson = std::move(*json);
  // The signature part must be spelled exactly as viem's signMessage spells
  // it: 0x + 130 lowercase hex digits. Another spelling of the same bytes
  // would be a second token for one payload.
  std::string_view signatureHex = token.substr(dot + 1);
  if (!parseLowercaseHexInto(signatureHex, decoded.signature)) {
    throw malformed("signature is not 0x + 130 lowercase hex digits");
  }
  return decoded;
}

std::string_view tokenVerdictCode(TokenVerdict verdict) {
  switch (verdict) {
    case TokenVerdict::Valid: return "valid";
    case TokenVerdict::Malformed: return "malformed";
    case TokenVerdict::UnsupportedVersion: return "unsupported_version";
    case TokenVerdict::BadSignature: return "bad_signature";
    case TokenVerdict::WrongSigner: return "wrong_signer";
    case TokenVerdict::Expired: return "expired";
    case TokenVerdict::OutOfScope: return "out_of_scope";
  }
  return "malformed";
}

namespace {

void setVerdict(TokenVerification& v, TokenVerdict verdict, std::string_view detail) {
  v.verdict = verdict;
  // A detail may quote a hostile token (a key with a lone surrogate):
  // callers get text they can print and serialise as it is.
  v.detail = utf8ForDisplay(detail);
}

}  // namespace

TokenVerification recoverSessionToken(std::string_view token) {
  TokenVerification result;
  try {
    result.decoded = decodeSessionToken(token);
  } catch (const Error& e) {
    setVerdict(result, TokenVerdict::Malformed, e.what());
    return result;
  }
  const DecodedSessionToken& decoded = *result.decoded;
  if (decoded.payload.version != kSessionTokenVersion) {
    setVerdict(result, TokenVerdict::UnsupportedVersion, "version is not clawpay/1.1");
    return result;
  }
  try {
    const std::array<uint8_t, 65>& bytes = decoded.signature;
    if (bytes[64] != 27 && bytes[64] != 28) {
      setVerdict(result, TokenVerdict::BadSignature, "signature v must be 0x1b or 0x1c");
      return result;
    }
    result.signer = recoverAddress(hashPersonalMessage(asBytes(decoded.canonicalJson)),
                                   parseSignature(bytes));
  } catch (const Error& e) {
    setVerdict(result, TokenVerdict::BadSignature, e.what());
    return result;
  }
  result.verdict = TokenVerdict::Valid;
  return result;
}

void checkSessionToken(TokenVerification& recovered, const TokenCheck& check) {
  if (recovered.verdict != TokenVerdict::Valid) return;
  const SessionTokenPayload& payload = recovered.decoded->payload;
  if (check.wallet && *check.wallet != *recovered.signer) {
    setVerdict(recovered, TokenVerdict::WrongSigner, "signed by a different address than required");
  } else if (check.now >= payload.expiresAt) {
    setVerdict(recovered, TokenVerdict::Expired, "expired at " + std::to_string(payload.expiresAt));
  } else if (check.url && !scopeCovers(payload.endpoint, *parseScope(payload.scope), *check.url)) {
    setVerdict(recovered, TokenVerdict::OutOfScope, "URL is outside the session's endpoint and scope");
  }
}

TokenVerification verifySessionToken(std::string_view token, const TokenCheck& check) {
  TokenVerification result = recoverSessionToken(token);
  checkSessionToken(result, check);
  return result;
}

std::vector<TokenVerification> verifySessionTokens(const std::vector<std::string>& tokens,
                                                   const TokenCheck& check, unsigned threads) {
  std::vector<TokenVerification> results(tokens.size());
  parallelFor(tokens.size(), threads,
              [&](size_t i) { results[i] = verifySessionToken(tokens[i], check); });
  return results;
}

}  // namespace clawpay
