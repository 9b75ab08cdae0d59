#include "journal.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

#include "error.h"
#include "hex.h"
#include "keccak.h"

namespace clawpay {
namespace {

constexpr int kFormatVersion = 1;
constexpr size_t kChecksumChars = 8;

Error ioError(const char* op, const std::string& path, int err) {
  // std::error_code's message is thread-safe, unlike strerror().
  return Error(ErrorKind::Io, "ERR_IO",
               std::string(op) + " " + path + ": " + std::error_code(err, std::generic_category()).message());
}

Error corrupt(const std::string& path, uint64_t recordNo, const std::string& what) {
  return Error(ErrorKind::Corrupt, "ERR_JOURNAL_CORRUPT",
               "journal " + path + ": record " + std::to_string(recordNo) + ": " + what);
}

void closeFd(int fd) noexcept {
  if (fd >= 0) ::close(fd);  // nothing useful to do about a failed close
}

void lockFd(int fd, int op, const std::string& path) {
  while (::flock(fd, op) != 0) {
    if (errno != EINTR) throw ioError("flock", path, errno);
  }
}

void unlockFd(int fd) noexcept {
  if (fd >= 0) ::flock(fd, LOCK_UN);
}

void writeAllAt(int fd, std::string_view data, uint64_t offset, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(fd, data.data(), data.size(), static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw ioError("write", path, errno);
    }
    data.remove_prefix(static_cast<size_t>(n));
    offset += static_cast<uint64_t>(n);
  }
}

void syncData(int fd, const std::string& path) {
  while (::fdatasync(fd) != 0) {
    if (errno != EINTR) throw ioError("fdatasync", path, errno);
  }
}

void syncAll(int fd, const std::string& path) {
  while (::fsync(fd) != 0) {
    if (errno != EINTR) throw ioError("fsync", path, errno);
  }
}

void truncateTo(int fd, uint64_t size, const std::string& path) {
  while (::ftruncate(fd, static_cast<off_t>(size)) != 0) {
    if (errno != EINTR) throw ioError("ftruncate", path, errno);
  }
}

// A rename or a new directory entry is durable only once the directory is.
void syncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw ioError("open", dir, errno);
  int rc;
  do rc = ::fsync(fd);
  while (rc != 0 && errno == EINTR);
  int err = errno;
  closeFd(fd);
  if (rc != 0) throw ioError("fsync", dir, err);
}

// mkdir -p; directories we create are 0700 since journals hold bearer tokens
// and payment records.
void ensureDir(const std::string& dir) {
  for (size_t pos = 1; pos <= dir.size(); ++pos) {
    if (pos != dir.size() && dir[pos] != '/') continue;
    std::string prefix = dir.substr(0, pos);
    if (::mkdir(prefix.c_str(), 0700) == 0 || errno == EEXIST) continue;
    int err = errno;
    struct stat st;
    if (::stat(prefix.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) continue;
    throw ioError("mkdir", prefix, err);
  }
}

Error unsafe(const std::string& path, const std::string& why) {
  return Error(ErrorKind::Io, "ERR_UNSAFE_JOURNAL",
               "Refusing journal " + path + ": it " + why +
                   " (a journal holds bearer tokens or payment records: only a private file of our own will do)");
}

// Fixed text (the same bytes every time) so that a file holding only a piece
// of it (a crash while the journal was being created) can be told apart from
// a foreign file, which we must never truncate. The format is checked to need
// no JSON escaping, so the text is plain concatenation.
std::string headerJsonFor(const std::string& format) {
  bool plain = !format.empty() && std::all_of(format.begin(), format.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
  });
  if (!plain) {
    throw Error(ErrorKind::Type, "ERR_INVALID_ARGUMENT",
                "journal format \"" + format + "\" must be letters, digits and '-'");
  }
  return R"({"format":")" + format + R"(","op":"header","version":)" + std::to_string(kFormatVersion) + "}";
}

// A file someone else owns, or one linked from elsewhere, could hand our
// tokens to that someone; refuse it. Our own file readable by others (an
// older or hand-made one) is ours to tighten.
void checkOwnership(int fd, const struct stat& st, const std::string& path) {
  if (!S_ISREG(st.st_mode)) throw unsafe(path, "is not a regular file");
  if (st.st_uid != ::geteuid()) throw unsafe(path, "belongs to another user");
  if (st.st_nlink != 1) throw unsafe(path, "has other hard links");
  if ((st.st_mode & 077) != 0 && ::fchmod(fd, 0600) != 0) throw ioError("fchmod", path, errno);
}

uint64_t fileSize(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) throw ioError("fstat", path, errno);
  return static_cast<uint64_t>(st.st_size);
}

