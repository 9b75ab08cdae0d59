// Linux: fdatasync(2) writes the data and the metadata needed to read it
// (the size) to stable storage, which is all an append needs.
#include "durable_file.h"

#include <fcntl.h>  // AT_FDCWD
#include <stdio.h>  // renameat2 (glibc 2.28+)
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

int detail::renameNoReplace(const std::string& from, const std::string& to) noexcept {
  return ::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) == 0 ? 0 : errno;
}

}  // namespace clawpay::durable
