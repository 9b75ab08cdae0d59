// The OS seam under the journal (durable_file.h), as built for this OS:
// locks that exclude like flock between two opens of one file, syncs and
// replacement that report failures as ERR_IO naming the call and the path.
#include "durable_file.h"

#include "test_support.h"

#include <gtest/gtest.h>

namespace clawpay {
namespace {

using durable::LockMode;

// The name replace() gives its failure (on Windows, from replaceInSteps).
constexpr const char* kReplaceOp = "rename ";

struct Fd {
  explicit Fd(const std::string& path) : fd(durable::openFile(path, durable::OpenMode::ReadWriteCreate)) {
    if (fd < 0) throw std::runtime_error("open " + path);
  }
  ~Fd() { durable::closeFile(fd); }
  int fd;
};

// Whether another open of the file could take this lock right now.
bool lockable(int fd, LockMode mode) {
  if (!durable::tryLock(fd, mode)) return false;
  durable::unlock(fd);
  return true;
}

TEST(DurableFile, AnExclusiveLockExcludesEveryOtherOpenOfTheFileUntilUnlocked) {
  TempDir dir;
  Fd a(dir.file("j")), b(dir.file("j"));
  durable::lock(a.fd, LockMode::Exclusive, dir.file("j"));
  EXPECT_FALSE(lockable(b.fd, LockMode::Shared));
  EXPECT_FALSE(lockable(b.fd, LockMode::Exclusive));
  durable::unlock(a.fd);
  EXPECT_TRUE(lockable(b.fd, LockMode::Exclusive));
}

TEST(DurableFile, SharedLocksAdmitEachOtherAndExcludeAWriter) {
  TempDir dir;
  Fd a(dir.file("j")), b(dir.file("j")), c(dir.file("j"));
  durable::lock(a.fd, LockMode::Shared, dir.file("j"));
  durable::lock(b.fd, LockMode::Shared, dir.file("j"));
  EXPECT_FALSE(lockable(c.fd, LockMode::Exclusive));
  EXPECT_TRUE(lockable(c.fd, LockMode::Shared));
  durable::unlock(a.fd);
  durable::unlock(b.fd);
  EXPECT_TRUE(lockable(c.fd, LockMode::Exclusive));
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
#ifdef _WIN32
  GTEST_SKIP() << "Windows has no directory to sync (durable_file.h)";
#endif
  auto [code, message] = errorOf([&] { durable::syncDir(dir.file("missing")); });
  EXPECT_EQ(code, "ERR_IO");
  EXPECT_EQ(message.rfind("open " + dir.file("missing") + ": ", 0), 0u) << message;
}

TEST(DurableFile, SyncedDataIsWhatTheFileHolds) {
  TempDir dir;
  Fd a(dir.file("j"));
  durable::writeAt(a.fd, "record\n", 7, 0, dir.file("j"));
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
  EXPECT_EQ(durable::readAt(old.fd, buf, sizeof buf, 0, dir.file("j")), 3u);
  EXPECT_STREQ(buf, "old");

  auto [code, message] = errorOf([&] { durable::replace(dir.file("gone"), dir.file("j")); });
  EXPECT_EQ(code, "ERR_IO");
  EXPECT_EQ(message.rfind(kReplaceOp + dir.file("gone") + ": ", 0), 0u) << message;
  EXPECT_EQ(readAll(dir.file("j")), "new");
}

// The journal's own file I/O goes through the seam too (durable_file.h).
TEST(DurableFile, PositionalWritesAndReadsTruncationAndIdentity) {
  TempDir dir;
  std::string path = dir.file("j");
  EXPECT_EQ(durable::openFile(path, durable::OpenMode::ReadWrite), -1);
  EXPECT_EQ(errno, ENOENT);
  Fd a(path);
  EXPECT_EQ(durable::openFile(path, durable::OpenMode::CreateNew), -1);
  EXPECT_EQ(errno, EEXIST);
  durable::writeAt(a.fd, "0123456789", 10, 0, path);
  durable::writeAt(a.fd, "ab", 2, 4, path);
  char buf[16] = {};
  EXPECT_EQ(durable::readAt(a.fd, buf, sizeof buf, 2, path), 8u);
  EXPECT_STREQ(buf, "23ab6789");
  EXPECT_EQ(durable::readAt(a.fd, buf, sizeof buf, 10, path), 0u);
  ASSERT_TRUE(durable::truncateTo(a.fd, 3));
  durable::FileInfo info = durable::infoOf(a.fd, path);
  EXPECT_EQ(info.size, 3u);
  EXPECT_TRUE(info.regular);
  EXPECT_EQ(info.links, 1u);
  EXPECT_TRUE(info.ours);
  durable::FileId byPath;
  ASSERT_TRUE(durable::idOf(path, byPath));
  EXPECT_EQ(byPath, info.id);
  Fd other(dir.file("k"));
  EXPECT_NE(durable::infoOf(other.fd, dir.file("k")).id, info.id);
  EXPECT_FALSE(durable::idOf(dir.file("missing"), byPath));
  EXPECT_EQ(errno, ENOENT);
}

// What lets a compaction rename over a journal other handles hold open, on
// Windows as on POSIX.
TEST(DurableFile, ReplaceWorksWhileTheTargetIsOpenAndLocked) {
  TempDir dir;
  Fd old(dir.file("j"));
  durable::writeAt(old.fd, "old", 3, 0, dir.file("j"));
  durable::lock(old.fd, LockMode::Shared, dir.file("j"));
  writeAll(dir.file("j.new"), "new");
  durable::replace(dir.file("j.new"), dir.file("j"));
  EXPECT_EQ(readAll(dir.file("j")), "new");
  durable::FileId now;
  ASSERT_TRUE(durable::idOf(dir.file("j"), now));
  EXPECT_NE(now, durable::infoOf(old.fd, dir.file("j")).id);
}

}  // namespace
}  // namespace clawpay
