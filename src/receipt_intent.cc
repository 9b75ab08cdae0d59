#include "receipt_intent.h"

#include <algorithm>
#include <string>

#include "error.h"
#include "hex.h"
#include "record_fields.h"
#include "uint256.h"
#include "wtf8.h"

namespace clawpay {
namespace {

using nlohmann::json;

constexpr const char* kArgCode = "ERR_INVALID_ARG";

// Lengths count as JS counts them (UTF-16 code units): what the JS layer
// checks and its callers slice by.
void checkText(RecordFields& fields, const IntentField& field) {
  auto length = utf16LengthOfUtf8(fields.string(field.name));
  if (!length) fields.fail(ErrorKind::Type, field.name, "must be valid UTF-8");
  if (*length == 0) fields.fail(ErrorKind::Range, field.name, "must not be empty");
  if (*length > static_cast<size_t>(field.max)) {
    fields.fail(ErrorKind::Range, field.name, "must be at most " + std::to_string(field.max) + " characters");
  }
}

void checkHex(RecordFields& fields, const char* field, size_t digits, bool lowercaseOnly) {
  if (!isPrefixedHex(fields.string(field), digits, lowercaseOnly)) {
    fields.fail(ErrorKind::Type, field,
                "must be 0x + " + std::to_string(digits) + (lowercaseOnly ? " lowercase" : "") + " hex digits");
  }
}

void checkChoice(RecordFields& fields, const IntentField& field) {
  const std::string& value = fields.string(field.name);
  if (std::find(field.choices.begin(), field.choices.end(), value) != field.choices.end()) return;
  fields.fail(ErrorKind::Range, field.name,
              std::string("must be \"") + field.choices[0] + "\" or \"" + field.choices[1] + "\"");
}

// Base units as x402 writes them: one spelling per value, so that receipts
// compare and export as text.
void checkAmount(RecordFields& fields, const char* field) {
  const std::string& amount = fields.string(field);
  Uint256 value;
  auto status = Uint256::parseDecimal(amount, value);
  if (status == Uint256::ParseStatus::Malformed) {
    fields.fail(ErrorKind::Type, field, "must be a decimal string of base units");
  }
  if (amount.size() > 1 && amount[0] == '0') fields.fail(ErrorKind::Type, field, "must not have leading zeros");
  if (status == Uint256::ParseStatus::Overflow) fields.fail(ErrorKind::Range, field, "must be below 2^256");
}

void checkField(RecordFields& fields, const IntentField& field) {
  switch (field.rule) {
    case IntentRule::PaymentId: return checkHex(fields, field.name, 64, /*lowercaseOnly=*/true);
    case IntentRule::Choice: return checkChoice(fields, field);
    case IntentRule::Text: return checkText(fields, field);
    case IntentRule::Address: return checkHex(fields, field.name, 40, /*lowercaseOnly=*/false);
    case IntentRule::Amount: return checkAmount(fields, field.name);
    case IntentRule::Integer:
    case IntentRule::Time: fields.integer(field.name, field.min, field.max); return;
  }
}

}  // namespace

std::string_view intentRuleName(IntentRule rule) {
  switch (rule) {
    case IntentRule::PaymentId: return "paymentId";
    case IntentRule::Choice: return "choice";
    case IntentRule::Text: return "text";
    case IntentRule::Address: return "address";
    case IntentRule::Amount: return "amount";
    case IntentRule::Integer: return "integer";
    case IntentRule::Time: return "time";
  }
  return "?";
}

bool isIntentField(std::string_view key) {
  return std::any_of(kIntentFields.begin(), kIntentFields.end(), [&](const IntentField& f) { return key == f.name; });
}

json checkIntent(json intent) {
  if (!intent.is_object()) {
    throw Error(ErrorKind::Type, kArgCode, std::string("receipt intent must be an object, not ") + intent.type_name());
  }
  RecordFields fields(intent, kArgCode, "invalid receipt intent");
  for (const auto& [key, value] : intent.items()) {
    if (!isIntentField(key)) fields.fail(ErrorKind::Type, key, "is not an intent field");
  }
  for (const IntentField& field : kIntentFields) {
    if (field.optional && !fields.has(field.name)) continue;
    if (field.onlyForKind && fields.string("kind") != field.onlyForKind) {
      fields.fail(ErrorKind::Type, field.name, std::string("is only for kind \"") + field.onlyForKind + "\"");
    }
    checkField(fields, field);
  }
  return intent;
}

}  // namespace clawpay
