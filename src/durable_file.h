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
//            file open; where it is missing (FAT32/exFAT, many network
//            shares, older Windows, wine) replaceInSteps (below).
//   All      durable_replace.cc: replaceInSteps and settle, the same code on
//            every OS (the GoogleTests drive it on Linux too).
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

// Puts `from` in the place of `to`, both in one directory, while other
// handles may hold `to` open (they keep reading the old file; idOf(to) names
// the new one). Linux, macOS and Windows with POSIX rename: in one step, so a
// reader or a crash sees the old file or the new one, never neither.
// Elsewhere on Windows: replaceInSteps.
void replace(const std::string& from, const std::string& to);

// The replacement for a file system that refuses to rename over a file
// others hold open but lets it be renamed away (every handle here shares
// delete). The caller holds the exclusive lock of the file `to` names, and
// keeps it until this returns:
//   0. a leftover aside (asideOf(to), from a crash after step 2) is removed;
//   1. `to` is renamed to its aside name;
//   2. `from` is moved into the free name `to`;
//   3. the aside is renamed to a unique name ("<aside>.<pid>.<n>") and
//      deleted (on Windows the file goes once the last handle on it closes;
//      its name is free at once).
// Between 1 and 2 `to` is missing, and an opener that finds it so calls
// settle(), which waits for the lock and then finds `to` back. A crash:
//   after 1   `to` missing, the aside whole (and `from`): settle() on the
//             next open renames the aside back;
//   after 2   `to` is the new file, the aside a leftover that step 0 of the
//             next replacement removes;
//   in 3      a uniquely named copy of the old file may stay (harmless).
// If step 2 fails (an opener created an empty `to` in the gap), the aside is
// put back where it can be, else settle() does it; then ERR_IO.
void replaceInSteps(const std::string& from, const std::string& to);
// "<path>.aside".
std::string asideOf(const std::string& path);
// Whether asideOf(path) can be opened (a replacement is under way, or was cut
// short, or left it over).
bool asidePresent(const std::string& path) noexcept;

enum class Settled {
  None,       // no aside: nothing to settle
  Done,       // a replacement finished meanwhile: open `path` again
  Restored,   // a cut-short replacement undone: the aside is `path` again
  Stranded,   // `path` missing, the aside whole, and mayRestore false
};
// For an opener that found `path` missing, or empty (created in the gap of a
// replaceInSteps): waits for the aside's lock (its replacer holds it to the
// end), then, if `path` is still missing or empty and mayRestore, renames the
// aside back over it. `held`: the file the caller holds a lock on, if any;
// if that is the aside, there is nothing to wait for (its replacer is gone).
Settled settle(const std::string& path, bool mayRestore, const FileId* held = nullptr);

// The folder of `path` ("." for a bare name).
std::string dirOf(const std::string& path);

// ERR_IO for a failed system call: "<op> <path>: <the system's message>"
// (`err` an errno value).
Error ioError(const char* op, const std::string& path, int err);

namespace detail {
// POSIX only: how this OS makes an open directory's entries durable
// (durable_file_linux.cc, durable_file_macos.cc), for syncDir.
void syncDirFd(int fd, const std::string& dir);
// Renames `from` to `to` only if `to` is missing: 0, or an errno value
// (EEXIST if `to` is there).
int renameNoReplace(const std::string& from, const std::string& to) noexcept;
// Renames `from` over `to` (which need not exist): 0, or an errno value.
int renameOver(const std::string& from, const std::string& to) noexcept;
// Whether testing::setReplaceStepHook set a hook (replace() then goes by steps).
bool stepsForced() noexcept;
}  // namespace detail

// Tests only: when set, replace() goes by replaceInSteps on every OS and
// calls the hook after steps 1, 2 and 3 (an exception from it stands for a
// crash there: nothing more is done). nullptr restores the normal path.
namespace testing {
using StepHook = void (*)(int step);
void setReplaceStepHook(StepHook hook) noexcept;
}  // namespace testing

}  // namespace clawpay::durable
