// SessionStore behaviour, in memory and on a journal (each behaviour test
// runs both ways), plus the durability tests: real SIGKILLs, torn tails,
// several processes on one file, many threads on one store.
#include "session_store.h"

#include "test_support.h"

#include <signal.h>
#include <sys/stat.h>
#ifndef _WIN32
#include <sys/wait.h>
#include <unistd.h>
#endif

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "error.h"

namespace clawpay {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json record(const std::string& id, const std::string& endpoint, const std::string& scope = "prefix",
            int64_t expiresAt = 2000) {
  return {{"sessionId", id},
          {"endpoint", endpoint},
          {"scope", scope},
          {"walletAddress", "0x" + std::string(40, 'a')},
          {"createdAt", 1000},
          {"expiresAt", expiresAt},
          {"paymentTxHash", "0x" + std::string(64, '1')},
          {"paymentAmount", "10000"},
          {"paymentToken", "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913"},
          {"paymentRecipient", "0x" + std::string(40, 'b')},
          {"sessionToken", "eyJ0b2tlbiI6IjEifQ." + id},
          {"signature", "0x" + std::string(130, 'c')},
          {"callCount", 0},
          {"lastUsedAt", 1000}};
}

std::string idOf(const std::optional<json>& r) { return r ? r->at("sessionId").get<std::string>() : "(none)"; }

// --- behaviour, in memory (false) and on a journal (true) ------------------

class Store : public ::testing::TestWithParam<bool> {
 protected:
  std::optional<std::string> path(const std::string& name = "sessions.log") {
    if (!GetParam()) return std::nullopt;
    return dir_.file(name);
  }
  std::unique_ptr<SessionStore> open(const std::string& name = "sessions.log") {
    return std::make_unique<SessionStore>(path(name));
  }
  TempDir dir_;
};

INSTANTIATE_TEST_SUITE_P(MemoryAndJournal, Store, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Journal" : "Memory"; });

TEST_P(Store, AddThenGetKeepsUnknownFields) {
  auto store = open();
  json r = record("s1", "https://api.example.com/v1");
  r["label"] = "research";
  r["extra"] = {{"nested", {1, 2, 3}}, {"flag", true}};
  store->add(r);
  auto got = store->get("s1");
  ASSERT_TRUE(got);
  EXPECT_EQ(*got, r);
  EXPECT_FALSE(store->get("nope"));
  EXPECT_EQ(store->size(), 1u);
}

TEST_P(Store, InvalidRecordsNameTheField) {
  auto store = open();
  std::vector<std::pair<json, std::string>> cases;
  for (const char* f : {"sessionId", "endpoint", "scope", "walletAddress", "paymentTxHash", "paymentAmount",
                        "paymentToken", "paymentRecipient", "sessionToken", "signature"}) {
    json missing = record("s1", "https://a.example/");
    missing.erase(f);
    cases.push_back({missing, f});
    json wrongType = record("s1", "https://a.example/");
    wrongType[f] = 5;
    cases.push_back({wrongType, f});
  }
  for (const char* f : {"createdAt", "expiresAt", "callCount", "lastUsedAt"}) {
    json missing = record("s1", "https://a.example/");
    missing.erase(f);
    cases.push_back({missing, f});
    for (json bad : {json("5"), json(1.5), json(-1), json(nullptr), json(1e300)}) {
      json r = record("s1", "https://a.example/");
      r[f] = bad;
      cases.push_back({r, f});
    }
  }
  auto with = [](const char* f, json v) {
    json r = record("s1", "https://a.example/");
    r[f] = std::move(v);
    return r;
  };
  cases.push_back({with("scope", "both"), "scope"});
  cases.push_back({with("endpoint", "https://a.example@evil.io/"), "endpoint"});
  cases.push_back({with("endpoint", "ftp://a.example/"), "endpoint"});
  cases.push_back({with("endpoint", "/relative"), "endpoint"});
  cases.push_back({with("sessionId", ""), "sessionId"});
  cases.push_back({with("label", 7), "label"});
  cases.push_back({with("endedAt", "yesterday"), "endedAt"});
  cases.push_back({with("note", std::string("\xff\xfe")), "UTF-8"});
  cases.push_back({json::array({1, 2}), "record"});

  for (const auto& [r, field] : cases) {
    SCOPED_TRACE(r.dump(-1, ' ', false, json::error_handler_t::replace));
    auto [code, message] = errorOf([&, &r = r] { store->add(r); });
    EXPECT_EQ(code, "ERR_INVALID_SESSION_RECORD");
    EXPECT_NE(message.find(field), std::string::npos) << message;
  }
  EXPECT_EQ(store->size(), 0u);
}

TEST_P(Store, IntegralDoublesBecomeIntegers) {
  auto store = open();
  json r = record("s1", "https://a.example/");
  r["expiresAt"] = 2000.0;
  r["callCount"] = 3.0;
  store->add(r);
  auto got = store->get("s1");
  ASSERT_TRUE(got);
  EXPECT_TRUE((*got)["expiresAt"].is_number_integer());
  EXPECT_EQ((*got)["expiresAt"], 2000);
  EXPECT_EQ(idOf(store->findForUrl("https://a.example/x", 1999)), "s1");
}

TEST_P(Store, DuplicateIdIsRefused) {
  auto store = open();
  store->add(record("s1", "https://a.example/"));
  auto [code, message] = errorOf([&] { store->add(record("s1", "https://b.example/")); });
  EXPECT_EQ(code, "ERR_DUPLICATE_SESSION");
  EXPECT_EQ((*store->get("s1"))["endpoint"], "https://a.example/");
}

// Every insertion order of the same sessions gives the same answers.
TEST_P(Store, ExactBeatsPrefixAndLongestPrefixWinsInAnyOrder) {
  std::vector<json> sessions = {
      record("root", "https://api.example.com/"),
      record("v1", "https://api.example.com/v1"),
      record("users", "https://API.example.com:443/v1/users/"),
      record("exact42", "https://api.example.com/v1/users/42", "exact"),
  };
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"https://api.example.com/v1/users/42", "exact42"},
      {"https://api.example.com/v1/users/42#frag", "exact42"},
      {"https://api.example.com/v1/users/42?page=2", "users"},  // the query makes it another URL
      {"https://api.example.com/v1/users/7", "users"},
      {"https://api.example.com/v1/users", "v1"},
      {"https://api.example.com/v1/other/deep/path", "v1"},
      {"https://api.example.com/v1", "v1"},
      {"https://api.example.com/v10", "root"},  // not under /v1
      {"https://api.example.com/v1/../admin", "(none)"},  // dot segments: covered by nothing
      {"https://api.example.com", "root"},
      {"https://api.example.com.evil.io/v1", "(none)"},
      {"https://api.example.com@evil.io/v1", "(none)"},
      {"http://api.example.com/v1", "(none)"},
      {"https://api.example.com:8443/v1", "(none)"},
      {"not a url", "(none)"},
  };
  std::vector<int> perm = {0, 1, 2, 3};
  int orders = 0;
  do {
    auto store = open("order" + std::to_string(orders) + ".log");
    for (int i : perm) store->add(sessions[i]);
    for (const auto& [url, id] : expected) {
      EXPECT_EQ(idOf(store->findForUrl(url, 1500)), id) << url << " order " << orders;
    }
    ++orders;
  } while (std::next_permutation(perm.begin(), perm.end()));
  EXPECT_EQ(orders, 24);
}

