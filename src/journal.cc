#include "journal.h"

#include <unistd.h>  // getpid (mingw-w64 has it too)

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "durable_file.h"
#include "error.h"
#include "hex.h"
#include "keccak.h"

namespace clawpay {
namespace {

using durable::dirOf;
using durable::ioError;
using durable::OpenMode;
using durable::syncData;

constexpr int kFormatVersion = 2;       // the version we write
constexpr int kUnmarkedVersion = 1;     // read, upgraded on a writer's open
constexpr size_t kChecksumChars = 8;
constexpr int kMarkDigits = 20;         // fits any uint64_t, so the header never changes length

// What to do about damage. Never a command that drops records: the file may
// hold the only trace of money spent or received.
std::string recovery(const std::string& path) {
  return ". Nothing was changed. Run `clawpay state verify " + dirOf(path) +
         "` for details and restore the file from a backup; do not delete, empty or truncate it (it may hold "
         "records of money spent or received)";
}

Error damaged(const std::string& path, const std::string& what) {
  return Error(ErrorKind::Corrupt, "ERR_JOURNAL_CORRUPT", "journal " + path + " " + what + recovery(path));
}

Error damagedAt(const std::string& path, uint64_t offset, uint64_t recordNo, const std::string& what) {
  return damaged(path, "is damaged at byte " + std::to_string(offset) + " (record " + std::to_string(recordNo) +
                           "): " + what);
}

void closeFd(int fd) noexcept { durable::closeFile(fd); }

void writeAllAt(int fd, std::string_view data, uint64_t offset, const std::string& path) {
  durable::writeAt(fd, data.data(), data.size(), offset, path);
}

void truncateTo(int fd, uint64_t size, const std::string& path) {
  if (!durable::truncateTo(fd, size)) throw ioError("ftruncate", path, errno);
}

// Directories we create are private since journals hold bearer tokens and
// payment records.
void ensureDir(const std::string& dir) { durable::makeDirs(dir); }

Error unsafe(const std::string& path, const std::string& why) {
  return Error(ErrorKind::Io, "ERR_UNSAFE_JOURNAL",
               "Refusing journal " + path + ": it " + why +
                   " (a journal holds bearer tokens or payment records: only a private file of our own will do)");
}

// Fixed text (the same bytes every time) so that a file holding only a piece
// of it (a crash while the journal was being created) can be told apart from
// a foreign file, which we must never truncate. The format is checked to need
// no JSON escaping, so the text is plain concatenation.
std::string headerJsonFor(const std::string& format, uint64_t length) {
  bool plain = !format.empty() && std::all_of(format.begin(), format.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
  if (!plain) {
    throw Error(ErrorKind::Type, "ERR_INVALID_ARGUMENT",
                "journal format \"" + format + "\" must be letters, digits and '-'");
  }
  std::string mark = std::to_string(length);
  mark.insert(0, kMarkDigits - mark.size(), '0');
  return R"({"format":")" + format + R"(","length":")" + mark + R"(","op":"header","version":)" +
         std::to_string(kFormatVersion) + "}";
}

// A file someone else owns, or one linked from elsewhere, could hand our
// tokens to that someone; refuse it. Our own file readable by others (an
// older or hand-made one) is ours to tighten.
void checkOwnership(int fd, const durable::FileInfo& info, const std::string& path, bool mayTighten) {
  if (!info.regular) throw unsafe(path, "is not a regular file");
  if (!info.ours) throw unsafe(path, "belongs to another user");
  if (info.links != 1) throw unsafe(path, "has other hard links");
  if (mayTighten && info.othersMayRead) durable::makePrivate(fd, path);
}

uint64_t fileSize(int fd, const std::string& path) { return durable::infoOf(fd, path).size; }

std::string readFrom(int fd, uint64_t start, const std::string& path) {
  std::string out;
  char buf[1 << 16];
  for (uint64_t at = start;;) {
    size_t n = durable::readAt(fd, buf, sizeof buf, at, path);
    if (n == 0) return out;
    out.append(buf, static_cast<size_t>(n));
    at += static_cast<uint64_t>(n);
  }
}

// The parsed record of one framed line, or a discarded value when the line is
// not exactly "<checksum> <JSON object>".
nlohmann::json parseLine(std::string_view line) {
  if (line.size() < kChecksumChars + 2 || line[kChecksumChars] != ' ') return nlohmann::json::value_t::discarded;
  std::string_view json = line.substr(kChecksumChars + 1);
  if (line.substr(0, kChecksumChars) != Journal::checksum(json)) return nlohmann::json::value_t::discarded;
  auto value = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!value.is_object()) return nlohmann::json::value_t::discarded;
  return value;
}

// A file with no valid record is a journal whose creation was cut short only
// if it holds a piece of the header line (a crash may also leave zeros).
bool isTornNewJournal(std::string_view content, std::string_view headerLine) {
  size_t end = content.find_last_not_of('\0');
  content = end == std::string_view::npos ? std::string_view() : content.substr(0, end + 1);
  return headerLine.starts_with(content);
}

}  // namespace

std::string Journal::checksum(std::string_view json) {
  Hash32 digest = keccak256(asBytes(json));
  return toHex(ByteView(digest.data(), kChecksumChars / 2), /*prefix=*/false);
}

std::string Journal::frame(std::string_view json) {
  std::string line = checksum(json);
  line.reserve(line.size() + json.size() + 2);
  line += ' ';
  line += json;
  line += '\n';
  return line;
}

class Journal::FileAppender final : public Journal::Appender {
 public:
  explicit FileAppender(Journal& journal) : j_(journal) {}

