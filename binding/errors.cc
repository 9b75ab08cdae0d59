#include "errors.h"

namespace clawpay::binding {

Napi::Error toJsError(Napi::Env env, const clawpay::Error& error) {
  Napi::Error js;
  switch (error.kind()) {
    case ErrorKind::Type: js = Napi::TypeError::New(env, error.what()); break;
    case ErrorKind::Range: js = Napi::RangeError::New(env, error.what()); break;
    default: js = Napi::Error::New(env, error.what()); break;
  }
  js.Set("code", Napi::Value(Napi::String::New(env, error.code())));
  return js;
}

}  // namespace clawpay::binding
