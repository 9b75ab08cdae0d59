// NativeRecordStore: values cross the boundary as JSON text, as session
// records and receipts do. update() calls its JS callback synchronously, on
// this thread, while the store's locks are held (see record_store.h).
#include "record_store.h"

#include <optional>

#include "convert.h"
#include "error.h"
#include "errors.h"
#include "exports.h"

namespace clawpay::binding {
namespace {

// Random, fixed for this addon: marks objects created by RecordStoreWrap.
constexpr napi_type_tag kRecordStoreTag = {0x51d7a3e08f2c96b4ULL, 0xa6e09b3d71c5f248ULL};

Napi::Value valueOrNull(Napi::Env env, const nlohmann::json* value) {
  if (!value) return env.Null();
  return Napi::String::New(env, value->dump());
}

// A value as JSON text; the core checks what it holds.
nlohmann::json valueArg(const Napi::Value& value, const char* name) {
  auto parsed = nlohmann::json::parse(utf8Arg(value, name), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    throw clawpay::Error(ErrorKind::Type, "ERR_INVALID_ARG_TYPE", std::string("Expected JSON text for ") + name);
  }
  return parsed;
}

// The callback's answer: undefined keeps the record, null removes it, JSON
// text replaces it.
RecordChange changeOf(const Napi::Value& answer) {
  if (answer.IsUndefined()) return RecordChange::keep();
  if (answer.IsNull()) return RecordChange::remove();
  if (!answer.IsString()) {
    throw clawpay::Error(ErrorKind::Type, "ERR_INVALID_ARG_TYPE",
                         "Expected the update callback to return JSON text, null or undefined");
  }
  return RecordChange::replace(valueArg(answer, "the value the update callback returned"));
}

class RecordStoreWrap : public Napi::ObjectWrap<RecordStoreWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeRecordStore",
                       {
                           InstanceMethod<&RecordStoreWrap::Get>("get"),
                           InstanceMethod<&RecordStoreWrap::List>("list"),
                           InstanceMethod<&RecordStoreWrap::Update>("update"),
                           InstanceMethod<&RecordStoreWrap::Put>("put"),
                           InstanceMethod<&RecordStoreWrap::Remove>("remove"),
                           InstanceAccessor<&RecordStoreWrap::Size>("size"),
                           InstanceMethod<&RecordStoreWrap::Close>("close"),
                           InstanceMethod<&RecordStoreWrap::TakeNotices>("takeNotices"),
                       });
  }

  // new NativeRecordStore(path?: string, access?: {mustExist?, readOnly?})
  explicit RecordStoreWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RecordStoreWrap>(info) {
    guarded(info.Env(), [&] {
      std::optional<std::string> path;
      if (info.Length() > 0 && !info[0].IsUndefined() && !info[0].IsNull()) path = utf8Arg(info[0], "path");
      RecordStore::Options options;
      if (info.Length() > 1) options.access = journalAccessArg(info[1]);
      store_ = std::make_unique<RecordStore>(path, options);
    });
    napi_type_tag_object(info.Env(), info.This(), &kRecordStoreTag);
  }

 private:
  // Runs `body` on this store after checking that `this` is one, mapping
  // core errors to JS errors. A JS exception thrown by an update callback
  // passes through untouched (it is a Napi::Error, not a clawpay::Error).
  template <typename Body>
  Napi::Value call(const Napi::CallbackInfo& info, Body&& body) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      requireThis(info, kRecordStoreTag, "NativeRecordStore");
      return body(*store_, info.Env());
    });
  }

  // get(id) -> JSON text or null
  Napi::Value Get(const Napi::CallbackInfo& info) {
    return call(info, [&](RecordStore& store, Napi::Env env) {
      auto value = store.get(utf8Arg(info[0], "id"));
      return valueOrNull(env, value ? &*value : nullptr);
    });
  }

  // list(prefix) -> JSON text of [{id, value}]
  Napi::Value List(const Napi::CallbackInfo& info) {
    return call(info, [&](RecordStore& store, Napi::Env env) {
      nlohmann::json out = nlohmann::json::array();
      for (auto& [id, value] : store.list(utf8Arg(info[0], "prefix"))) {
        out.push_back({{"id", std::move(id)}, {"value", std::move(value)}});
      }
      return Napi::Value(Napi::String::New(env, out.dump()));
    });
  }

  // update(id, fn) -> JSON text of the resulting value, or null.
  // fn(current: string | null) -> string | null | undefined
  Napi::Value Update(const Napi::CallbackInfo& info) {
    return call(info, [&](RecordStore& store, Napi::Env env) {
      std::string id = utf8Arg(info[0], "id");
      if (!info[1].IsFunction()) {
        throw clawpay::Error(ErrorKind::Type, "ERR_INVALID_ARG_TYPE", "Expected a function for fn");
      }
      Napi::Function fn = info[1].As<Napi::Function>();
      auto result = store.update(id, [&](const nlohmann::json* current) {
        // Throws Napi::Error when fn throws; the core writes nothing then.
        return changeOf(fn.Call(env.Undefined(), {valueOrNull(env, current)}));
      });
      return valueOrNull(env, result ? &*result : nullptr);
    });
  }

  Napi::Value Put(const Napi::CallbackInfo& info) {
    return call(info, [&](RecordStore& store, Napi::Env env) {
      store.put(utf8Arg(info[0], "id"), valueArg(info[1], "value"));
      return env.Undefined();
    });
  }

  // remove(id) -> whether there was such a record
  Napi::Value Remove(const Napi::CallbackInfo& info) {
    return call(info, [&](RecordStore& store, Napi::Env env) {
      return Napi::Value(Napi::Boolean::New(env, store.remove(utf8Arg(info[0], "id"))));
    });
  }

  Napi::Value Size(const Napi::CallbackInfo& info) {
    return call(info, [&](RecordStore& store, Napi::Env env) {
      return Napi::Value(Napi::Number::New(env, double(store.size())));
    });
  }

  Napi::Value TakeNotices(const Napi::CallbackInfo& info) {
    return call(info, [&](RecordStore& store, Napi::Env env) -> Napi::Value { return jsStrings(env, store.takeNotices()); });
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    return call(info, [&](RecordStore& store, Napi::Env env) {
      store.close();
      return env.Undefined();
    });
  }

  std::unique_ptr<RecordStore> store_;
};

}  // namespace

void DefineRecordStore(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeRecordStore", RecordStoreWrap::Define(env));
}

}  // namespace clawpay::binding
