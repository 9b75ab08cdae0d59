// Checked reads of the fields of a JSON record that came from JS or from a
// journal. Each failure is a clawpay::Error with the owner's code and a
// message "<subject>: <field> <problem>", so every store reports bad input
// the same way.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "error.h"

namespace clawpay {

class RecordFields {
 public:
  // `record` must be an object and outlive this reader; `code` and `subject`
  // (e.g. "ERR_INVALID_SESSION_RECORD", "invalid session record") too.
  RecordFields(nlohmann::json& record, const char* code, const char* subject)
      : record_(record), code_(code), subject_(subject) {}

  [[noreturn]] void fail(ErrorKind kind, std::string_view field, std::string_view problem) const;

  bool has(const char* field) const { return record_.contains(field); }
  const std::string& string(const char* field) const;
  // JS hands every number over as a double, so an integral double is
  // accepted and the field rewritten as an integer; anything else is not a
  // time or a count.
  int64_t integer(const char* field, int64_t min = 0, int64_t max = std::numeric_limits<int64_t>::max());

 private:
  nlohmann::json& record_;
  const char* code_;
  const char* subject_;
};

}  // namespace clawpay