std::string readFrom(int fd, uint64_t start, const std::string& path) {
  std::string out;
  char buf[1 << 16];
  for (uint64_t at = start;;) {
    ssize_t n = ::pread(fd, buf, sizeof buf, static_cast<off_t>(at));
    if (n < 0) {
      if (errno == EINTR) continue;
      throw ioError("read", path, errno);
    }
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
bool isTornNewJournal(std::string_view content, std::string_view headerJson) {
  size_t end = content.find_last_not_of('\0');
  content = end == std::string_view::npos ? std::string_view() : content.substr(0, end + 1);
  return Journal::frame(headerJson).starts_with(content);
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
      if (::ftruncate(j_.fd_, static_cast<off_t>(j_.offset_)) == 0) ::fdatasync(j_.fd_);
      throw;
    }
    j_.offset_ += buf.size();
    j_.seenSize_ = j_.offset_;
    j_.lastLine_ = buf.substr(lastBegin);
    j_.records_ += jsonLines.size();
    appended_ = true;
  }

  bool appended() const { return appended_; }

 private:
  Journal& j_;
  bool appended_ = false;
};

Journal::Journal(std::string path, Handler& handler, Options options)
    : path_(std::move(path)), handler_(handler), options_(std::move(options)),
      headerJson_(headerJsonFor(options_.format)) {
  if (path_.empty()) throw Error(ErrorKind::Type, "ERR_INVALID_ARGUMENT", "journal path is empty");
  size_t slash = path_.rfind('/');
  dir_ = slash == std::string::npos ? "." : slash == 0 ? "/" : path_.substr(0, slash);
  ensureDir(dir_);
  try {
    openCurrent(LockMode::Exclusive);
    loadFrom(0, LockMode::Exclusive);
  } catch (...) {
    closeFd(fd_);  // also drops the lock
    fd_ = -1;
    throw;
  }
  unlockFd(fd_);
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
    // O_NOFOLLOW: a journal holds bearer tokens, so never write them
    // through a link someone else may have planted at our path.
    int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 && errno == ELOOP) throw unsafe(path_, "is a symbolic link");
    if (fd < 0) throw ioError("open", path_, errno);
    struct stat fst, pst;
    try {
      lockFd(fd, mode == LockMode::Exclusive ? LOCK_EX : LOCK_SH, path_);
      if (::fstat(fd, &fst) != 0) throw ioError("fstat", path_, errno);
      checkOwnership(fd, fst, path_);
    } catch (...) {
      closeFd(fd);
      throw;
    }
    if (::stat(path_.c_str(), &pst) == 0 && pst.st_dev == fst.st_dev && pst.st_ino == fst.st_ino) {
      closeFd(fd_);
      fd_ = fd;
      dev_ = fst.st_dev;
      ino_ = fst.st_ino;
      offset_ = seenSize_ = records_ = 0;
      lastLine_.clear();
      return;
    }
    closeFd(fd);
  }
}

