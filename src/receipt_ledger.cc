#include "receipt_ledger.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "clawpay_limits.h"
#include "error.h"
#include "hex.h"
#include "journaled_store.h"
#include "js_json.h"
#include "receipt_intent.h"
#include "record_fields.h"
#include "wtf8.h"

namespace clawpay {
namespace {

using nlohmann::json;

constexpr const char* kArgCode = "ERR_INVALID_ARG";

enum class Status { Pending, Settled, Failed };

// One payment. `record` is what callers see; the rest is derived from it.
struct Receipt {
  std::string id;
  json record;
  Status status = Status::Pending;
  uint64_t seq = 0;  // when the payment was first begun
};

[[noreturn]] void invalidArg(ErrorKind kind, const std::string& message) {
  throw Error(kind, kArgCode, message);
}

void checkPaymentId(const std::string& paymentId) {
  if (!isPrefixedHex(paymentId, 64, /*lowercaseOnly=*/true)) {
    invalidArg(ErrorKind::Type, "paymentId must be 0x + 64 lowercase hex digits");
  }
}

// The one spelling indexes use.
std::string transactionKey(const std::string& transaction) {
  if (!isPrefixedHex(transaction, 64)) invalidArg(ErrorKind::Type, "transaction must be 0x + 64 hex digits");
  return lowercaseHex(transaction);
}

std::string payerKey(const std::string& payer) {
  if (!isPrefixedHex(payer, 40)) invalidArg(ErrorKind::Type, "payer must be 0x + 40 hex digits");
  return lowercaseHex(payer);
}

void checkTime(int64_t ms, const char* name) {
  if (ms < 0 || ms > kMaxSafeInteger) {
    invalidArg(ErrorKind::Range, std::string(name) + " must be ms since the epoch, 0 to 2^53-1");
  }
}

void checkFailure(const std::string& reason) {
  auto length = utf16LengthOfUtf8(reason);
  if (!length || *length > kMaxFailureChars) {
    invalidArg(ErrorKind::Range, "reason must be UTF-8 text of at most " + std::to_string(kMaxFailureChars) + " characters");
  }
}

// Printable ASCII only: nonces come from signed messages and end up in logs.
void checkNonce(const std::string& nonce) {
  bool printable = std::all_of(nonce.begin(), nonce.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
  if (nonce.empty() || nonce.size() > kMaxNonceChars || !printable) {
    invalidArg(ErrorKind::Range, "nonce must be 1 to " + std::to_string(kMaxNonceChars) + " printable ASCII characters");
  }
}

const char* statusName(Status status) {
  switch (status) {
    case Status::Pending: return "pending";
    case Status::Settled: return "settled";
    case Status::Failed: return "failed";
  }
  return "?";
}

// Every field was checked (UTF-8 included), so dump() cannot throw.
std::string opLine(const char* op, json fields) {
  fields["op"] = op;
  return fields.dump();
}

}  // namespace

std::string_view revokeResultName(RevokeResult result) {
  switch (result) {
    case RevokeResult::Revoked: return "revoked";
    case RevokeResult::AlreadyRevoked: return "already_revoked";
    case RevokeResult::NotFound: return "not_found";
  }
  return "not_found";
}

// Each change has one check and one transition, shared by the live call and
// by replay: a record the journal hands back that fails its check throws, and
// the journal reports it as ERR_JOURNAL_CORRUPT with the file and record.
struct ReceiptLedger::Impl final : JournaledStore {
  Impl() : JournaledStore("receipt ledger") {}

  std::unordered_map<std::string, std::unique_ptr<Receipt>> byId;
  std::map<uint64_t, Receipt*> order;
  uint64_t nextSeq = 0;
  std::unordered_map<std::string, Receipt*> byTransaction;               // lowercase hash
  std::unordered_map<std::string, std::map<uint64_t, Receipt*>> byPayer;  // settled only
  std::unordered_map<std::string, int64_t> nonces;                        // nonce -> expiresAt
  std::set<std::pair<int64_t, std::string>> noncesByExpiry;
  int64_t clock = 0;  // the latest `now` seen; nonces expired by it are dropped

  Receipt* find(const std::string& id) {
    auto it = byId.find(id);
    return it == byId.end() ? nullptr : it->second.get();
  }

