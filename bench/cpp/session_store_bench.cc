// SessionStore costs: URL lookups among 100,000 sessions (1000 hosts, path
// depths 1-6, a tenth of them exact), replay of a 100k-session journal, and
// the durable mutations, whose cost is the disk's fdatasync.
//
// Synced benchmarks write under $CLAWPAY_BENCH_DIR (default /tmp), which
// should be on the disk you care about (a tmpfs makes fsync free).
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "journal.h"
#include "session_store.h"

namespace {

using clawpay::Journal;
using clawpay::SessionStore;
using nlohmann::json;

constexpr int kHosts = 1000;
constexpr int kSessions = 100'000;
constexpr int64_t kNow = 1500;

class TempDir {
 public:
  TempDir() {
    const char* base = ::getenv("CLAWPAY_BENCH_DIR");
    std::string tmpl = std::string(base ? base : "/tmp") + "/clawpay-bench-XXXXXX";
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed in " + tmpl);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

std::string hostOf(int h) { return "https://svc" + std::to_string(h) + ".example" + std::to_string(h % 7) + ".com"; }

// Session i lives on host i % 1000 at a depth of 1-6 segments; the last
// segment makes each endpoint unique. No host has a root session, so a miss
// probes every ancestor of the URL.
std::string endpointOf(int i) {
  int n = i / kHosts;
  static const char* kDirs[] = {"api", "v2", "groups", "deep", "deeper"};
  int depth = 1 + n % 6;
  std::string path;
  for (int d = 0; d < depth - 1; ++d) path += std::string("/") + kDirs[d];
  return hostOf(i % kHosts) + path + "/s" + std::to_string(n);
}

bool isExact(int i) { return i % 10 == 3; }

json recordOf(int i) {
  std::string id = "00000000-0000-4000-8000-" + std::to_string(100'000'000'000LL + i);
  return {{"sessionId", id},
          {"endpoint", endpointOf(i)},
          {"scope", isExact(i) ? "exact" : "prefix"},
          {"walletAddress", "0x" + std::string(40, 'a')},
          {"createdAt", 1000},
          {"expiresAt", 2000 + i % 1000},
          {"paymentTxHash", "0x" + std::string(64, '1')},
          {"paymentAmount", "10000"},
          {"paymentToken", "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"},
          {"paymentRecipient", "0x" + std::string(40, 'b')},
          {"sessionToken", std::string(180, 't') + "." + "0x" + std::string(130, 'c')},
          {"signature", "0x" + std::string(130, 'c')},
          {"label", "bench"},
          {"callCount", 0},
          {"lastUsedAt", 1000}};
}

// Built once: 100k adds take a couple of seconds.
SessionStore& memoryStore() {
  static SessionStore store;
  static const bool filled = [] {
    for (int i = 0; i < kSessions; ++i) store.add(recordOf(i));
    return true;
  }();
  (void)filled;
  return store;
}

// The same 100k sessions as a journal written directly (100k fdatasyncs
// through add() would take minutes), for replay and for file-backed lookups.
struct JournalFixture {
  TempDir dir;
  std::string path = dir.file("sessions.log");
  JournalFixture() {
    std::ofstream out(path, std::ios::binary);
    out << Journal::frame(R"({"format":"clawpay-sessions","op":"header","version":1})");
    for (int i = 0; i < kSessions; ++i) {
      out << Journal::frame(R"({"op":"add","session":)" + recordOf(i).dump() + "}");
    }
  }
};

// Function statics, destroyed at exit in reverse order (store, then the
// directory holding its file).
JournalFixture& journalFixture() {
  static JournalFixture fixture;
  return fixture;
}

SessionStore& journalStore() {
  static SessionStore store(journalFixture().path);
  return store;
}

// URLs under a session's endpoint, two levels deeper with a query, so the
// lookup probes the exact index and several prefix candidates.
std::vector<std::string> hitUrls() {
  std::vector<std::string> urls;
  for (int k = 0; k < 4096; ++k) {
    int i = static_cast<int>((static_cast<uint64_t>(k) * 2654435761u) % kSessions);
    urls.push_back(isExact(i) ? endpointOf(i) : endpointOf(i) + "/items/42?expand=true");
  }
  return urls;
}

std::vector<std::string> missUrls() {
  std::vector<std::string> urls;
  for (int k = 0; k < 4096; ++k) urls.push_back(hostOf(k % kHosts) + "/api/v2/unknown/a/b/c?x=1");
  return urls;
}

void lookupLoop(benchmark::State& state, SessionStore& store, const std::vector<std::string>& urls,
                bool expectHit) {
  size_t k = 0, hits = 0;
  for (auto _ : state) {
    auto found = store.findForUrl(urls[k++ & 4095], kNow);
    hits += found.has_value();
    benchmark::DoNotOptimize(found);
  }
  if (hits != (expectHit ? k : 0)) state.SkipWithError("unexpected lookup result");
  state.counters["sessions"] = static_cast<double>(store.size());
}

void BM_FindForUrl_100k_Hit(benchmark::State& state) {
  static const auto urls = hitUrls();
  lookupLoop(state, memoryStore(), urls, true);
}
BENCHMARK(BM_FindForUrl_100k_Hit);

void BM_FindForUrl_100k_Miss(benchmark::State& state) {
  static const auto urls = missUrls();
  lookupLoop(state, memoryStore(), urls, false);
}
BENCHMARK(BM_FindForUrl_100k_Miss);

// File-backed: each lookup also fstat()s the journal to see other processes' writes.
void BM_FindForUrl_100k_Hit_Journal(benchmark::State& state) {
  static const auto urls = hitUrls();
  lookupLoop(state, journalStore(), urls, true);
}
BENCHMARK(BM_FindForUrl_100k_Hit_Journal);

// The same URL every time: caches warm, the floor of a lookup.
void BM_FindForUrl_100k_SameUrl(benchmark::State& state) {
  static const std::vector<std::string> urls(4096, hitUrls()[1]);
  lookupLoop(state, memoryStore(), urls, true);
}
BENCHMARK(BM_FindForUrl_100k_SameUrl);

// get() over 4096 different ids: how much of a cold lookup is copying the
// record out (every lookup returns a copy of a 15-field JSON object).
void BM_Get_100k_Random(benchmark::State& state) {
  SessionStore& store = memoryStore();
  std::vector<std::string> ids;
  for (int k = 0; k < 4096; ++k) {
    ids.push_back(recordOf(static_cast<int>((static_cast<uint64_t>(k) * 2654435761u) % kSessions))["sessionId"]);
  }
  size_t k = 0;
  for (auto _ : state) benchmark::DoNotOptimize(store.get(ids[k++ & 4095]));
}
BENCHMARK(BM_Get_100k_Random);

void BM_OpenJournal_100k(benchmark::State& state) {
  const std::string& path = journalFixture().path;
  for (auto _ : state) {
    SessionStore store(path);
    benchmark::DoNotOptimize(store.size());
  }
}
BENCHMARK(BM_OpenJournal_100k)->Iterations(2)->Unit(benchmark::kMillisecond);

void BM_Add_Memory(benchmark::State& state) {
  SessionStore store;
  int i = 0;
  for (auto _ : state) store.add(recordOf(i++));
}
BENCHMARK(BM_Add_Memory);

void BM_Add_Fsync(benchmark::State& state) {
  TempDir dir;
  SessionStore store(dir.file("sessions.log"));
  int i = 0;
  for (auto _ : state) store.add(recordOf(i++));
}
BENCHMARK(BM_Add_Fsync)->Unit(benchmark::kMicrosecond);

// 100 sessions, calls round robin; includes the periodic compaction (about
// every 1200 calls) that keeps the file from growing.
void BM_RecordCall_Fsync(benchmark::State& state) {
  TempDir dir;
  SessionStore store(dir.file("sessions.log"));
  std::vector<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    store.add(recordOf(i));
    ids.push_back(recordOf(i)["sessionId"]);
  }
  size_t k = 0;
  for (auto _ : state) store.recordCall(ids[k++ % ids.size()], kNow);
}
BENCHMARK(BM_RecordCall_Fsync)->Unit(benchmark::kMicrosecond);

void BM_RecordCall_Memory(benchmark::State& state) {
  SessionStore store;
  std::string id = recordOf(1)["sessionId"];
  store.add(recordOf(1));
  for (auto _ : state) store.recordCall(id, kNow);
}
BENCHMARK(BM_RecordCall_Memory);

}  // namespace
