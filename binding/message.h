// EIP-191 message bytes from a JS value: a string (UTF-8, as viem encodes
// it) or a Uint8Array of raw bytes.
#pragma once

#include <napi.h>

#include <string>

#include "bytes.h"

namespace clawpay::binding {

// The view is computed on use, never stored: a stored view into `storage`
// would dangle as soon as the struct were copied or moved (a short string
// lives inside the object itself).
struct MessageBytes {
  std::string storage;  // the UTF-8 of a string message
  ByteView external;    // the bytes of a Uint8Array message
  bool isString = false;
  ByteView view() const { return isString ? asBytes(storage) : external; }
};

MessageBytes messageArg(const Napi::Value& value, const char* name);

}  // namespace clawpay::binding
