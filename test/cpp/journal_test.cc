// The journal on its own: framing, torn tails, damage, compaction, and two
// Journal objects on one file (separate open file descriptions, so flock and
// inode changes behave as between processes).
#include "journal.h"

#include "test_support.h"

#include <sys/stat.h>
#ifndef _WIN32
#include <unistd.h>
#else
#define WIN32_LEAN_AND_MEAN
#define NOGDI
#define NOMINMAX
#include <windows.h>
#endif

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include <gtest/gtest.h>

#include "error.h"
#include "hex.h"
#include "keccak.h"
#include "map_handler.h"

namespace clawpay {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

template <typename F>
std::string errorCode(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code() + ": " + e.what();
  }
  return "no error";
}

// The version 1 header (no high-water mark): files written before the mark.
const char* kHeader = R"({"format":"clawpay-sessions","op":"header","version":1})";

std::string headerJson(uint64_t length, const std::string& format = "clawpay-sessions") {
  std::string mark = std::to_string(length);
  mark.insert(0, 20 - mark.size(), '0');
  return R"({"format":")" + format + R"(","length":")" + mark + R"(","op":"header","version":2})";
}

// A whole version 2 file holding `records`, its mark at its end: what the
// journal writes.
std::string journalFile(const std::vector<std::string>& records, const std::string& format = "clawpay-sessions") {
  std::string body;
  for (const auto& r : records) body += Journal::frame(r);
  uint64_t headerSize = Journal::frame(headerJson(0, format)).size();
  return Journal::frame(headerJson(headerSize + body.size(), format)) + body;
}

TEST(Journal, FrameIsChecksumSpaceJsonNewline) {
  std::string json = R"({"k":"a","v":1})";
  Hash32 digest = keccak256(asBytes(json));
  std::string want = toHex(ByteView(digest.data(), 4), false);
  EXPECT_EQ(Journal::checksum(json), want);
  EXPECT_EQ(Journal::frame(json), want + " " + json + "\n");
}

