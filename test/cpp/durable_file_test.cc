// The OS seam under the journal (durable_file.h), as built for this OS:
// locks that exclude like flock between two opens of one file, syncs and
// replacement that report failures as ERR_IO naming the call and the path.
#include "durable_file.h"

#include "test_support.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace clawpay {
namespace {

using durable::LockMode;

struct Fd {
  explicit Fd(const std::string& path) : fd(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600)) {
    if (fd < 0) throw std::runtime_error("open " + path);
  }
  ~Fd() { ::close(fd); }
  int fd;
};

// Whether another open of the file could take this lock right now.
bool lockable(int fd, int op) {
  if (::flock(fd, op | LOCK_NB) != 0) return false;
  ::flock(fd, LOCK_UN);
  return true;
}

TEST(DurableFile, AnExclusiveLockExcludesEveryOtherOpenOfTheFileUntilUnlocked) {
  TempDir dir;
  Fd a(dir.file("j")), b(dir.file("j"));
  durable::lock(a.fd, LockMode::Exclusive, dir.file("j"));
  EXPECT_FALSE(lockable(b.fd, LOCK_SH));
  EXPECT_FALSE(lockable(b.fd, LOCK_EX));
  durable::unlock(a.fd);
  EXPECT_TRUE(lockable(b.fd, LOCK_EX));
}

TEST(DurableFile, SharedLocksAdmitEachOtherAndExcludeAWriter) {
  TempDir dir;
  Fd a(dir.file("j")), b(dir.file("j")), c(dir.file("j"));
  durable::lock(a.fd, LockMode::Shared, dir.file("j"));
  durable::lock(b.fd, LockMode::Shared, dir.file("j"));
  EXPECT_FALSE(lockable(c.fd, LOCK_EX));
  EXPECT_TRUE(lockable(c.fd, LOCK_SH));
  durable::unlock(a.fd);
  durable::unlock(b.fd);
  EXPECT_TRUE(lockable(c.fd, LOCK_EX));
}

TEST(DurableFile, SyncsOfABadDescriptorAreIoErrorsNamingTheFile) {
  auto [code, message] = errorOf([] { durable::syncData(-1, "/x/journal"); });
  EXPECT_EQ(code, "ERR_IO");
  EXPECT_NE(message.find("/x/journal: "), std::string::npos) << message;
  auto all = errorOf([] { durable::syncAll(-1, "/x/journal"); });
  EXPECT_EQ(all.first, "ERR_IO");
  EXPECT_NE(all.second.find("/x/journal: "), std::string::npos) << all.second;
}

TEST(DurableFile, SyncDirOfAMissingDirectoryIsAnIoError) {
  TempDir dir;
  EXPECT_NO_THROW(durable::syncDir(dir.path()));
  auto [code, message] = errorOf([&] { durable::syncDir(dir.file("missing")); });
  EXPECT_EQ(code, "ERR_IO");
  EXPECT_EQ(message.rfind("open " + dir.file("missing") + ": ", 0), 0u) << message;
}

TEST(DurableFile, SyncedDataIsWhatTheFileHolds) {
  TempDir dir;
  Fd a(dir.file("j"));
  ASSERT_EQ(::write(a.fd, "record\n", 7), 7);
  durable::syncData(a.fd, dir.file("j"));
  durable::syncAll(a.fd, dir.file("j"));
  EXPECT_EQ(readAll(dir.file("j")), "record\n");
}

TEST(DurableFile, ReplacePutsTheNewFileInPlaceWhileAnOpenOfTheOldKeepsItsContent) {
  TempDir dir;
  writeAll(dir.file("j"), "old");
  writeAll(dir.file("j.new"), "new");
  Fd old(dir.file("j"));
  durable::replace(dir.file("j.new"), dir.file("j"));
  EXPECT_EQ(readAll(dir.file("j")), "new");
  EXPECT_FALSE(std::filesystem::exists(dir.file("j.new")));
  char buf[8] = {};
  EXPECT_EQ(::pread(old.fd, buf, sizeof buf, 0), 3);
  EXPECT_STREQ(buf, "old");

  auto [code, message] = errorOf([&] { durable::replace(dir.file("gone"), dir.file("j")); });
  EXPECT_EQ(code, "ERR_IO");
  EXPECT_EQ(message.rfind("rename " + dir.file("gone") + ": ", 0), 0u) << message;
  EXPECT_EQ(readAll(dir.file("j")), "new");
}

}  // namespace
}  // namespace clawpay
