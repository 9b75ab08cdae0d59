// Signer: a PrivateKey owned by a JS object. The key never crosses into JS;
// the object is type-tagged so that only a real Signer can be used where
// native code expects one.
#pragma once

#include <napi.h>

#include <optional>

#include "private_key.h"

namespace clawpay::binding {

class SignerWrap : public Napi::ObjectWrap<SignerWrap> {
 public:
  static Napi::Function Define(Napi::Env env);
  // The key behind `value`; throws a TypeError unless it is a live Signer.
  static const PrivateKey& KeyOf(const Napi::Value& value, const char* name);

  explicit SignerWrap(const Napi::CallbackInfo& info);

 private:
  Napi::Value Address(const Napi::CallbackInfo& info);
  Napi::Value Destroyed(const Napi::CallbackInfo& info);
  Napi::Value SignHash(const Napi::CallbackInfo& info);
  Napi::Value SignMessage(const Napi::CallbackInfo& info);
  Napi::Value SignTypedData(const Napi::CallbackInfo& info);
  Napi::Value Destroy(const Napi::CallbackInfo& info);

  const PrivateKey& live() const;

  std::optional<PrivateKey> key_;
};

}  // namespace clawpay::binding