TEST_P(Store, SameKeyPrefersLatestExpiryThenSmallestId) {
  for (bool reversed : {false, true}) {
    auto store = open(reversed ? "r.log" : "f.log");
    std::vector<json> rs = {record("b", "https://a.example/p", "prefix", 3000),
                            record("a", "https://a.example/p", "prefix", 2500),
                            record("c", "https://a.example/p", "prefix", 3000)};
    if (reversed) std::reverse(rs.begin(), rs.end());
    for (const auto& r : rs) store->add(r);
    EXPECT_EQ(idOf(store->findForUrl("https://a.example/p/q", 1500)), "b");
    store->end("b", 1600);
    EXPECT_EQ(idOf(store->findForUrl("https://a.example/p/q", 1700)), "c");
    EXPECT_EQ(idOf(store->findForUrl("https://a.example/p/q", 2999)), "c");
    EXPECT_EQ(idOf(store->findForUrl("https://a.example/p/q", 3000)), "(none)");
  }
}

TEST_P(Store, ExpiredAndEndedSessionsAreNeverReturned) {
  auto store = open();
  store->add(record("outer", "https://a.example/api", "prefix", 5000));
  store->add(record("inner", "https://a.example/api/v2", "prefix", 2000));
  store->add(record("exact", "https://a.example/api/v2/x", "exact", 2000));
  EXPECT_EQ(idOf(store->findForUrl("https://a.example/api/v2/x", 1999)), "exact");
  EXPECT_EQ(idOf(store->findForUrl("https://a.example/api/v2/x", 2000)), "outer");  // now >= expiresAt
  EXPECT_EQ(idOf(store->findForUrl("https://a.example/api/v2/y", 1999)), "inner");

  EXPECT_TRUE(store->end("inner", 1500));
  EXPECT_EQ(idOf(store->findForUrl("https://a.example/api/v2/y", 1600)), "outer");
  auto ended = store->get("inner");
  ASSERT_TRUE(ended);
  EXPECT_EQ((*ended)["endedAt"], 1500);
  EXPECT_TRUE(store->end("inner", 1700));  // known: true, but the first end stands
  EXPECT_EQ((*store->get("inner"))["endedAt"], 1500);
  EXPECT_FALSE(store->end("nope", 1700));
  EXPECT_EQ(idOf(store->findForUrl("https://a.example/api/v2/y", 5000)), "(none)");
}

