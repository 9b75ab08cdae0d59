// RecordStore behaviour, in memory and on a journal (each behaviour test runs
// both ways), then durability: reopen, compaction, torn tails, damage, files
// of other formats, and counters incremented through update() by two stores
// on one file, two processes and many threads, which must lose nothing.
#include "record_store.h"

#include "test_support.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>

#include <gtest/gtest.h>

#include "error.h"
#include "journal.h"
#include "receipt_ledger.h"
#include "session_store.h"

namespace clawpay {
namespace {

using nlohmann::json;
using Entries = std::vector<std::pair<std::string, json>>;

std::vector<std::string> ids(const Entries& entries) {
  std::vector<std::string> out;
  for (const auto& [id, value] : entries) out.push_back(id);
  return out;
}

size_t lineCount(const std::string& path) {
  std::string content = readAll(path);
  return static_cast<size_t>(std::count(content.begin(), content.end(), '\n'));
}

// One increment of the counter `id` ({"n": count}), as a read-modify-write.
std::optional<json> increment(RecordStore& store, const std::string& id) {
  return store.update(id, [](const json* current) {
    int64_t n = current ? current->at("n").get<int64_t>() : 0;
    return RecordChange::replace({{"n", n + 1}});
  });
}

int64_t countOf(RecordStore& store, const std::string& id) {
  auto value = store.get(id);
  return value ? value->at("n").get<int64_t>() : 0;
}

// Opening `path` throws ERR_JOURNAL_CORRUPT naming the file, the record and why.
void expectCorrupt(const std::string& path, const std::string& record, const std::string& why) {
  auto [code, message] = errorOf([&] { RecordStore store(path); });
  EXPECT_EQ(code, "ERR_JOURNAL_CORRUPT");
  for (const std::string& part : {path, record, why}) EXPECT_NE(message.find(part), std::string::npos) << message;
}

// The journal at `path` takes one more increment of `id` after whatever was
// done to it, and a fresh open reads the new count back.
void expectIncrementSurvives(const std::string& path, const std::string& id, int64_t expected) {
  { RecordStore store(path); increment(store, id); }
  RecordStore again(path);
  EXPECT_EQ(countOf(again, id), expected);
}

// {"a": {"a": ... {}}}: an object `depth` levels deep.
json nested(size_t depth) {
  json value = json::object();
  for (size_t i = 1; i < depth; ++i) value = json{{"a", std::move(value)}};
  return value;
}

// --- behaviour, in memory (false) and on a journal (true) ------------------

class Records : public ::testing::TestWithParam<bool> {
 protected:
  std::optional<std::string> path(const std::string& name = "records.log") {
    if (!GetParam()) return std::nullopt;
    return dir_.file(name);
  }
  std::unique_ptr<RecordStore> open(const std::string& name = "records.log") {
    return std::make_unique<RecordStore>(path(name));
  }
  // Journal lines so far (0 in memory), to prove that a call wrote nothing.
  size_t lines() { return GetParam() ? lineCount(*path()) : 0; }
  TempDir dir_;
};

INSTANTIATE_TEST_SUITE_P(MemoryAndJournal, Records, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Journal" : "Memory"; });

TEST_P(Records, PutGetRemoveAndListByPrefixInFirstWriteOrder) {
  auto store = open();
  store->put("pay/2", {{"amount", "20"}});
  store->put("pay/1", {{"amount", "10"}});
  store->put("spend/2026-01-01", {{"total", "30"}});
  store->put("pay/3", {{"amount", "30"}, {"auth", {{"nonce", "0x01"}, {"list", {1, 2.5, nullptr, true}}}}});
  EXPECT_EQ(*store->get("pay/1"), (json{{"amount", "10"}}));
  EXPECT_EQ((*store->get("pay/3"))["auth"]["list"], (json{1, 2.5, nullptr, true}));
  EXPECT_FALSE(store->get("pay/4"));
  EXPECT_EQ(store->size(), 4u);

  EXPECT_EQ(ids(store->list("pay/")), (std::vector<std::string>{"pay/2", "pay/1", "pay/3"}));
  EXPECT_EQ(ids(store->list("")), (std::vector<std::string>{"pay/2", "pay/1", "spend/2026-01-01", "pay/3"}));
  EXPECT_TRUE(store->list("pay/9").empty());
  EXPECT_EQ(store->list("spend/")[0].second, (json{{"total", "30"}}));

  store->put("pay/2", {{"amount", "21"}});
  EXPECT_EQ(ids(store->list("pay/")), (std::vector<std::string>{"pay/2", "pay/1", "pay/3"})) << "replaced: keeps its place";
  EXPECT_EQ((*store->get("pay/2"))["amount"], "21");
  EXPECT_TRUE(store->remove("pay/2"));
  size_t before = lines();
  EXPECT_FALSE(store->remove("pay/2"));
  EXPECT_EQ(lines(), before) << "removing nothing writes nothing";
  store->put("pay/2", {{"amount", "22"}});
  EXPECT_EQ(ids(store->list("pay/")), (std::vector<std::string>{"pay/1", "pay/3", "pay/2"})) << "written again: last";
  EXPECT_EQ(store->size(), 4u);
}

TEST_P(Records, UpdateShowsTheCurrentValueAndAppliesKeepRemoveOrReplace) {
  auto store = open();
  int calls = 0;
  auto result = store->update("a", [&](const json* current) {
    ++calls;
    EXPECT_EQ(current, nullptr);
    return RecordChange::keep();
  });
  EXPECT_FALSE(result);
  EXPECT_EQ(store->size(), 0u);
  size_t empty = lines();
  EXPECT_FALSE(store->update("a", [](const json*) { return RecordChange::remove(); })) << "removing nothing";
  EXPECT_EQ(lines(), empty);

  result = store->update("a", [&](const json* current) {
    ++calls;
    EXPECT_EQ(current, nullptr);
    return RecordChange::replace({{"status", "intent"}, {"amount", "10000"}});
  });
  EXPECT_EQ(*result, (json{{"status", "intent"}, {"amount", "10000"}}));
  if (GetParam()) EXPECT_EQ(lines(), empty + 1);

  result = store->update("a", [&](const json* current) {
    ++calls;
    EXPECT_EQ((*current)["status"], "intent");
    return RecordChange::keep();
  });
  EXPECT_EQ(*result, (json{{"status", "intent"}, {"amount", "10000"}})) << "keep returns the current value";
  if (GetParam()) EXPECT_EQ(lines(), empty + 1) << "keep writes nothing";

  result = store->update("a", [&](const json* current) {
    ++calls;
    json next = *current;
    next["status"] = "signed";
    return RecordChange::replace(next);
  });
  EXPECT_EQ((*result)["status"], "signed");
  EXPECT_EQ((*store->get("a"))["status"], "signed");

  result = store->update("a", [&](const json*) {
    ++calls;
    return RecordChange::remove();
  });
  EXPECT_FALSE(result);
  EXPECT_FALSE(store->get("a"));
  EXPECT_EQ(calls, 5);
  if (GetParam()) EXPECT_EQ(lines(), empty + 3);
}

TEST_P(Records, AThrowingUpdaterWritesNothingAndReleasesTheLock) {
  auto store = open();
  store->put("a", {{"n", 1}});
  const std::string before = GetParam() ? readAll(*path()) : "";
  struct Mine : std::exception {};
  EXPECT_THROW(store->update("a", [](const json*) -> RecordChange { throw Mine(); }), Mine);
  auto [code, message] = errorOf([&] {
    store->update("a", [](const json*) -> RecordChange { throw Error(ErrorKind::Invalid, "ERR_MINE", "over budget"); });
  });
  EXPECT_EQ(code, "ERR_MINE") << "the updater's own error, unchanged";
  EXPECT_EQ(message, "over budget");
  EXPECT_EQ(*store->get("a"), (json{{"n", 1}}));
  if (GetParam()) {
    EXPECT_EQ(readAll(*path()), before);
    RecordStore other(*path());  // would wait forever if the file were still locked
    increment(other, "a");
  }
  increment(*store, "a");
  EXPECT_EQ(countOf(*store, "a"), GetParam() ? 3 : 2);
}

TEST_P(Records, BadIdsAndValuesAreRefusedAndWriteNothing) {
  auto store = open();
  store->put("a", {{"n", 1}});
  size_t before = lines();
  std::string invalidUtf8 = "\xc3";
  json tooBig = {{"s", std::string(RecordStore::kMaxValueBytes - 7, 'x')}};  // {"s":"…"} is 8 bytes more
  std::vector<std::pair<std::function<void()>, std::string>> calls = {
      {[&] { store->get(""); }, "id"},
      {[&] { store->get(std::string(257, 'i')); }, "id"},
      {[&] { store->put("tab\there", {{"n", 1}}); }, "id"},
      {[&] { store->put("caf\xc3\xa9", {{"n", 1}}); }, "id"},
      {[&] { store->remove("\x7f"); }, "id"},
      {[&] { store->list(std::string(257, 'p')); }, "prefix"},
      {[&] { store->list("\n"); }, "prefix"},
      {[&] { store->put("b", json::array({1})); }, "object"},
      {[&] { store->put("b", "text"); }, "object"},
      {[&] { store->put("b", nullptr); }, "object"},
      {[&] { store->put("b", {{"x", std::nan("")}}); }, "NaN"},
      {[&] { store->put("b", {{"x", {1.0, HUGE_VAL}}}); }, "infinity"},
      {[&] { store->put("b", {{"x", invalidUtf8}}); }, "UTF-8"},
      {[&] { store->put("b", nested(RecordStore::kMaxValueDepth + 1)); }, "deeper than 64"},
      {[&] { store->put("b", tooBig); }, "65537 bytes"},
      {[&] { store->update("a", [&](const json*) { return RecordChange::replace(json::array()); }); }, "object"},
      {[&] { store->update("a", [&](const json*) { return RecordChange::replace(tooBig); }); }, "at most 65536"},
  };
  for (size_t i = 0; i < calls.size(); ++i) {
    auto [code, message] = errorOf(calls[i].first);
    EXPECT_EQ(code, "ERR_INVALID_ARG") << "call " << i;
    EXPECT_NE(message.find(calls[i].second), std::string::npos) << "call " << i << ": " << message;
  }
  EXPECT_EQ(lines(), before);
  EXPECT_EQ(store->size(), 1u);
  EXPECT_EQ(*store->get("a"), (json{{"n", 1}}));

  // The limits are inclusive.
  json largest = {{"s", std::string(RecordStore::kMaxValueBytes - 8, 'x')}};
  ASSERT_EQ(largest.dump().size(), RecordStore::kMaxValueBytes);
  store->put(std::string(256, '~'), largest);
  store->put(R"( "quoted\id" )", nested(RecordStore::kMaxValueDepth));
  store->put("b", json::object());
  EXPECT_EQ(*store->get(std::string(256, '~')), largest);
  EXPECT_EQ(*store->get(R"( "quoted\id" )"), nested(RecordStore::kMaxValueDepth));
  EXPECT_EQ(store->size(), 4u);
}

// The callback runs with the store's locks held: calling back into the store
// (or another on the same file) would wait for itself, so it throws instead.
TEST_P(Records, CallsFromInsideAnUpdateAreBusyNotADeadlock) {
  auto store = open();
  store->put("a", {{"n", 1}});
  std::vector<std::function<void()>> reentrant = {
      [&] { store->get("a"); },
      [&] { store->list(""); },
      [&] { store->size(); },
      [&] { store->put("b", {{"n", 2}}); },
      [&] { store->remove("a"); },
      [&] { increment(*store, "a"); },
      [&] { store->close(); },
  };
  std::unique_ptr<RecordStore> sameFile, otherFile;
  if (GetParam()) {
    sameFile = std::make_unique<RecordStore>(dir_.path() + "/./records.log");  // another spelling, same file
    otherFile = open("other.log");
    reentrant.push_back([&] { sameFile->get("a"); });
    reentrant.push_back([&] { increment(*sameFile, "a"); });
    reentrant.push_back([&] { RecordStore opened(*path()); });
  } else {
    otherFile = open();  // another store in memory is another store
  }
  auto result = store->update("a", [&](const json* current) {
    for (size_t i = 0; i < reentrant.size(); ++i) {
      auto [code, message] = errorOf(reentrant[i]);
      EXPECT_EQ(code, "ERR_STORE_BUSY") << "call " << i;
      EXPECT_NE(message.find("inside an update()"), std::string::npos) << message;
    }
    increment(*otherFile, "elsewhere");  // a different store is free to use
    json next = *current;
    next["n"] = 2;
    return RecordChange::replace(next);
  });
  EXPECT_EQ((*result)["n"], 2);
  EXPECT_EQ(countOf(*otherFile, "elsewhere"), 1);
  // Busy only while inside: everything works again afterwards.
  EXPECT_EQ(ids(store->list("")), (std::vector<std::string>{"a"}));
  increment(*store, "a");
  if (sameFile) EXPECT_EQ(countOf(*sameFile, "a"), 3);
  store->close();
}

// Many threads increment one counter through one store: no update is lost.
TEST_P(Records, ManyThreadsIncrementingOneCounterLoseNothing) {
  auto store = open();
  const int kThreads = 4;
  const int kEach = GetParam() ? 40 : 2000;  // each synced update costs a few ms on disk
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      try {
        for (int i = 0; i < kEach; ++i) increment(*store, "counter");
      } catch (...) {
        ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(countOf(*store, "counter"), kThreads * kEach);
  if (GetParam()) {
    RecordStore reopened(*path());
    EXPECT_EQ(countOf(reopened, "counter"), kThreads * kEach);
  }
}

TEST_P(Records, ClosedStoreThrows) {
  auto store = open();
  store->put("a", {{"n", 1}});
  store->close();
  store->close();
  std::vector<std::function<void()>> calls = {
      [&] { store->get("a"); },
      [&] { store->list(""); },
      [&] { increment(*store, "a"); },
      [&] { store->put("a", json::object()); },
      [&] { store->remove("a"); },
      [&] { store->size(); },
  };
  for (size_t i = 0; i < calls.size(); ++i) EXPECT_EQ(errorOf(calls[i]).first, "ERR_CLOSED") << "call " << i;
}

// --- durability -------------------------------------------------------------

TEST(RecordJournal, EverythingSurvivesReopenInOrder) {
  TempDir dir;
  std::string path = dir.path() + "/state/records.log";
  Entries before;
  {
    RecordStore store(path);
    store.put("b", {{"v", 1}});
    store.put("a", {{"v", "é😀"}, {"big", 12345678901234567890ULL}, {"f", 0.1}, {"neg", -5}});
    store.put("c", {{"v", 3}});
    store.remove("b");
    increment(store, "counter");
    increment(store, "counter");
    store.put("b", {{"v", 4}});
    before = store.list("");
  }
  std::string content = readAll(path);
  std::string mark = std::to_string(content.size());
  mark.insert(0, 20 - mark.size(), '0');
  EXPECT_EQ(content.substr(9, content.find('\n') - 9),
            R"({"format":"clawpay-records","length":")" + mark + R"(","op":"header","version":2})");
  RecordStore store(path);
  EXPECT_EQ(store.list(""), before);
  EXPECT_EQ(ids(before), (std::vector<std::string>{"a", "c", "counter", "b"}));
  EXPECT_EQ(countOf(store, "counter"), 2);
  EXPECT_EQ((*store.get("a"))["big"], 12345678901234567890ULL);
}

// With a small slack compaction runs many times; what it keeps (one record
// per live id) must replay to the same values in the same order.
TEST(RecordJournal, CompactionKeepsTheLiveRecordsInOrder) {
  TempDir dir;
  std::string path = dir.file("records.log");
  RecordStore::Options options;
  options.compactSlack = 4;
  Entries before;
  {
    RecordStore store(path, options);
    for (int n = 0; n < 40; ++n) {
      std::string id = "r/" + std::to_string(n % 12);
      if (n % 5 == 4) {
        store.remove(id);
      } else {
        store.put(id, {{"n", n}});
      }
      increment(store, "counter");
    }
    before = store.list("");
  }
  size_t live = before.size();
  // Written: header + 80 records; compaction keeps the file under
  // 2 * live + slack records plus the header.
  EXPECT_LE(lineCount(path), 2 * live + 4 + 1);
  RecordStore store(path, options);
  EXPECT_EQ(store.list(""), before);
  EXPECT_EQ(countOf(store, "counter"), 40);
  expectIncrementSurvives(path, "counter", 41);
}

TEST(RecordJournal, TornLastRecordAtEveryOffsetLosesNothingEarlier) {
  TempDir dir;
  std::string path = dir.file("records.log");
  std::string complete;
  std::string crashed;
  size_t lastStart;
  {
    RecordStore store(path);
    store.put("a", {{"n", 1}});
    store.put("b", {{"n", 2}});
    crashed = readAll(path);  // the header's mark says this length
    lastStart = crashed.size();
    store.put("b", {{"n", 3}, {"text", "the last record, cut short"}});
    complete = readAll(path);
  }
  for (size_t cut = lastStart + 1; cut < complete.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    // A crash in the last append: its record cut short (with junk that holds
    // no newline, as zeros or a stale page may), the mark not yet moved.
    writeAll(path, crashed + complete.substr(lastStart, cut - lastStart) + (cut % 2 ? "#{garbage}" : ""));
    RecordStore store(path);
    ASSERT_EQ(store.size(), 2u);
    EXPECT_EQ(*store.get("b"), (json{{"n", 2}}));
    EXPECT_EQ(readAll(path).size(), lastStart);
  }
  expectIncrementSurvives(path, "a", 2);
}

TEST(RecordJournal, DamageInTheMiddleIsReportedNotDropped) {
  TempDir dir;
  std::string path = dir.file("records.log");
  {
    RecordStore store(path);
    store.put("a", {{"n", 1}});
    store.put("b", {{"n", 2}});
    store.put("c", {{"n", 3}});
  }
  std::string content = readAll(path);
  size_t third = content.find('\n', content.find('\n') + 1) + 1;  // record 3: the put of "b"
  content[third + 20] ^= 0x01;
  writeAll(path, content);
  expectCorrupt(path, "record 3", "bad checksum");
  EXPECT_EQ(readAll(path), content) << "damage is reported, never cut off";
}

// Records that frame correctly but cannot be, or contradict the state, are
// damage too.
TEST(RecordJournal, RecordsThatContradictTheStateAreCorrupt) {
  TempDir dir;
  std::string path = dir.file("records.log");
  { RecordStore store(path); store.put("a", {{"n", 1}}); }
  const std::string base = readAll(path);
  auto line = [](const json& record) { return Journal::frame(record.dump()); };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {line({{"op", "remove"}, {"id", "nope"}}), "does not exist"},
      {line({{"op", "put"}, {"id", ""}, {"value", json::object()}}), "id"},
      {line({{"op", "put"}, {"id", "b"}}), "value"},
      {line({{"op", "put"}, {"id", "b"}, {"value", {1, 2}}}), "object"},
      {line({{"op", "put"}, {"id", "b"}, {"value", nested(65)}}), "deeper"},
      {line({{"op", "put"}, {"id", "b"}, {"value", json::object()}, {"extra", 1}}), "fields"},
      {line({{"op", "remove"}, {"id", "a"}, {"value", json::object()}}), "fields"},
      {line({{"op", "put"}, {"value", json::object()}}), "id"},
      {line({{"op", "increment"}, {"id", "a"}}), "unknown op"},
  };
  for (const auto& [record, why] : cases) {
    SCOPED_TRACE(record);
    writeAll(path, base + record + line({{"op", "put"}, {"id", "z"}, {"value", json::object()}}));
    expectCorrupt(path, "record 3", why);
  }
}

TEST(RecordJournal, SessionAndReceiptJournalsAreNotRecordStoresNorTheReverse) {
  TempDir dir;
  const std::string sessions = dir.file("sessions.log");
  const std::string receipts = dir.file("receipts.log");
  const std::string records = dir.file("records.log");
  { SessionStore store(sessions); }
  { ReceiptLedger ledger(receipts); }
  { RecordStore store(records); store.put("a", {{"n", 1}}); }
  const std::string recordsBefore = readAll(records);

  for (const auto& [file, format] : {std::pair{sessions, "clawpay-sessions"}, std::pair{receipts, "clawpay-receipts"}}) {
    const std::string before = readAll(file);
    expectCorrupt(file, "record 1", "holds \"" + std::string(format) + "\" records, but was opened as a \"clawpay-records\"");
    EXPECT_EQ(readAll(file), before);
  }
  // And the reverse: the other stores refuse a record store's file.
  std::pair<std::string, std::string> refusals[] = {
      errorOf([&] { SessionStore store(records); }),
      errorOf([&] { ReceiptLedger ledger(records); }),
  };
  for (const auto& [code, message] : refusals) {
    EXPECT_EQ(code, "ERR_JOURNAL_CORRUPT");
    EXPECT_NE(message.find("holds \"clawpay-records\" records"), std::string::npos) << message;
  }
  EXPECT_EQ(readAll(records), recordsBefore);
}

// Two stores on one file have separate open file descriptions, so locking
// and catching up work between them as between processes.
TEST(RecordJournal, TwoStoresOnOneFileIncrementingOneCounterLoseNothing) {
  TempDir dir;
  std::string path = dir.file("records.log");
  RecordStore a(path);
  RecordStore b(path);
  const int kEach = 60;
  std::thread other([&] {
    for (int i = 0; i < kEach; ++i) increment(b, "counter");
  });
  for (int i = 0; i < kEach; ++i) increment(a, "counter");
  other.join();
  EXPECT_EQ(countOf(a, "counter"), 2 * kEach);
  EXPECT_EQ(countOf(b, "counter"), 2 * kEach);
  // Each sees the other's other changes as well.
  a.put("from-a", {{"x", 1}});
  EXPECT_TRUE(b.remove("from-a"));
  EXPECT_FALSE(a.get("from-a"));
  EXPECT_EQ(a.list(""), b.list(""));
}

#ifndef _WIN32  // fork(): these crash and race tests run on POSIX only (see README, Platforms)
TEST(RecordJournal, TwoProcessesIncrementingOneCounterLoseNothing) {
  TempDir dir;
  std::string path = dir.file("records.log");
  const int kEach = 60;
  auto worker = [&] {
    return spawn([&] {
      RecordStore store(path);
      for (int i = 0; i < kEach; ++i) increment(store, "counter");
    });
  };
  pid_t a = worker();
  pid_t b = worker();
  ASSERT_EQ(waitExit(a), 0);
  ASSERT_EQ(waitExit(b), 0);
  RecordStore store(path);
  EXPECT_EQ(countOf(store, "counter"), 2 * kEach);
}

#endif

}  // namespace
}  // namespace clawpay
