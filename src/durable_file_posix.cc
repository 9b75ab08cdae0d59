// The parts of durable_file.h that Linux and macOS share: flock(2) locks,
// rename(2) and the opening of a directory to sync it. How data reaches the
// disk differs: durable_file_linux.cc, durable_file_macos.cc.
#include "durable_file.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
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

bool tryLock(int fd, LockMode mode) noexcept {
  while (::flock(fd, (mode == LockMode::Exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
    if (errno != EINTR) return false;
  }
  return true;
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
  if (detail::stepsForced()) return replaceInSteps(from, to);
  if (::rename(from.c_str(), to.c_str()) != 0) throw ioError("rename", from, errno);
}

int detail::renameOver(const std::string& from, const std::string& to) noexcept {
  return ::rename(from.c_str(), to.c_str()) == 0 ? 0 : errno;
}

int openFile(const std::string& path, OpenMode mode) noexcept {
  // O_NOFOLLOW: a journal holds bearer tokens, so never write them through
  // a link someone else may have planted at our path.
  int flags = O_CLOEXEC | O_NOFOLLOW;
  switch (mode) {
    case OpenMode::Read: flags |= O_RDONLY; break;
    case OpenMode::ReadWrite: flags |= O_RDWR; break;
    case OpenMode::ReadWriteCreate: flags |= O_RDWR | O_CREAT; break;
    case OpenMode::CreateNew: flags |= O_RDWR | O_CREAT | O_EXCL; break;
  }
  return ::open(path.c_str(), flags, 0600);
}

void closeFile(int fd) noexcept {
  if (fd >= 0) ::close(fd);  // nothing useful to do about a failed close
}

void removeFile(const std::string& path) noexcept { ::unlink(path.c_str()); }

void makeDirs(const std::string& dir) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    std::string prefix = dir.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0700) == 0 || errno == EEXIST) continue;
    int err = errno;
    struct stat st;
    if (::stat(prefix.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) continue;
    throw ioError("mkdir", prefix, err);
  }
}

size_t readAt(int fd, char* buf, size_t size, uint64_t offset, const std::string& path) {
  for (;;) {
    ssize_t n = ::pread(fd, buf, size, static_cast<off_t>(offset));
    if (n >= 0) return static_cast<size_t>(n);
    if (errno != EINTR) throw ioError("read", path, errno);
  }
}

void writeAt(int fd, const char* data, size_t size, uint64_t offset, const std::string& path) {
  while (size > 0) {
    ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw ioError("write", path, errno);
    }
    data += n;
    size -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
}

bool truncateTo(int fd, uint64_t size) noexcept {
  while (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    if (errno != EINTR) return false;
  }
  return true;
}

FileInfo infoOf(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) throw ioError("fstat", path, errno);
  FileInfo info;
  info.id = {static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
  info.size = static_cast<uint64_t>(st.st_size);
  info.regular = S_ISREG(st.st_mode);
  info.links = static_cast<uint64_t>(st.st_nlink);
  info.ours = st.st_uid == ::geteuid();
  info.othersMayRead = (st.st_mode & 077) != 0;
  return info;
}

bool idOf(const std::string& path, FileId& out) noexcept {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return false;
  out = {static_cast<uint64_t>(st.st_dev), static_cast<uint64_t>(st.st_ino)};
  return true;
}

void makePrivate(int fd, const std::string& path) {
  if (::fchmod(fd, 0600) != 0) throw ioError("fchmod", path, errno);
}

}  // namespace clawpay::durable
