// Value conversion between JS and the core. The JS layer has already
// validated arguments; these re-check types so that a wrong call from JS is
// a TypeError, never undefined behaviour.
#pragma once

#include <napi.h>

#include "journal.h"

#include <string>

#include "bytes.h"

namespace clawpay::binding {

// A view of a Uint8Array's bytes, valid for the duration of the call.
ByteView bytesArg(const Napi::Value& value, const char* name);
// Exactly `size` bytes.
ByteView bytesArg(const Napi::Value& value, size_t size, const char* name);
// UTF-8, lone surrogates replaced by U+FFFD (as TextEncoder does).
std::string utf8Arg(const Napi::Value& value, const char* name);
// WTF-8, lone surrogates kept (JSON.stringify escapes them; so must we).
std::string wtf8Arg(const Napi::Value& value, const char* name);
// A JS number that is an integer within ±(2^53 - 1).
int64_t safeIntegerArg(const Napi::Value& value, const char* name);

// Returned as Napi::Value on purpose: Object::Set(key, Napi::String) goes
// through Value::From, which sees that Napi::String converts to std::string
// and re-creates the string from its UTF-8 — turning lone surrogates into
// U+FFFD (and copying every string once more).
// How a store opens its journal: {mustExist?, readOnly?} (booleans, checked
// in JS), or undefined for the defaults.
Journal::Access journalAccessArg(const Napi::Value& value);

// An array of JS strings (UTF-8 text).
Napi::Array jsStrings(Napi::Env env, const std::vector<std::string>& items);

Napi::Value jsString(Napi::Env env, std::string_view wtf8);
Napi::Uint8Array jsBytes(Napi::Env env, ByteView bytes);

// Instance methods reached through a foreign `this` (Function.prototype.call
// with another wrapped object) would reinterpret that object's native state:
// each wrapper tags its instances and checks the tag before using `this`.
void requireThis(const Napi::CallbackInfo& info, const napi_type_tag& tag, const char* className);

}  // namespace clawpay::binding
