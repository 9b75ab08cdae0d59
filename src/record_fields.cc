#include "record_fields.h"

#include <cmath>

#include "js_json.h"

namespace clawpay {

void RecordFields::fail(ErrorKind kind, std::string_view field, std::string_view problem) const {
  throw Error(kind, code_, std::string(subject_) + ": " + std::string(field) + " " + std::string(problem));
}

const std::string& RecordFields::string(const char* field) const {
  auto it = record_.find(field);
  if (it == record_.end()) fail(ErrorKind::Type, field, "is missing");
  if (!it->is_string()) fail(ErrorKind::Type, field, std::string("must be a string, not ") + it->type_name());
  return it->get_ref<const std::string&>();
}

int64_t RecordFields::integer(const char* field, int64_t min, int64_t max) {
  auto it = record_.find(field);
  if (it == record_.end()) fail(ErrorKind::Type, field, "is missing");
  int64_t value;
  if (it->is_number_unsigned()) {
    if (it->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      fail(ErrorKind::Range, field, "is out of range");
    }
    value = static_cast<int64_t>(it->get<uint64_t>());
  } else if (it->is_number_integer()) {
    value = it->get<int64_t>();
  } else if (it->is_number_float()) {
    double d = it->get<double>();
    if (!std::isfinite(d) || std::trunc(d) != d) fail(ErrorKind::Type, field, "must be an integer");
    if (std::fabs(d) > static_cast<double>(kMaxSafeInteger)) fail(ErrorKind::Range, field, "is out of range");
    value = static_cast<int64_t>(d);
  } else {
    fail(ErrorKind::Type, field, std::string("must be an integer, not ") + it->type_name());
  }
  if (value < min) {
    fail(ErrorKind::Range, field, min == 0 ? std::string("must not be negative") : "must be at least " + std::to_string(min));
  }
  if (value > max) fail(ErrorKind::Range, field, "must be at most " + std::to_string(max));
  *it = value;
  return value;
}

}  // namespace clawpay
