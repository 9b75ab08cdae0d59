// Windows: the descriptors are the C runtime's (_open), the calls are
// Win32's on the handle behind them. LockFileEx locks byte ranges and, unlike
// flock, a locked range cannot be read or written through other handles; so
// the lock is taken on one byte far past the end of any journal, where it
// only ever meets other locks: a whole-file advisory lock, as on POSIX.
#include "durable_file.h"

#include <fcntl.h>
#include <io.h>
#include <windows.h>

#include <cerrno>
#include <cstring>
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

// errno for the Win32 errors the journal tells apart (durable_file.h).
int errnoOf(DWORD err) {
  switch (err) {
    case ERROR_FILE_NOT_FOUND:
    case ERROR_PATH_NOT_FOUND: return ENOENT;
    case ERROR_FILE_EXISTS:
    case ERROR_ALREADY_EXISTS: return EEXIST;
    case ERROR_ACCESS_DENIED:
    case ERROR_SHARING_VIOLATION: return EACCES;
    case ERROR_CANT_ACCESS_FILE: return ELOOP;  // a reparse point we will not follow
    default: return EIO;
  }
}

// A handle opened on `path` itself, never on what a link there points to.
HANDLE openHandle(const std::wstring& path, DWORD access, DWORD disposition, DWORD flags) {
  return ::CreateFileW(path.c_str(), access, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                       disposition, flags | FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
}

bool idOfHandle(HANDLE h, FileId& out, BY_HANDLE_FILE_INFORMATION& info) {
  if (!::GetFileInformationByHandle(h, &info)) return false;
  out = {info.dwVolumeSerialNumber, (static_cast<uint64_t>(info.nFileIndexHigh) << 32) | info.nFileIndexLow};
  return true;
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

bool tryLock(int fd, LockMode mode) noexcept {
  auto h = reinterpret_cast<HANDLE>(::_get_osfhandle(fd));
  if (h == INVALID_HANDLE_VALUE) return false;
  OVERLAPPED at = {};
  at.OffsetHigh = kLockOffsetHigh;
  DWORD flags = LOCKFILE_FAIL_IMMEDIATELY | (mode == LockMode::Exclusive ? LOCKFILE_EXCLUSIVE_LOCK : 0);
  return ::LockFileEx(h, flags, 0, 1, 0, &at) != 0;
}

void syncData(int fd, const std::string& path) {
  if (!::FlushFileBuffers(handleOf(fd, path))) throw winError("FlushFileBuffers", path, ::GetLastError());
}

void syncAll(int fd, const std::string& path) { syncData(fd, path); }

// NTFS records directory changes in its own log, and replace() writes
// through; there is no handle to flush a directory with.
void syncDir(const std::string&) {}

namespace {

// POSIX semantics (Windows 10 1709+, NTFS): the name moves even while other
// handles hold the old file open, which keep reading what it held, as a
// rename does on POSIX. Where that is not supported MoveFileExW refuses to
// replace a file others hold open (ERROR_ACCESS_DENIED), but renaming it
// away is allowed: replace() then goes by replaceInSteps.
bool renamePosix(const std::wstring& from, const std::wstring& to) {
  HANDLE h = ::CreateFileW(from.c_str(), DELETE | SYNCHRONIZE, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                           nullptr, OPEN_EXISTING, FILE_FLAG_OPEN_REPARSE_POINT, nullptr);
  if (h == INVALID_HANDLE_VALUE) return false;
  DWORD full = ::GetFullPathNameW(to.c_str(), 0, nullptr, nullptr);
  std::wstring target(full, L'\0');
  full = full ? ::GetFullPathNameW(to.c_str(), full, target.data(), nullptr) : 0;
  bool ok = false;
  if (full > 0) {
    target.resize(full);
    target = L"\\??\\" + target;  // NT form, as NtSetInformationFile takes it
    std::string buf(sizeof(FILE_RENAME_INFO) + target.size() * sizeof(wchar_t), '\0');
    auto* info = reinterpret_cast<FILE_RENAME_INFO*>(buf.data());
    // FileRenameInfoEx's Flags share the first field with ReplaceIfExists;
    // the headers declare both only for _WIN32_WINNT >= Windows 10.
    const DWORD flags = 0x1 | 0x2;  // FILE_RENAME_FLAG_REPLACE_IF_EXISTS | FILE_RENAME_FLAG_POSIX_SEMANTICS
    std::memcpy(buf.data(), &flags, sizeof flags);
    info->RootDirectory = nullptr;
    info->FileNameLength = static_cast<DWORD>(target.size() * sizeof(wchar_t));
    std::memcpy(info->FileName, target.data(), info->FileNameLength);
    ok = ::SetFileInformationByHandle(h, static_cast<FILE_INFO_BY_HANDLE_CLASS>(22) /* FileRenameInfoEx */, info, static_cast<DWORD>(buf.size())) != 0;
  }
  DWORD err = ::GetLastError();
  ::CloseHandle(h);
  ::SetLastError(err);
  return ok;
}

}  // namespace

void replace(const std::string& from, const std::string& to) {
  if (!detail::stepsForced() && renamePosix(widen(from, from), widen(to, to))) return;
  replaceInSteps(from, to);
}

namespace {

int moveFile(const std::string& from, const std::string& to, DWORD flags) noexcept {
  try {
    if (::MoveFileExW(widen(from, from).c_str(), widen(to, to).c_str(), flags | MOVEFILE_WRITE_THROUGH)) return 0;
    return errnoOf(::GetLastError());
  } catch (...) {
    return EINVAL;
  }
}

}  // namespace

int detail::renameNoReplace(const std::string& from, const std::string& to) noexcept { return moveFile(from, to, 0); }

int detail::renameOver(const std::string& from, const std::string& to) noexcept {
  return moveFile(from, to, MOVEFILE_REPLACE_EXISTING);
}

int openFile(const std::string& path, OpenMode mode) noexcept {
  std::wstring wide;
  try {
    wide = widen(path, path);
  } catch (...) {
    errno = EINVAL;
    return -1;
  }
  DWORD access = mode == OpenMode::Read ? GENERIC_READ : GENERIC_READ | GENERIC_WRITE;
  DWORD disposition = mode == OpenMode::ReadWriteCreate ? OPEN_ALWAYS
                      : mode == OpenMode::CreateNew     ? CREATE_NEW
                                                        : OPEN_EXISTING;
  HANDLE h = openHandle(wide, access, disposition, FILE_ATTRIBUTE_NORMAL);
  if (h == INVALID_HANDLE_VALUE) {
    errno = errnoOf(::GetLastError());
    return -1;
  }
  // FILE_FLAG_OPEN_REPARSE_POINT opened the link itself: refuse it, as
  // O_NOFOLLOW does.
  BY_HANDLE_FILE_INFORMATION info;
  FileId id;
  if (idOfHandle(h, id, info) && (info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0) {
    ::CloseHandle(h);
    errno = ELOOP;
    return -1;
  }
  int fd = ::_open_osfhandle(reinterpret_cast<intptr_t>(h), mode == OpenMode::Read ? _O_RDONLY : _O_RDWR);
  if (fd < 0) {
    ::CloseHandle(h);
    errno = EMFILE;
  }
  return fd;
}

void closeFile(int fd) noexcept {
  if (fd >= 0) ::_close(fd);  // closes the handle too
}

void removeFile(const std::string& path) noexcept {
  try {
    ::DeleteFileW(widen(path, path).c_str());
  } catch (...) {
  }
}

void makeDirs(const std::string& dir) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/' && dir[pos] != '\\') continue;
    std::string prefix = dir.substr(0, pos);
    if (prefix.back() == ':') continue;  // a drive: "C:"
    if (::CreateDirectoryW(widen(prefix, prefix).c_str(), nullptr)) continue;
    DWORD err = ::GetLastError();
    DWORD attributes = ::GetFileAttributesW(widen(prefix, prefix).c_str());
    if (attributes != INVALID_FILE_ATTRIBUTES && (attributes & FILE_ATTRIBUTE_DIRECTORY) != 0) continue;
    // A file in the way: say so as POSIX does (ENOTDIR), not "already exists".
    if (attributes != INVALID_FILE_ATTRIBUTES) throw ioError("mkdir", prefix, ENOTDIR);
    throw winError("CreateDirectoryW", prefix, err);
  }
}

size_t readAt(int fd, char* buf, size_t size, uint64_t offset, const std::string& path) {
  OVERLAPPED at = {};
  at.Offset = static_cast<DWORD>(offset);
  at.OffsetHigh = static_cast<DWORD>(offset >> 32);
  DWORD got = 0;
  DWORD want = static_cast<DWORD>(size > 0x40000000 ? 0x40000000 : size);
  if (!::ReadFile(handleOf(fd, path), buf, want, &got, &at)) {
    DWORD err = ::GetLastError();
    if (err == ERROR_HANDLE_EOF) return 0;
    throw winError("ReadFile", path, err);
  }
  return got;
}

void writeAt(int fd, const char* data, size_t size, uint64_t offset, const std::string& path) {
  HANDLE h = handleOf(fd, path);
  while (size > 0) {
    OVERLAPPED at = {};
    at.Offset = static_cast<DWORD>(offset);
    at.OffsetHigh = static_cast<DWORD>(offset >> 32);
    DWORD put = 0;
    DWORD want = static_cast<DWORD>(size > 0x40000000 ? 0x40000000 : size);
    if (!::WriteFile(h, data, want, &put, &at)) throw winError("WriteFile", path, ::GetLastError());
    data += put;
    size -= put;
    offset += put;
  }
}

bool truncateTo(int fd, uint64_t size) noexcept {
  auto h = reinterpret_cast<HANDLE>(::_get_osfhandle(fd));
  FILE_END_OF_FILE_INFO end;
  end.EndOfFile.QuadPart = static_cast<LONGLONG>(size);
  if (h != INVALID_HANDLE_VALUE && ::SetFileInformationByHandle(h, FileEndOfFileInfo, &end, sizeof end)) return true;
  errno = EIO;
  return false;
}

FileInfo infoOf(int fd, const std::string& path) {
  BY_HANDLE_FILE_INFORMATION raw;
  FileInfo info;
  if (!idOfHandle(handleOf(fd, path), info.id, raw)) throw winError("GetFileInformationByHandle", path, ::GetLastError());
  info.size = (static_cast<uint64_t>(raw.nFileSizeHigh) << 32) | raw.nFileSizeLow;
  info.regular = (raw.dwFileAttributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT)) == 0;
  info.links = raw.nNumberOfLinks;
  info.ours = true;
  info.othersMayRead = false;
  return info;
}

bool idOf(const std::string& path, FileId& out) noexcept {
  std::wstring wide;
  try {
    wide = widen(path, path);
  } catch (...) {
    errno = EINVAL;
    return false;
  }
  // No access asked: works on files others hold open, and on folders.
  HANDLE h = openHandle(wide, 0, OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS);
  if (h == INVALID_HANDLE_VALUE) {
    errno = errnoOf(::GetLastError());
    return false;
  }
  BY_HANDLE_FILE_INFORMATION info;
  bool ok = idOfHandle(h, out, info);
  ::CloseHandle(h);
  if (!ok) errno = EIO;
  return ok;
}

void makePrivate(int, const std::string&) {}

}  // namespace clawpay::durable
