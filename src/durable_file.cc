// The OS-independent part of durable_file.h; the rest is per OS
// (durable_file_{posix,linux,macos,windows}.cc, chosen by CMakeLists.txt).
#include "durable_file.h"

#include <system_error>

namespace clawpay::durable {

Error ioError(const char* op, const std::string& path, int err) {
  // std::error_code's message is thread-safe, unlike strerror().
  return Error(ErrorKind::Io, "ERR_IO",
               std::string(op) + " " + path + ": " + std::error_code(err, std::generic_category()).message());
}

}  // namespace clawpay::durable