  // --- checks --------------------------------------------------------------

  // Whether begin() may claim the payment: nobody has, or its claim failed.
  bool claimable(const std::string& id) {
    const Receipt* r = find(id);
    return !r || r->status == Status::Failed;
  }

  Receipt& pendingReceipt(const std::string& id) {
    Receipt* r = find(id);
    if (!r) invalidArg(ErrorKind::Invalid, "payment " + id + " is unknown (begin it first)");
    if (r->status != Status::Pending) {
      invalidArg(ErrorKind::Invalid, "payment " + id + " is " + statusName(r->status) + ", not pending");
    }
    return *r;
  }

  void checkUnusedTransaction(const std::string& key, const std::string& id) {
    auto it = byTransaction.find(key);
    if (it != byTransaction.end() && it->second->id != id) {
      invalidArg(ErrorKind::Invalid, "transaction " + key + " is already recorded for payment " + it->second->id);
    }
  }

  // --- transitions -----------------------------------------------------------

  void doBegin(json intent) {
    std::string id = intent["paymentId"].get<std::string>();
    intent["status"] = "pending";
    if (Receipt* r = find(id)) {  // a failed claim, taken again; keeps its place in order
      r->record = std::move(intent);
      r->status = Status::Pending;
      return;
    }
    auto receipt = std::make_unique<Receipt>();
    receipt->id = id;
    receipt->record = std::move(intent);
    receipt->seq = nextSeq++;
    order.emplace(receipt->seq, receipt.get());
    byId.emplace(std::move(id), std::move(receipt));
  }

  void doSettle(Receipt& r, const std::string& transaction, int64_t at) {
    r.status = Status::Settled;
    r.record["status"] = "settled";
    r.record["transaction"] = transaction;
    r.record["settledAt"] = at;
    byTransaction[transaction] = &r;
    byPayer[lowercaseHex(r.record["payer"].get_ref<const std::string&>())].emplace(r.seq, &r);
  }

  void doFail(Receipt& r, const std::string& reason, int64_t at) {
    r.status = Status::Failed;
    r.record["status"] = "failed";
    r.record["failure"] = reason;
    r.record["failedAt"] = at;
  }

  // Nonces that expired by the ledger's clock are forgotten, in memory as in
  // the next compaction.
  void advanceClock(int64_t now) {
    clock = std::max(clock, now);
    while (!noncesByExpiry.empty() && noncesByExpiry.begin()->first <= clock) {
      nonces.erase(noncesByExpiry.begin()->second);
      noncesByExpiry.erase(noncesByExpiry.begin());
    }
  }

  void doNonce(const std::string& nonce, int64_t expiresAt) {
    auto [it, inserted] = nonces.try_emplace(nonce, expiresAt);
    if (!inserted) {
      noncesByExpiry.erase({it->second, nonce});
      it->second = expiresAt;
    }
    noncesByExpiry.emplace(expiresAt, nonce);
  }

  // --- Journal::Handler ----------------------------------------------------

  void reset() override {
    byPayer.clear();
    byTransaction.clear();
    order.clear();
    byId.clear();
    nonces.clear();
    noncesByExpiry.clear();
    clock = 0;
  }

  void apply(const json& saved, uint64_t) override {
    json record = saved;
    RecordFields fields(record, "ERR_JOURNAL_CORRUPT", "bad record");
    const std::string& op = fields.string("op");
    if (op == "begin" || op == "receipt") {
      applyBegin(record, op);
    } else if (op == "settle") {
      Receipt& r = pendingReceipt(fields.string("id"));
      std::string key = transactionKey(fields.string("transaction"));
      checkUnusedTransaction(key, r.id);
      doSettle(r, key, fields.integer("at", 0, kMaxSafeInteger));
    } else if (op == "fail") {
      checkFailure(fields.string("reason"));
      doFail(pendingReceipt(fields.string("id")), fields.string("reason"), fields.integer("at", 0, kMaxSafeInteger));
    } else if (op == "revoke") {
      Receipt* r = find(fields.string("id"));
      if (!r || r->status != Status::Settled || r->record.contains("revokedAt")) {
        throw std::runtime_error("revoke of a payment that is not settled and unrevoked");
      }
      r->record["revokedAt"] = fields.integer("at", 0, kMaxSafeInteger);
    } else if (op == "nonce") {
      checkNonce(fields.string("nonce"));
      int64_t at = fields.integer("at", 0, kMaxSafeInteger);
      int64_t expiresAt = fields.integer("expiresAt", at + 1, kMaxSafeInteger);
      advanceClock(at);
      doNonce(fields.string("nonce"), expiresAt);
    } else {
      throw std::runtime_error("unknown op \"" + op + "\"");
    }
  }

