// What the journal needs from the operating system to keep a promise of
// durability, behind one seam: whole-file advisory locks, "this write has
// reached the disk", and atomic replacement of a file by another. One
// implementation per OS, chosen by CMakeLists.txt:
//
//   Linux    durable_file_posix.cc + durable_file_linux.cc
//            lock: flock(2); data: fdatasync(2); all: fsync(2); directory:
//            fsync(2) of the directory; replace: rename(2).
//   macOS    durable_file_posix.cc + durable_file_macos.cc
//            lock: flock(2); data and all: fcntl(F_FULLFSYNC), because macOS's
//            fsync(2) only hands the data to the drive, whose cache may lose
//            it on power loss (file systems without F_FULLFSYNC, some network
//            mounts, fall back to fsync); directory: F_FULLFSYNC of the
//            directory (falling back to fsync); replace: rename(2).
//   Windows  durable_file_windows.cc
//            lock: LockFileEx on one byte far past any file's end, so a lock
//            behaves like flock (whole file, advisory: it never blocks reads
//            or writes); data and all: FlushFileBuffers; directory: nothing
//            to do (NTFS journals its metadata; the replacement is written
//            through); replace: a POSIX-semantics rename (FileRenameInfoEx,
//            Windows 10 1709+ on NTFS), which works while others hold the
//            file open, else MoveFileExW(MOVEFILE_REPLACE_EXISTING |
//            MOVEFILE_WRITE_THROUGH), which then fails (ERR_IO).
//
// The journal's other file I/O is here too, so that journal.cc needs no OS
// header: opening (never through a symbolic link; on Windows with
// CreateFileW and FILE_SHARE_DELETE, so a compaction can rename over a file
// other handles hold open, as POSIX allows), positional reads and writes,
// truncation, a file's identity (st_dev/st_ino; on Windows the volume serial
// and file index) and its safety (a regular file of our own with one link;
// on Windows ownership and mode are left to the folder's ACL, which a user
// profile already keeps private).
//
// Every call retries EINTR and reports failure as ERR_IO naming the
// operation and the path; none aborts.
#pragma once

#include <cstdint>
#include <string>

#include "error.h"

namespace clawpay::durable {

enum class LockMode { Shared, Exclusive };

// Read-only; read-write of an existing file; read-write, created (0600) if
// missing; created, failing with EEXIST if present.
enum class OpenMode { Read, ReadWrite, ReadWriteCreate, CreateNew };

// A file descriptor, or -1 with errno set: ENOENT missing, EEXIST present
// (CreateNew), ELOOP a symbolic link at `path`, else another errno value.
int openFile(const std::string& path, OpenMode mode) noexcept;
void closeFile(int fd) noexcept;
void removeFile(const std::string& path) noexcept;
// mkdir -p; the folders created are private (0700 on POSIX).
void makeDirs(const std::string& dir);

// Bytes read into buf (0 at the end of the file); ERR_IO naming `path`.
size_t readAt(int fd, char* buf, size_t size, uint64_t offset, const std::string& path);
// All of data at offset, or ERR_IO.
void writeAt(int fd, const char* data, size_t size, uint64_t offset, const std::string& path);
// false with errno set if the file could not be cut to `size`.
bool truncateTo(int fd, uint64_t size) noexcept;

struct FileId {
  uint64_t volume = 0;
  uint64_t index = 0;
  bool operator==(const FileId&) const = default;
};

struct FileInfo {
  FileId id;
  uint64_t size = 0;
  bool regular = false;
  uint64_t links = 0;
  bool ours = false;           // owned by this process's user (always on Windows)
  bool othersMayRead = false;  // group or other bits set (never on Windows)
};

FileInfo infoOf(int fd, const std::string& path);
// The identity of what `path` names now; false with errno set (ENOENT) if
// it names nothing.
bool idOf(const std::string& path, FileId& out) noexcept;
// chmod 0600 (nothing on Windows).
void makePrivate(int fd, const std::string& path);

// Blocks until this open of the file holds the lock. Locks belong to the
// open file description (flock semantics): two opens in one process exclude
// each other like two processes do; closing the descriptor releases it.
void lock(int fd, LockMode mode, const std::string& path);
void unlock(int fd) noexcept;
// Takes the lock if no other open holds a conflicting one, without waiting.
bool tryLock(int fd, LockMode mode) noexcept;

// The file's data written so far (and the metadata needed to read it back,
// such as its size) survives a crash or power loss once this returns.
void syncData(int fd, const std::string& path);
// Like syncData, and every other piece of the file's metadata too.
void syncAll(int fd, const std::string& path);
// A new or renamed directory entry under `dir` survives once this returns.
void syncDir(const std::string& dir);

// Puts `from` in the place of `to` in one step: a reader of `to`, or a crash,
// sees the old file or the new one, never neither. Both in one directory.
void replace(const std::string& from, const std::string& to);

// ERR_IO for a failed system call: "<op> <path>: <the system's message>"
// (`err` an errno value).
Error ioError(const char* op, const std::string& path, int err);

namespace detail {
// POSIX only: how this OS makes an open directory's entries durable
// (durable_file_linux.cc, durable_file_macos.cc), for syncDir.
void syncDirFd(int fd, const std::string& dir);
}  // namespace detail

}  // namespace clawpay::durable
