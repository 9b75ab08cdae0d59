// macOS: fsync(2) only moves the data into the drive's cache, which a power
// cut may lose; fcntl(F_FULLFSYNC) asks the drive to flush it too. File
// systems that cannot (some network and FUSE mounts) refuse F_FULLFSYNC, and
// there fsync(2) is the best they offer.
#include "durable_file.h"

#include <fcntl.h>
#include <stdio.h>  // renamex_np (macOS 10.12+)
#include <unistd.h>

#include <cerrno>

namespace clawpay::durable {

namespace {

void fullSync(int fd, const std::string& path) {
  for (;;) {
    if (::fcntl(fd, F_FULLFSYNC) == 0) return;
    if (errno == EINTR) continue;
    if (errno != ENOTSUP && errno != EINVAL && errno != ENOTTY) throw ioError("fcntl(F_FULLFSYNC)", path, errno);
    break;
  }
  while (::fsync(fd) != 0) {
    if (errno != EINTR) throw ioError("fsync", path, errno);
  }
}

}  // namespace

void syncData(int fd, const std::string& path) { fullSync(fd, path); }
void syncAll(int fd, const std::string& path) { fullSync(fd, path); }
void detail::syncDirFd(int fd, const std::string& dir) { fullSync(fd, dir); }

int detail::renameNoReplace(const std::string& from, const std::string& to) noexcept {
  return ::renamex_np(from.c_str(), to.c_str(), RENAME_EXCL) == 0 ? 0 : errno;
}

}  // namespace clawpay::durable
