// A durable append-only log of JSON records, shared safely by several
// processes. It knows framing, checksums, locking and compaction; what the
// records mean belongs to its Handler (the session store, the receipt ledger).
//
// File format, one record per line:
//   <8 lowercase hex: first 4 bytes of keccak256(json)> <compact JSON>\n
// The first record is the header
//   {"format":<Options::format>,"length":"<20 decimal digits>","op":"header","version":2}
// A file whose header names another format is refused, so one kind of state
// is never replayed as another.
//
// "length" is the high-water mark: the file's size (header included) after
// the last append that returned. An append writes and fdatasync()s its
// records, then rewrites the header in place (same length, one pwrite inside
// the first sector) and fdatasync()s again; a crash between the two leaves
// the mark behind the file, which is harmless. So a tail cut cannot remove
// the knowledge of how much the file held. Version 1 files (written before
// the mark, header {"format":..,"op":"header","version":1}) are read by the
// same rules without the mark, and upgraded (rewritten as by compaction) the
// first time a writer opens them.
//
// Reading the file, with M the mark:
//  - A torn final record: bytes after the last complete line that hold no
//    newline, starting at or after M. That is a write cut short by a crash.
//    A writer cuts it off and reports it (a notice: file, byte offset, bytes
//    cut); a reader skips it.
//  - Everything else is damage, ERR_JOURNAL_CORRUPT naming the file, the byte
//    offset and record, and the recovery (`clawpay state verify DIR`, restore
//    the file from a backup, never delete it): a complete line whose checksum
//    or framing is wrong, a complete line the Handler rejects, a file shorter
//    than M (a record cut in the middle, a cut at a record boundary, an
//    emptied file), an M inside a record, and, with Access::mustExist (the
//    owner knows the file held records: its state directory's manifest lists
//    it), a missing, empty or header-less file. Damage changes nothing on
//    disk: no cut, no header, no upgrade.
//  - No complete line at all and the bytes are a prefix of our header (or
//    nothing), zeros aside: a journal whose creation was cut short; a writer
//    starts it afresh unless Access::mustExist says it held records.
// While open, a file that shrinks below what we read, or is deleted, is
// damage too; one replaced by rename (a compaction elsewhere) is reloaded.
// Access::readOnly opens without creating, locking only shared, and never
// writes (for `clawpay state verify`): damage is reported the same way, a
// torn final record is reported and left in place.
//
// Locking: every change happens under the exclusive lock after catching up
// on what other processes appended; reads catch up under the shared lock, and only when
// fstat shows a new size (or a torn tail was skipped, which a writer may have
// replaced by a record of equal length). Catching up first checks that the
// last record we read is still where it was; if not (the file was emptied
// and rewritten by hand) it replays from scratch.
//
// Compaction writes the live state to a temporary file in the same
// directory and renames it over the journal (durable::replace); a
// process still holding the old inode notices (its size changed: the
// compactor always appends to the old file first) and reloads.
//
// Per OS (the calls are in durable_file.h; "synced" below is its syncData):
//  - Linux: synced = fdatasync(2); locks = flock(2); the compacted file is
//    fsync'ed, renamed over the journal, and the directory fsync'ed. A crash
//    or power cut at any point loses no append that returned.
//  - macOS: synced = fcntl(F_FULLFSYNC) (fsync(2) alone leaves the data in
//    the drive's cache), including the directory; locks = flock(2); rename(2).
//    The same guarantee as Linux; on a file system without F_FULLFSYNC it
//    falls back to fsync(2) and holds against a process or kernel crash, not
//    against a power cut the drive's cache does not survive.
//  - Windows: synced = FlushFileBuffers; locks = LockFileEx on one byte past
//    any file's end (advisory, like flock); the compacted file replaces the
//    journal by a POSIX-semantics rename (durable_file.h), and there is no
//    directory to sync. The same guarantee as Linux. Where that rename is
//    missing (FAT32/exFAT, many network shares, Windows before 10 1709,
//    wine) compaction goes by durable::replaceInSteps, under the journal's
//    exclusive lock: (1) the journal renamed to "<path>.aside", (2) the
//    compacted file moved to <path>, (3) the aside renamed away and deleted.
//    Between 1 and 2 <path> is missing: an open, a refresh or a transaction
//    that finds it so (or finds it empty) waits for the aside's lock and
//    never creates a journal in the gap (durable::settle). A crash after 1
//    leaves <path> missing and the aside whole: the next writer to open it
//    renames the aside back (a read-only open, `clawpay state verify`,
//    changes nothing and names the aside: ERR_JOURNAL_CORRUPT). After 2 the
//    compacted file is the journal and the aside a leftover that the next
//    compaction removes; in 3 a copy "<path>.aside.<pid>.<n>" may stay. No
//    append that returned is lost at any point. The same steps run on Linux
//    in the GoogleTests (test/cpp/journal_replace_test.cc). Ownership and mode
//    are not checked (the folder's ACL, private in a user profile, decides);
//    symbolic links and extra hard links are refused as on POSIX.
//
// Not thread-safe by itself: its owner serializes calls (JournaledStore holds
// a mutex for the session store and the receipt ledger). One Journal per open
// of the file; do not share one across fork(), since flock() locks belong to
// the shared open file description.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "durable_file.h"

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

  // How the owner opens the file; the stores pass it through unchanged.
  struct Access {
    // The owner knows this file held records (see the format rules above).
    bool mustExist = false;
    // Never create, cut, upgrade or append (transact throws ERR_READ_ONLY).
    bool readOnly = false;
  };

  struct Options {
    size_t compactSlack = 1024;
    // Names what the records mean; checked against the header on open. The
    // default keeps session journals byte-identical to those written before
    // the field existed. Letters, digits and '-' only.
    std::string format = "clawpay-sessions";
    Access access;
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

  // What the journal did that its owner should tell a person about (a torn
  // final record cut off), oldest first, since the last call; clears them.
  std::vector<std::string> takeNotices();
  // Header version of the file as read (1: no high-water mark) and the mark.
  int version() const { return version_; }
  uint64_t committedLength() const { return mark_; }
  // Bytes of a torn final record skipped and not cut (readOnly), else 0.
  uint64_t tornBytes() const { return torn_; }

  // The checksum field of a record: 8 lowercase hex digits.
  static std::string checksum(std::string_view json);
  // One framed line, newline included.
  static std::string frame(std::string_view json);

 private:
  class FileAppender;
  using LockMode = durable::LockMode;

  void openCurrent(LockMode mode);
  bool settleReplacement();
  void catchUp(LockMode mode);
  void loadFrom(uint64_t start, LockMode mode);
  void ensureHeader();
  void maybeCompact();
  void compact();
  void checkOpen() const;
  bool lastLineIntact();
  void checkHeader(const nlohmann::json& header);
  void writeMark();
  std::string headerLine(uint64_t length) const;

  std::string path_;
  std::string dir_;
  Handler& handler_;
  Options options_;
  uint64_t headerSize_ = 0;  // our (version 2) header line, newline included
  int version_ = 0;         // of the file's header; 0 before one is read
  uint64_t mark_ = 0;       // the file's high-water mark (0: none)
  uint64_t torn_ = 0;
  std::vector<std::string> notices_;
  int fd_ = -1;
  durable::FileId id_;
  uint64_t offset_ = 0;     // end of the last valid record consumed
  uint64_t seenSize_ = 0;   // file size when we last read it (torn tail included)
  uint64_t records_ = 0;    // valid records up to offset_, header included
  std::string lastLine_;    // the record ending at offset_, framed
  uint64_t compactions_ = 0;
  uint64_t retryCompactionAt_ = 0;  // after a failed compaction
};

}  // namespace clawpay