  // "begin" carries an intent; "receipt" (compaction) a whole receipt, which
  // is replayed as the begin and the changes that led to it.
  void applyBegin(json& record, const std::string& op) {
    json body = record[op == "begin" ? "intent" : "receipt"];
    if (!body.is_object()) throw std::runtime_error(op + " without an object");
    json intent = json::object();
    json state = json::object();
    for (auto& [key, value] : body.items()) (isIntentField(key) ? intent : state)[key] = value;
    if (op == "begin" && !state.empty()) throw std::runtime_error("begin with fields that are not the intent's");
    intent = checkIntent(std::move(intent));
    std::string id = intent["paymentId"].get<std::string>();
    if (op == "receipt" ? find(id) != nullptr : !claimable(id)) {
      throw std::runtime_error("payment " + id + " begun twice");
    }
    doBegin(std::move(intent));
    if (op == "receipt") restoreState(*find(id), state);
  }

  void restoreState(Receipt& r, json& state) {
    RecordFields fields(state, "ERR_JOURNAL_CORRUPT", "bad receipt");
    const std::string status = fields.string("status");
    size_t expected = 1;
    if (status == "settled") {
      std::string key = transactionKey(fields.string("transaction"));
      checkUnusedTransaction(key, r.id);
      doSettle(r, key, fields.integer("settledAt", 0, kMaxSafeInteger));
      expected += 2;
      if (fields.has("revokedAt")) {
        r.record["revokedAt"] = fields.integer("revokedAt", 0, kMaxSafeInteger);
        ++expected;
      }
    } else if (status == "failed") {
      checkFailure(fields.string("failure"));
      doFail(r, fields.string("failure"), fields.integer("failedAt", 0, kMaxSafeInteger));
      expected += 2;
    } else if (status != "pending") {
      fields.fail(ErrorKind::Range, "status", "is not pending, settled or failed");
    }
    if (state.size() != expected) throw std::runtime_error("receipt " + r.id + " has fields its status does not allow");
  }

  std::vector<std::string> snapshot() override {
    advanceClock(clock);
    std::vector<std::string> lines;
    lines.reserve(order.size() + nonces.size());
    for (const auto& [seq, r] : order) lines.push_back(opLine("receipt", {{"receipt", r->record}}));
    for (const auto& [expiresAt, nonce] : noncesByExpiry) {
      lines.push_back(opLine("nonce", {{"nonce", nonce}, {"expiresAt", expiresAt}, {"at", clock}}));
    }
    return lines;
  }

  size_t liveRecords() override { return byId.size() + nonces.size(); }

