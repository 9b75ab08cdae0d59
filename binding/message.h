// EIP-191 message bytes from a JS value: a string (UTF-8, as viem encodes
// it) or a Uint8Array of raw bytes.
#pragma once

#include <napi.h>

#include <string>

#include "bytes.h"

namespace clawpay::binding {

struct MessageBytes {
  std::string storage;  // holds the UTF-8 of a string message
  ByteView view;
};

MessageBytes messageArg(const Napi::Value& value, const char* name);

}  // namespace clawpay::binding
