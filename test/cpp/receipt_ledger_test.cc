// ReceiptLedger behaviour, in memory and on a journal (each behaviour test
// runs both ways), then durability: reopen, compaction, torn tails, damage,
// two ledgers on one file, real processes and many threads racing begin.
#include "receipt_ledger.h"

#include "test_support.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "error.h"
#include "journal.h"
#include "session_store.h"

namespace clawpay {
namespace {

using nlohmann::json;

const std::string kPayer = "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed";
const std::string kPayTo = "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359";
const std::string kAsset = "0x833589fCD6eDb6E08f4c7C32D4f71b54bdA02913";

// 0x + 64 lowercase hex, distinct per n (a payment id or a transaction hash).
std::string hash64(unsigned n, char fill = '0') {
  char tail[17];
  std::snprintf(tail, sizeof tail, "%016x", n);
  return "0x" + std::string(48, fill) + tail;
}
std::string paymentId(unsigned n) { return hash64(n, 'a'); }
std::string txHash(unsigned n) { return hash64(n, 'b'); }

json intent(unsigned n) {
  return {{"paymentId", paymentId(n)}, {"kind", "call"},       {"route", "GET /weather"},
          {"resource", "https://api.example.com/weather?city=" + std::to_string(n)},
          {"method", "GET"},           {"network", "eip155:8453"}, {"asset", kAsset},
          {"amount", "10000"},         {"decimals", 6},            {"payer", kPayer},
          {"payTo", kPayTo},           {"x402Version", 2},         {"startedAt", 1'700'000'000'000 + n}};
}

std::vector<std::string> ids(const std::vector<json>& receipts) {
  std::vector<std::string> out;
  for (const auto& r : receipts) out.push_back(r.at("paymentId"));
  return out;
}

// --- behaviour, in memory (false) and on a journal (true) ------------------

class Ledger : public ::testing::TestWithParam<bool> {
 protected:
  std::optional<std::string> path(const std::string& name = "receipts.log") {
    if (!GetParam()) return std::nullopt;
    return dir_.file(name);
  }
  std::unique_ptr<ReceiptLedger> open(const std::string& name = "receipts.log") {
    return std::make_unique<ReceiptLedger>(path(name));
  }
  TempDir dir_;
};

INSTANTIATE_TEST_SUITE_P(MemoryAndJournal, Ledger, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "Journal" : "Memory"; });

TEST_P(Ledger, BeginThenSettleRecordsTheReceiptAndIndexesIt) {
  auto ledger = open();
  ASSERT_TRUE(ledger->begin(intent(1)));
  json pending = *ledger->get(paymentId(1));
  json expected = intent(1);
  expected["status"] = "pending";
  EXPECT_EQ(pending, expected);

  std::string tx = "0x" + std::string(64, 'C');
  json settled = ledger->settle(paymentId(1), tx, 1'700'000'000'500);
  EXPECT_EQ(settled["status"], "settled");
  EXPECT_EQ(settled["transaction"], "0x" + std::string(64, 'c')) << "stored lowercased";
  EXPECT_EQ(settled["settledAt"], 1'700'000'000'500);
  EXPECT_EQ(settled["payer"], kPayer) << "addresses are kept as given";
  EXPECT_EQ(*ledger->get(paymentId(1)), settled);
  EXPECT_EQ(ledger->byTransaction("0x" + std::string(64, 'c')), settled);
  EXPECT_EQ(ledger->byTransaction(tx), settled) << "any case finds it";
  EXPECT_FALSE(ledger->byTransaction(txHash(9)));
  EXPECT_FALSE(ledger->get(paymentId(9)));
  EXPECT_EQ(ledger->size(), 1u);
}

TEST_P(Ledger, BeginIsRefusedWhilePendingOrSettledAndWritesNothing) {
  auto ledger = open();
  ASSERT_TRUE(ledger->begin(intent(1)));
  json other = intent(1);
  other["amount"] = "99";
  EXPECT_FALSE(ledger->begin(other));
  EXPECT_EQ((*ledger->get(paymentId(1)))["amount"], "10000");
  ledger->settle(paymentId(1), txHash(1), 5);
  EXPECT_FALSE(ledger->begin(other));
  EXPECT_EQ((*ledger->get(paymentId(1)))["status"], "settled");
  if (GetParam()) {
    std::string content = readAll(*path());
    EXPECT_EQ(std::count(content.begin(), content.end(), '\n'), 3) << "header, begin, settle only";
  }
}

TEST_P(Ledger, AFailedPaymentMayBeClaimedAgainAndKeepsItsPlace) {
  auto ledger = open();
  ASSERT_TRUE(ledger->begin(intent(1)));
  ASSERT_TRUE(ledger->begin(intent(2)));
  ledger->fail(paymentId(1), "facilitator: insufficient_funds", 1234);
  json failed = *ledger->get(paymentId(1));
  EXPECT_EQ(failed["status"], "failed");
  EXPECT_EQ(failed["failure"], "facilitator: insufficient_funds");
  EXPECT_EQ(failed["failedAt"], 1234);

  json again = intent(1);
  again["amount"] = "20000";
  again["kind"] = "session";
  again["sessionTtlSeconds"] = 3600;
  ASSERT_TRUE(ledger->begin(again));
  json reclaimed = *ledger->get(paymentId(1));
  again["status"] = "pending";
  EXPECT_EQ(reclaimed, again) << "the failure is gone with the old intent";
  EXPECT_EQ(ids(ledger->list()), (std::vector<std::string>{paymentId(1), paymentId(2)}));
  EXPECT_EQ(ledger->settle(paymentId(1), txHash(1), 9)["amount"], "20000");
}

TEST_P(Ledger, SettleAndFailNeedAPendingPaymentAndAnUnusedTransaction) {
  auto ledger = open();
  auto [code, message] = errorOf([&] { ledger->settle(paymentId(1), txHash(1), 5); });
  EXPECT_EQ(code, "ERR_INVALID_ARG");
  EXPECT_NE(message.find("unknown"), std::string::npos) << message;
  EXPECT_EQ(errorOf([&] { ledger->fail(paymentId(1), "x", 5); }).first, "ERR_INVALID_ARG");

  ledger->begin(intent(1));
  ledger->begin(intent(2));
  ledger->settle(paymentId(1), txHash(1), 5);
  std::tie(code, message) = errorOf([&] { ledger->settle(paymentId(1), txHash(3), 6); });
  EXPECT_EQ(code, "ERR_INVALID_ARG");
  EXPECT_NE(message.find("settled, not pending"), std::string::npos) << message;
  EXPECT_EQ(errorOf([&] { ledger->fail(paymentId(1), "late", 6); }).first, "ERR_INVALID_ARG");

  // One transaction pays for one payment.
  std::string upper = txHash(1);
  std::transform(upper.begin() + 2, upper.end(), upper.begin() + 2, ::toupper);
  std::tie(code, message) = errorOf([&] { ledger->settle(paymentId(2), upper, 7); });
  EXPECT_EQ(code, "ERR_INVALID_ARG");
  EXPECT_NE(message.find("already recorded for payment " + paymentId(1)), std::string::npos) << message;
  EXPECT_EQ((*ledger->get(paymentId(2)))["status"], "pending");

  ledger->fail(paymentId(2), "", 8);
  EXPECT_EQ(errorOf([&] { ledger->fail(paymentId(2), "again", 9); }).first, "ERR_INVALID_ARG");
  EXPECT_EQ((*ledger->get(paymentId(2)))["failedAt"], 8);
}

TEST_P(Ledger, InvalidIntentsAreRefusedNamingTheField) {
  auto ledger = open();
  auto with = [](const char* field, json value) {
    json i = intent(1);
    i[field] = std::move(value);
    return i;
  };
  std::vector<std::pair<json, std::string>> cases;
  for (const char* field : {"paymentId", "kind", "route", "resource", "method", "network", "asset", "amount",
                            "decimals", "payer", "payTo", "x402Version", "startedAt"}) {
    json missing = intent(1);
    missing.erase(field);
    cases.push_back({missing, field});
    cases.push_back({with(field, nullptr), field});
  }
  cases.push_back({with("paymentId", "0x" + std::string(64, 'A')), "paymentId"});
  cases.push_back({with("paymentId", "0x" + std::string(62, 'a')), "paymentId"});
  cases.push_back({with("paymentId", std::string(66, 'a')), "paymentId"});
  cases.push_back({with("kind", "stream"), "kind"});
  cases.push_back({with("route", ""), "route"});
  cases.push_back({with("route", std::string(257, 'r')), "route"});
  cases.push_back({with("route", std::string("\xff")), "route"});
  std::string emoji = "\xf0\x9f\x98\x80";  // U+1F600: two UTF-16 code units, as JS counts
  std::string emojis;
  for (int i = 0; i < 129; ++i) emojis += emoji;
  cases.push_back({with("route", emojis), "route"});
  cases.push_back({with("resource", std::string(4097, 'r')), "resource"});
  cases.push_back({with("method", std::string(17, 'M')), "method"});
  cases.push_back({with("network", std::string(65, 'n')), "network"});
  cases.push_back({with("asset", "0x" + std::string(39, 'a')), "asset"});
  cases.push_back({with("payer", "0x" + std::string(40, 'g')), "payer"});
  cases.push_back({with("payTo", "0X" + std::string(40, 'a')), "payTo"});
  for (const char* amount : {"", "01", "00", "1.5", "-1", " 1", "1e6", "0x10"}) cases.push_back({with("amount", amount), "amount"});
  cases.push_back({with("amount", std::string(79, '1')), "amount"});
  cases.push_back({with("amount", "115792089237316195423570985008687907853269984665640564039457584007913129639936"),
                   "amount"});  // 2^256
  cases.push_back({with("amount", 10000), "amount"});
  for (json d : {json(37), json(-1), json(1.5), json("6")}) cases.push_back({with("decimals", d), "decimals"});
  for (json v : {json(0), json(3), json("2")}) cases.push_back({with("x402Version", v), "x402Version"});
  for (json t : {json(-1), json(9007199254740992.0), json(1e300), json(0.5)}) cases.push_back({with("startedAt", t), "startedAt"});
  cases.push_back({with("sessionTtlSeconds", 60), "sessionTtlSeconds"});  // kind is "call"
  for (json ttl : {json(0), json(2592001), json("60")}) {
    json i = with("kind", "session");
    i["sessionTtlSeconds"] = ttl;
    cases.push_back({i, "sessionTtlSeconds"});
  }
  cases.push_back({with("extra", 1), "extra"});
  cases.push_back({json::array({1}), "object"});

  for (const auto& [bad, field] : cases) {
    SCOPED_TRACE(bad.dump(-1, ' ', false, json::error_handler_t::replace));
    auto [code, message] = errorOf([&, &bad = bad] { ledger->begin(bad); });
    EXPECT_EQ(code, "ERR_INVALID_ARG");
    EXPECT_NE(message.find(field), std::string::npos) << message;
  }
  EXPECT_EQ(ledger->size(), 0u);
}

TEST_P(Ledger, IntentLimitsAreInclusive) {
  auto ledger = open();
  std::vector<json> good;
  auto with = [&](unsigned n, const char* field, json value) {
    json i = intent(n);
    i[field] = std::move(value);
    good.push_back(i);
  };
  with(1, "amount", "0");
  with(2, "amount", "115792089237316195423570985008687907853269984665640564039457584007913129639935");  // 2^256-1
  with(3, "decimals", 0);
  with(4, "decimals", 36);
  with(5, "route", std::string(256, 'r'));
  with(6, "resource", std::string(4096, 'r'));
  with(7, "method", std::string(16, 'M'));
  with(8, "network", std::string(64, 'n'));
  with(9, "startedAt", 9007199254740991LL);
  with(10, "x402Version", 1.0);  // JS numbers arrive as doubles
  with(11, "payer", "0x" + std::string(40, 'F'));
  with(12, "route", "GET /wetter/zürich");
  std::string emojis;
  for (int i = 0; i < 128; ++i) emojis += "\xf0\x9f\x98\x80";
  with(14, "route", emojis);  // 256 UTF-16 code units
  json session = intent(13);
  session["kind"] = "session";
  session["sessionTtlSeconds"] = 2592000;
  good.push_back(session);
  for (const auto& i : good) EXPECT_TRUE(ledger->begin(i)) << i.dump();
  EXPECT_TRUE((*ledger->get(paymentId(10)))["x402Version"].is_number_integer());
  EXPECT_EQ(ledger->size(), good.size());
}

TEST_P(Ledger, ArgumentsOfTheOtherCallsAreChecked) {
  auto ledger = open();
  ledger->begin(intent(1));
  std::vector<std::function<void()>> calls = {
      [&] { ledger->settle("0x" + std::string(64, 'A'), txHash(1), 1); },
      [&] { ledger->settle(paymentId(1), "0x1234", 1); },
      [&] { ledger->settle(paymentId(1), txHash(1), -1); },
      [&] { ledger->settle(paymentId(1), txHash(1), 9007199254740992LL); },
      [&] { ledger->fail(paymentId(1), std::string(513, 'x'), 1); },
      [&] { ledger->fail(paymentId(1), "\xc3", 1); },
      [&] { ledger->get("nope"); },
      [&] { ledger->byTransaction("0x"); },
      [&] { ledger->revoke("0x" + std::string(63, '1'), 1); },
      [&] { ledger->paidBy("0xabc"); },
      [&] { ledger->useNonce("", 10, 1); },
      [&] { ledger->useNonce(std::string(129, 'n'), 10, 1); },
      [&] { ledger->useNonce("tab\there", 10, 1); },
      [&] { ledger->useNonce("n\xc3\xa9", 10, 1); },
      [&] { ledger->useNonce("n", 10, 10); },  // already expired
      [&] { ledger->useNonce("n", 10, -1); },
  };
  for (size_t i = 0; i < calls.size(); ++i) EXPECT_EQ(errorOf(calls[i]).first, "ERR_INVALID_ARG") << "call " << i;
  EXPECT_EQ((*ledger->get(paymentId(1)))["status"], "pending");
  std::string accents;
  for (int i = 0; i < 512; ++i) accents += "\xc3\xa9";  // 1024 bytes, 512 characters
  ledger->fail(paymentId(1), accents, 1);
  EXPECT_TRUE(ledger->useNonce(std::string(128, '~'), 10, 9));
}

TEST_P(Ledger, RevokeMarksASettledPaymentOnce) {
  auto ledger = open();
  ledger->begin(intent(1));
  EXPECT_EQ(ledger->revoke(txHash(1), 50), RevokeResult::NotFound) << "pending: no transaction yet";
  ledger->settle(paymentId(1), txHash(1), 40);
  std::string upper = "0x" + std::string(48, 'B') + txHash(1).substr(50);
  EXPECT_EQ(ledger->revoke(upper, 50), RevokeResult::Revoked);
  EXPECT_EQ(ledger->revoke(txHash(1), 60), RevokeResult::AlreadyRevoked);
  EXPECT_EQ((*ledger->get(paymentId(1)))["revokedAt"], 50);
  EXPECT_EQ(ledger->revoke(txHash(2), 60), RevokeResult::NotFound);
  EXPECT_EQ(revokeResultName(RevokeResult::Revoked), "revoked");
  EXPECT_EQ(revokeResultName(RevokeResult::AlreadyRevoked), "already_revoked");
  EXPECT_EQ(revokeResultName(RevokeResult::NotFound), "not_found");
}

TEST_P(Ledger, PaidByListsSettledPaymentsOfThatPayerInBeginOrder) {
  auto ledger = open();
  const std::string other = "0x" + std::string(40, 'e');
  for (unsigned n = 1; n <= 6; ++n) {
    json i = intent(n);
    if (n % 3 == 0) i["payer"] = other;
    ledger->begin(i);
  }
  // Settled in reverse; one failed, one left pending.
  for (unsigned n : {5u, 4u, 3u, 1u}) ledger->settle(paymentId(n), txHash(n), 100 + n);
  ledger->fail(paymentId(2), "timeout", 200);
  std::string lower = kPayer;
  std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
  EXPECT_EQ(ids(ledger->paidBy(lower)), (std::vector<std::string>{paymentId(1), paymentId(4), paymentId(5)}));
  EXPECT_EQ(ids(ledger->paidBy(kPayer)), ids(ledger->paidBy(lower)));
  EXPECT_EQ(ids(ledger->paidBy(other)), (std::vector<std::string>{paymentId(3)}));
  EXPECT_TRUE(ledger->paidBy("0x" + std::string(40, '0')).empty());
  ledger->revoke(txHash(4), 300);
  EXPECT_EQ(ledger->paidBy(kPayer).size(), 3u) << "revoked receipts were still paid for";
  EXPECT_EQ(ids(ledger->list()).size(), 6u);
}

TEST_P(Ledger, NoncesAreSingleUseUntilTheyExpire) {
  auto ledger = open();
  EXPECT_TRUE(ledger->useNonce("siwx-nonce-1", 1000, 100));
  EXPECT_FALSE(ledger->useNonce("siwx-nonce-1", 5000, 200));
  EXPECT_FALSE(ledger->useNonce("siwx-nonce-1", 5000, 999));
  EXPECT_TRUE(ledger->useNonce("siwx-nonce-2", 5000, 999));
  EXPECT_TRUE(ledger->useNonce("siwx-nonce-1", 5000, 1000)) << "expired at now == expiresAt";
  EXPECT_FALSE(ledger->useNonce("siwx-nonce-1", 6000, 1001));
  EXPECT_EQ(ledger->size(), 0u) << "nonces are not receipts";
  EXPECT_TRUE(ledger->list().empty());
}

TEST_P(Ledger, ClosedLedgerThrows) {
  auto ledger = open();
  ledger->begin(intent(1));
  ledger->close();
  ledger->close();
  std::vector<std::function<void()>> calls = {
      [&] { ledger->begin(intent(2)); },
      [&] { ledger->settle(paymentId(1), txHash(1), 1); },
      [&] { ledger->fail(paymentId(1), "x", 1); },
      [&] { ledger->get(paymentId(1)); },
      [&] { ledger->byTransaction(txHash(1)); },
      [&] { ledger->revoke(txHash(1), 1); },
      [&] { ledger->useNonce("n", 10, 1); },
      [&] { ledger->list(); },
      [&] { ledger->paidBy(kPayer); },
      [&] { ledger->size(); },
  };
  for (auto& call : calls) EXPECT_EQ(errorOf(call).first, "ERR_CLOSED");
}

// Many threads claim the same payments at once: each is claimed exactly once,
// and the winner (only) can settle it.
TEST_P(Ledger, ManyThreadsRacingBeginClaimEachPaymentOnce) {
  auto ledger = open();
  const int kThreads = 4;
  const unsigned kPayments = GetParam() ? 10 : 200;  // each synced claim costs a few ms on disk
  std::atomic<int> wins[200] = {};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      try {
        for (unsigned n = 0; n < kPayments; ++n) {
          if (ledger->begin(intent(n))) {
            ++wins[n];
            ledger->settle(paymentId(n), txHash(n), 1);
          }
        }
      } catch (...) {
        ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  for (unsigned n = 0; n < kPayments; ++n) EXPECT_EQ(wins[n].load(), 1) << "payment " << n;
  EXPECT_EQ(ledger->size(), kPayments);
  EXPECT_EQ(ledger->paidBy(kPayer).size(), kPayments);
}

// --- durability -------------------------------------------------------------

TEST(LedgerJournal, EverythingSurvivesReopen) {
  TempDir dir;
  std::string path = dir.path() + "/state/receipts.log";
  std::vector<json> before;
  {
    ReceiptLedger ledger(path);
    for (unsigned n = 1; n <= 4; ++n) ledger.begin(intent(n));
    ledger.settle(paymentId(1), txHash(1), 10);
    ledger.settle(paymentId(3), txHash(3), 11);
    ledger.fail(paymentId(2), "expired authorization", 12);
    json again = intent(2);
    again["amount"] = "1";
    ledger.begin(again);
    ledger.fail(paymentId(4), "no funds", 13);
    ledger.revoke(txHash(3), 14);
    ledger.useNonce("live", 10'000, 15);
    before = ledger.list();
  }
  std::string content = readAll(path);
  std::string mark = std::to_string(content.size());
  mark.insert(0, 20 - mark.size(), '0');
  EXPECT_EQ(content.substr(9, content.find('\n') - 9),
            R"({"format":"clawpay-receipts","length":")" + mark + R"(","op":"header","version":2})");

  ReceiptLedger ledger(path);
  EXPECT_EQ(ledger.list(), before);
  EXPECT_EQ((*ledger.get(paymentId(2)))["amount"], "1");
  EXPECT_EQ((*ledger.get(paymentId(2)))["status"], "pending");
  EXPECT_EQ((*ledger.byTransaction(txHash(3)))["revokedAt"], 14);
  EXPECT_EQ(ids(ledger.paidBy(kPayer)), (std::vector<std::string>{paymentId(1), paymentId(3)}));
  EXPECT_FALSE(ledger.useNonce("live", 20'000, 16));
  EXPECT_FALSE(ledger.begin(intent(1)));
  EXPECT_TRUE(ledger.begin(intent(4))) << "failed before the restart: claimable after it";
  EXPECT_EQ(errorOf([&] { ledger.settle(paymentId(2), txHash(1), 20); }).first, "ERR_INVALID_ARG");
}

// With a small slack compaction runs many times; what it keeps must replay
// to the same state, and nonces that had expired by then are not kept.
TEST(LedgerJournal, CompactionKeepsTheStateAndDropsExpiredNonces) {
  TempDir dir;
  std::string path = dir.file("receipts.log");
  ReceiptLedger::Options options;
  options.compactSlack = 4;
  std::vector<json> before;
  {
    ReceiptLedger ledger(path, options);
    for (unsigned n = 0; n < 30; ++n) {
      ledger.begin(intent(n));
      if (n % 3 == 0) ledger.settle(paymentId(n), txHash(n), 100 + n);
      if (n % 3 == 1) ledger.fail(paymentId(n), "declined", 100 + n);
      if (n % 6 == 0) ledger.revoke(txHash(n), 200 + n);
      // Short-lived nonces: each expires 5 ms after it was used.
      ASSERT_TRUE(ledger.useNonce("short-" + std::to_string(n), 1000 + n * 10 + 5, 1000 + n * 10));
    }
    ASSERT_TRUE(ledger.useNonce("long-lived", 1'000'000, 2000));
    for (unsigned n = 0; n < 30; n += 3) ledger.begin(intent(n + 1));  // reclaim the failed ones
    before = ledger.list();
  }
  std::string content = readAll(path);
  size_t lines = static_cast<size_t>(std::count(content.begin(), content.end(), '\n'));
  // 96 records were written; compaction keeps the file under 2 * live + slack
  // (live: 30 receipts and the one unexpired nonce) plus the header.
  EXPECT_LE(lines, 2u * 31 + 4 + 1);
  EXPECT_NE(content.find(R"("op":"receipt")"), std::string::npos);
  EXPECT_EQ(content.find("short-1\""), std::string::npos) << "expired nonces are not carried over";

  ReceiptLedger ledger(path, options);
  EXPECT_EQ(ledger.list(), before);
  EXPECT_EQ(ids(ledger.paidBy(kPayer)).size(), 10u);
  EXPECT_EQ((*ledger.byTransaction(txHash(6)))["revokedAt"], 206);
  EXPECT_FALSE(ledger.useNonce("long-lived", 2'000'000, 2001));
  EXPECT_TRUE(ledger.useNonce("short-29", 5000, 2001));
}

TEST(LedgerJournal, TornLastRecordAtEveryOffsetLosesNothingEarlier) {
  TempDir dir;
  std::string path = dir.file("receipts.log");
  std::string complete;
  std::string crashed;
  size_t lastStart;
  {
    ReceiptLedger ledger(path);
    ledger.begin(intent(1));
    ledger.begin(intent(2));
    crashed = readAll(path);  // the header's mark says this length
    lastStart = crashed.size();
    ledger.settle(paymentId(2), txHash(2), 7);
    complete = readAll(path);
  }
  for (size_t cut = lastStart + 1; cut < complete.size(); ++cut) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    // A crash in the last append: its record cut short (with junk that holds
    // no newline, as zeros or a stale page may), the mark not yet moved.
    writeAll(path, crashed + complete.substr(lastStart, cut - lastStart) + (cut % 2 ? "#{garbage}" : ""));
    ReceiptLedger ledger(path);
    ASSERT_EQ(ledger.size(), 2u);
    EXPECT_EQ((*ledger.get(paymentId(2)))["status"], "pending");
    EXPECT_EQ(readAll(path).size(), lastStart);
  }
  ReceiptLedger ledger(path);
  ledger.settle(paymentId(2), txHash(2), 8);
  ReceiptLedger again(path);
  EXPECT_EQ((*again.get(paymentId(2)))["settledAt"], 8);
}

TEST(LedgerJournal, DamageInTheMiddleIsReportedNotDropped) {
  TempDir dir;
  std::string path = dir.file("receipts.log");
  {
    ReceiptLedger ledger(path);
    ledger.begin(intent(1));
    ledger.begin(intent(2));
    ledger.settle(paymentId(1), txHash(1), 3);
  }
  std::string content = readAll(path);
  size_t third = content.find('\n', content.find('\n') + 1) + 1;  // record 3: begin of payment 2
  content[third + 40] ^= 0x20;
  writeAll(path, content);
  auto [code, message] = errorOf([&] { ReceiptLedger ledger(path); });
  EXPECT_EQ(code, "ERR_JOURNAL_CORRUPT");
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("record 3"), std::string::npos) << message;
  EXPECT_EQ(readAll(path), content);
}

// Records that frame correctly but contradict the state are damage too.
TEST(LedgerJournal, RecordsThatContradictTheStateAreCorrupt) {
  TempDir dir;
  std::string path = dir.file("receipts.log");
  { ReceiptLedger ledger(path); ledger.begin(intent(1)); }
  const std::string base = readAll(path);
  auto line = [](const json& record) { return Journal::frame(record.dump()); };
  json beginAgain = {{"op", "begin"}, {"intent", intent(1)}};
  json badIntent = {{"op", "begin"}, {"intent", intent(2)}};
  badIntent["intent"]["amount"] = "01";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {line({{"op", "settle"}, {"id", paymentId(9)}, {"transaction", txHash(9)}, {"at", 1}}), "unknown"},
      {line({{"op", "fail"}, {"id", paymentId(9)}, {"reason", "x"}, {"at", 1}}), "unknown"},
      {line({{"op", "revoke"}, {"id", paymentId(1)}, {"at", 1}}), "not settled"},
      {line(beginAgain), "begun twice"},
      {line(badIntent), "amount"},
      {line({{"op", "settle"}, {"id", paymentId(1)}, {"transaction", "0x12"}, {"at", 1}}), "transaction"},
      {line({{"op", "settle"}, {"id", paymentId(1)}, {"transaction", txHash(1)}}), "at"},
      {line({{"op", "nonce"}, {"nonce", "n"}, {"expiresAt", 5}, {"at", 5}}), "expiresAt"},
      {line({{"op", "mint"}}), "unknown op"},
      {line({{"op", "receipt"}, {"receipt", {{"status", "pending"}}}}), "paymentId"},
  };
  for (const auto& [record, why] : cases) {
    SCOPED_TRACE(record);
    writeAll(path, base + record);
    auto [code, message] = errorOf([&] { ReceiptLedger ledger(path); });
    EXPECT_EQ(code, "ERR_JOURNAL_CORRUPT");
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find("record 3"), std::string::npos) << message;
    EXPECT_NE(message.find(why), std::string::npos) << message;
  }
}

TEST(LedgerJournal, ASessionJournalIsNotALedgerNorTheReverse) {
  TempDir dir;
  const std::string sessions = dir.file("sessions.log");
  const std::string receipts = dir.file("receipts.log");
  { SessionStore store(sessions); }
  { ReceiptLedger ledger(receipts); ledger.begin(intent(1)); }
  const std::string sessionsBefore = readAll(sessions);
  const std::string receiptsBefore = readAll(receipts);

  auto [code, message] = errorOf([&] { ReceiptLedger ledger(sessions); });
  EXPECT_EQ(code, "ERR_JOURNAL_CORRUPT");
  for (const std::string& part : {sessions, std::string("\"clawpay-sessions\""), std::string("\"clawpay-receipts\"")}) {
    EXPECT_NE(message.find(part), std::string::npos) << message;
  }
  std::tie(code, message) = errorOf([&] { SessionStore store(receipts); });
  EXPECT_EQ(code, "ERR_JOURNAL_CORRUPT");
  EXPECT_NE(message.find(receipts), std::string::npos) << message;
  EXPECT_NE(message.find("opened as a \"clawpay-sessions\""), std::string::npos) << message;
  EXPECT_EQ(readAll(sessions), sessionsBefore);
  EXPECT_EQ(readAll(receipts), receiptsBefore);
}

// Two ledgers on one file have separate open file descriptions, so locking
// and catching up work between them as between processes.
TEST(LedgerJournal, TwoLedgersOnOneFileClaimEachPaymentOnce) {
  TempDir dir;
  std::string path = dir.file("receipts.log");
  ReceiptLedger a(path);
  ReceiptLedger b(path);
  for (unsigned n = 0; n < 20; ++n) {
    ReceiptLedger& first = n % 2 ? a : b;
    ReceiptLedger& second = n % 2 ? b : a;
    EXPECT_TRUE(first.begin(intent(n)));
    EXPECT_FALSE(second.begin(intent(n))) << "payment " << n;
  }
  b.settle(paymentId(4), txHash(4), 1);  // begun by a
  EXPECT_EQ((*a.get(paymentId(4)))["status"], "settled");
  EXPECT_EQ(errorOf([&] { a.settle(paymentId(5), txHash(4), 2); }).first, "ERR_INVALID_ARG");
  a.fail(paymentId(5), "declined", 3);
  EXPECT_TRUE(b.begin(intent(5)));
  EXPECT_FALSE(a.begin(intent(5)));
  EXPECT_TRUE(a.useNonce("n", 100, 1));
  EXPECT_FALSE(b.useNonce("n", 100, 2));
  EXPECT_EQ(a.revoke(txHash(4), 5), RevokeResult::Revoked);
  EXPECT_EQ(b.revoke(txHash(4), 6), RevokeResult::AlreadyRevoked);
  EXPECT_EQ(a.list(), b.list());
}

#ifndef _WIN32  // fork(): these crash and race tests run on POSIX only (see README, Platforms)
// Real processes racing begin on the same payments: each claimed once.
TEST(LedgerJournal, TwoProcessesRacingBeginClaimEachPaymentOnce) {
  TempDir dir;
  std::string path = dir.file("receipts.log");
  const unsigned kPayments = 60;
  auto worker = [&](const std::string& out) {
    return spawn([&, out] {
      ReceiptLedger ledger(path);
      std::string claimed;
      for (unsigned n = 0; n < kPayments; ++n) {
        if (ledger.begin(intent(n))) claimed += std::to_string(n) + "\n";
      }
      writeAll(out, claimed);
    });
  };
  pid_t a = worker(dir.file("a.txt"));
  pid_t b = worker(dir.file("b.txt"));
  ASSERT_EQ(waitExit(a), 0);
  ASSERT_EQ(waitExit(b), 0);
  std::multiset<unsigned> claims;
  for (const char* name : {"a.txt", "b.txt"}) {
    std::istringstream in(readAll(dir.file(name)));
    for (unsigned n; in >> n;) claims.insert(n);
  }
  EXPECT_EQ(claims.size(), kPayments);
  for (unsigned n = 0; n < kPayments; ++n) EXPECT_EQ(claims.count(n), 1u) << "payment " << n;
  ReceiptLedger ledger(path);
  EXPECT_EQ(ledger.size(), kPayments);
}

#endif

}  // namespace
}  // namespace clawpay
