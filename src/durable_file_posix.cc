// The parts of durable_file.h that Linux and macOS share: flock(2) locks,
// rename(2) and the opening of a directory to sync it. How data reaches the
// disk differs: durable_file_linux.cc, durable_file_macos.cc.
#include "durable_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

namespace clawpay::durable {

void lock(int fd, LockMode mode, const std::string& path) {
  while (::flock(fd, mode == LockMode::Exclusive ? LOCK_EX : LOCK_SH) != 0) {
    if (errno != EINTR) throw ioError("flock", path, errno);
  }
}

void unlock(int fd) noexcept {
  if (fd >= 0) ::flock(fd, LOCK_UN);
}

// A rename or a new directory entry is durable only once the directory is.
void syncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw ioError("open", dir, errno);
  try {
    detail::syncDirFd(fd, dir);
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
}

void replace(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0) throw ioError("rename", from, errno);
}

}  // namespace clawpay::durable