// With fd_ locked: bring the handler up to date with the file.
void Journal::catchUp(LockMode mode) {
  struct stat pst;
  bool replaced;
  if (::stat(path_.c_str(), &pst) == 0) {
    replaced = pst.st_dev != dev_ || pst.st_ino != ino_;
  } else if (errno == ENOENT) {
    replaced = true;  // deleted: the file is the truth, so we start over empty
  } else {
    throw ioError("stat", path_, errno);
  }
  uint64_t size = replaced ? 0 : fileSize(fd_, path_);
  if (replaced || size < offset_ || (size > offset_ && !lastLineIntact())) {
    // Compacted elsewhere (new inode), or emptied and rewritten in place:
    // our state no longer corresponds to a prefix of the file.
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
    if (records_ == 0 && mode == LockMode::Exclusive) ensureHeader();
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
  size_t got = 0;
  while (got < now.size()) {
    ssize_t n = ::pread(fd_, now.data() + got, now.size() - got, static_cast<off_t>(offset_ - now.size() + got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw ioError("read", path_, errno);
    if (n == 0) return false;
    got += static_cast<size_t>(n);
  }
  return now == lastLine_;
}

// Reads from `start` (== offset_) to the end, checks the framing of every
// line, then applies the valid ones. A torn tail is cut off when we hold the
// exclusive lock; under the shared one it is merely skipped.
void Journal::loadFrom(uint64_t start, LockMode mode) {
  std::string data = readFrom(fd_, start, path_);
  struct Parsed {
    nlohmann::json record;
    size_t begin, end;  // within data
  };
  std::vector<Parsed> good;
  uint64_t firstBad = 0;  // 1-based line index within `data`; 0 = none
  size_t pos = 0;
  for (uint64_t line = 1; pos < data.size(); ++line) {
    size_t nl = data.find('\n', pos);
    size_t next = nl == std::string::npos ? data.size() : nl + 1;
    nlohmann::json record = nl == std::string::npos
                                ? nlohmann::json(nlohmann::json::value_t::discarded)
                                : parseLine(std::string_view(data).substr(pos, nl - pos));
    if (record.is_discarded()) {
      if (!firstBad) firstBad = line;
    } else if (firstBad) {
      // A valid record after a bad one: not a crash artefact but damage.
      throw corrupt(path_, records_ + firstBad, "bad checksum or framing before later valid records");
    } else {
      good.push_back({std::move(record), pos, next});
    }
    pos = next;
  }

  size_t first = 0;
  if (start == 0) {
    if (good.empty()) {
      if (!isTornNewJournal(data, headerJson_)) throw corrupt(path_, 1, "not a " + options_.format + " journal");
      if (mode == LockMode::Exclusive) {
        ensureHeader();
      } else {
        seenSize_ = data.size();
      }
      return;
    }
    checkHeader(good.front().record);
    offset_ = start + good.front().end;
    lastLine_ = data.substr(0, good.front().end);  // the header starts the file
    records_ = 1;
    first = 1;
  }
  for (size_t i = first; i < good.size(); ++i) {
    try {
      handler_.apply(good[i].record, records_ + 1);
    } catch (const Error& e) {
      // A record that frames correctly but means nothing valid was written
      // by a buggy or newer writer: damage all the same.
      if (e.kind() == ErrorKind::Corrupt) throw;
      throw corrupt(path_, records_ + 1, e.what());
    } catch (const std::exception& e) {
      throw corrupt(path_, records_ + 1, e.what());
    }
    offset_ = start + good[i].end;
    lastLine_ = data.substr(good[i].begin, good[i].end - good[i].begin);
    ++records_;
  }
  seenSize_ = start + data.size();
  if (firstBad && mode == LockMode::Exclusive) {
    // Cut the torn tail so that the next append starts on a clean line.
    truncateTo(fd_, offset_, path_);
    syncData(fd_, path_);
    seenSize_ = offset_;
  }
}

// The first record must be our header: the right format, a version we read.
void Journal::checkHeader(const nlohmann::json& header) const {
  auto text = [&](const char* key) -> const std::string* {
    auto it = header.find(key);
    return it != header.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
  };
  const std::string* op = text("op");
  const std::string* format = text("format");
  if (!op || *op != "header" || !format) throw corrupt(path_, 1, "missing the journal header");
  if (*format != options_.format) {
    // Say both: the usual cause is a path mix-up (a receipt ledger pointed at
    // a session cache's file, or the reverse).
    throw corrupt(path_, 1, "holds \"" + *format + "\" records, but was opened as a \"" + options_.format +
                                "\" journal");
  }
  const auto version = header.find("version");
  if (version == header.end() || !version->is_number_integer() || version->get<int64_t>() != kFormatVersion) {
    throw Error(ErrorKind::Invalid, "ERR_JOURNAL_VERSION",
                "journal " + path_ + ": unsupported format version " +
                    (version == header.end() ? std::string("(none)") : version->dump()));
  }
}

// The file holds no valid record (new, or its creation was cut short).
void Journal::ensureHeader() {
  std::string line = frame(headerJson_);
  truncateTo(fd_, 0, path_);
  writeAllAt(fd_, line, 0, path_);
  syncData(fd_, path_);
  syncDir(dir_);  // the file may be new: make its directory entry durable too
  offset_ = seenSize_ = line.size();
  lastLine_ = std::move(line);
  records_ = 1;
}

void Journal::transact(const std::function<void(Appender&)>& body) {
  checkOpen();
  lockFd(fd_, LOCK_EX, path_);
  // fd_ may change inside (reload, compaction): unlock whatever it is then.
  struct Unlock {
    Journal& j;
    ~Unlock() { unlockFd(j.fd_); }
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
  lockFd(fd_, LOCK_SH, path_);
  struct Unlock {
    Journal& j;
    ~Unlock() { unlockFd(j.fd_); }
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
  std::string buf = frame(headerJson_);
  size_t lastBegin = 0;
  for (const auto& json : lines) {
    lastBegin = buf.size();
    buf += frame(json);
  }

  std::string tmp = path_ + ".compact." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno == EEXIST) {
    // Left by a process with our pid that died mid-compaction; ours now.
    ::unlink(tmp.c_str());
    fd = ::open(tmp.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  }
  if (fd < 0) throw ioError("open", tmp, errno);
  struct stat st;
  try {
    // Locked before anyone can reach it through the path.
    lockFd(fd, LOCK_EX, tmp);
    writeAllAt(fd, buf, 0, tmp);
    syncAll(fd, tmp);
    if (::fstat(fd, &st) != 0) throw ioError("fstat", tmp, errno);
    if (::rename(tmp.c_str(), path_.c_str()) != 0) throw ioError("rename", tmp, errno);
  } catch (...) {
    ::unlink(tmp.c_str());
    closeFd(fd);
    throw;
  }
  // Past the rename the new file is the journal whatever happens next. If the
  // directory sync fails the rename might not survive a power cut, which is
  // harmless: the old file holds every record too.
  try {
    syncDir(dir_);
  } catch (const Error&) {
  }
  closeFd(fd_);  // releases the old lock; waiters will find the new inode
  fd_ = fd;
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  offset_ = seenSize_ = buf.size();
  lastLine_ = buf.substr(lastBegin);
  records_ = 1 + lines.size();
  ++compactions_;
}

}  // namespace clawpay