// The per-origin index's edges: a prefix ends at a "/" boundary, the
// endpoint's own trailing slash counts, queries and fragments never make a
// prefix, escapes and host spellings compare in canonical form, ports are part
// of the origin.
TEST_P(Store, PrefixLookupEdges) {
  auto store = open();
  store->add(record("api", "https://a.example/api"));
  store->add(record("slash", "https://a.example/docs/"));
  store->add(record("esc", "https://a.example/caf%c3%a9/~x"));
  store->add(record("port", "https://a.example:8443/api"));
  store->add(record("http", "http://a.example/api"));
  store->add(record("idn", "https://xn--bcher-kva.example/shop"));
  store->add(record("v6", "https://[2001:db8::1]/api"));
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"https://a.example/api", "api"},
      {"https://a.example/api/", "api"},
      {"https://a.example/api/x/y", "api"},
      {"https://a.example/apix", "(none)"},
      {"https://a.example/ap", "(none)"},
      {"https://a.example/api?x=1", "api"},
      {"https://a.example/api#top", "api"},
      {"https://a.example/apix?/api", "(none)"},  // the query is not the path
      {"https://a.example/x?u=/api/", "(none)"},
      {"https://a.example/%61pi/x", "api"},  // %61 is "a": the same request
      {"https://a.example/api%2Fx", "(none)"},  // an encoded "/" is refused
      {"https://a.example/docs/", "slash"},
      {"https://a.example/docs/guide", "slash"},
      {"https://a.example/docs", "(none)"},  // "/docs/" does not cover "/docs"
      {"https://a.example/docsx", "(none)"},
      {"https://a.example/caf%C3%A9/~x/1", "esc"},
      {"https://a.example/caf\xC3\xA9/%7Ex", "esc"},
      {"https://a.example/CAF%C3%A9/~x", "(none)"},  // paths are case-sensitive
      {"https://A.EXAMPLE/api/1", "api"},  // hosts are not
      {"HTTPS://a.example:443/api", "api"},
      {"https://a.example:8443/api/1", "port"},
      {"https://a.example:08443/api", "port"},
      {"https://a.example:8444/api", "(none)"},
      {"http://a.example:80/api", "http"},
      {"http://a.example:443/api", "(none)"},
      {"https://xn--bcher-kva.example/shop/1", "idn"},
      {"https://XN--BCHER-KVA.example/shop", "idn"},
      {"https://b\xC3\xBC" "cher.example/shop", "(none)"},  // non-ASCII hosts are refused, never guessed
      {"https://[2001:0db8:0:0::1]/api/1", "v6"},
      {"https://a.example./api", "(none)"},  // another host name to fetch and to TLS
  };
  for (const auto& [url, id] : expected) EXPECT_EQ(idOf(store->findForUrl(url, 1500)), id) << url;
}

