#include "convert.h"

#include <cmath>

#include "error.h"
#include "js_json.h"
#include "wtf8.h"

namespace clawpay::binding {
namespace {

[[noreturn]] void typeError(const char* name, const char* expected) {
  throw clawpay::Error(ErrorKind::Type, "ERR_INVALID_ARG_TYPE",
                       std::string("Expected ") + expected + " for " + name);
}

}  // namespace

ByteView bytesArg(const Napi::Value& value, const char* name) {
  if (!value.IsTypedArray() ||
      value.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    typeError(name, "a Uint8Array");
  }
  auto array = value.As<Napi::Uint8Array>();
  return {array.Data(), array.ByteLength()};
}

ByteView bytesArg(const Napi::Value& value, size_t size, const char* name) {
  ByteView bytes = bytesArg(value, name);
  if (bytes.size() != size) {
    throw clawpay::Error(ErrorKind::Range, "ERR_INVALID_LENGTH",
                         std::string("Expected ") + std::to_string(size) + " bytes for " + name +
                             " but received " + std::to_string(bytes.size()));
  }
  return bytes;
}

std::string utf8Arg(const Napi::Value& value, const char* name) {
  if (!value.IsString()) typeError(name, "a string");
  return value.As<Napi::String>().Utf8Value();
}

std::string wtf8Arg(const Napi::Value& value, const char* name) {
  if (!value.IsString()) typeError(name, "a string");
  return wtf8FromUtf16(value.As<Napi::String>().Utf16Value());
}

int64_t safeIntegerArg(const Napi::Value& value, const char* name) {
  if (!value.IsNumber()) typeError(name, "an integer");
  double d = value.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::trunc(d) != d || std::fabs(d) > double(kMaxSafeInteger)) {
    throw clawpay::Error(ErrorKind::Range, "ERR_INVALID_ARG_VALUE",
                         std::string("Expected a safe integer for ") + name);
  }
  return static_cast<int64_t>(d);
}

Journal::Access journalAccessArg(const Napi::Value& value) {
  Journal::Access access;
  if (value.IsUndefined() || value.IsNull()) return access;
  if (!value.IsObject()) typeError("journal access", "an object");
  auto object = value.As<Napi::Object>();
  access.mustExist = object.Get("mustExist").ToBoolean();
  access.readOnly = object.Get("readOnly").ToBoolean();
  return access;
}

Napi::Array jsStrings(Napi::Env env, const std::vector<std::string>& items) {
  auto array = Napi::Array::New(env, items.size());
  for (size_t i = 0; i < items.size(); ++i) array.Set(static_cast<uint32_t>(i), Napi::String::New(env, items[i]));
  return array;
}

Napi::Value jsString(Napi::Env env, std::string_view wtf8) {
  if (isValidUtf8(wtf8)) return Napi::String::New(env, wtf8.data(), wtf8.size());
  return Napi::String::New(env, utf16FromWtf8(wtf8));  // keeps lone surrogates
}

Napi::Uint8Array jsBytes(Napi::Env env, ByteView bytes) {
  auto array = Napi::Uint8Array::New(env, bytes.size());
  std::copy(bytes.begin(), bytes.end(), array.Data());
  return array;
}

void requireThis(const Napi::CallbackInfo& info, const napi_type_tag& tag, const char* className) {
  bool tagged = false;
  if (info.This().IsObject()) napi_check_object_type_tag(info.Env(), info.This(), &tag, &tagged);
  if (!tagged) {
    throw clawpay::Error(ErrorKind::Type, "ERR_INVALID_THIS",
                         std::string("This method must be called on a ") + className);
  }
}

}  // namespace clawpay::binding
