// Stateless hashing and recovery functions.
#include "exports.h"

#include "address.h"
#include "convert.h"
#include "eip191.h"
#include "eip712.h"
#include "error.h"
#include "errors.h"
#include "hex.h"
#include "keccak.h"
#include "message.h"
#include "signature.h"

namespace clawpay::binding {
namespace {

Hash32 typedDataHash(const Napi::Value& value) {
  std::string json = utf8Arg(value, "typedData");
  return hashTypedData(parseTypedDataJson(json).root());
}

RecoverableSignature signatureArg(const Napi::Value& value) {
  return parseSignature(bytesArg(value, 65, "signature"));
}

Napi::Value addressValue(Napi::Env env, const Address& address) {
  return Napi::String::New(env, toChecksumAddress(address));
}

// keccak256(data: Uint8Array, asBytes: boolean) -> hex string | Uint8Array
Napi::Value Keccak(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    Hash32 hash = keccak256(bytesArg(info[0], "data"));
    if (info[1].ToBoolean()) return Napi::Value(jsBytes(info.Env(), hash));
    return Napi::Value(Napi::String::New(info.Env(), toHex(hash)));
  });
}

Napi::Value HashMessage(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    MessageBytes message = messageArg(info[0], "message");
    return Napi::Value(Napi::String::New(info.Env(), toHex(hashPersonalMessage(message.view()))));
  });
}

Napi::Value HashTypedData(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    return Napi::Value(Napi::String::New(info.Env(), toHex(typedDataHash(info[0]))));
  });
}

Napi::Value RecoverAddress(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    ByteView hash = bytesArg(info[0], 32, "hash");
    Hash32 digest;
    std::copy(hash.begin(), hash.end(), digest.begin());
    return addressValue(info.Env(), recoverAddress(digest, signatureArg(info[1])));
  });
}

Napi::Value RecoverMessageAddress(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    MessageBytes message = messageArg(info[0], "message");
    return addressValue(info.Env(),
                        recoverAddress(hashPersonalMessage(message.view()), signatureArg(info[1])));
  });
}

Napi::Value RecoverTypedDataAddress(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    return addressValue(info.Env(), recoverAddress(typedDataHash(info[0]), signatureArg(info[1])));
  });
}

Napi::Value GetAddress(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    return addressValue(info.Env(), parseAddress(utf8Arg(info[0], "address"), "address"));
  });
}

}  // namespace

void DefineHashing(Napi::Env env, Napi::Object exports) {
  exports.Set("keccak256", Napi::Function::New<Keccak>(env, "keccak256"));
  exports.Set("hashMessage", Napi::Function::New<HashMessage>(env, "hashMessage"));
  exports.Set("hashTypedData", Napi::Function::New<HashTypedData>(env, "hashTypedData"));
  exports.Set("recoverAddress", Napi::Function::New<RecoverAddress>(env, "recoverAddress"));
  exports.Set("recoverMessageAddress",
              Napi::Function::New<RecoverMessageAddress>(env, "recoverMessageAddress"));
  exports.Set("recoverTypedDataAddress",
              Napi::Function::New<RecoverTypedDataAddress>(env, "recoverTypedDataAddress"));
  exports.Set("getAddress", Napi::Function::New<GetAddress>(env, "getAddress"));
}

}  // namespace clawpay::binding
