// Module entry point. No per-process statics live here: everything a JS
// environment needs is created in Init, so worker threads each get their own.
#include <napi.h>

#include "exports.h"

namespace clawpay::binding {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  DefineLimits(env, exports);
  DefineHashing(env, exports);
  DefineSigner(env, exports);
  DefineSessionToken(env, exports);
  DefineUrlScope(env, exports);
  DefineSessionStore(env, exports);
  DefineReceiptLedger(env, exports);
  DefineRecordStore(env, exports);
  DefineChannelVoucher(env, exports);
  DefineTransferAuthorization(env, exports);
  return exports;
}

}  // namespace clawpay::binding

// The macro pastes its argument into an identifier, so it needs a plain name.
static Napi::Object InitModule(Napi::Env env, Napi::Object exports) {
  return clawpay::binding::Init(env, exports);
}
NODE_API_MODULE(clawpay_native, InitModule)
