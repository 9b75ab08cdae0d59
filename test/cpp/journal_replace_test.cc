// Compaction by the two-step replacement (durable_file.h replaceInSteps),
// which Windows uses where it has no POSIX rename: forced here on every OS
// through the test hook, and cut short after each step as a crash would, or
// with the files a crash leaves made by hand. Each crash must lose nothing
// and the next open must find the journal whole.
#include <filesystem>
#include <set>
#include <stdexcept>
#include <thread>

#include <gtest/gtest.h>

#include "durable_file.h"
#include "journal.h"
#include "map_handler.h"
#include "test_support.h"

namespace clawpay {
namespace {

namespace fs = std::filesystem;
using Values = std::map<std::string, int64_t>;

int crashAt = 0;  // the step after which the hook "crashes"; 0: none
int crashes = 0;

void hook(int step) {
  if (step != crashAt) return;
  ++crashes;
  throw std::runtime_error("crash after step " + std::to_string(step));
}

// Forces the two-step path for one test, and puts the normal one back.
struct ForcedSteps {
  explicit ForcedSteps(int at) {
    crashAt = at;
    crashes = 0;
    durable::testing::setReplaceStepHook(hook);
  }
  ~ForcedSteps() { durable::testing::setReplaceStepHook(nullptr); }
};

std::set<std::string> namesIn(const TempDir& dir) {
  std::set<std::string> out;
  for (const auto& e : fs::directory_iterator(dir.path())) out.insert(e.path().filename().string());
  return out;
}

Journal::Options small() {
  Journal::Options options;
  options.compactSlack = 4;
  return options;
}

// Opens the journal at `path` with the two-step path forced, puts into it
// until its compaction is attempted and the hook crashes it after `step`,
// and closes it; returns what the journal must hold.
Values crashCompactionAfterStep(const std::string& path, int step) {
  ForcedSteps steps(step);
  MapHandler h;
  Journal j(path, h, small());
  for (int i = 0; crashes == 0; ++i) {
    if (i > 100) throw std::runtime_error("no compaction was attempted");
    put(j, h, "a", i);
  }
  return h.values;
}

// What a crash after step 1 leaves, made by hand: a journal holding x = 1
// under the aside's name, none under its own.
void leaveOnlyTheAside(const std::string& path) {
  {
    MapHandler h;
    Journal a(path, h, small());
    put(a, h, "x", 1);
  }
  fs::rename(path, durable::asideOf(path));
}

TEST(JournalReplace, CompactionInStepsKeepsEveryRecordAndLeavesOnlyTheJournal) {
  TempDir dir;
  std::string path = dir.file("j");
  ForcedSteps steps(0);
  MapHandler ha, hb;
  Journal a(path, ha, small());
  Journal b(path, hb, small());  // holds the old file open through every compaction
  put(b, hb, "b", 100);
  for (int i = 0; i < 40; ++i) put(a, ha, "a", i);
  EXPECT_GE(a.compactions(), 3u);
  EXPECT_LE(a.recordCount(), 2u * 2 + 4 + 1);
  b.refresh();
  EXPECT_EQ(hb.values, (Values{{"a", 39}, {"b", 100}}));
  put(b, hb, "b", 101);  // into the new file
  a.close();
  b.close();
  EXPECT_EQ(namesIn(dir), std::set<std::string>{"j"});
  MapHandler hc;
  Journal c(path, hc, small());
  EXPECT_EQ(hc.values, (Values{{"a", 39}, {"b", 101}}));
}

// After step 1 the journal's name is missing and the aside holds it whole.
TEST(JournalReplace, CrashAfterTheAsideRenameIsUndoneByTheNextOpen) {
  TempDir dir;
  std::string path = dir.file("j");
  Values want = crashCompactionAfterStep(path, 1);
  ASSERT_FALSE(fs::exists(path));
  ASSERT_TRUE(fs::exists(durable::asideOf(path)));
  MapHandler again;
  Journal reopened(path, again, small());
  EXPECT_EQ(again.values, want);
  EXPECT_FALSE(fs::exists(durable::asideOf(path)));
  put(reopened, again, "after", 1);
  MapHandler third;
  Journal c(path, third, small());
  EXPECT_EQ(third.values.at("after"), 1);
}

// Another handle, holding the old file, is the first to notice.
TEST(JournalReplace, AHandleThatFindsTheJournalMissingAfterACrashPutsItBack) {
  TempDir dir;
  std::string path = dir.file("j");
  MapHandler hb;
  Journal b(path, hb, small());
  put(b, hb, "b", 7);
  Values want = crashCompactionAfterStep(path, 1);
  ASSERT_FALSE(fs::exists(path));
  put(b, hb, "b", 8);  // not "deleted while in use": settled, reloaded, appended
  want["b"] = 8;
  EXPECT_EQ(hb.values, want);
  MapHandler hc;
  Journal c(path, hc, small());
  EXPECT_EQ(hc.values, want);
}

// After step 2 the new file is the journal; the aside is a leftover that
// the next compaction removes.
TEST(JournalReplace, CrashAfterTheMoveInLeavesTheNewJournalAndALeftoverTheNextCompactionRemoves) {
  TempDir dir;
  std::string path = dir.file("j");
  Values want = crashCompactionAfterStep(path, 2);
  ASSERT_TRUE(fs::exists(durable::asideOf(path)));
  MapHandler again;
  Journal reopened(path, again, small());
  EXPECT_EQ(again.values, want);
  ForcedSteps steps(0);
  for (int i = 0; reopened.compactions() == 0; ++i) {
    ASSERT_LT(i, 100);
    put(reopened, again, "c", i);
  }
  reopened.close();
  EXPECT_EQ(namesIn(dir), std::set<std::string>{"j"});
}

// Step 3 renames the aside to a unique name, then deletes it: cut between
// the two, the old file stays under that name, and nothing needs it.
TEST(JournalReplace, CrashWhileDiscardingTheAsideLeavesTheJournalWhole) {
  TempDir dir;
  std::string path = dir.file("j");
  Values want = crashCompactionAfterStep(path, 3);
  EXPECT_FALSE(fs::exists(durable::asideOf(path)));
  MapHandler again;
  Journal reopened(path, again, small());
  EXPECT_EQ(again.values, want);
  EXPECT_EQ(reopened.compactions(), 0u);
  EXPECT_LE(reopened.recordCount(), 2u);  // the compacted file: header and one record
}

// A crash after step 1, seen by a read-only open (clawpay state verify),
// which changes nothing and says where the journal is.
TEST(JournalReplace, AReadOnlyOpenNamesTheAsideAndChangesNothing) {
  TempDir dir;
  std::string path = dir.file("j");
  leaveOnlyTheAside(path);
  Journal::Options options = small();
  options.access.readOnly = true;
  MapHandler h;
  auto [code, message] = errorOf([&] { Journal r(path, h, options); });
  EXPECT_EQ(code, "ERR_JOURNAL_CORRUPT");
  EXPECT_NE(message.find(durable::asideOf(path)), std::string::npos) << message;
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(fs::exists(durable::asideOf(path)));
  options.access = {.mustExist = true};  // a writer that knows the file held records
  Journal w(path, h, options);
  EXPECT_EQ(h.values, (Values{{"x", 1}}));
}

// An empty file at the journal's name beside a whole aside: one an opener
// created in the gap. The aside is the journal; the empty file is not.
TEST(JournalReplace, AnEmptyFileMadeInTheGapIsReplacedByTheAside) {
  TempDir dir;
  std::string path = dir.file("j");
  leaveOnlyTheAside(path);
  writeAll(path, "");
  MapHandler h;
  Journal j(path, h, small());
  EXPECT_EQ(h.values, (Values{{"x", 1}}));
  EXPECT_FALSE(fs::exists(durable::asideOf(path)));
}

// Live gaps, not crashes: one handle compacts in steps over and over while
// another thread opens and refreshes (separate handles: locks exclude as
// between processes). None may find the journal missing, damaged or fresh
// (a fresh one would lack "b"), nor see a value go back.
void openersDuringCompactions() {
  TempDir dir;
  std::string path = dir.file("j");
  MapHandler ha;
  Journal a(path, ha, small());
  put(a, ha, "b", 1);
  std::string failure;
  std::thread reader([&] {
    try {
      MapHandler hr;
      Journal r(path, hr, small());
      int64_t last = -1;
      for (int i = 0; i < 150; ++i) {
        MapHandler ho;
        Journal o(path, ho, small());
        r.refresh();
        for (const auto* values : {&ho.values, &hr.values}) {
          if (values->count("b") == 0) throw std::runtime_error("a journal without b at round " + std::to_string(i));
          int64_t now = values->count("a") ? values->at("a") : -1;
          if (now < last) throw std::runtime_error("a went back from " + std::to_string(last));
        }
        last = std::max<int64_t>(last, ho.values.count("a") ? ho.values.at("a") : -1);
      }
    } catch (const std::exception& e) {
      failure = e.what();
    }
  });
  for (int i = 0; i < 150; ++i) put(a, ha, "a", i);
  reader.join();
  EXPECT_EQ(failure, "");
  EXPECT_GE(a.compactions(), 10u);
  a.close();
  EXPECT_EQ(namesIn(dir), std::set<std::string>{"j"});
}

TEST(JournalReplace, OpenersDuringCompactionsInStepsNeverSeeAMissingOrFreshJournal) {
  ForcedSteps steps(0);
  openersDuringCompactions();
}

// The same with this OS's own replace() (rename(2) on POSIX): an opener
// whose file was replaced between its open and its lock retries, rather
// than refusing a file with no link left as "other hard links".
TEST(JournalReplace, OpenersDuringCompactionsNeverSeeAMissingOrFreshJournal) { openersDuringCompactions(); }

// The replacement itself, below the journal: the target held open and
// locked by another handle (as every journal's is), and a failed step 2.
TEST(JournalReplace, ReplaceInStepsWorksWhileTheTargetIsOpenAndLockedAndUndoesAFailedMoveIn) {
  TempDir dir;
  std::string path = dir.file("j");
  writeAll(path, "old");
  writeAll(dir.file("j.new"), "new");
  int old = durable::openFile(path, durable::OpenMode::ReadWrite);
  ASSERT_GE(old, 0);
  durable::lock(old, durable::LockMode::Exclusive, path);
  durable::FileId oldId = durable::infoOf(old, path).id;
  durable::replaceInSteps(dir.file("j.new"), path);
  EXPECT_EQ(readAll(path), "new");
  durable::FileId now;
  ASSERT_TRUE(durable::idOf(path, now));
  EXPECT_NE(now, oldId);
  char buf[8] = {};
  EXPECT_EQ(durable::readAt(old, buf, sizeof buf, 0, path), 3u);
  EXPECT_STREQ(buf, "old");
  durable::closeFile(old);
  EXPECT_EQ(namesIn(dir), std::set<std::string>{"j"});

  auto [code, message] = errorOf([&] { durable::replaceInSteps(dir.file("gone"), path); });
  EXPECT_EQ(code, "ERR_IO");
  EXPECT_EQ(message.rfind("rename " + dir.file("gone") + ": ", 0), 0u) << message;
  EXPECT_EQ(readAll(path), "new");
  EXPECT_EQ(namesIn(dir), std::set<std::string>{"j"});
}

}  // namespace
}  // namespace clawpay
