// A generic durable map of records: id -> JSON object, for state that several
// processes share (the buyer's payment ledger, daily spend counters). Its one
// strong operation is update(): a read-modify-write decided under the
// journal's exclusive lock after catching up with other processes, so two
// processes incrementing one counter never lose an increment.
// Optionally journaled (format "clawpay-records"): every change is
// fdatasync'ed before the call returns. Thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "clawpay_limits.h"
#include "journal.h"

namespace clawpay {

// What an update does with the record it was shown.
class RecordChange {
 public:
  enum class Kind { Keep, Remove, Replace };

  static RecordChange keep() { return RecordChange(Kind::Keep, nullptr); }
  static RecordChange remove() { return RecordChange(Kind::Remove, nullptr); }
  static RecordChange replace(nlohmann::json value) { return RecordChange(Kind::Replace, std::move(value)); }

  Kind kind() const { return kind_; }
  // The new value (Replace only).
  const nlohmann::json& value() const { return value_; }
  nlohmann::json& value() { return value_; }

 private:
  RecordChange(Kind kind, nlohmann::json value) : kind_(kind), value_(std::move(value)) {}
  Kind kind_;
  nlohmann::json value_;
};

// Ids: 1-256 printable ASCII characters. Values: JSON objects of at most
// kMaxValueBytes as compact JSON (UTF-8), nested at most kMaxValueDepth deep
// (the object itself is depth 1).
//
// Errors: ERR_INVALID_ARG (a bad id or value, saying what is wrong),
// ERR_STORE_BUSY (this thread is inside an update() of this store, or of
// another store on the same file, whose lock it holds: waiting would never
// end; opening the file again from there too), ERR_CLOSED, and the journal's ERR_IO, ERR_JOURNAL_CORRUPT (damage, a
// record that contradicts the state, or a file of another format),
// ERR_JOURNAL_VERSION and ERR_UNSAFE_JOURNAL.
// A store must not be used across fork(): the child would share its lock.
class RecordStore {
 public:
  static constexpr size_t kMaxIdBytes = kMaxRecordIdBytes;  // clawpay_limits.h
  static constexpr size_t kMaxValueBytes = kMaxRecordValueBytes;
  static constexpr size_t kMaxValueDepth = kMaxRecordValueDepth;

  struct Options {
    size_t compactSlack = 1024;  // see Journal::Options
    Journal::Access access;      // see journal.h
  };

  // Shown the current value (nullptr when absent; valid during the call
  // only), decides the change. It runs with the store's locks held: it must
  // not wait for another thread or process that uses this file.
  using Updater = std::function<RecordChange(const nlohmann::json* current)>;

  // Without a path the store lives in memory. With one, the journal there is
  // replayed (a torn last record is skipped and cut off).
  explicit RecordStore(std::optional<std::string> path = std::nullopt);
  RecordStore(std::optional<std::string> path, Options options);
  ~RecordStore();
  RecordStore(const RecordStore&) = delete;
  RecordStore& operator=(const RecordStore&) = delete;

  std::optional<nlohmann::json> get(const std::string& id);
  // Records whose id starts with `prefix`, in the order their ids were first
  // written (a replaced record keeps its place; one removed and written
  // again goes last).
  std::vector<std::pair<std::string, nlohmann::json>> list(std::string_view prefix);
  // Under the journal's exclusive lock, after catching up with other
  // processes: calls `fn` with the current value and applies what it decides;
  // a change is durable before update() returns. If `fn` throws, nothing is
  // written and its exception propagates. Returns the resulting value
  // (nullopt when removed or absent).
  std::optional<nlohmann::json> update(const std::string& id, const Updater& fn);
  void put(const std::string& id, nlohmann::json value);
  // false (nothing written) when there was no such record.
  bool remove(const std::string& id);
  size_t size();
  // Releases the file; later calls throw ERR_CLOSED.
  void close();
  // What the journal did that a person should hear of (a torn final record
  // cut off: file, byte offset), since the last call.
  std::vector<std::string> takeNotices();


 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace clawpay
