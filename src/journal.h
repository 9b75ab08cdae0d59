// A durable append-only log of JSON records, shared safely by several
// processes. It knows framing, checksums, locking and compaction; what the
// records mean belongs to its Handler (the session store, the receipt ledger).
//
// File format, one record per line:
//   <8 lowercase hex: first 4 bytes of keccak256(json)> <compact JSON>\n
// The first record is the header {"format":<Options::format>,"op":"header",
// "version":1}; a file whose header names another format is refused
// (ERR_JOURNAL_CORRUPT), so one kind of state is never replayed as another.
// Bytes after the last valid record that contain no valid record are a torn
// tail (a write cut short by a crash): skipped, and cut off the next time we
// hold the exclusive lock. An invalid record followed by a
// valid one is real damage: ERR_JOURNAL_CORRUPT naming file and record.
//
// Locking: every change happens under flock(LOCK_EX) after catching up on
// what other processes appended; reads catch up under LOCK_SH, and only when
// fstat shows a new size (or a torn tail was skipped, which a writer may have
// replaced by a record of equal length). Catching up first checks that the
// last record we read is still where it was; if not (the file was emptied
// and rewritten by hand) it replays from scratch.
//
// Compaction writes the live state to a temporary file in the same
// directory and renames it over the journal; a
// process still holding the old inode notices (its size changed: the
// compactor always appends to the old file first) and reloads.
//
// Not thread-safe by itself: its owner serializes calls (JournaledStore holds
// a mutex for the session store and the receipt ledger). One Journal per open
// of the file; do not share one across fork(), since flock() locks belong to
// the shared open file description.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace clawpay {

class Journal {
 public:
  // What the records mean. Called with the journal's lock held.
  class Handler {
   public:
    virtual ~Handler() = default;
    // The file was replaced or shrank: forget everything, a full replay follows.
    virtual void reset() = 0;
    // One record from the file (never the header), in file order. `recordNo`
    // is 1-based and counts the header, for error messages.
    virtual void apply(const nlohmann::json& record, uint64_t recordNo) = 0;
    // Compact JSON lines that recreate the current state (for compaction).
    virtual std::vector<std::string> snapshot() = 0;
    // How many records snapshot() would return; compaction runs when the
    // file holds more than 2 * liveRecords() + compactSlack records.
    virtual size_t liveRecords() = 0;
  };

  struct Options {
    size_t compactSlack = 1024;
    // Names what the records mean; checked against the header on open. The
    // default keeps session journals byte-identical to those written before
    // the field existed. Letters, digits and '-' only.
    std::string format = "clawpay-sessions";
  };

  // Lets the body of transact() append records.
  class Appender {
   public:
    // Writes the lines (compact JSON, no newline) in one write and
    // fdatasync()s before returning. Throws ERR_IO, leaving the file as it was.
    virtual void append(const std::vector<std::string>& jsonLines) = 0;

   protected:
    ~Appender() = default;
  };

  // Opens or creates the journal (mode 0600; missing directories 0700) and
  // replays it into `handler`, which must outlive the journal.
  Journal(std::string path, Handler& handler, Options options);
  Journal(std::string path, Handler& handler) : Journal(std::move(path), handler, Options()) {}
  ~Journal();
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Under the exclusive lock: catch up with other processes, run `body`
  // (which may append, then apply its change in memory), then compact if
  // dead records dominate. A failed compaction is not reported: the change
  // itself is already durable and the next transaction tries again.
  void transact(const std::function<void(Appender&)>& body);

  // Catches up with other processes' changes when the file changed size.
  void refresh();

  // Releases the file; later calls throw ERR_CLOSED.
  void close() noexcept;

  const std::string& path() const { return path_; }
  // Records in the current file, header included (for tests and compaction).
  uint64_t recordCount() const { return records_; }
  // Compactions this object performed (for tests).
  uint64_t compactions() const { return compactions_; }

  // The checksum field of a record: 8 lowercase hex digits.
  static std::string checksum(std::string_view json);
  // One framed line, newline included.
  static std::string frame(std::string_view json);

 private:
  class FileAppender;
  enum class LockMode { Shared, Exclusive };

  void openCurrent(LockMode mode);
  void catchUp(LockMode mode);
  void loadFrom(uint64_t start, LockMode mode);
  void ensureHeader();
  void maybeCompact();
  void compact();
  void checkOpen() const;
  bool lastLineIntact();
  void checkHeader(const nlohmann::json& header) const;

  std::string path_;
  std::string dir_;
  Handler& handler_;
  Options options_;
  std::string headerJson_;  // the first record of every file of our format
  int fd_ = -1;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  uint64_t offset_ = 0;     // end of the last valid record consumed
  uint64_t seenSize_ = 0;   // file size when we last read it (torn tail included)
  uint64_t records_ = 0;    // valid records up to offset_, header included
  std::string lastLine_;    // the record ending at offset_, framed
  uint64_t compactions_ = 0;
  uint64_t retryCompactionAt_ = 0;  // after a failed compaction
};

}  // namespace clawpay