TEST(Journal, CreatesPrivateFileWithHeaderInPrivateDirs) {
  TempDir dir;
  std::string path = dir.path() + "/a/b/journal.log";
  MapHandler h;
  Journal j(path, h);
  EXPECT_EQ(readAll(path), journalFile({}));
#ifndef _WIN32  // POSIX modes; on Windows the folder's ACL decides
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir.path() + "/a").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  ASSERT_EQ(::stat((dir.path() + "/a/b").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
#endif
  EXPECT_EQ(j.recordCount(), 1u);
}

#ifndef _WIN32  // symbolic links, hard links, owners and modes as POSIX has them
// The journal holds bearer tokens: it is never written through a planted
// symlink, into a file another user owns, or into a hard-linked file.
TEST(Journal, RefusesASymlinkAtItsPathAndLeavesTheTargetUntouched) {
  TempDir dir;
  const std::string victim = dir.file("victim");
  writeAll(victim, "");
  ASSERT_EQ(::chmod(victim.c_str(), 0644), 0);
  ASSERT_EQ(::symlink(victim.c_str(), dir.file("journal.log").c_str()), 0);
  MapHandler h;
  EXPECT_EQ(captureError([&] { Journal j(dir.file("journal.log"), h); }).code(), "ERR_UNSAFE_JOURNAL");
  EXPECT_EQ(readAll(victim), "");
}

TEST(Journal, RefusesAHardLinkedFile) {
  TempDir dir;
  const std::string path = dir.file("journal.log");
  writeAll(path, "");
  ASSERT_EQ(::link(path.c_str(), dir.file("elsewhere").c_str()), 0);
  MapHandler h;
  EXPECT_EQ(captureError([&] { Journal j(path, h); }).code(), "ERR_UNSAFE_JOURNAL");
}

TEST(Journal, RefusesAFileOwnedByAnotherUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a file to another user";
  TempDir dir;
  const std::string path = dir.file("journal.log");
  writeAll(path, "");
  ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
  MapHandler h;
  EXPECT_EQ(captureError([&] { Journal j(path, h); }).code(), "ERR_UNSAFE_JOURNAL");
}

TEST(Journal, TightensItsOwnFileThatOthersCouldRead) {
  TempDir dir;
  const std::string path = dir.file("journal.log");
  writeAll(path, "");
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
  MapHandler h;
  Journal j(path, h);
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

#endif

TEST(Journal, AppendsAreReplayedInOrder) {
  TempDir dir;
  std::string path = dir.file("j");
  {
    MapHandler h;
    Journal j(path, h);
    put(j, h, "a", 1);
    j.transact([&](Journal::Appender& a) { a.append({kv("b", 2), kv("a", 3)}); });
    EXPECT_EQ(j.recordCount(), 4u);
  }
  MapHandler h;
  Journal j(path, h);
  ASSERT_EQ(h.seen.size(), 3u);
  EXPECT_EQ(h.seen[0]["k"], "a");
  EXPECT_EQ(h.seen[2]["v"], 3);
  EXPECT_EQ(h.values["a"], 3);
  EXPECT_EQ(readAll(path), journalFile({kv("a", 1), kv("b", 2), kv("a", 3)}));
}

TEST(Journal, RejectsMultiLineRecords) {
  TempDir dir;
  MapHandler h;
  Journal j(dir.file("j"), h);
  EXPECT_EQ(errorCode([&] { j.transact([](Journal::Appender& a) { a.append({"{\"k\":\n1}"}); }); })
                .substr(0, 12),
            "ERR_INTERNAL");
  EXPECT_EQ(readAll(dir.file("j")), journalFile({}));
}

// A crash during an append: the last record, past the high-water mark, cut
// at every byte (with and without junk that holds no newline after it): the
// earlier records survive, nothing throws, the cut is reported, and the
// file is cut back so the next append lands on a clean line.
TEST(Journal, TornTailAtEveryOffsetIsSkippedAndCutOff) {
  TempDir dir;
  std::string path = dir.file("j");
  std::string good = journalFile({kv("a", 1), kv("b", 2)});
  std::string last = Journal::frame(kv("c", 3));
  const std::vector<std::string> junk = {"", "garbage", std::string(37, '\0')};
  int cases = 0;
  for (size_t cut = 1; cut < last.size(); ++cut) {
    for (const auto& tail : junk) {
      SCOPED_TRACE("cut " + std::to_string(cut) + " junk " + std::to_string(tail.size()));
      writeAll(path, good + last.substr(0, cut) + tail);
      {
        MapHandler h;
        Journal j(path, h);
        ASSERT_EQ(h.seen.size(), 2u);
        EXPECT_EQ(readAll(path), good);
        std::vector<std::string> notices = j.takeNotices();
        ASSERT_EQ(notices.size(), 1u);
        EXPECT_NE(notices[0].find(path), std::string::npos) << notices[0];
        EXPECT_NE(notices[0].find("byte offset " + std::to_string(good.size())), std::string::npos) << notices[0];
        EXPECT_TRUE(j.takeNotices().empty());
        put(j, h, "d", 4);
      }
      MapHandler h;
      Journal j(path, h);
      ASSERT_EQ(h.seen.size(), 3u);
      EXPECT_EQ(h.values["d"], 4);
      EXPECT_FALSE(h.values.count("c"));
      ++cases;
    }
  }
  EXPECT_EQ(cases, static_cast<int>((last.size() - 1) * junk.size()));
}

TEST(Journal, DamageBeforeValidRecordsThrowsNamingFileAndRecord) {
  TempDir dir;
  std::string path = dir.file("j");
  std::string r2 = Journal::frame(kv("b", 2));
  r2[12] ^= 1;  // flip one bit inside the JSON: checksum no longer matches
  std::string content = Journal::frame(kHeader) + Journal::frame(kv("a", 1)) + r2 + Journal::frame(kv("c", 3));
  writeAll(path, content);
  MapHandler h;
  try {
    Journal j(path, h);
    FAIL() << "expected ERR_JOURNAL_CORRUPT";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), "ERR_JOURNAL_CORRUPT");
    EXPECT_EQ(e.kind(), ErrorKind::Corrupt);
    std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    EXPECT_NE(msg.find("record 3"), std::string::npos) << msg;
  }
  EXPECT_EQ(readAll(path), content) << "a damaged journal must not be modified";
}

