// The limits of src/clawpay_limits.h as one frozen object, `limits`, which
// lib/limits.js hands to the JS layer.
#include "clawpay_limits.h"

#include "exports.h"

namespace clawpay::binding {

void DefineLimits(Napi::Env env, Napi::Object exports) {
  auto limits = Napi::Object::New(env);
  auto set = [&](const char* name, double value) { limits.Set(name, Napi::Number::New(env, value)); };
  set("minSessionTtlSeconds", double(kMinSessionTtlSeconds));
  set("defaultSessionTtlSeconds", double(kDefaultSessionTtlSeconds));
  set("maxSessionTtlSeconds", double(kMaxSessionTtlSeconds));
  set("maxSessionTokenLength", double(kMaxSessionTokenLength));
  set("maxSessionLabelChars", double(kMaxSessionLabelChars));
  set("maxAssetDecimals", double(kMaxAssetDecimals));
  set("defaultTimeoutMs", double(kDefaultTimeoutMs));
  set("minToolTimeoutMs", double(kMinToolTimeoutMs));
  set("maxToolTimeoutMs", double(kMaxToolTimeoutMs));
  set("minAuthorizationSeconds", double(kMinAuthorizationSeconds));
  set("defaultMaxAuthorizationSeconds", double(kDefaultMaxAuthorizationSeconds));
  set("maxAuthorizationSeconds", double(kMaxAuthorizationSeconds));
  set("maxSiwxHeaderBytes", double(kMaxSiwxHeaderBytes));
  set("maxRecordIdBytes", double(kMaxRecordIdBytes));
  set("maxRecordValueBytes", double(kMaxRecordValueBytes));
  set("maxRecordValueDepth", double(kMaxRecordValueDepth));
  set("maxFailureChars", double(kMaxFailureChars));
  set("maxNonceChars", double(kMaxNonceChars));
  limits.Freeze();
  exports.Set("limits", limits);
}

}  // namespace clawpay::binding
