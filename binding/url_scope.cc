#include "url_scope.h"

#include "convert.h"
#include "errors.h"
#include "exports.h"

namespace clawpay::binding {
namespace {

// normalizeUrl(url) -> {origin, path, query, prefixKey, exactKey} | null
Napi::Value Normalize(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    Napi::Env env = info.Env();
    if (!info[0].IsString()) return env.Null();
    auto url = normalizeUrl(info[0].As<Napi::String>().Utf8Value());
    if (!url) return env.Null();
    auto o = Napi::Object::New(env);
    o.Set("origin", url->origin());
    o.Set("path", url->path);
    o.Set("query", url->query ? Napi::Value(Napi::String::New(env, *url->query)) : env.Null());
    o.Set("prefixKey", url->prefixKey());
    o.Set("exactKey", url->exactKey());
    return Napi::Value(o);
  });
}

// scopeCovers(endpoint, scope, url) -> boolean; false for anything unparsable.
Napi::Value Covers(const Napi::CallbackInfo& info) {
  return guarded(info.Env(), [&] {
    Napi::Env env = info.Env();
    if (!info[0].IsString() || !info[1].IsString() || !info[2].IsString()) {
      return Napi::Value(Napi::Boolean::New(env, false));
    }
    auto scope = parseScope(info[1].As<Napi::String>().Utf8Value());
    bool covered = scope && scopeCovers(info[0].As<Napi::String>().Utf8Value(), *scope,
                                        info[2].As<Napi::String>().Utf8Value());
    return Napi::Value(Napi::Boolean::New(env, covered));
  });
}

}  // namespace

void DefineUrlScope(Napi::Env env, Napi::Object exports) {
  exports.Set("normalizeUrl", Napi::Function::New<Normalize>(env, "normalizeUrl"));
  exports.Set("scopeCovers", Napi::Function::New<Covers>(env, "scopeCovers"));
}

}  // namespace clawpay::binding
