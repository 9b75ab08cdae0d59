// Windows: the descriptors are the C runtime's (_open), the calls are
// Win32's on the handle behind them. LockFileEx locks byte ranges and, unlike
// flock, a locked range cannot be read or written through other handles; so
// the lock is taken on one byte far past the end of any journal, where it
// only ever meets other locks: a whole-file advisory lock, as on POSIX.
#include "durable_file.h"

#include <io.h>
#include <windows.h>

#include <string>
#include <system_error>

namespace clawpay::durable {
namespace {

constexpr DWORD kLockOffsetHigh = 0x7fffffff;  // byte 2^63 - 2^32: no file is that long

Error winError(const char* op, const std::string& path, DWORD err) {
  return Error(ErrorKind::Io, "ERR_IO",
               std::string(op) + " " + path + ": " +
                   std::error_code(static_cast<int>(err), std::system_category()).message());
}

HANDLE handleOf(int fd, const std::string& path) {
  auto h = reinterpret_cast<HANDLE>(::_get_osfhandle(fd));
  if (h == INVALID_HANDLE_VALUE) throw ioError("_get_osfhandle", path, EBADF);
  return h;
}

std::wstring widen(const std::string& utf8, const std::string& path) {
  if (utf8.empty()) return {};
  int n = ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8.data(), static_cast<int>(utf8.size()), nullptr, 0);
  if (n <= 0) throw winError("MultiByteToWideChar", path, ::GetLastError());
  std::wstring out(static_cast<size_t>(n), L'\0');
  ::MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, utf8.data(), static_cast<int>(utf8.size()), out.data(), n);
  return out;
}

}  // namespace

void lock(int fd, LockMode mode, const std::string& path) {
  OVERLAPPED at = {};
  at.OffsetHigh = kLockOffsetHigh;
  DWORD flags = mode == LockMode::Exclusive ? LOCKFILE_EXCLUSIVE_LOCK : 0;
  if (!::LockFileEx(handleOf(fd, path), flags, 0, 1, 0, &at)) throw winError("LockFileEx", path, ::GetLastError());
}

void unlock(int fd) noexcept {
  auto h = reinterpret_cast<HANDLE>(::_get_osfhandle(fd));
  if (h == INVALID_HANDLE_VALUE) return;
  OVERLAPPED at = {};
  at.OffsetHigh = kLockOffsetHigh;
  ::UnlockFileEx(h, 0, 1, 0, &at);
}

void syncData(int fd, const std::string& path) {
  if (!::FlushFileBuffers(handleOf(fd, path))) throw winError("FlushFileBuffers", path, ::GetLastError());
}

void syncAll(int fd, const std::string& path) { syncData(fd, path); }

// NTFS records directory changes in its own log, and replace() writes
// through; there is no handle to flush a directory with.
void syncDir(const std::string&) {}

void replace(const std::string& from, const std::string& to) {
  if (!::MoveFileExW(widen(from, from).c_str(), widen(to, to).c_str(),
                     MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) {
    throw winError("MoveFileExW", from, ::GetLastError());
  }
}

}  // namespace clawpay::durable
