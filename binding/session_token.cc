// Session tokens: build, decode, verify one on the calling thread (it is a
// ~tens-of-microseconds job, cheaper than a thread hop), verify a batch on a
// worker that fans out over all cores.
#include "session_token.h"

#include <algorithm>

#include "address.h"
#include "convert.h"
#include "error.h"
#include "errors.h"
#include "exports.h"
#include "hex.h"
#include "js_json.h"
#include "parallel.h"
#include "signer.h"

namespace clawpay::binding {
namespace {

SessionTokenPayload payloadArg(const Napi::Value& value) {
  if (!value.IsObject()) {
    throw clawpay::Error(ErrorKind::Type, "ERR_INVALID_ARG_TYPE", "Expected an object for payload");
  }
  auto o = value.As<Napi::Object>();
  SessionTokenPayload p;
  p.version = wtf8Arg(o.Get("version"), "payload.version");
  p.sessionId = wtf8Arg(o.Get("sessionId"), "payload.sessionId");
  p.walletAddress = wtf8Arg(o.Get("walletAddress"), "payload.walletAddress");
  p.endpoint = wtf8Arg(o.Get("endpoint"), "payload.endpoint");
  p.scope = wtf8Arg(o.Get("scope"), "payload.scope");
  p.createdAt = safeIntegerArg(o.Get("createdAt"), "payload.createdAt");
  p.expiresAt = safeIntegerArg(o.Get("expiresAt"), "payload.expiresAt");
  p.paymentTxHash = wtf8Arg(o.Get("paymentTxHash"), "payload.paymentTxHash");
  p.paymentAmount = wtf8Arg(o.Get("paymentAmount"), "payload.paymentAmount");
  return p;
}

Napi::Object payloadObject(Napi::Env env, const SessionTokenPayload& p) {
  // Key order of ClawPay's own objects, so logging one looks familiar.
  auto o = Napi::Object::New(env);
  o.Set("version", jsString(env, p.version));
  o.Set("sessionId", jsString(env, p.sessionId));
  o.Set("walletAddress", jsString(env, p.walletAddress));
  o.Set("endpoint", jsString(env, p.endpoint));
  o.Set("scope", jsString(env, p.scope));
  o.Set("createdAt", Napi::Number::New(env, double(p.createdAt)));
  o.Set("expiresAt", Napi::Number::New(env, double(p.expiresAt)));
  o.Set("paymentTxHash", jsString(env, p.paymentTxHash));
  o.Set("paymentAmount", jsString(env, p.paymentAmount));
  return o;
}

// (now, wallet?: Uint8Array(20) | null, url?: string | null)
TokenCheck checkArgs(const Napi::Value& now, const Napi::Value& wallet, const Napi::Value& url) {
  TokenCheck check;
  check.now = safeIntegerArg(now, "now");
  if (!wallet.IsNull() && !wallet.IsUndefined()) {
    ByteView bytes = bytesArg(wallet, 20, "wallet");
    check.wallet.emplace();
    std::copy(bytes.begin(), bytes.end(), check.wallet->begin());
  }
  if (!url.IsNull() && !url.IsUndefined()) check.url = utf8Arg(url, "url");
  return check;
}

// A batch's verdicts cross to JS as JSON text, written on the worker
// threads, for one JSON.parse on the JS side. Payload keys keep
// payloadObject's order; payload strings are WTF-8 and their JSON escapes
// give JS the lone surrogates back; the detail is UTF-8 (see
// TokenVerification).
void appendVerificationJson(std::string& out, const TokenVerification& v) {
  out += v.verdict == TokenVerdict::Valid ? R"({"valid":true,"reason":null,"detail":)"
                                          : R"({"valid":false,"reason":")";
  if (v.verdict != TokenVerdict::Valid) {
    out += tokenVerdictCode(v.verdict);
    out += R"(","detail":)";
  }
  if (v.detail.empty()) {
    out += "null";
  } else {
    appendJsJsonString(out, v.detail);
  }
  out += R"(,"payload":)";
  if (v.decoded) {
    const SessionTokenPayload& p = v.decoded->payload;
    out += R"({"version":)";
    appendJsJsonString(out, p.version);
    out += R"(,"sessionId":)";
    appendJsJsonString(out, p.sessionId);
    out += R"(,"walletAddress":)";
    appendJsJsonString(out, p.walletAddress);
    out += R"(,"endpoint":)";
    appendJsJsonString(out, p.endpoint);
    out += R"(,"scope":)";
    appendJsJsonString(out, p.scope);
    out += R"(,"createdAt":)";
    out += std::to_string(p.createdAt);
    out += R"(,"expiresAt":)";
    out += std::to_string(p.expiresAt);
    out += R"(,"paymentTxHash":)";
    appendJsJsonString(out, p.paymentTxHash);
    out += R"(,"paymentAmount":)";
    appendJsJsonString(out, p.paymentAmount);
    out += '}';
  } else {
    out += "null";
  }
  out += R"(,"signer":)";
  if (v.signer) {
    out += '"';
    out += toChecksumAddress(*v.signer);
    out += '"';
  } else {
    out += "null";
  }
  out += '}';
}

