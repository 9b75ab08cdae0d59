// The one exception type the core throws. Every failure carries a stable
// machine-readable code (surfaced to JS as `err.code`) and a kind that the
// binding maps to TypeError / RangeError / Error. The core never aborts.
#pragma once

#include <stdexcept>
#include <string>

namespace clawpay {

enum class ErrorKind {
  Type,     // wrong shape or encoding of an argument (JS TypeError)
  Range,    // right shape, value out of range (JS RangeError)
  Invalid,  // well-formed input that fails a semantic check (JS Error)
  Io,       // the file system said no (JS Error)
  Corrupt,  // persisted data is damaged beyond a torn tail (JS Error)
  State,    // object used in a state that forbids it, e.g. destroyed (JS Error)
};

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string code, const std::string& message)
      : std::runtime_error(message), kind_(kind), code_(std::move(code)) {}
  ErrorKind kind() const noexcept { return kind_; }
  const std::string& code() const noexcept { return code_; }

 private:
  ErrorKind kind_;
  std::string code_;
};

}  // namespace clawpay
