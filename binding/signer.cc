#include "signer.h"

#include "address.h"
#include "convert.h"
#include "eip191.h"
#include "eip712.h"
#include "error.h"
#include "errors.h"
#include "exports.h"
#include "hex.h"
#include "message.h"
#include "secure_wipe.h"

namespace clawpay::binding {
namespace {

// Random, fixed for this addon: marks objects created by SignerWrap.
constexpr napi_type_tag kSignerTag = {0x9c1f2b7e5d3a4c68ULL, 0xa41e77f0c2d95b13ULL};

// Reads a "0x" + 64 hex string into a wiped stack buffer: the key's text
// never lands in a heap std::string that would outlive this call.
PrivateKey keyFromHexArg(Napi::Env env, const Napi::Value& value) {
  if (!value.IsString()) {
    throw clawpay::Error(ErrorKind::Type, "ERR_INVALID_PRIVATE_KEY",
                         "Expected 0x-prefixed hex for privateKey");
  }
  char text[80];
  size_t length = 0;
  napi_status status = napi_get_value_string_utf8(env, value, text, sizeof text, &length);
  struct Wipe {
    char* p;
    size_t n;
    ~Wipe() { secureWipe(p, n); }
  } wipe{text, sizeof text};
  if (status != napi_ok) throw Napi::Error::New(env, "Could not read privateKey");
  if (length != 66 || text[0] != '0' || (text[1] != 'x' && text[1] != 'X')) {
    throw clawpay::Error(ErrorKind::Range, "ERR_INVALID_PRIVATE_KEY",
                         "Expected 0x followed by 64 hex digits for privateKey");
  }
  uint8_t bytes[32];
  struct WipeBytes {
    uint8_t* p;
    ~WipeBytes() { secureWipe(p, 32); }
  } wipeBytes{bytes};
  for (size_t i = 0; i < 32; ++i) {
    int hi = hexDigitValue(text[2 + 2 * i]);
    int lo = hexDigitValue(text[3 + 2 * i]);
    if (hi < 0 || lo < 0) {
      throw clawpay::Error(ErrorKind::Type, "ERR_INVALID_PRIVATE_KEY",
                           "privateKey contains a character that is not hex");
    }
    bytes[i] = static_cast<uint8_t>((hi << 4) | lo);
  }
  return PrivateKey::fromBytes(ByteView(bytes, 32));
}

Napi::String signatureHex(Napi::Env env, const RecoverableSignature& signature) {
  auto bytes = signature.serialize();
  return Napi::String::New(env, toHex(bytes));
}

}  // namespace

Napi::Function SignerWrap::Define(Napi::Env env) {
  return DefineClass(env, "NativeSigner",
                     {
                         InstanceAccessor<&SignerWrap::Address>("address"),
                         InstanceAccessor<&SignerWrap::Destroyed>("destroyed"),
                         InstanceMethod<&SignerWrap::SignHash>("signHash"),
                         InstanceMethod<&SignerWrap::SignMessage>("signMessage"),
                         InstanceMethod<&SignerWrap::SignTypedData>("signTypedData"),
                         InstanceMethod<&SignerWrap::Destroy>("destroy"),
                     });
}

SignerWrap::SignerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<SignerWrap>(info) {
  Napi::Env env = info.Env();
  guarded(env, [&] {
    key_.emplace(info.Length() > 0 && !info[0].IsUndefined() ? keyFromHexArg(env, info[0])
                                                              : PrivateKey::generate());
  });
  napi_type_tag_object(env, info.This(), &kSignerTag);
}

const PrivateKey& SignerWrap::KeyOf(const Napi::Value& value, const char* name) {
  bool tagged = false;
  if (value.IsObject()) {
    napi_check_object_type_tag(value.Env(), value, &kSignerTag, &tagged);
  }
  if (!tagged) {
    throw clawpay::Error(ErrorKind::Type, "ERR_INVALID_ARG_TYPE",
                         std::string("Expected a Signer for ") + name);
  }
  return Unwrap(value.As<Napi::Object>())->live();
}

const PrivateKey& SignerWrap::live() const {
  if (!key_ || key_->wiped()) {
    throw clawpay::Error(ErrorKind::State, "ERR_DESTROYED", "This Signer has been destroyed");
  }
  return *key_;
}

Napi::Value SignerWrap::Address(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    requireThis(info, kSignerTag, "NativeSigner");
    return Napi::Value(Napi::String::New(info.Env(), toChecksumAddress(live().address())));
  });
}

Napi::Value SignerWrap::Destroyed(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    requireThis(info, kSignerTag, "NativeSigner");
    return Napi::Value(Napi::Boolean::New(info.Env(), !key_ || key_->wiped()));
  });
}

Napi::Value SignerWrap::SignHash(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    requireThis(info, kSignerTag, "NativeSigner");
    ByteView hash = bytesArg(info[0], 32, "hash");
    Hash32 digest;
    std::copy(hash.begin(), hash.end(), digest.begin());
    return Napi::Value(signatureHex(info.Env(), live().sign(digest)));
  });
}

Napi::Value SignerWrap::SignMessage(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    requireThis(info, kSignerTag, "NativeSigner");
    MessageBytes message = messageArg(info[0], "message");
    return Napi::Value(signatureHex(info.Env(), live().sign(hashPersonalMessage(message.view()))));
  });
}

Napi::Value SignerWrap::SignTypedData(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    requireThis(info, kSignerTag, "NativeSigner");
    std::string json = utf8Arg(info[0], "typedData");
    JsonDocument typedData = parseTypedDataJson(json);
    const PrivateKey& key = live();
    return Napi::Value(signatureHex(info.Env(), key.sign(hashTypedData(typedData.root()))));
  });
}

Napi::Value SignerWrap::Destroy(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    requireThis(info, kSignerTag, "NativeSigner");
    if (key_) key_->wipe();
    return info.Env().Undefined();
  });
}

void DefineSigner(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeSigner", SignerWrap::Define(env));
}

}  // namespace clawpay::binding
