// The two-step replacement and its recovery (durable_file.h): the same code
// on every OS, so that the GoogleTests exercise on Linux what Windows runs
// where it has no POSIX rename.
#include <unistd.h>  // getpid (mingw-w64 has it too)

#include <atomic>
#include <cerrno>

#include "durable_file.h"

namespace clawpay::durable {
namespace {

std::atomic<testing::StepHook> stepHook{nullptr};

void after(int step) {
  if (auto hook = stepHook.load()) hook(step);
}

// Frees the aside name at once (a rename works while others hold the file),
// then deletes the file under its unique name.
void discard(const std::string& aside) {
  static std::atomic<unsigned> serial{0};
  std::string gone = aside + "." + std::to_string(::getpid()) + "." + std::to_string(++serial);
  if (detail::renameNoReplace(aside, gone) == 0) {
    after(3);
    removeFile(gone);
  } else {
    removeFile(aside);
  }
}

struct Closer {
  int fd;
  ~Closer() { closeFile(fd); }
};

}  // namespace

void testing::setReplaceStepHook(StepHook hook) noexcept { stepHook.store(hook); }
bool detail::stepsForced() noexcept { return stepHook.load() != nullptr; }

std::string asideOf(const std::string& path) { return path + ".aside"; }

bool asidePresent(const std::string& path) noexcept {
  FileId id;
  return idOf(asideOf(path), id);
}

std::string dirOf(const std::string& path) {
#ifdef _WIN32
  size_t slash = path.find_last_of("/\\");
#else
  size_t slash = path.rfind('/');
#endif
  return slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
}

void replaceInSteps(const std::string& from, const std::string& to) {
  const std::string aside = asideOf(to);
  // The caller holds the lock of the file `to` names, so no other
  // replacement of it is under way: an aside now is a crash's leftover.
  removeFile(aside);
  if (int err = detail::renameNoReplace(to, aside)) throw ioError("rename", to, err);
  after(1);
  if (int err = detail::renameNoReplace(from, to)) {
    // Put the journal back. An occupant of `to` can only be an empty file an
    // opener created in the gap (openers check for the aside before writing
    // a header); if it is held open, settle() puts the aside back later.
    if (detail::renameNoReplace(aside, to) != 0) detail::renameOver(aside, to);
    throw ioError("rename", from, err);
  }
  after(2);
  syncDir(dirOf(to));
  discard(aside);
}

Settled settle(const std::string& path, bool mayRestore, const FileId* held) {
  const std::string aside = asideOf(path);
  int fd = openFile(aside, OpenMode::Read);
  if (fd < 0) return Settled::None;
  Closer closer{fd};
  const FileId id = infoOf(fd, aside).id;
  // Its replacer holds the aside's exclusive lock from before step 1 to the
  // end: once we have it, the replacement is over or its process is gone. A
  // caller whose own lock is on that very file has that answer already.
  if (held == nullptr || *held != id) lock(fd, LockMode::Shared, aside);
  FileId now;
  if (!idOf(aside, now) || now != id) return Settled::Done;  // discarded meanwhile
  int at = openFile(path, OpenMode::Read);
  if (at >= 0) {
    uint64_t size;
    try {
      size = infoOf(at, path).size;
    } catch (...) {
      closeFile(at);
      throw;
    }
    closeFile(at);
    if (size > 0) return Settled::Done;  // a leftover: the next replacement removes it
  } else if (errno != ENOENT) {
    throw ioError("open", path, errno);
  }
  if (!mayRestore) return Settled::Stranded;
  int err = at >= 0 ? detail::renameOver(aside, path) : detail::renameNoReplace(aside, path);
  if (err == ENOENT || err == EEXIST) return Settled::Done;  // another opener was first
  if (err != 0) throw ioError("rename", aside, err);
  syncDir(dirOf(path));
  return Settled::Restored;
}

}  // namespace clawpay::durable
