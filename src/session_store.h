// The session cache: ClawPay session records indexed for URL lookups that do
// not scan (per origin, a hash lookup per path depth), optionally backed by a journal so
// that a session whose add() returned survives any crash. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "journal.h"

namespace clawpay {


// Errors: ERR_INVALID_SESSION_RECORD, ERR_DUPLICATE_SESSION, ERR_CLOSED,
// ERR_IO (with the path and the OS's reason), ERR_JOURNAL_CORRUPT (damage
// before valid records: never silently dropped), ERR_JOURNAL_VERSION,
// ERR_UNSAFE_JOURNAL (the path is a symlink, a hard-linked file, or a file
// another user owns: the journal holds bearer tokens; our own file readable
// by others is tightened to 0600 instead).
// A store must not be used across fork(): the child would share its lock.
class SessionStore {
 public:
  // Without a path the store lives in memory. With one, the journal there is
  // replayed (a torn last record is skipped and cut off) and every change is
  // fsync'ed before the call returns.
  explicit SessionStore(std::optional<std::string> path = std::nullopt);
  SessionStore(std::optional<std::string> path, Journal::Access access);
  ~SessionStore();
  SessionStore(const SessionStore&) = delete;
  SessionStore& operator=(const SessionStore&) = delete;

  // Record fields (ClawPay 1.1): sessionId, endpoint, scope, walletAddress,
  // createdAt, expiresAt, paymentTxHash, paymentAmount, paymentToken,
  // paymentRecipient, sessionToken, signature, label?, callCount, lastUsedAt.
  // Unknown extra fields are kept; an endedAt field makes it ended. Throws
  // ERR_INVALID_SESSION_RECORD naming the field, ERR_DUPLICATE_SESSION when
  // the id exists.
  void add(const nlohmann::json& record);
  std::optional<nlohmann::json> get(const std::string& sessionId);
  // Exact sessions beat prefix ones; the longest covering prefix wins; among
  // sessions for the same key the one expiring last wins (then the smallest
  // id), so insertion order never matters. Never returns an ended session or
  // one with now >= expiresAt.
  std::optional<nlohmann::json> findForUrl(std::string_view url, int64_t now);
  // The same lookup for a caller that keeps the records it has read (the
  // JS layer): the session's revision, a number that changes with every
  // change to its record and is never reused by this store, and with
  // `withJson` the record as compact JSON text (kept per record until it
  // changes).
  struct FoundJson {
    uint64_t revision = 0;
    std::string json;
  };
  std::optional<FoundJson> findJsonForUrl(std::string_view url, int64_t now, bool withJson);
  // get() for the same caller: the record's revision, and with `withJson`
  // its JSON text (a session call reads its record twice; a revision the
  // caller has read needs no text).
  std::optional<FoundJson> getJson(const std::string& sessionId, bool withJson);
  // callCount += calls, lastUsedAt = now (also on ended or expired sessions),
  // in one journal record: a caller that counts calls in memory persists
  // them in batches. calls must be 1 to kMaxCallsPerRecord (else
  // ERR_OUT_OF_RANGE). false when unknown.
  static constexpr int64_t kMaxCallsPerRecord = 1'000'000'000;
  bool recordCall(const std::string& sessionId, int64_t now, int64_t calls = 1);
  // Marks the session ended (record gains endedAt = now; a second end keeps
  // the first). false when unknown.
  bool end(const std::string& sessionId, int64_t now);
  // Insertion order. Without includeExpired: only live sessions; with it,
  // ended ones too.
  std::vector<nlohmann::json> list(bool includeExpired, int64_t now);
  // Drops expired and ended sessions; returns how many.
  size_t prune(int64_t now);
  // Every session held, live or not, until prune() drops them.
  size_t size();
  // Flushes and releases the file; later calls throw ERR_CLOSED.
  void close();
  // What the journal did that a person should hear of (a torn final record
  // cut off: file, byte offset), since the last call.
  std::vector<std::string> takeNotices();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace clawpay