  void append(const std::vector<std::string>& jsonLines) override {
    if (jsonLines.empty()) return;
    std::string buf;
    size_t lastBegin = 0;
    for (const auto& json : jsonLines) {
      // A newline inside would split the record and read back as damage.
      if (json.empty() || json.find('\n') != std::string::npos) {
        throw Error(ErrorKind::Invalid, "ERR_INTERNAL", "journal record is not one line of JSON");
      }
      lastBegin = buf.size();
      buf += frame(json);
    }
    try {
      writeAllAt(j_.fd_, buf, j_.offset_, j_.path_);
      syncData(j_.fd_, j_.path_);
    } catch (...) {
      // Leave no half-written record behind for the next append to bury.
      if (durable::truncateTo(j_.fd_, j_.offset_)) {
        try {
          syncData(j_.fd_, j_.path_);
        } catch (const Error&) {
          // The append's own error is the one to report.
        }
      }
      throw;
    }
    j_.offset_ += buf.size();
    j_.seenSize_ = j_.offset_;
    j_.lastLine_ = buf.substr(lastBegin);
    j_.records_ += jsonLines.size();
    appended_ = true;
    try {
      j_.writeMark();
    } catch (const Error&) {
      // The records are durable; a mark left behind only weakens the check
      // for truncation until the next append moves it.
    }
  }

  bool appended() const { return appended_; }

