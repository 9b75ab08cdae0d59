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
//            through); replace: MoveFileExW(MOVEFILE_REPLACE_EXISTING |
//            MOVEFILE_WRITE_THROUGH).
//
// Every call retries EINTR and reports failure as ERR_IO naming the
// operation and the path; none aborts.
#pragma once

#include <cstdint>
#include <string>

#include "error.h"

namespace clawpay::durable {

enum class LockMode { Shared, Exclusive };

// Blocks until this open of the file holds the lock. Locks belong to the
// open file description (flock semantics): two opens in one process exclude
// each other like two processes do; closing the descriptor releases it.
void lock(int fd, LockMode mode, const std::string& path);
void unlock(int fd) noexcept;

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