  std::optional<json> recordOf(const Receipt* r) const {
    if (!r) return std::nullopt;
    return r->record;
  }
};

ReceiptLedger::ReceiptLedger(std::optional<std::string> path) : ReceiptLedger(std::move(path), Options()) {}

ReceiptLedger::ReceiptLedger(std::optional<std::string> path, Options options) : impl_(std::make_unique<Impl>()) {
  if (!path) return;
  Journal::Options journalOptions;
  journalOptions.compactSlack = options.compactSlack;
  journalOptions.format = "clawpay-receipts";
  journalOptions.access = options.access;
  impl_->open(std::move(*path), std::move(journalOptions));
}

ReceiptLedger::~ReceiptLedger() = default;

bool ReceiptLedger::begin(const nlohmann::json& intent) {
  json checked = checkIntent(intent);
  const std::string id = checked["paymentId"].get<std::string>();
  std::string line = opLine("begin", {{"intent", checked}});
  bool claimed = false;
  impl_->write([&](Journal::Appender& journal) {
    if (!impl_->claimable(id)) return;  // decided after catching up: one claim wins
    journal.append({line});
    impl_->doBegin(std::move(checked));
    claimed = true;
  });
  return claimed;
}

nlohmann::json ReceiptLedger::settle(const std::string& paymentId, const std::string& transaction, int64_t settledAt) {
  checkPaymentId(paymentId);
  std::string key = transactionKey(transaction);
  checkTime(settledAt, "settledAt");
  std::string line = opLine("settle", {{"id", paymentId}, {"transaction", key}, {"at", settledAt}});
  json settled;
  impl_->write([&](Journal::Appender& journal) {
    Receipt& r = impl_->pendingReceipt(paymentId);
    impl_->checkUnusedTransaction(key, paymentId);
    journal.append({line});
    impl_->doSettle(r, key, settledAt);
    settled = r.record;
  });
  return settled;
}

void ReceiptLedger::fail(const std::string& paymentId, const std::string& reason, int64_t at) {
  checkPaymentId(paymentId);
  checkFailure(reason);
  checkTime(at, "at");
  std::string line = opLine("fail", {{"id", paymentId}, {"reason", reason}, {"at", at}});
  impl_->write([&](Journal::Appender& journal) {
    Receipt& r = impl_->pendingReceipt(paymentId);
    journal.append({line});
    impl_->doFail(r, reason, at);
  });
}

std::optional<nlohmann::json> ReceiptLedger::get(const std::string& paymentId) {
  checkPaymentId(paymentId);
  return impl_->read([&] { return impl_->recordOf(impl_->find(paymentId)); });
}

std::optional<nlohmann::json> ReceiptLedger::byTransaction(const std::string& transaction) {
  std::string key = transactionKey(transaction);
  return impl_->read([&] {
    auto it = impl_->byTransaction.find(key);
    return impl_->recordOf(it == impl_->byTransaction.end() ? nullptr : it->second);
  });
}

RevokeResult ReceiptLedger::revoke(const std::string& transaction, int64_t at) {
  std::string key = transactionKey(transaction);
  checkTime(at, "at");
  RevokeResult result = RevokeResult::NotFound;
  impl_->write([&](Journal::Appender& journal) {
    auto it = impl_->byTransaction.find(key);
    if (it == impl_->byTransaction.end()) return;
    Receipt& r = *it->second;
    result = RevokeResult::AlreadyRevoked;
    if (r.record.contains("revokedAt")) return;  // the first revocation stands
    journal.append({opLine("revoke", {{"id", r.id}, {"at", at}})});
    r.record["revokedAt"] = at;
    result = RevokeResult::Revoked;
  });
  return result;
}

bool ReceiptLedger::useNonce(const std::string& nonce, int64_t expiresAt, int64_t now) {
  checkNonce(nonce);
  checkTime(expiresAt, "expiresAt");
  checkTime(now, "now");
  // Recording a nonce that is already dead would make "true" mean nothing.
  if (expiresAt <= now) invalidArg(ErrorKind::Range, "expiresAt must be after now");
  std::string line = opLine("nonce", {{"nonce", nonce}, {"expiresAt", expiresAt}, {"at", now}});
  bool first = false;
  impl_->write([&](Journal::Appender& journal) {
    impl_->advanceClock(now);
    if (impl_->nonces.count(nonce)) return;  // recorded and, by the clock, unexpired
    journal.append({line});
    impl_->doNonce(nonce, expiresAt);
    first = true;
  });
  return first;
}

std::vector<nlohmann::json> ReceiptLedger::list() {
  return impl_->read([&] {
    std::vector<nlohmann::json> out;
    out.reserve(impl_->order.size());
    for (const auto& [seq, r] : impl_->order) out.push_back(r->record);
    return out;
  });
}

std::vector<nlohmann::json> ReceiptLedger::paidBy(const std::string& payer) {
  std::string key = payerKey(payer);
  return impl_->read([&] {
    std::vector<nlohmann::json> out;
    auto it = impl_->byPayer.find(key);
    if (it == impl_->byPayer.end()) return out;
    for (const auto& [seq, r] : it->second) out.push_back(r->record);
    return out;
  });
}

size_t ReceiptLedger::size() {
  return impl_->read([&] { return impl_->byId.size(); });
}

void ReceiptLedger::close() { impl_->close(); }

std::vector<std::string> ReceiptLedger::takeNotices() { return impl_->takeNotices(); }

}  // namespace clawpay