 private:
  Journal& j_;
  bool appended_ = false;
};

Journal::Journal(std::string path, Handler& handler, Options options)
    : path_(std::move(path)), handler_(handler), options_(std::move(options)),
      headerSize_(frame(headerJsonFor(options_.format, 0)).size()) {
  if (path_.empty()) throw Error(ErrorKind::Type, "ERR_INVALID_ARGUMENT", "journal path is empty");
  dir_ = dirOf(path_);
  if (!options_.access.readOnly) ensureDir(dir_);
  LockMode mode = options_.access.readOnly ? LockMode::Shared : LockMode::Exclusive;
  try {
    openCurrent(mode);
    loadFrom(0, mode);
    if (!options_.access.readOnly && version_ == kUnmarkedVersion) {
      try {
        compact();  // the upgrade: a file with a high-water mark
      } catch (const Error&) {
        // Still a valid version 1 journal; the next compaction tries again.
      }
    }
  } catch (...) {
    closeFd(fd_);  // also drops the lock
    fd_ = -1;
    throw;
  }
  durable::unlock(fd_);
}

Journal::~Journal() { close(); }

void Journal::close() noexcept {
  closeFd(fd_);
  fd_ = -1;
}

void Journal::checkOpen() const {
  if (fd_ < 0) throw Error(ErrorKind::State, "ERR_CLOSED", "journal " + path_ + " is closed");
}

// Opens whatever file the path names now and locks it, replacing fd_. A
// compaction elsewhere may rename a new file in between open and flock, so
// the path is checked again once the lock is held.
void Journal::openCurrent(LockMode mode) {
  for (;;) {
    // Never through a link someone else may have planted at our path
    // (durable::openFile): a journal holds bearer tokens.
    OpenMode openMode = options_.access.readOnly    ? OpenMode::Read
                        : options_.access.mustExist ? OpenMode::ReadWrite
                                                    : OpenMode::ReadWriteCreate;
    // Missing: first see whether a two-step replacement (durable_file.h) is
    // under way or was cut short, and never create a journal in its gap.
    int fd = durable::openFile(path_, openMode == OpenMode::ReadWriteCreate ? OpenMode::ReadWrite : openMode);
    if (fd < 0 && errno == ENOENT) {
      if (settleReplacement()) continue;
      errno = ENOENT;
      if (openMode == OpenMode::ReadWriteCreate) fd = durable::openFile(path_, openMode);
    }
    if (fd < 0 && errno == ELOOP) throw unsafe(path_, "is a symbolic link");
    if (fd < 0 && errno == ENOENT && options_.access.mustExist) {
      throw damaged(path_, "is missing, but its state directory lists it as holding records");
    }
    if (fd < 0) throw ioError("open", path_, errno);
    durable::FileInfo info;
    try {
      // The path names the file we hold locked again (an aside put back):
      // keep it; a second lock on it would wait for our own.
      if (fd_ >= 0 && durable::infoOf(fd, path_).id == id_) {
        closeFd(fd);
        offset_ = seenSize_ = records_ = 0;
        lastLine_.clear();
        return;
      }
      durable::lock(fd, mode, path_);
      info = durable::infoOf(fd, path_);
    } catch (...) {
      closeFd(fd);
      throw;
    }
    // Empty: perhaps created in that gap. The aside is checked before the
    // path's identity, so a replacer's undo in between is seen either way.
    if (info.size == 0 && durable::asidePresent(path_)) {
      closeFd(fd);
      settleReplacement();
      continue;
    }
    durable::FileId now;
    if (durable::idOf(path_, now) && now == info.id) {
      // Only now: a file replaced between our open and our lock has no link
      // left, which is no reason to refuse the journal. Under our lock the
      // path keeps naming this one.
      try {
        checkOwnership(fd, info, path_, !options_.access.readOnly);
      } catch (...) {
        closeFd(fd);
        throw;
      }
      closeFd(fd_);
      fd_ = fd;
      id_ = info.id;
      offset_ = seenSize_ = records_ = 0;
      lastLine_.clear();
      return;
    }
    closeFd(fd);
  }
}

// `path_` is missing or empty: waits out a two-step replacement, or undoes
// one a crash cut short (durable::settle). True if the caller should open
// the path again.
bool Journal::settleReplacement() {
  // fd_, if open, is locked (catchUp) and may be the aside itself.
  switch (durable::settle(path_, !options_.access.readOnly, fd_ >= 0 ? &id_ : nullptr)) {
    case durable::Settled::None: return false;
    case durable::Settled::Stranded:
      throw Error(ErrorKind::Corrupt, "ERR_JOURNAL_CORRUPT",
                  "journal " + path_ + " is missing or empty, and its last file is whole at " + durable::asideOf(path_) +
                      " (a compaction was cut short). Nothing was changed: the next program that opens it to "
                      "write puts it back; do not delete it (it may hold records of money spent or received)");
    default: return true;
  }
}

// With fd_ locked: bring the handler up to date with the file.
void Journal::catchUp(LockMode mode) {
  durable::FileId now;
  bool replaced;
  if (durable::idOf(path_, now)) {
    replaced = now != id_;
  } else if (errno == ENOENT) {
    if (!settleReplacement()) throw damaged(path_, "was deleted while in use");
    // Put back, it may be our own file again.
    replaced = !durable::idOf(path_, now) || now != id_;
  } else {
    throw ioError("stat", path_, errno);
  }
  uint64_t size = replaced ? 0 : fileSize(fd_, path_);
  if (!replaced && size < offset_) {
    // Only a torn tail past every reader's offset is ever cut.
    throw damaged(path_, "shrank from " + std::to_string(offset_) + " to " + std::to_string(size) +
                             " bytes while in use");
  }
  if (replaced || (size > offset_ && !lastLineIntact())) {
    // Compacted elsewhere (new inode), or rewritten in place by hand: our
    // state no longer corresponds to a prefix of the file.
    if (replaced) openCurrent(mode);
    offset_ = seenSize_ = records_ = 0;
    lastLine_.clear();
    handler_.reset();
    loadFrom(0, mode);
    return;
  }
  if (size == offset_) {
    seenSize_ = size;
    // Empty (a reader found it so, or it was emptied): a writer must start
    // it with the header before appending anything.
    if (records_ == 0 && mode == LockMode::Exclusive && !options_.access.readOnly) ensureHeader();
    return;
  }
  loadFrom(offset_, mode);
}

// Whether the record we consumed last still ends where we stopped. Within the
// protocol the file only grows past offset_ (or is replaced by rename); this
// catches it being emptied and rewritten by hand, which would otherwise have
// us parse from the middle of a record.
bool Journal::lastLineIntact() {
  if (lastLine_.empty()) return offset_ == 0;
  std::string now(lastLine_.size(), '\0');
  // The header's mark changes in place with every append: there, intact
  // means still a valid header line of the same length.
  bool header = records_ == 1 && version_ == kFormatVersion;
  size_t got = 0;
  while (got < now.size()) {
    size_t n = durable::readAt(fd_, now.data() + got, now.size() - got, offset_ - now.size() + got, path_);
    if (n == 0) return false;
    got += n;
  }
  if (!header) return now == lastLine_;
  nlohmann::json record = parseLine(std::string_view(now).substr(0, now.size() - 1));
  return now.back() == '\n' && !record.is_discarded() && record.value("format", "") == options_.format;
}

// Reads from `start` (== offset_) to the end, checks the framing of every
// line, then applies the valid ones (the rules are in journal.h). A torn
// final record is cut off when we may write and hold the exclusive lock;
// otherwise it is merely skipped.
void Journal::loadFrom(uint64_t start, LockMode mode) {
  std::string data = readFrom(fd_, start, path_);
  struct Parsed {
    nlohmann::json record;
    size_t begin, end;  // within data
  };
  std::vector<Parsed> good;
  size_t tornAt = std::string::npos;  // within data
  for (size_t pos = 0; pos < data.size();) {
    size_t nl = data.find('\n', pos);
    if (nl == std::string::npos) {
      tornAt = pos;
      break;
    }
    nlohmann::json record = parseLine(std::string_view(data).substr(pos, nl - pos));
    if (record.is_discarded()) {
      if (start == 0 && good.empty()) throw damagedAt(path_, 0, 1, "not a " + options_.format + " journal");
      throw damagedAt(path_, start + pos, records_ + good.size() + 1, "bad checksum or framing");
    }
    good.push_back({std::move(record), pos, nl + 1});
    pos = nl + 1;
  }
  const uint64_t end = start + data.size();

  size_t first = 0;
  if (start == 0) {
    if (good.empty()) {
      // An earlier version may have been creating a version 1 header.
      const std::string unmarked = frame(R"({"format":")" + options_.format + R"(","op":"header","version":1})");
      if (!isTornNewJournal(data, headerLine(headerSize_)) && !isTornNewJournal(data, unmarked)) {
        throw damagedAt(path_, 0, 1, "not a " + options_.format + " journal");
      }
      if (options_.access.mustExist) {
        throw damaged(path_, std::string(data.empty() ? "is empty" : "holds no complete header") +
                                 ", but its state directory lists it as holding records");
      }
      if (mode == LockMode::Exclusive && !options_.access.readOnly) {
        ensureHeader();
      } else {
        seenSize_ = data.size();
      }
      return;
    }
    checkHeader(good.front().record);
    if (mark_ > 0) {
      if (end < mark_) {
        throw damagedAt(path_, end, good.size() + 1,
                        "the file is " + std::to_string(end) + " bytes but held " + std::to_string(mark_) +
                            " when last written: it was cut short");
      }
      bool onBoundary = std::any_of(good.begin(), good.end(), [&](const Parsed& p) { return p.end == mark_; });
      if (!onBoundary) throw damagedAt(path_, mark_, good.size() + 1, "its high-water mark falls inside a record");
    }
    offset_ = start + good.front().end;
    lastLine_ = data.substr(0, good.front().end);  // the header starts the file
    records_ = 1;
    first = 1;
  }
  for (size_t i = first; i < good.size(); ++i) {
    try {
      handler_.apply(good[i].record, records_ + 1);
    } catch (const std::exception& e) {
      // A record that frames correctly but means nothing valid was written
      // by a buggy or newer writer: damage all the same.
      throw damagedAt(path_, start + good[i].begin, records_ + 1, e.what());
    }
    offset_ = start + good[i].end;
    lastLine_ = data.substr(good[i].begin, good[i].end - good[i].begin);
    ++records_;
  }
  seenSize_ = end;
  if (tornAt == std::string::npos) return;
  const std::string cut = std::to_string(end - offset_) + " bytes at byte offset " + std::to_string(offset_) + " of " + path_;
  if (mode == LockMode::Exclusive && !options_.access.readOnly) {
    // Cut the torn tail so that the next append starts on a clean line.
    truncateTo(fd_, offset_, path_);
    syncData(fd_, path_);
    seenSize_ = offset_;
    notices_.push_back("cut a torn final record (an incomplete last write): " + cut);
  } else if (options_.access.readOnly && start == 0) {
    notices_.push_back("torn final record (an incomplete last write; a writer will cut it): " + cut);
  }
}

// The first record must be our header: the right format, a version we read.
void Journal::checkHeader(const nlohmann::json& header) {
  auto text = [&](const char* key) -> const std::string* {
    auto it = header.find(key);
    return it != header.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
  };
  const std::string* op = text("op");
  const std::string* format = text("format");
  if (!op || *op != "header" || !format) throw damagedAt(path_, 0, 1, "missing the journal header");
  if (*format != options_.format) {
    // Say both: the usual cause is a path mix-up (a receipt ledger pointed at
    // a session cache's file, or the reverse).
    // Not damage: nothing to restore, the path is wrong.
    throw Error(ErrorKind::Corrupt, "ERR_JOURNAL_CORRUPT",
                "journal " + path_ + ": record 1: holds \"" + *format + "\" records, but was opened as a \"" +
                    options_.format + "\" journal");
  }
  const auto version = header.find("version");
  const bool known = version != header.end() && version->is_number_integer() &&
                     (version->get<int64_t>() == kFormatVersion || version->get<int64_t>() == kUnmarkedVersion);
  if (!known) {
    throw Error(ErrorKind::Invalid, "ERR_JOURNAL_VERSION",
                "journal " + path_ + ": unsupported format version " +
                    (version == header.end() ? std::string("(none)") : version->dump()));
  }
  version_ = static_cast<int>(version->get<int64_t>());
  mark_ = 0;
  if (version_ == kUnmarkedVersion) return;
  const std::string* length = text("length");
  if (!length || length->size() != kMarkDigits ||
      !std::all_of(length->begin(), length->end(), [](char c) { return c >= '0' && c <= '9'; })) {
    throw damagedAt(path_, 0, 1, "the header's length is not " + std::to_string(kMarkDigits) + " digits");
  }
  mark_ = std::stoull(*length);
}

std::string Journal::headerLine(uint64_t length) const { return frame(headerJsonFor(options_.format, length)); }

// Records the current length as the high-water mark: the header rewritten in
// place, same size, then made durable.
void Journal::writeMark() {
  if (version_ != kFormatVersion || offset_ == mark_) return;
  writeAllAt(fd_, headerLine(offset_), 0, path_);
  syncData(fd_, path_);
  mark_ = offset_;
}

std::vector<std::string> Journal::takeNotices() {
  std::vector<std::string> out;
  out.swap(notices_);
  return out;
}

// The file holds no valid record (new, or its creation was cut short).
void Journal::ensureHeader() {
  std::string line = headerLine(headerSize_);
  truncateTo(fd_, 0, path_);
  writeAllAt(fd_, line, 0, path_);
  syncData(fd_, path_);
  durable::syncDir(dir_);  // the file may be new: make its directory entry durable too
  offset_ = seenSize_ = mark_ = line.size();
  version_ = kFormatVersion;
  lastLine_ = std::move(line);
  records_ = 1;
}

void Journal::transact(const std::function<void(Appender&)>& body) {
  checkOpen();
  if (options_.access.readOnly) throw Error(ErrorKind::State, "ERR_READ_ONLY", "journal " + path_ + " was opened read-only");
  durable::lock(fd_, LockMode::Exclusive, path_);
  // fd_ may change inside (reload, compaction): unlock whatever it is then.
  struct Unlock {
    Journal& j;
    ~Unlock() { durable::unlock(j.fd_); }
  } unlock{*this};
  catchUp(LockMode::Exclusive);
  FileAppender appender(*this);
  body(appender);
  if (appender.appended()) maybeCompact();
}

void Journal::refresh() {
  checkOpen();
  // Unchanged size means nothing new, unless we skipped a torn tail: a writer
  // may have cut it and appended a record of exactly its length.
  if (fileSize(fd_, path_) == seenSize_ && seenSize_ == offset_) return;
  durable::lock(fd_, LockMode::Shared, path_);
  struct Unlock {
    Journal& j;
    ~Unlock() { durable::unlock(j.fd_); }
  } unlock{*this};
  catchUp(LockMode::Shared);
}

void Journal::maybeCompact() {
  if (records_ <= 2 * static_cast<uint64_t>(handler_.liveRecords()) + options_.compactSlack) return;
  if (records_ < retryCompactionAt_) return;
  try {
    compact();
  } catch (const std::exception&) {
    // The change that got us here is durable already; reporting a failure
    // now would make the caller think it was not (and retry a paid add).
    // Wait for another slack's worth of records before paying for a retry.
    retryCompactionAt_ = records_ + options_.compactSlack;
  }
}

// Rewrites the live state into a new file and renames it over the journal.
// Called right after an append to the old file, which is what tells other
// processes (whose fstat size changes) to look for the new inode.
void Journal::compact() {
  std::vector<std::string> lines = handler_.snapshot();
  std::string body;
  size_t lastBegin = 0;
  for (const auto& json : lines) {
    lastBegin = headerSize_ + body.size();
    body += frame(json);
  }
  std::string buf = headerLine(headerSize_ + body.size()) + body;

  std::string tmp = path_ + ".compact." + std::to_string(::getpid());
  int fd = durable::openFile(tmp, OpenMode::CreateNew);
  if (fd < 0 && errno == EEXIST) {
    // Left by a process with our pid that died mid-compaction; ours now.
    durable::removeFile(tmp);
    fd = durable::openFile(tmp, OpenMode::CreateNew);
  }
  if (fd < 0) throw ioError("open", tmp, errno);
  durable::FileInfo info;
  try {
    // Locked before anyone can reach it through the path.
    durable::lock(fd, LockMode::Exclusive, tmp);
    writeAllAt(fd, buf, 0, tmp);
    durable::syncAll(fd, tmp);
    info = durable::infoOf(fd, tmp);
    durable::replace(tmp, path_);
  } catch (...) {
    durable::removeFile(tmp);
    closeFd(fd);
    throw;
  }
  // Past the rename the new file is the journal whatever happens next. If the
  // directory sync fails the rename might not survive a power cut, which is
  // harmless: the old file holds every record too.
  try {
    durable::syncDir(dir_);
  } catch (const Error&) {
  }
  closeFd(fd_);  // releases the old lock; waiters will find the new inode
  fd_ = fd;
  id_ = info.id;
  offset_ = seenSize_ = mark_ = buf.size();
  version_ = kFormatVersion;
  lastLine_ = buf.substr(lastBegin);
  records_ = 1 + lines.size();
  ++compactions_;
}

}  // namespace clawpay