TEST_P(Store, AnExpiredLongerPrefixGivesWayToALiveShorterOne) {
  auto store = open();
  store->add(record("outer", "https://a.example/", "prefix", 9000));
  store->add(record("mid", "https://a.example/a", "prefix", 3000));
  store->add(record("inner", "https://a.example/a/b", "prefix", 2000));
  store->add(record("exact", "https://a.example/a/b/c?q=1", "exact", 2500));
  EXPECT_EQ(idOf(store->findForUrl("https://a.example/a/b/c?q=1", 1000)), "exact");
  EXPECT_EQ(idOf(store->findForUrl("https://a.example/a/b/c?q=2", 1000)), "inner");
  EXPECT_EQ(idOf(store->findForUrl("https://a.example/a/b/c", 1000)), "inner");
  EXPECT_EQ(idOf(store->findForUrl("https://a.example/a/b/c?q=1", 2200)), "exact");
  EXPECT_EQ(idOf(store->findForUrl("https://a.example/a/b/c?q=2", 2200)), "mid");
  EXPECT_EQ(idOf(store->findForUrl("https://a.example/a/b/c?q=1", 2600)), "mid");
  EXPECT_EQ(idOf(store->findForUrl("https://a.example/a/b/c?q=1", 3000)), "outer");
  EXPECT_EQ(idOf(store->findForUrl("https://a.example/a/b/c?q=1", 9000)), "(none)");
}

// Exact sessions: the query is part of the key ("?" alone is a query, and
// the same query in another escape spelling is the same), the fragment is not.
TEST_P(Store, ExactLookupComparesPathAndQuery) {
  auto store = open();
  store->add(record("bare", "https://a.example/x", "exact"));
  store->add(record("q", "https://a.example/x?a=%7e&b=2", "exact"));
  store->add(record("empty", "https://a.example/x?", "exact"));
  EXPECT_EQ(idOf(store->findForUrl("https://a.example/x", 1500)), "bare");
  EXPECT_EQ(idOf(store->findForUrl("https://a.example/x#f", 1500)), "bare");
  EXPECT_EQ(idOf(store->findForUrl("https://a.example/x?a=~&b=2", 1500)), "q");
  EXPECT_EQ(idOf(store->findForUrl("https://a.example/x?b=2&a=~", 1500)), "(none)");
  EXPECT_EQ(idOf(store->findForUrl("https://a.example/x?", 1500)), "empty");
  EXPECT_EQ(idOf(store->findForUrl("https://a.example/x/", 1500)), "(none)");
  EXPECT_EQ(idOf(store->findForUrl("https://a.example/x/y", 1500)), "(none)");
}