TEST(Journal, RecordTheHandlerRejectsIsCorrupt) {
  TempDir dir;
  std::string path = dir.file("j");
  writeAll(path, Journal::frame(kHeader) + Journal::frame(R"({"x":1})"));
  MapHandler h;
  std::string err = errorCode([&] { Journal j(path, h); });
  EXPECT_EQ(err.substr(0, 19), "ERR_JOURNAL_CORRUPT");
  EXPECT_NE(err.find("record 2"), std::string::npos) << err;
}

TEST(Journal, ForeignFileIsRefusedAndLeftAlone) {
  TempDir dir;
  std::string path = dir.file("j");
  writeAll(path, "{\"not\":\"a journal\"}\n");
  MapHandler h;
  EXPECT_EQ(errorCode([&] { Journal j(path, h); }).substr(0, 19), "ERR_JOURNAL_CORRUPT");
  EXPECT_EQ(readAll(path), "{\"not\":\"a journal\"}\n");

  // A valid record that is not a header is refused too.
  writeAll(path, Journal::frame(kv("a", 1)));
  EXPECT_EQ(errorCode([&] { Journal j(path, h); }).substr(0, 19), "ERR_JOURNAL_CORRUPT");
}

TEST(Journal, TornHeaderOfANewJournalStartsEmpty) {
  TempDir dir;
  std::string path = dir.file("j");
  // Ours, and one an earlier version was creating when it crashed.
  for (std::string header : {journalFile({}), Journal::frame(kHeader)}) {
    for (size_t cut : {size_t{1}, size_t{9}, header.size() - 1}) {
      writeAll(path, header.substr(0, cut) + std::string(cut % 3 ? 5 : 0, '\0'));
      MapHandler h;
      Journal j(path, h);
      EXPECT_TRUE(h.seen.empty());
      EXPECT_EQ(readAll(path), journalFile({}));
    }
  }
}

