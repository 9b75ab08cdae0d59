// SessionStore: records cross the boundary as JSON text, which V8 and
// nlohmann both read and write far faster than a property-by-property walk.
#include "session_store.h"

#include <optional>

#include "convert.h"
#include "error.h"
#include "errors.h"
#include "exports.h"

namespace clawpay::binding {
namespace {

// Random, fixed for this addon: marks objects created by SessionStoreWrap.
constexpr napi_type_tag kSessionStoreTag = {0x3f6d0c91a2b84e57ULL, 0xd15e7a203c4b9f68ULL};

class SessionStoreWrap : public Napi::ObjectWrap<SessionStoreWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "SessionStore",
                       {
                           InstanceMethod<&SessionStoreWrap::Add>("add"),
                           InstanceMethod<&SessionStoreWrap::Get>("get"),
                           InstanceMethod<&SessionStoreWrap::FindForUrl>("findForUrl"),
                           InstanceMethod<&SessionStoreWrap::RecordCall>("recordCall"),
                           InstanceMethod<&SessionStoreWrap::End>("end"),
                           InstanceMethod<&SessionStoreWrap::List>("list"),
                           InstanceMethod<&SessionStoreWrap::Prune>("prune"),
                           InstanceAccessor<&SessionStoreWrap::Size>("size"),
                           InstanceMethod<&SessionStoreWrap::Close>("close"),
                           InstanceMethod<&SessionStoreWrap::TakeNotices>("takeNotices"),
                           // recordCall's third argument; an addon without it counts one call.
                           StaticValue("maxCallsPerRecord",
                                       Napi::Number::New(env, static_cast<double>(clawpay::SessionStore::kMaxCallsPerRecord))),
                       });
  }

  // new SessionStore(path?: string, access?: {mustExist?, readOnly?})
  explicit SessionStoreWrap(const Napi::CallbackInfo& info)
      : Napi::ObjectWrap<SessionStoreWrap>(info) {
    guarded(info.Env(), [&] {
      std::optional<std::string> path;
      if (info.Length() > 0 && !info[0].IsUndefined() && !info[0].IsNull()) {
        path = utf8Arg(info[0], "path");
      }
      Journal::Access access;
      if (info.Length() > 1) access = journalAccessArg(info[1]);
      store_ = std::make_unique<SessionStore>(path, access);
    });
    napi_type_tag_object(info.Env(), info.This(), &kSessionStoreTag);
  }

 private:
  static nlohmann::json recordArg(const Napi::Value& value) {
    auto parsed = nlohmann::json::parse(utf8Arg(value, "record"), nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) {
      throw clawpay::Error(ErrorKind::Type, "ERR_INVALID_SESSION_RECORD",
                           "Expected a session record object");
    }
    return parsed;
  }

  Napi::Value Add(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      requireThis(info, kSessionStoreTag, "SessionStore");
      store_->add(recordArg(info[0]));
      return info.Env().Undefined();
    });
  }

  // null | revision | [revision, json]: what get and findForUrl answer.
  static Napi::Value foundValue(Napi::Env env, const std::optional<SessionStore::FoundJson>& found, bool withJson) {
    if (!found) return env.Null();
    auto revision = Napi::Number::New(env, static_cast<double>(found->revision));
    if (!withJson) return Napi::Value(revision);
    auto pair = Napi::Array::New(env, 2);
    pair.Set(0u, revision);
    pair.Set(1u, Napi::String::New(env, found->json));
    return Napi::Value(pair);
  }

  Napi::Value Get(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      requireThis(info, kSessionStoreTag, "SessionStore");
      // get(sessionId, withJson) -> null | revision | [revision, json]
      const bool withJson = info[1].ToBoolean();
      return foundValue(info.Env(), store_->getJson(utf8Arg(info[0], "sessionId"), withJson), withJson);
    });
  }

  Napi::Value FindForUrl(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      requireThis(info, kSessionStoreTag, "SessionStore");
      // findForUrl(url, now, withJson) -> null | revision | [revision, json]
      const bool withJson = info[2].ToBoolean();
      return foundValue(info.Env(), store_->findJsonForUrl(utf8Arg(info[0], "url"), safeIntegerArg(info[1], "now"), withJson), withJson);
    });
  }

  Napi::Value RecordCall(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      requireThis(info, kSessionStoreTag, "SessionStore");
      // recordCall(sessionId, now, calls = 1)
      int64_t calls = info.Length() > 2 && !info[2].IsUndefined() ? safeIntegerArg(info[2], "calls") : 1;
      bool found = store_->recordCall(utf8Arg(info[0], "sessionId"), safeIntegerArg(info[1], "now"), calls);
      return Napi::Value(Napi::Boolean::New(info.Env(), found));
    });
  }

  Napi::Value End(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      requireThis(info, kSessionStoreTag, "SessionStore");
      bool found = store_->end(utf8Arg(info[0], "sessionId"), safeIntegerArg(info[1], "now"));
      return Napi::Value(Napi::Boolean::New(info.Env(), found));
    });
  }

  // list(includeExpired, now) -> JSON text of an array
  Napi::Value List(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      requireThis(info, kSessionStoreTag, "SessionStore");
      auto records = store_->list(info[0].ToBoolean(), safeIntegerArg(info[1], "now"));
      return Napi::Value(Napi::String::New(info.Env(), nlohmann::json(records).dump()));
    });
  }

  Napi::Value Prune(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      requireThis(info, kSessionStoreTag, "SessionStore");
      return Napi::Value(
          Napi::Number::New(info.Env(), double(store_->prune(safeIntegerArg(info[0], "now")))));
    });
  }

  Napi::Value Size(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      requireThis(info, kSessionStoreTag, "SessionStore");
      return Napi::Value(Napi::Number::New(info.Env(), double(store_->size())));
    });
  }

  Napi::Value TakeNotices(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      requireThis(info, kSessionStoreTag, "SessionStore");
      return jsStrings(info.Env(), store_->takeNotices());
    });
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    return guarded(info.Env(), [&] {
      requireThis(info, kSessionStoreTag, "SessionStore");
      store_->close();
      return info.Env().Undefined();
    });
  }

  std::unique_ptr<SessionStore> store_;
};

}  // namespace

void DefineSessionStore(Napi::Env env, Napi::Object exports) {
  exports.Set("SessionStore", SessionStoreWrap::Define(env));
}

}  // namespace clawpay::binding