// What the binding hands to JS: the record's text, and a revision that
// changes with every change to the record and is never given twice.
TEST_P(Store, JsonForUrlIsTheRecordAndItsRevisionFollowsItsChanges) {
  auto store = open();
  store->add(record("s1", "https://a.example/api"));
  auto first = store->findJsonForUrl("https://a.example/api/x", 1500, true);
  ASSERT_TRUE(first);
  EXPECT_EQ(json::parse(first->json), record("s1", "https://a.example/api"));
  auto again = store->findJsonForUrl("https://a.example/api/y", 1500, false);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->revision, first->revision);
  EXPECT_TRUE(again->json.empty());

  ASSERT_TRUE(store->recordCall("s1", 1600, 3));
  auto counted = store->findJsonForUrl("https://a.example/api/x", 1700, true);
  ASSERT_TRUE(counted);
  EXPECT_GT(counted->revision, first->revision);
  EXPECT_EQ(json::parse(counted->json)["callCount"], 3);
  EXPECT_EQ(json::parse(counted->json)["lastUsedAt"], 1600);
  EXPECT_EQ(json::parse(counted->json), *store->findForUrl("https://a.example/api/x", 1700));
  EXPECT_FALSE(store->findJsonForUrl("https://a.example/apix", 1700, true));

  store->end("s1", 1800);
  EXPECT_FALSE(store->findJsonForUrl("https://a.example/api/x", 1900, true));
  // Removed, then another session under the same endpoint: the index holds
  // the new one, under a revision never seen before.
  EXPECT_EQ(store->prune(1900), 1u);
  store->add(record("s2", "https://a.example/api"));
  auto replaced = store->findJsonForUrl("https://a.example/api", 1900, true);
  ASSERT_TRUE(replaced);
  EXPECT_EQ(json::parse(replaced->json)["sessionId"], "s2");
  EXPECT_GT(replaced->revision, counted->revision);
}

TEST_P(Store, JsonByIdIsTheRecordAndItsRevisionFollowsItsChanges) {
  auto store = open();
  store->add(record("s1", "https://a.example/api"));
  auto first = store->getJson("s1", true);
  ASSERT_TRUE(first);
  EXPECT_EQ(json::parse(first->json), *store->get("s1"));
  auto again = store->getJson("s1", false);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->revision, first->revision);
  EXPECT_TRUE(again->json.empty());
  // The same revision findJsonForUrl hands out for the same record.
  EXPECT_EQ(store->findJsonForUrl("https://a.example/api", 1500, false)->revision, first->revision);
  EXPECT_FALSE(store->getJson("nope", true));

  ASSERT_TRUE(store->recordCall("s1", 1600, 2));
  auto counted = store->getJson("s1", true);
  ASSERT_TRUE(counted);
  EXPECT_GT(counted->revision, first->revision);
  EXPECT_EQ(json::parse(counted->json)["callCount"], 2);
  // An ended session is still got by id, under a new revision.
  store->end("s1", 1700);
  auto ended = store->getJson("s1", true);
  ASSERT_TRUE(ended);
  EXPECT_GT(ended->revision, counted->revision);
  EXPECT_EQ(json::parse(ended->json)["endedAt"], 1700);
}

TEST_P(Store, RecordCallCountsAndStamps) {
  auto store = open();
  store->add(record("s1", "https://a.example/"));
  EXPECT_TRUE(store->recordCall("s1", 1100));
  EXPECT_TRUE(store->recordCall("s1", 1200));
  EXPECT_FALSE(store->recordCall("nope", 1200));
  auto got = store->get("s1");
  EXPECT_EQ((*got)["callCount"], 2);
  EXPECT_EQ((*got)["lastUsedAt"], 1200);
}

TEST_P(Store, RecordCallCountsABatchInOneGoAndRefusesABadCount) {
  auto store = open();
  store->add(record("s1", "https://a.example/"));
  EXPECT_TRUE(store->recordCall("s1", 1100, 40));
  EXPECT_TRUE(store->recordCall("s1", 1200));
  EXPECT_EQ((*store->get("s1"))["callCount"], 41);
  EXPECT_EQ((*store->get("s1"))["lastUsedAt"], 1200);
  EXPECT_THROW(store->recordCall("s1", 1300, 0), clawpay::Error);
  EXPECT_THROW(store->recordCall("s1", 1300, SessionStore::kMaxCallsPerRecord + 1), clawpay::Error);
  EXPECT_EQ((*store->get("s1"))["callCount"], 41);
}

TEST(StoreJournal, BatchedCallCountsSurviveReopen) {
  TempDir dir;
  std::string path = dir.path() + "/sessions.log";
  {
    SessionStore store(path);
    store.add(record("s1", "https://a.example/v1"));
    store.recordCall("s1", 1100, 250);
    store.recordCall("s1", 1150);
  }
  SessionStore store(path);
  EXPECT_EQ((*store.get("s1"))["callCount"], 251);
  EXPECT_EQ((*store.get("s1"))["lastUsedAt"], 1150);
}