// One kind of state must never be replayed as another: a file whose header
// names another format is refused, naming the file and both formats.
TEST(Journal, FileOfAnotherFormatIsRefusedNamingBothFormats) {
  TempDir dir;
  std::string path = dir.file("j");
  Journal::Options receipts;
  receipts.format = "clawpay-receipts";
  {
    MapHandler h;
    Journal j(path, h, receipts);
    put(j, h, "a", 1);
  }
  EXPECT_EQ(readAll(path).substr(0, 200).find(R"({"format":"clawpay-receipts","length":")"), 9u);
  std::string before = readAll(path);
  MapHandler h;
  std::string err = errorCode([&] { Journal j(path, h); });
  EXPECT_EQ(err.substr(0, 19), "ERR_JOURNAL_CORRUPT") << err;
  for (const char* part : {path.c_str(), "clawpay-receipts", "clawpay-sessions", "record 1"}) {
    EXPECT_NE(err.find(part), std::string::npos) << err;
  }
  EXPECT_EQ(readAll(path), before) << "a journal of another format must not be modified";

  // A torn header of the other format is not mistaken for a new journal of ours.
  writeAll(path, Journal::frame(R"({"format":"clawpay-receipts","op":"header","version":1})").substr(0, 30));
  EXPECT_EQ(errorCode([&] { Journal j(path, h); }).substr(0, 19), "ERR_JOURNAL_CORRUPT");
  MapHandler hr;
  Journal ours(path, hr, receipts);  // ...but is one of its own format
  EXPECT_EQ(ours.recordCount(), 1u);
}

TEST(Journal, FormatNameMustNeedNoEscaping) {
  TempDir dir;
  MapHandler h;
  for (const char* bad : {"", "a\"b", "with space", "caf\xc3\xa9"}) {
    Journal::Options options;
    options.format = bad;
    EXPECT_EQ(errorCode([&] { Journal j(dir.file("j"), h, options); }).substr(0, 20), "ERR_INVALID_ARGUMENT") << bad;
  }
  EXPECT_FALSE(fs::exists(dir.file("j")));
}

TEST(Journal, NewerFormatVersionIsRefused) {
  TempDir dir;
  std::string path = dir.file("j");
  writeAll(path, Journal::frame(R"({"format":"clawpay-sessions","op":"header","version":3})"));
  MapHandler h;
  EXPECT_EQ(errorCode([&] { Journal j(path, h); }).substr(0, 19), "ERR_JOURNAL_VERSION");
}

TEST(Journal, IoFailuresNameThePath) {
  TempDir dir;
  writeAll(dir.file("plain"), "x");
  MapHandler h;
  std::string err = errorCode([&] { Journal j(dir.file("plain") + "/sub/j", h); });
  EXPECT_EQ(err.substr(0, 6), "ERR_IO");
  EXPECT_NE(err.find(dir.file("plain")), std::string::npos) << err;
  EXPECT_NE(err.find("directory"), std::string::npos) << err;  // ENOTDIR's text

  err = errorCode([&] { Journal j(dir.path(), h); });  // a directory, not a file
  EXPECT_EQ(err.substr(0, 6), "ERR_IO");
}

TEST(Journal, ClosedJournalThrows) {
  TempDir dir;
  MapHandler h;
  Journal j(dir.file("j"), h);
  j.close();
  j.close();
  EXPECT_EQ(errorCode([&] { put(j, h, "a", 1); }).substr(0, 10), "ERR_CLOSED");
  EXPECT_EQ(errorCode([&] { j.refresh(); }).substr(0, 10), "ERR_CLOSED");
}

TEST(Journal, CompactsWhenDeadRecordsDominate) {
  TempDir dir;
  std::string path = dir.file("j");
  Journal::Options options;
  options.compactSlack = 8;
  MapHandler h;
  Journal j(path, h, options);
  for (int i = 0; i < 40; ++i) put(j, h, i % 2 ? "odd" : "even", i);
  EXPECT_GE(j.compactions(), 1u);
  // 2 live keys: never more than 2*2 + 8 records (+ header) after a put.
  EXPECT_LE(j.recordCount(), 2u * 2 + 8 + 1);
#ifndef _WIN32  // POSIX modes; on Windows the folder's ACL decides
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
#endif
  // Nothing left behind but the journal.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);

  MapHandler again;
  Journal reopened(path, again, options);
  EXPECT_EQ(again.values, (std::map<std::string, int64_t>{{"even", 38}, {"odd", 39}}));
}

TEST(Journal, SecondHandleCatchesUpOnRefreshAndTransact) {
  TempDir dir;
  std::string path = dir.file("j");
  MapHandler ha, hb;
  Journal a(path, ha);
  Journal b(path, hb);
  put(a, ha, "x", 1);
  EXPECT_TRUE(hb.values.empty());
  b.refresh();
  EXPECT_EQ(hb.values["x"], 1);
  put(a, ha, "x", 2);
  put(b, hb, "y", 3);  // catches up on x=2 before appending
  EXPECT_EQ(hb.values["x"], 2);
  a.refresh();
  EXPECT_EQ(ha.values["y"], 3);
  EXPECT_EQ(a.recordCount(), b.recordCount());
}

TEST(Journal, OtherHandleReloadsAfterCompactionRenamedANewFile) {
  TempDir dir;
  std::string path = dir.file("j");
  Journal::Options options;
  options.compactSlack = 4;
  MapHandler ha, hb;
  Journal a(path, ha, options);
  Journal b(path, hb, options);
  put(b, hb, "b", 100);
  for (int i = 0; i < 20; ++i) put(a, ha, "a", i);
  ASSERT_GE(a.compactions(), 1u);
  b.refresh();
  EXPECT_GE(hb.resets, 1);
  EXPECT_EQ(hb.values, (std::map<std::string, int64_t>{{"a", 19}, {"b", 100}}));
  put(b, hb, "b", 101);  // appends to the new file, not the unlinked one
  MapHandler hc;
  Journal c(path, hc, options);
  EXPECT_EQ(hc.values, (std::map<std::string, int64_t>{{"a", 19}, {"b", 101}}));
}

TEST(Journal, ReadersSkipATornTailWithoutCuttingIt) {
  TempDir dir;
  std::string path = dir.file("j");
  MapHandler ha, hb;
  Journal a(path, ha);
  Journal b(path, hb);
  put(a, ha, "x", 1);
  std::string before = readAll(path);
  {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << Journal::frame(kv("y", 2)).substr(0, 10);
  }
  b.refresh();  // shared lock: must not truncate
  EXPECT_EQ(hb.values, (std::map<std::string, int64_t>{{"x", 1}}));
  EXPECT_EQ(readAll(path).size(), before.size() + 10);
  put(b, hb, "z", 3);  // exclusive: cuts the torn tail, then appends cleanly
  MapHandler hc;
  Journal c(path, hc);
  EXPECT_EQ(hc.values, (std::map<std::string, int64_t>{{"x", 1}, {"z", 3}}));
}

// A file deleted or emptied under an open journal lost what it held: damage,
// never a fresh start, and nothing is written back.
TEST(Journal, DeletedFileWhileOpenIsDamage) {
#ifdef _WIN32
  // Wine keeps a file deleted while open at its name, openable, until the
  // last handle closes, and reports no delete-pending state: no Win32 call
  // can tell it was deleted.
  if (::GetProcAddress(::GetModuleHandleA("ntdll.dll"), "wine_get_version") != nullptr) {
    GTEST_SKIP() << "wine shows no trace of a delete while the file is open";
  }
#endif
  TempDir dir;
  std::string path = dir.file("j");
  MapHandler h;
  Journal j(path, h);
  put(j, h, "x", 1);
  ASSERT_EQ(::unlink(path.c_str()), 0);
  std::string err = errorCode([&] { put(j, h, "y", 2); });
  EXPECT_EQ(err.substr(0, 19), "ERR_JOURNAL_CORRUPT") << err;
  EXPECT_NE(err.find("deleted"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(path));
}

TEST(Journal, EmptiedFileWhileOpenIsDamage) {
  TempDir dir;
  std::string path = dir.file("j");
  MapHandler ha, hb;
  Journal a(path, ha);
  Journal b(path, hb);
  put(a, ha, "x", 1);
  b.refresh();
  fs::resize_file(path, 0);
  EXPECT_EQ(errorCode([&] { b.refresh(); }).substr(0, 19), "ERR_JOURNAL_CORRUPT");
  EXPECT_EQ(errorCode([&] { put(a, ha, "yy", 22); }).substr(0, 19), "ERR_JOURNAL_CORRUPT");
  EXPECT_EQ(readAll(path), "");
  // Reopening refuses too: the header's mark is gone with the bytes, but a
  // manifest that lists the file (mustExist) says it held records.
  Journal::Options listed;
  listed.access.mustExist = true;
  MapHandler hc;
  std::string err = errorCode([&] { Journal c(path, hc, listed); });
  EXPECT_EQ(err.substr(0, 19), "ERR_JOURNAL_CORRUPT") << err;
  EXPECT_NE(err.find("is empty"), std::string::npos) << err;
  EXPECT_EQ(readAll(path), "");
}

// A reader skipped a torn tail; a writer cut it and appended a record of the
// very same length. The size did not change, yet the reader must see it.
TEST(Journal, ReaderSeesARecordThatReplacedATornTailOfEqualLength) {
  TempDir dir;
  std::string path = dir.file("j");
  MapHandler ha, hb;
  Journal a(path, ha);
  Journal b(path, hb);
  put(a, ha, "x", 1);
  std::string next = Journal::frame(kv("z", 3));
  {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << next.substr(0, next.size() - 1) << 'X';  // torn: no newline
  }
  size_t tornSize = readAll(path).size();
  b.refresh();
  EXPECT_FALSE(hb.values.count("z"));
  put(a, ha, "z", 3);
  ASSERT_EQ(readAll(path).size(), tornSize);
  b.refresh();
  EXPECT_EQ(hb.values, (std::map<std::string, int64_t>{{"x", 1}, {"z", 3}}));
}

// --- The high-water mark and damage ------------------------------------

std::vector<std::string> threeRecords() { return {kv("a", 1), kv("b", 2), kv("c", 3)}; }

TEST(Journal, HeaderMarkFollowsEveryAppend) {
  TempDir dir;
  std::string path = dir.file("j");
  MapHandler h;
  Journal j(path, h);
  EXPECT_EQ(j.version(), 2);
  EXPECT_EQ(j.committedLength(), readAll(path).size());
  put(j, h, "a", 1);
  put(j, h, "b", 2);
  EXPECT_EQ(readAll(path), journalFile({kv("a", 1), kv("b", 2)}));
  EXPECT_EQ(j.committedLength(), readAll(path).size());
}

// A file cut anywhere before its mark (at a record boundary, inside a
// record, inside the header, to nothing) is refused, naming the file, the
// byte and the way back, and left exactly as it was.
TEST(Journal, TruncationAtEveryByteIsDamageAndChangesNothing) {
  TempDir dir;
  std::string path = dir.file("j");
  const std::string full = journalFile(threeRecords());
  Journal::Options listed;
  listed.access.mustExist = true;
  for (size_t cut = 0; cut < full.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    writeAll(path, full.substr(0, cut));
    MapHandler h;
    std::string err = errorCode([&] { Journal j(path, h, listed); });
    ASSERT_EQ(err.substr(0, 19), "ERR_JOURNAL_CORRUPT") << err;
    EXPECT_NE(err.find(path), std::string::npos) << err;
    EXPECT_NE(err.find("Nothing was changed"), std::string::npos) << err;
    EXPECT_NE(err.find("clawpay state verify " + dir.path()), std::string::npos) << err;
    EXPECT_EQ(readAll(path), full.substr(0, cut));
    if (cut >= 9) {
      // Past the header's checksum the mark alone tells: no manifest needed.
      MapHandler h2;
      EXPECT_EQ(errorCode([&] { Journal j(path, h2); }).substr(0, 19), "ERR_JOURNAL_CORRUPT");
      EXPECT_EQ(readAll(path), full.substr(0, cut));
    }
  }
  // A cut between records names the byte where the file now ends.
  size_t boundary = full.size() - Journal::frame(kv("c", 3)).size();
  writeAll(path, full.substr(0, boundary));
  MapHandler h;
  std::string err = errorCode([&] { Journal j(path, h); });
  EXPECT_NE(err.find("at byte " + std::to_string(boundary)), std::string::npos) << err;
  EXPECT_NE(err.find("cut short"), std::string::npos) << err;
}

TEST(Journal, FlippedByteInAnyRecordIsDamageAndChangesNothing) {
  TempDir dir;
  std::string path = dir.file("j");
  const std::string full = journalFile(threeRecords());
  for (size_t at = 0; at < full.size(); ++at) {
    SCOPED_TRACE("byte " + std::to_string(at));
    std::string bad = full;
    bad[at] ^= 0x01;
    writeAll(path, bad);
    MapHandler h;
    std::string err = errorCode([&] { Journal j(path, h); });
    ASSERT_EQ(err.substr(0, 19), "ERR_JOURNAL_CORRUPT") << err;
    EXPECT_NE(err.find(path), std::string::npos) << err;
    EXPECT_EQ(readAll(path), bad);
  }
}

// A complete line that does not check out, even as the last one, is damage:
// a crash leaves an incomplete line, never a complete wrong one.
TEST(Journal, CompleteBadLineAtTheEndIsDamage) {
  TempDir dir;
  std::string path = dir.file("j");
  const std::string good = journalFile({kv("a", 1)});
  for (const std::string& junk : {std::string("garbage\n"), std::string("x\n\n"), std::string("00000000 {}\n")}) {
    writeAll(path, good + junk);
    MapHandler h;
    std::string err = errorCode([&] { Journal j(path, h); });
    EXPECT_EQ(err.substr(0, 19), "ERR_JOURNAL_CORRUPT") << err;
    EXPECT_NE(err.find("at byte " + std::to_string(good.size()) + " (record 3)"), std::string::npos) << err;
    EXPECT_EQ(readAll(path), good + junk);
  }
}

// A crash after the records were durable but before the mark moved: the
// file is longer than its mark, every record is kept.
TEST(Journal, RecordsPastAStaleMarkAreKept) {
  TempDir dir;
  std::string path = dir.file("j");
  std::string file = journalFile({kv("a", 1)}) + Journal::frame(kv("b", 2));
  writeAll(path, file);
  MapHandler h;
  Journal j(path, h);
  EXPECT_EQ(h.values, (std::map<std::string, int64_t>{{"a", 1}, {"b", 2}}));
  put(j, h, "c", 3);
  EXPECT_EQ(readAll(path), journalFile({kv("a", 1), kv("b", 2), kv("c", 3)}));
}

TEST(Journal, MissingFileTheOwnerKnowsOfIsDamageAndNotCreated) {
  TempDir dir;
  std::string path = dir.file("j");
  Journal::Options listed;
  listed.access.mustExist = true;
  MapHandler h;
  std::string err = errorCode([&] { Journal j(path, h, listed); });
  EXPECT_EQ(err.substr(0, 19), "ERR_JOURNAL_CORRUPT") << err;
  EXPECT_NE(err.find(path + " is missing"), std::string::npos) << err;
  EXPECT_FALSE(fs::exists(path));
}

TEST(Journal, ReadOnlyOpenChangesNothing) {
  TempDir dir;
  std::string path = dir.file("j");
  Journal::Options readOnly;
  readOnly.access.readOnly = true;
  MapHandler h;
  EXPECT_EQ(errorCode([&] { Journal j(path, h, readOnly); }).substr(0, 6), "ERR_IO");
  EXPECT_FALSE(fs::exists(path));

  std::string torn = journalFile({kv("a", 1)}) + Journal::frame(kv("b", 2)).substr(0, 7);
  writeAll(path, torn);
#ifndef _WIN32
  ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
#endif
  Journal j(path, h, readOnly);
  EXPECT_EQ(h.values, (std::map<std::string, int64_t>{{"a", 1}}));
  std::vector<std::string> notices = j.takeNotices();
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_NE(notices[0].find("torn final record"), std::string::npos) << notices[0];
  EXPECT_EQ(errorCode([&] { put(j, h, "c", 3); }).substr(0, 13), "ERR_READ_ONLY");
  EXPECT_EQ(readAll(path), torn);
#ifndef _WIN32  // POSIX modes; on Windows the folder's ACL decides
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0644u);
#endif

  // A version 1 file is read as it is, not upgraded.
  std::string v1 = Journal::frame(kHeader) + Journal::frame(kv("a", 1));
  writeAll(path, v1);
  MapHandler h1;
  Journal old(path, h1, readOnly);
  EXPECT_EQ(old.version(), 1);
  EXPECT_EQ(readAll(path), v1);
}

TEST(Journal, VersionOneFileIsUpgradedToCarryAMark) {
  TempDir dir;
  std::string path = dir.file("j");
  writeAll(path, Journal::frame(kHeader) + Journal::frame(kv("a", 1)) + Journal::frame(kv("a", 2)) +
                     Journal::frame(kv("b", 3)));
  MapHandler h;
  Journal j(path, h);
  EXPECT_EQ(h.values, (std::map<std::string, int64_t>{{"a", 2}, {"b", 3}}));
  EXPECT_EQ(j.version(), 2);
  EXPECT_EQ(readAll(path), journalFile({kv("a", 2), kv("b", 3)}));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

}  // namespace
}  // namespace clawpay
