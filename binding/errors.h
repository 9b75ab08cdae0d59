// Maps clawpay::Error to JS errors: the kind picks TypeError / RangeError /
// Error and the code becomes `err.code`, so callers can branch on it.
#pragma once

#include <napi.h>

#include "error.h"

namespace clawpay::binding {

Napi::Error toJsError(Napi::Env env, const clawpay::Error& error);

// Runs `body`, rethrowing core errors as JS errors with their code.
template <typename Body>
auto guarded(Napi::Env env, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const clawpay::Error& e) {
    throw toJsError(env, e);
  }
}

}  // namespace clawpay::binding