// One verdict crosses as the arguments of one call to lib/session_token.js's
// verdictOf, which builds the object: V8 makes an object literal in JIT code
// faster than N-API sets properties or array elements one by one (each a
// generic property lookup, ~800 instructions) or JSON.parse reads the text
// (a batch still crosses as JSON, written on the worker threads). Order:
// verdict code, detail, signer, then the nine payload fields in
// payloadObject's order when decoded.
Napi::Value verificationValue(Napi::Env env, const TokenVerification& v, const Napi::Value& verdictOf) {
  const bool decoded = v.decoded.has_value();
  napi_value args[12];
  size_t index = 0;
  auto push = [&](napi_value value) { args[index++] = value; };
  push(Napi::String::New(env, tokenVerdictCode(v.verdict).data(), tokenVerdictCode(v.verdict).size()));
  push(v.detail.empty() ? env.Null() : Napi::String::New(env, v.detail));
  push(v.signer ? Napi::String::New(env, toChecksumAddress(*v.signer)) : env.Null());
  if (decoded) {
    const SessionTokenPayload& p = v.decoded->payload;
    push(jsString(env, p.version));
    push(jsString(env, p.sessionId));
    push(jsString(env, p.walletAddress));
    push(jsString(env, p.endpoint));
    push(jsString(env, p.scope));
    push(Napi::Number::New(env, double(p.createdAt)));
    push(Napi::Number::New(env, double(p.expiresAt)));
    push(jsString(env, p.paymentTxHash));
    push(jsString(env, p.paymentAmount));
  }
  napi_value result;
  NAPI_THROW_IF_FAILED(env, napi_call_function(env, env.Undefined(), verdictOf, index, args, &result), Napi::Value());
  return Napi::Value(env, result);
}

// The verdict factory argument: lib/session_token.js always passes it.
Napi::Value verdictOfArg(const Napi::Value& value) {
  if (!value.IsFunction()) {
    throw clawpay::Error(ErrorKind::Type, "ERR_INVALID_ARG_TYPE", "Expected a function for verdictOf");
  }
  return value;
}

TokenVerification notAString() {
  TokenVerification v;
  v.detail = "token is not a string";
  return v;
}

Napi::Value Build(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    SessionTokenPayload payload = payloadArg(info[0]);
    const PrivateKey& key = SignerWrap::KeyOf(info[1], "signer");
    SessionToken t = buildSessionToken(payload, key);
    auto out = Napi::Object::New(info.Env());
    out.Set("token", jsString(info.Env(), t.token));
    out.Set("canonicalJson", jsString(info.Env(), t.canonicalJson));
    out.Set("signature", Napi::Value(Napi::String::New(info.Env(), t.signature)));
    return Napi::Value(out);
  });
}

Napi::Value Decode(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    DecodedSessionToken d = decodeSessionToken(utf8Arg(info[0], "token"));
    auto out = Napi::Object::New(info.Env());
    out.Set("payload", payloadObject(info.Env(), d.payload));
    out.Set("signature", Napi::Value(Napi::String::New(info.Env(), toHex(d.signature))));
    return Napi::Value(out);
  });
}