TEST_P(Store, ListKeepsInsertionOrderAndPruneDropsTheDead) {
  auto store = open();
  store->add(record("z", "https://a.example/1", "prefix", 3000));
  store->add(record("a", "https://a.example/2", "prefix", 1500));
  store->add(record("m", "https://a.example/3", "prefix", 3000));
  store->add(record("b", "https://a.example/4", "prefix", 3000));
  store->end("m", 1200);
  auto ids = [](const std::vector<json>& v) {
    std::vector<std::string> out;
    for (const auto& r : v) out.push_back(r["sessionId"]);
    return out;
  };
  EXPECT_EQ(ids(store->list(true, 2000)), (std::vector<std::string>{"z", "a", "m", "b"}));
  EXPECT_EQ(ids(store->list(false, 2000)), (std::vector<std::string>{"z", "b"}));
  EXPECT_EQ(ids(store->list(false, 1000)), (std::vector<std::string>{"z", "a", "b"}));
  EXPECT_EQ(store->prune(2000), 2u);
  EXPECT_EQ(store->prune(2000), 0u);
  EXPECT_EQ(store->size(), 2u);
  EXPECT_EQ(ids(store->list(true, 2000)), (std::vector<std::string>{"z", "b"}));
  EXPECT_FALSE(store->get("a"));
  // A pruned id may be used again.
  store->add(record("a", "https://a.example/2", "prefix", 4000));
  EXPECT_EQ(ids(store->list(true, 2000)), (std::vector<std::string>{"z", "b", "a"}));
}

TEST_P(Store, ClosedStoreThrows) {
  auto store = open();
  store->add(record("s1", "https://a.example/"));
  store->close();
  store->close();
  std::vector<std::function<void()>> calls = {
      [&] { store->add(record("s2", "https://a.example/")); },
      [&] { store->get("s1"); },
      [&] { store->findForUrl("https://a.example/", 1500); },
      [&] { store->recordCall("s1", 1500); },
      [&] { store->end("s1", 1500); },
      [&] { store->list(true, 1500); },
      [&] { store->prune(1500); },
      [&] { store->size(); },
  };
  for (auto& call : calls) EXPECT_EQ(errorOf(call).first, "ERR_CLOSED");
}

TEST_P(Store, ManyThreadsAtOnce) {
  auto store = open();
  store->add(record("shared", "https://shared.example/", "prefix", 1'000'000));
  const int kThreads = 4;
  const int kEach = GetParam() ? 12 : 400;  // each synced op costs a few ms on disk
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        for (int i = 0; i < kEach; ++i) {
          std::string id = "t" + std::to_string(t) + "-" + std::to_string(i);
          std::string host = "https://h" + std::to_string(t) + ".example/p" + std::to_string(i);
          store->add(record(id, host));
          if (idOf(store->findForUrl(host + "/x", 1500)) != id) ++failures;
          if (!store->recordCall("shared", 1000 + i)) ++failures;
          if (!store->get(id)) ++failures;
          if (i % 100 == 0) store->list(false, 1500);
        }
      } catch (...) {
        ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(store->size(), 1u + kThreads * kEach);
  EXPECT_EQ((*store->get("shared"))["callCount"], kThreads * kEach);
  if (GetParam()) {
    SessionStore reopened(path());
    EXPECT_EQ(reopened.size(), 1u + kThreads * kEach);
    EXPECT_EQ((*reopened.get("shared"))["callCount"], kThreads * kEach);
  }
}

// --- durability -------------------------------------------------------------

