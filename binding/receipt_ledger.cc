// NativeReceiptLedger: receipts cross the boundary as JSON text, as session
// records do (see session_store.cc).
#include "receipt_ledger.h"

#include <optional>

#include "convert.h"
#include "error.h"
#include "errors.h"
#include "exports.h"
#include "receipt_intent.h"

namespace clawpay::binding {
namespace {

// Random, fixed for this addon: marks objects created by ReceiptLedgerWrap.
constexpr napi_type_tag kReceiptLedgerTag = {0x8c41e2d95b0a7f36ULL, 0x2e9b5d17c4f0a863ULL};

Napi::Value jsonText(Napi::Env env, const nlohmann::json& value) {
  return Napi::String::New(env, value.dump());
}

Napi::Value jsonTextOrNull(Napi::Env env, const std::optional<nlohmann::json>& value) {
  return value ? jsonText(env, *value) : env.Null();
}

class ReceiptLedgerWrap : public Napi::ObjectWrap<ReceiptLedgerWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "NativeReceiptLedger",
                       {
                           InstanceMethod<&ReceiptLedgerWrap::Begin>("begin"),
                           InstanceMethod<&ReceiptLedgerWrap::Settle>("settle"),
                           InstanceMethod<&ReceiptLedgerWrap::Fail>("fail"),
                           InstanceMethod<&ReceiptLedgerWrap::Get>("get"),
                           InstanceMethod<&ReceiptLedgerWrap::ByTransaction>("byTransaction"),
                           InstanceMethod<&ReceiptLedgerWrap::Revoke>("revoke"),
                           InstanceMethod<&ReceiptLedgerWrap::UseNonce>("useNonce"),
                           InstanceMethod<&ReceiptLedgerWrap::List>("list"),
                           InstanceMethod<&ReceiptLedgerWrap::PaidBy>("paidBy"),
                           InstanceAccessor<&ReceiptLedgerWrap::Size>("size"),
                           InstanceMethod<&ReceiptLedgerWrap::Close>("close"),
                           InstanceMethod<&ReceiptLedgerWrap::TakeNotices>("takeNotices"),
                       });
  }

  // new NativeReceiptLedger(path?: string, access?: {mustExist?, readOnly?})
  explicit ReceiptLedgerWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ReceiptLedgerWrap>(info) {
    guarded(info.Env(), [&] {
      std::optional<std::string> path;
      if (info.Length() > 0 && !info[0].IsUndefined() && !info[0].IsNull()) path = utf8Arg(info[0], "path");
      ReceiptLedger::Options options;
      if (info.Length() > 1) options.access = journalAccessArg(info[1]);
      ledger_ = std::make_unique<ReceiptLedger>(path, options);
    });
    napi_type_tag_object(info.Env(), info.This(), &kReceiptLedgerTag);
  }

 private:
  // Runs `body` on this ledger after checking that `this` is one, mapping
  // core errors to JS errors.
  template <typename Body>
  Napi::Value call(const Napi::CallbackInfo& info, Body&& body) {
    return guarded(info.Env(), [&]() -> Napi::Value {
      requireThis(info, kReceiptLedgerTag, "NativeReceiptLedger");
      return body(*ledger_, info.Env());
    });
  }

  static nlohmann::json intentArg(const Napi::Value& value) {
    auto parsed = nlohmann::json::parse(utf8Arg(value, "intent"), nullptr, false);
    if (parsed.is_discarded()) throw clawpay::Error(ErrorKind::Type, "ERR_INVALID_ARG", "Expected intent as JSON text");
    return parsed;
  }

  // begin(intentJson) -> boolean
  Napi::Value Begin(const Napi::CallbackInfo& info) {
    return call(info, [&](ReceiptLedger& ledger, Napi::Env env) {
      return Napi::Value(Napi::Boolean::New(env, ledger.begin(intentArg(info[0]))));
    });
  }

  // settle(paymentId, transaction, settledAt) -> JSON text of the receipt
  Napi::Value Settle(const Napi::CallbackInfo& info) {
    return call(info, [&](ReceiptLedger& ledger, Napi::Env env) {
      return jsonText(env, ledger.settle(utf8Arg(info[0], "paymentId"), utf8Arg(info[1], "transaction"),
                                         safeIntegerArg(info[2], "settledAt")));
    });
  }

  Napi::Value Fail(const Napi::CallbackInfo& info) {
    return call(info, [&](ReceiptLedger& ledger, Napi::Env env) {
      ledger.fail(utf8Arg(info[0], "paymentId"), utf8Arg(info[1], "reason"), safeIntegerArg(info[2], "at"));
      return env.Undefined();
    });
  }

  Napi::Value Get(const Napi::CallbackInfo& info) {
    return call(info, [&](ReceiptLedger& ledger, Napi::Env env) {
      return jsonTextOrNull(env, ledger.get(utf8Arg(info[0], "paymentId")));
    });
  }

  Napi::Value ByTransaction(const Napi::CallbackInfo& info) {
    return call(info, [&](ReceiptLedger& ledger, Napi::Env env) {
      return jsonTextOrNull(env, ledger.byTransaction(utf8Arg(info[0], "transaction")));
    });
  }

  // revoke(transaction, at) -> "revoked" | "already_revoked" | "not_found"
  Napi::Value Revoke(const Napi::CallbackInfo& info) {
    return call(info, [&](ReceiptLedger& ledger, Napi::Env env) {
      RevokeResult result = ledger.revoke(utf8Arg(info[0], "transaction"), safeIntegerArg(info[1], "at"));
      std::string_view name = revokeResultName(result);
      return Napi::Value(Napi::String::New(env, name.data(), name.size()));
    });
  }

  Napi::Value UseNonce(const Napi::CallbackInfo& info) {
    return call(info, [&](ReceiptLedger& ledger, Napi::Env env) {
      bool first = ledger.useNonce(utf8Arg(info[0], "nonce"), safeIntegerArg(info[1], "expiresAt"),
                                   safeIntegerArg(info[2], "now"));
      return Napi::Value(Napi::Boolean::New(env, first));
    });
  }

  // list() -> JSON text of an array
  Napi::Value List(const Napi::CallbackInfo& info) {
    return call(info, [&](ReceiptLedger& ledger, Napi::Env env) { return jsonText(env, ledger.list()); });
  }

  Napi::Value PaidBy(const Napi::CallbackInfo& info) {
    return call(info, [&](ReceiptLedger& ledger, Napi::Env env) {
      return jsonText(env, ledger.paidBy(utf8Arg(info[0], "payer")));
    });
  }

  Napi::Value Size(const Napi::CallbackInfo& info) {
    return call(info, [&](ReceiptLedger& ledger, Napi::Env env) {
      return Napi::Value(Napi::Number::New(env, double(ledger.size())));
    });
  }

  Napi::Value TakeNotices(const Napi::CallbackInfo& info) {
    return call(info, [&](ReceiptLedger& ledger, Napi::Env env) -> Napi::Value {
      return jsStrings(env, ledger.takeNotices());
    });
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    return call(info, [&](ReceiptLedger& ledger, Napi::Env env) {
      ledger.close();
      return env.Undefined();
    });
  }

  std::unique_ptr<ReceiptLedger> ledger_;
};

}  // namespace