Napi::Value Verify(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    // (token, now, wallet, url, verdictOf)
    TokenCheck check = checkArgs(info[1], info[2], info[3]);
    Napi::Value verdictOf = verdictOfArg(info[4]);
    // A token that is not even a string is malformed, not a crash.
    if (!info[0].IsString()) return verificationValue(info.Env(), notAString(), verdictOf);
    std::string token = info[0].As<Napi::String>().Utf8Value();
    return verificationValue(info.Env(), verifySessionToken(token, check), verdictOf);
  });
}

// The token-only half of Verify (see recoverSessionToken), for callers that
// cache it and check time and scope per request.
Napi::Value Recover(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    // (token, verdictOf)
    Napi::Value verdictOf = verdictOfArg(info[1]);
    if (!info[0].IsString()) return verificationValue(info.Env(), notAString(), verdictOf);
    std::string token = info[0].As<Napi::String>().Utf8Value();
    return verificationValue(info.Env(), recoverSessionToken(token), verdictOf);
  });
}

class BatchVerifyWorker : public Napi::AsyncWorker {
 public:
  BatchVerifyWorker(Napi::Env env, std::vector<std::string> tokens,
                    std::vector<bool> notStrings, TokenCheck check, unsigned threads)
      : Napi::AsyncWorker(env, "clawpay:verifySessionTokens"),
        deferred_(Napi::Promise::Deferred::New(env)),
        tokens_(std::move(tokens)),
        notStrings_(std::move(notStrings)),
        check_(std::move(check)),
        threads_(threads) {}

  Napi::Promise Promise() { return deferred_.Promise(); }

  // Each thread verifies its tokens and writes their JSON; the main thread
  // then only hands one string to JSON.parse.
  void Execute() override {
    std::vector<std::string> pieces(tokens_.size());
    parallelFor(tokens_.size(), threads_, [&](size_t i) {
      appendVerificationJson(pieces[i], notStrings_[i] ? notAString() : verifySessionToken(tokens_[i], check_));
    });
    size_t size = 2 + pieces.size();
    for (const std::string& piece : pieces) size += piece.size();
    json_.reserve(size);
    json_ += '[';
    for (size_t i = 0; i < pieces.size(); ++i) {
      if (i > 0) json_ += ',';
      json_ += pieces[i];
    }
    json_ += ']';
  }

  void OnOK() override { deferred_.Resolve(Napi::String::New(Env(), json_)); }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  std::vector<std::string> tokens_;
  std::vector<bool> notStrings_;
  TokenCheck check_;
  unsigned threads_;
  std::string json_;  // the results as one JSON array
};

// (tokens: string[], now, wallet, url, threads) -> Promise<result[]>
Napi::Value VerifyBatch(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    if (!info[0].IsArray()) {
      throw clawpay::Error(ErrorKind::Type, "ERR_INVALID_ARG_TYPE", "Expected an array for tokens");
    }
    auto array = info[0].As<Napi::Array>();
    std::vector<std::string> tokens(array.Length());
    std::vector<bool> notStrings(array.Length());
    for (uint32_t i = 0; i < array.Length(); ++i) {
      Napi::Value t = array.Get(i);
      // Non-strings verify as malformed, like the single-token call.
      notStrings[i] = !t.IsString();
      if (!notStrings[i]) tokens[i] = t.As<Napi::String>().Utf8Value();
    }
    TokenCheck check = checkArgs(info[1], info[2], info[3]);
    auto threads = static_cast<unsigned>(safeIntegerArg(info[4], "threads"));
    auto* worker = new BatchVerifyWorker(info.Env(), std::move(tokens), std::move(notStrings),
                                        std::move(check), threads);
    worker->Queue();
    return Napi::Value(worker->Promise());
  });
}

}  // namespace

void DefineSessionToken(Napi::Env env, Napi::Object exports) {
  exports.Set("buildSessionToken", Napi::Function::New<Build>(env, "buildSessionToken"));
  exports.Set("decodeSessionToken", Napi::Function::New<Decode>(env, "decodeSessionToken"));
  exports.Set("verifySessionToken", Napi::Function::New<Verify>(env, "verifySessionToken"));
  exports.Set("recoverSessionToken", Napi::Function::New<Recover>(env, "recoverSessionToken"));
  exports.Set("verifySessionTokens", Napi::Function::New<VerifyBatch>(env, "verifySessionTokens"));
}

}  // namespace clawpay::binding