TEST(StoreJournal, EverythingSurvivesReopen) {
  TempDir dir;
  std::string path = dir.path() + "/state/sessions.log";
  std::vector<json> before;
  {
    SessionStore store(path);
    json r = record("s1", "https://a.example/v1");
    r["label"] = "x";
    r["custom"] = {{"k", "v"}};
    store.add(r);
    store.add(record("s2", "https://b.example/", "exact"));
    store.add(record("s3", "https://c.example/", "prefix", 1200));
    store.recordCall("s1", 1100);
    store.recordCall("s1", 1150);
    store.end("s2", 1160);
    EXPECT_EQ(store.prune(1300), 2u);  // s2 ended, s3 expired
    store.add(record("s4", "https://d.example/"));
    before = store.list(true, 1300);
  }
  SessionStore store(path);
  EXPECT_EQ(store.list(true, 1300), before);
  EXPECT_EQ((*store.get("s1"))["callCount"], 2);
  EXPECT_EQ(idOf(store.findForUrl("https://a.example/v1/z", 1300)), "s1");

#ifndef _WIN32  // POSIX modes; on Windows the folder's ACL decides
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir.path() + "/state").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
#endif
}

TEST(StoreJournal, TornLastRecordAtEveryOffsetLosesNothingEarlier) {
  TempDir dir;
  std::string path = dir.file("s.log");
  std::string complete;
  std::string crashed;
  size_t lastStart;
  {
    SessionStore store(path);
    store.add(record("s1", "https://a.example/"));
    store.add(record("s2", "https://b.example/"));
    crashed = readAll(path);  // the header's mark says this length
    lastStart = crashed.size();
    store.add(record("s3", "https://c.example/"));
    complete = readAll(path);
  }
  for (size_t cut = lastStart + 1; cut < complete.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    // A crash in the last append: its record cut short (with junk that holds
    // no newline, as zeros or a stale page may), the mark not yet moved.
    writeAll(path, crashed + complete.substr(lastStart, cut - lastStart) + (cut % 2 ? "#{garbage}" : ""));
    SessionStore store(path);
    ASSERT_EQ(store.size(), 2u);
    EXPECT_TRUE(store.get("s2"));
    EXPECT_EQ(readAll(path).size(), lastStart);
  }
  SessionStore store(path);
  store.add(record("s4", "https://d.example/"));
  SessionStore again(path);
  EXPECT_EQ(again.size(), 3u);
}

TEST(StoreJournal, DamageInTheMiddleIsReportedNotDropped) {
  TempDir dir;
  std::string path = dir.file("s.log");
  {
    SessionStore store(path);
    store.add(record("s1", "https://a.example/"));
    store.add(record("s2", "https://b.example/"));
    store.add(record("s3", "https://c.example/"));
  }
  std::string content = readAll(path);
  size_t second = content.find('\n', content.find('\n') + 1) + 1;  // start of record 3 (s2)
  content[second + 40] ^= 0x20;
  writeAll(path, content);
  auto [code, message] = errorOf([&] { SessionStore store(path); });
  EXPECT_EQ(code, "ERR_JOURNAL_CORRUPT");
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("record 3"), std::string::npos) << message;
  EXPECT_EQ(readAll(path), content);
}

TEST(StoreJournal, TwoStoresInOneProcessSeeEachOther) {
  TempDir dir;
  std::string path = dir.file("s.log");
  SessionStore a(path);
  SessionStore b(path);
  a.add(record("s1", "https://a.example/"));
  EXPECT_EQ(idOf(b.findForUrl("https://a.example/x", 1500)), "s1");
  b.recordCall("s1", 1200);
  a.recordCall("s1", 1300);
  EXPECT_EQ((*b.get("s1"))["callCount"], 2);
  EXPECT_EQ(errorOf([&] { b.add(record("s1", "https://z.example/")); }).first, "ERR_DUPLICATE_SESSION");
  b.end("s1", 1400);
  EXPECT_FALSE(a.findForUrl("https://a.example/x", 1500));
  EXPECT_EQ(a.prune(1500), 1u);
  EXPECT_EQ(b.size(), 0u);
}