namespace {

// kIntentFields as [{name, rule, min?, max?, choices?, optional, onlyForKind?}],
// frozen: the table lib/receipt_ledger.js checks intents by.
Napi::Array intentFieldsArray(Napi::Env env) {
  auto fields = Napi::Array::New(env, kIntentFields.size());
  for (size_t i = 0; i < kIntentFields.size(); ++i) {
    const IntentField& field = kIntentFields[i];
    auto o = Napi::Object::New(env);
    o.Set("name", field.name);
    o.Set("rule", std::string(intentRuleName(field.rule)));
    if (field.rule == IntentRule::Text || field.rule == IntentRule::Integer || field.rule == IntentRule::Time) {
      o.Set("min", Napi::Number::New(env, double(field.min)));
      o.Set("max", Napi::Number::New(env, double(field.max)));
    }
    if (field.rule == IntentRule::Choice) {
      auto choices = Napi::Array::New(env, field.choices.size());
      for (size_t c = 0; c < field.choices.size(); ++c) choices.Set(c, field.choices[c]);
      choices.Freeze();
      o.Set("choices", choices);
    }
    o.Set("optional", field.optional);
    if (field.onlyForKind) o.Set("onlyForKind", field.onlyForKind);
    o.Freeze();
    fields.Set(i, o);
  }
  fields.Freeze();
  return fields;
}

}  // namespace

void DefineReceiptLedger(Napi::Env env, Napi::Object exports) {
  exports.Set("NativeReceiptLedger", ReceiptLedgerWrap::Define(env));
  exports.Set("receiptIntentFields", intentFieldsArray(env));
}

}  // namespace clawpay::binding
