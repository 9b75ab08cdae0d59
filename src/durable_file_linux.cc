// Linux: fdatasync(2) writes the data and the metadata needed to read it
// (the size) to stable storage, which is all an append needs.
#include "durable_file.h"

#include <unistd.h>

#include <cerrno>

namespace clawpay::durable {

void syncData(int fd, const std::string& path) {
  while (::fdatasync(fd) != 0) {
    if (errno != EINTR) throw ioError("fdatasync", path, errno);
  }
}

void syncAll(int fd, const std::string& path) {
  while (::fsync(fd) != 0) {
    if (errno != EINTR) throw ioError("fsync", path, errno);
  }
}

void detail::syncDirFd(int fd, const std::string& dir) { syncAll(fd, dir); }

}  // namespace clawpay::durable
