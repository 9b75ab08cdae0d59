#include "message.h"

#include "convert.h"

namespace clawpay::binding {

MessageBytes messageArg(const Napi::Value& value, const char* name) {
  MessageBytes m;
  if (value.IsString()) {
    m.storage = utf8Arg(value, name);
    m.isString = true;
  } else {
    m.external = bytesArg(value, name);
  }
  return m;
}

}  // namespace clawpay::binding
