// A receipt's intent — what a payment is for, as the paid side claims it —
// and the rule each of its fields must meet, stated once in kIntentFields:
// ReceiptLedger checks every intent (from JS or from its journal) against
// the table, and the binding exports it (receiptIntentFields) so that
// lib/receipt_ledger.js checks the same rules first, naming the parameter.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

#include <nlohmann/json.hpp>

#include "clawpay_limits.h"
#include "js_json.h"

namespace clawpay {

enum class IntentRule {
  PaymentId,  // 0x + 64 lowercase hex digits
  Choice,     // one of `choices`
  Text,       // non-empty UTF-8 of at most `max` characters, counted as JS counts them (UTF-16 code units)
  Address,    // 0x + 40 hex digits, any case
  Amount,     // decimal base units: no sign, no leading zeros, below 2^256
  Integer,    // from `min` to `max`
  Time,       // ms since the epoch, 0 to 2^53-1
};

struct IntentField {
  const char* name;
  IntentRule rule;
  int64_t min = 0;
  int64_t max = 0;
  std::array<const char*, 2> choices{};  // Choice only
  bool optional = false;
  const char* onlyForKind = nullptr;  // allowed only in an intent of this kind
};

// In the order they are checked; no other fields are allowed.
inline constexpr std::array<IntentField, 14> kIntentFields = {{
    {.name = "paymentId", .rule = IntentRule::PaymentId},
    {.name = "kind", .rule = IntentRule::Choice, .choices = {"call", "session"}},
    {.name = "route", .rule = IntentRule::Text, .min = 1, .max = 256},
    {.name = "resource", .rule = IntentRule::Text, .min = 1, .max = 4096},
    {.name = "method", .rule = IntentRule::Text, .min = 1, .max = 16},
    {.name = "network", .rule = IntentRule::Text, .min = 1, .max = 64},
    {.name = "asset", .rule = IntentRule::Address},
    {.name = "amount", .rule = IntentRule::Amount},
    {.name = "decimals", .rule = IntentRule::Integer, .min = 0, .max = kMaxAssetDecimals},
    {.name = "payer", .rule = IntentRule::Address},
    {.name = "payTo", .rule = IntentRule::Address},
    {.name = "x402Version", .rule = IntentRule::Integer, .min = 1, .max = 2},
    {.name = "startedAt", .rule = IntentRule::Time, .min = 0, .max = kMaxSafeInteger},
    {.name = "sessionTtlSeconds", .rule = IntentRule::Integer, .min = 1, .max = kMaxSessionTtlSeconds,
     .optional = true, .onlyForKind = "session"},
}};

// "paymentId", "choice", "text", "address", "amount", "integer", "time".
std::string_view intentRuleName(IntentRule rule);

bool isIntentField(std::string_view key);

// The intent checked field by field, with its integers as integers. Throws
// ERR_INVALID_ARG naming the first field that breaks its rule.
nlohmann::json checkIntent(nlohmann::json intent);

}  // namespace clawpay