#ifndef _WIN32  // fork(): these crash and race tests run on POSIX only (see README, Platforms)
// Two processes add their own sessions and count calls on a shared one. There
// are enough calls that compaction runs mid-way (records > 2*live + 1024), so
// both processes and the watching parent must follow the renamed file.
TEST(StoreJournal, TwoProcessesShareOneJournal) {
  TempDir dir;
  std::string path = dir.file("s.log");
  const int kAdds = 20;
  const int kCalls = 600;
  SessionStore parent(path);
  parent.add(record("shared", "https://shared.example/", "prefix", 1'000'000));
  size_t initialBytes = readAll(path).size();

  auto worker = [&](int who) {
    return spawn([&, who] {
      SessionStore store(path);
      for (int i = 0; i < kCalls; ++i) {
        if (i % (kCalls / kAdds) == 0) {
          std::string id = "p" + std::to_string(who) + "-" + std::to_string(i);
          store.add(record(id, "https://p" + std::to_string(who) + ".example/" + std::to_string(i)));
        }
        if (!store.recordCall("shared", 2000 + i)) throw std::runtime_error("shared session vanished");
      }
    });
  };
  pid_t a = worker(0);
  pid_t b = worker(1);
  ASSERT_EQ(waitExit(a), 0);
  ASSERT_EQ(waitExit(b), 0);

  // The parent's store was open all along and must catch up by itself.
  EXPECT_EQ(parent.size(), 1u + 2 * kAdds);
  EXPECT_EQ((*parent.get("shared"))["callCount"], 2 * kCalls);
  EXPECT_EQ(idOf(parent.findForUrl("https://p1.example/30/x", 1500)), "p1-30");
  // Compaction happened: far fewer lines than records ever written.
  std::string content = readAll(path);
  size_t lines = static_cast<size_t>(std::count(content.begin(), content.end(), '\n'));
  EXPECT_LT(lines, 1u + 1 + 2 * (kAdds + kCalls));
  EXPECT_GT(content.size(), initialBytes);

  SessionStore fresh(path);
  EXPECT_EQ(fresh.list(true, 0), parent.list(true, 0));
}

// A child adds sessions (and counts calls) and reports each add that
// returned; we SIGKILL it after a random number of reports. Every reported
// session must be in the journal.
TEST(StoreJournal, SigkillAtAnyMomentLosesNoReturnedAdd) {
  std::mt19937 rng(20240601);
  for (int round = 0; round < 20; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    TempDir dir;
    std::string path = dir.file("s.log");
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const int killAfter = 1 + static_cast<int>(rng() % 30);
    pid_t pid = spawn([&] {
      ::close(fds[0]);
      SessionStore store(path);
      for (int i = 0;; ++i) {
        std::string id = "s" + std::to_string(i);
        store.add(record(id, "https://h" + std::to_string(i % 7) + ".example/" + id));
        std::string line = id + "\n";
        if (::write(fds[1], line.data(), line.size()) != static_cast<ssize_t>(line.size())) return;
        if (i % 3 == 1) store.recordCall("s0", 1000 + i);
      }
    });
    ASSERT_GT(pid, 0);
    ::close(fds[1]);

    std::vector<std::string> reported;
    std::string pending;
    char buf[256];
    bool killed = false;
    for (;;) {
      ssize_t n = ::read(fds[0], buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      pending.append(buf, static_cast<size_t>(n));
      for (size_t nl; (nl = pending.find('\n')) != std::string::npos; pending.erase(0, nl + 1)) {
        reported.push_back(pending.substr(0, nl));
      }
      if (!killed && static_cast<int>(reported.size()) >= killAfter) {
        ::kill(pid, SIGKILL);
        killed = true;  // keep reading: adds reported before the kill count too
      }
    }
    ::close(fds[0]);
    EXPECT_EQ(waitExit(pid), 128 + SIGKILL);
    ASSERT_GE(static_cast<int>(reported.size()), killAfter);

    SessionStore store(path);
    for (const auto& id : reported) EXPECT_TRUE(store.get(id)) << id << " was reported but is gone";
    // At most the one add that returned but was not reported yet is extra.
    EXPECT_LE(store.size(), reported.size() + 1);
  }
}

#endif

}  // namespace
}  // namespace clawpay
