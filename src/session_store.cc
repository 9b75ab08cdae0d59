#include "session_store.h"

#include <functional>
#include <limits>
#include <map>
#include <set>
#include <string_view>
#include <unordered_map>

#include "error.h"
#include "journaled_store.h"
#include "record_fields.h"
#include "url_scope.h"

namespace clawpay {
namespace {

using nlohmann::json;

// One session as held in memory. Only `record` is the caller's data; the
// rest is derived from it once so that lookups never re-parse the endpoint.
struct Entry {
  std::string id;
  json record;
  int64_t expiresAt = 0;
  bool ended = false;
  bool indexed = false;  // endpoint normalized; false only for replayed records
  Scope scope = Scope::Prefix;
  std::string origin;    // of the endpoint, normalized
  std::string key;       // its path, and for an exact session "?" + query when it has one
  uint64_t seq = 0;      // insertion order
  uint64_t revision = 0; // see SessionStore::findJsonForUrl
  // record.dump(), made on the first lookup that returns it and dropped when
  // the record changes: a lookup then copies text instead of writing JSON.
  std::string text;
};

// Within one index key, the session expiring last comes first (then the
// smallest id): the answer never depends on insertion order, and if the
// first one has expired every other one has too.
struct ExpiresLast {
  bool operator()(const Entry* a, const Entry* b) const {
    if (a->expiresAt != b->expiresAt) return a->expiresAt > b->expiresAt;
    return a->id < b->id;
  }
};
using Bucket = std::set<Entry*, ExpiresLast>;

// Looked up by string_view: the candidates of a URL are views into its path.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const noexcept { return std::hash<std::string_view>{}(text); }
};
using Index = std::unordered_map<std::string, Bucket, StringHash, std::equal_to<>>;

// The sessions of one origin: a lookup finds its origin once, then probes
// the URL's path and each ancestor of it, so its cost grows with the URL's
// length and depth, never with the number of sessions.
struct OriginIndex {
  Index exact;   // by path, or path + "?" + query
  Index prefix;  // by path
  bool empty() const { return exact.empty() && prefix.empty(); }
};

[[noreturn]] void invalid(ErrorKind kind, std::string_view field, std::string_view problem) {
  throw Error(kind, "ERR_INVALID_SESSION_RECORD",
              "invalid session record: " + std::string(field) + " " + std::string(problem));
}

// Checks a record and derives its entry. Records replayed from the journal
// were valid when written; if a stricter URL normalizer now rejects the
// endpoint, the paid session is kept but can match no URL.
std::unique_ptr<Entry> makeEntry(json record, bool fromJournal) {
  if (!record.is_object()) invalid(ErrorKind::Type, "record", std::string("must be an object, not ") + record.type_name());
  auto entry = std::make_unique<Entry>();
  RecordFields fields(record, "ERR_INVALID_SESSION_RECORD", "invalid session record");
  entry->id = fields.string("sessionId");
  if (entry->id.empty()) invalid(ErrorKind::Range, "sessionId", "must not be empty");
  for (const char* field : {"walletAddress", "paymentTxHash", "paymentAmount", "paymentToken", "paymentRecipient",
                            "sessionToken", "signature"}) {
    fields.string(field);
  }
  if (fields.has("label")) fields.string("label");
  fields.integer("createdAt");
  entry->expiresAt = fields.integer("expiresAt");
  fields.integer("callCount");
  fields.integer("lastUsedAt");
  // endedAt is ours (end() adds it); a record carrying one is an ended session.
  if (fields.has("endedAt")) {
    fields.integer("endedAt");
    entry->ended = true;
  }
  auto scope = parseScope(fields.string("scope"));
  if (!scope) invalid(ErrorKind::Range, "scope", "must be \"prefix\" or \"exact\"");
  entry->scope = *scope;
  auto url = normalizeUrl(fields.string("endpoint"));
  if (url) {
    entry->origin = url->origin();
    entry->key = url->path;
    if (*scope == Scope::Exact && url->query) entry->key += "?" + *url->query;
    entry->indexed = true;
  } else if (!fromJournal) {
    invalid(ErrorKind::Range, "endpoint", "is not an absolute http(s) URL that can be matched safely");
  }
  entry->record = std::move(record);
  return entry;
}

// Compact JSON of a journal "add"; throws for text that is not UTF-8 since
// neither the journal nor JS could carry it faithfully.
std::string addLine(const json& record) {
  try {
    return R"({"op":"add","session":)" + record.dump() + "}";
  } catch (const json::exception&) {
    invalid(ErrorKind::Type, "record", "contains text that is not valid UTF-8");
  }
}

std::string idLine(const char* op, const std::string& id, std::optional<int64_t> at) {
  json line = {{"op", op}, {"id", id}};
  if (at) line["at"] = *at;
  return line.dump();  // ids come from records that already dumped cleanly
}

}  // namespace

struct SessionStore::Impl final : JournaledStore {
  Impl() : JournaledStore("session store") {}

  std::unordered_map<std::string, std::unique_ptr<Entry>> byId;
  std::map<uint64_t, Entry*> order;
  uint64_t nextSeq = 0;
  uint64_t nextRevision = 1;
  std::unordered_map<std::string, OriginIndex, StringHash, std::equal_to<>> origins;

  Entry* find(const std::string& id) {
    auto it = byId.find(id);
    return it == byId.end() ? nullptr : it->second.get();
  }

  static Index& indexIn(OriginIndex& origin, const Entry& e) {
    return e.scope == Scope::Exact ? origin.exact : origin.prefix;
  }

  void unindex(Entry& e) {
    if (e.ended || !e.indexed) return;
    auto origin = origins.find(e.origin);
    Index& index = indexIn(origin->second, e);
    auto bucket = index.find(e.key);
    bucket->second.erase(&e);
    if (bucket->second.empty()) index.erase(bucket);
    if (origin->second.empty()) origins.erase(origin);
  }

  void insert(std::unique_ptr<Entry> entry) {
    Entry& e = *entry;
    e.seq = nextSeq++;
    e.revision = nextRevision++;
    byId.emplace(e.id, std::move(entry));
    order.emplace(e.seq, &e);
    if (!e.ended && e.indexed) indexIn(origins[e.origin], e)[e.key].insert(&e);
  }

  void countCall(Entry& e, int64_t at, int64_t calls) {
    json& count = e.record["callCount"];
    int64_t n = count.get<int64_t>();
    count = n <= std::numeric_limits<int64_t>::max() - calls ? n + calls : std::numeric_limits<int64_t>::max();
    e.record["lastUsedAt"] = at;
    e.text.clear();
    e.revision = nextRevision++;
  }

  void markEnded(Entry& e, int64_t at) {
    if (e.ended) return;  // the first end is the one that counts
    unindex(e);
    e.ended = true;
    e.record["endedAt"] = at;
    e.text.clear();
    e.revision = nextRevision++;
  }

  void erase(Entry& e) {
    unindex(e);
    order.erase(e.seq);
    byId.erase(byId.find(e.id));  // by iterator: the key lives inside e
  }

  static bool live(const Entry& e, int64_t now) { return !e.ended && now < e.expiresAt; }

  // The best live session under `key`: the bucket's first, if not expired.
  static Entry* probe(const Index& index, std::string_view key, int64_t now) {
    auto it = index.find(key);
    if (it == index.end()) return nullptr;
    Entry* first = *it->second.begin();
    return now < first->expiresAt ? first : nullptr;
  }

  // findForUrl's choice (see the header), probed with the URL's keys, so a
  // lookup allocates nothing (urlLookupKeys reads a canonical URL as views).
  Entry* lookup(const UrlLookupKeys& target, int64_t now) {
    auto origin = origins.find(target.origin);
    if (origin == origins.end()) return nullptr;
    const OriginIndex& index = origin->second;
    if (!index.exact.empty()) {
      if (Entry* e = probe(index.exact, target.target, now)) return e;
    }
    Entry* found = nullptr;
    if (!index.prefix.empty()) {
      // Longest first, so the first live hit is the most specific prefix.
      forEachPrefixPath(target.path, [&](std::string_view path) {
        found = probe(index.prefix, path, now);
        return found != nullptr;
      });
    }
    return found;
  }

  static const std::string& textOf(Entry& e) {
    if (e.text.empty()) e.text = e.record.dump();  // dumped cleanly when added
    return e.text;
  }

  // --- Journal::Handler ----------------------------------------------------

  void reset() override {
    origins.clear();
    order.clear();
    byId.clear();
  }

  void apply(const json& record, uint64_t) override {
    auto op = record.find("op");
    if (op == record.end() || !op->is_string()) throw std::runtime_error("record without an op");
    const std::string& name = op->get_ref<const std::string&>();
    if (name == "add") {
      auto session = record.find("session");
      if (session == record.end()) throw std::runtime_error("add without a session");
      auto entry = makeEntry(*session, /*fromJournal=*/true);
      if (find(entry->id)) throw std::runtime_error("session " + entry->id + " added twice");
      insert(std::move(entry));
      return;
    }
    auto id = record.find("id");
    if (id == record.end() || !id->is_string()) throw std::runtime_error(name + " without an id");
    auto at = record.find("at");
    bool hasAt = at != record.end() && at->is_number_integer();
    // Changes to a session we do not hold are ignored: a consistent journal
    // has none, and refusing to open over one would lose every other session.
    Entry* e = find(id->get_ref<const std::string&>());
    if (name == "call") {
      if (!hasAt) throw std::runtime_error("call without a time");
      // "n": calls counted in one record (absent: one; journals before it had none).
      int64_t calls = 1;
      if (auto n = record.find("n"); n != record.end()) {
        if (!n->is_number_integer() || n->get<int64_t>() < 1 || n->get<int64_t>() > kMaxCallsPerRecord) {
          throw std::runtime_error("call with a bad count");
        }
        calls = n->get<int64_t>();
      }
      if (e) countCall(*e, at->get<int64_t>(), calls);
    } else if (name == "end") {
      if (!hasAt) throw std::runtime_error("end without a time");
      if (e) markEnded(*e, at->get<int64_t>());
    } else if (name == "remove") {
      if (e) erase(*e);
    } else {
      throw std::runtime_error("unknown op \"" + name + "\"");
    }
  }

  std::vector<std::string> snapshot() override {
    std::vector<std::string> lines;
    lines.reserve(order.size());
    for (const auto& [seq, e] : order) lines.push_back(addLine(e->record));
    return lines;
  }

  size_t liveRecords() override { return byId.size(); }
};

SessionStore::SessionStore(std::optional<std::string> path) : SessionStore(std::move(path), Journal::Access()) {}

SessionStore::SessionStore(std::optional<std::string> path, Journal::Access access)
    : impl_(std::make_unique<Impl>()) {
  Journal::Options options;
  options.access = access;
  if (path) impl_->open(std::move(*path), std::move(options));
}

SessionStore::~SessionStore() = default;

void SessionStore::add(const nlohmann::json& record) {
  auto entry = makeEntry(record, /*fromJournal=*/false);
  std::string line = addLine(entry->record);
  impl_->write([&](Journal::Appender& journal) {
    if (impl_->find(entry->id)) {
      throw Error(ErrorKind::Invalid, "ERR_DUPLICATE_SESSION", "session " + entry->id + " already exists");
    }
    journal.append({line});
    impl_->insert(std::move(entry));
  });
}

std::optional<nlohmann::json> SessionStore::get(const std::string& sessionId) {
  return impl_->read([&]() -> std::optional<nlohmann::json> {
    const Entry* e = impl_->find(sessionId);
    if (!e) return std::nullopt;
    return e->record;
  });
}

std::optional<nlohmann::json> SessionStore::findForUrl(std::string_view url, int64_t now) {
  // Reading the URL needs no lock, and is most of a lookup's work. The
  // buffer holds the keys of a URL that is not canonical.
  thread_local std::string buffer;
  const auto target = urlLookupKeys(url, buffer);
  return impl_->read([&]() -> std::optional<nlohmann::json> {
    const Entry* e = target ? impl_->lookup(*target, now) : nullptr;
    if (!e) return std::nullopt;
    return e->record;
  });
}

std::optional<SessionStore::FoundJson> SessionStore::findJsonForUrl(std::string_view url, int64_t now,
                                                                    bool withJson) {
  thread_local std::string buffer;  // as in findForUrl
  const auto target = urlLookupKeys(url, buffer);
  return impl_->read([&]() -> std::optional<FoundJson> {
    Entry* e = target ? impl_->lookup(*target, now) : nullptr;
    if (!e) return std::nullopt;
    FoundJson found{e->revision, {}};
    if (withJson) found.json = Impl::textOf(*e);
    return found;
  });
}

std::optional<SessionStore::FoundJson> SessionStore::getJson(const std::string& sessionId, bool withJson) {
  return impl_->read([&]() -> std::optional<FoundJson> {
    Entry* e = impl_->find(sessionId);
    if (!e) return std::nullopt;
    FoundJson found{e->revision, {}};
    if (withJson) found.json = Impl::textOf(*e);
    return found;
  });
}

bool SessionStore::recordCall(const std::string& sessionId, int64_t now, int64_t calls) {
  if (calls < 1 || calls > kMaxCallsPerRecord) {
    throw Error(ErrorKind::Range, "ERR_OUT_OF_RANGE", "calls must be an integer from 1 to " + std::to_string(kMaxCallsPerRecord));
  }
  bool found = false;
  impl_->write([&](Journal::Appender& journal) {
    Entry* e = impl_->find(sessionId);
    if (!e) return;
    // An increment, not the new count: two processes counting calls on the
    // same session must add up. One call keeps the record it always had.
    json line = {{"op", "call"}, {"id", sessionId}, {"at", now}};
    if (calls != 1) line["n"] = calls;
    journal.append({line.dump()});
    impl_->countCall(*e, now, calls);
    found = true;
  });
  return found;
}

bool SessionStore::end(const std::string& sessionId, int64_t now) {
  bool found = false;
  impl_->write([&](Journal::Appender& journal) {
    Entry* e = impl_->find(sessionId);
    if (!e) return;
    found = true;
    if (e->ended) return;
    journal.append({idLine("end", sessionId, now)});
    impl_->markEnded(*e, now);
  });
  return found;
}

std::vector<nlohmann::json> SessionStore::list(bool includeExpired, int64_t now) {
  return impl_->read([&] {
    std::vector<nlohmann::json> out;
    for (const auto& [seq, e] : impl_->order) {
      if (includeExpired || Impl::live(*e, now)) out.push_back(e->record);
    }
    return out;
  });
}

size_t SessionStore::prune(int64_t now) {
  size_t removed = 0;
  impl_->write([&](Journal::Appender& journal) {
    // Decided after catching up, so sessions other processes added count too.
    std::vector<Entry*> dead;
    for (const auto& [seq, e] : impl_->order) {
      if (!Impl::live(*e, now)) dead.push_back(e);
    }
    if (dead.empty()) return;
    std::vector<std::string> lines;
    lines.reserve(dead.size());
    for (const Entry* e : dead) lines.push_back(idLine("remove", e->id, std::nullopt));
    journal.append(lines);  // one write, one fdatasync
    for (Entry* e : dead) impl_->erase(*e);
    removed = dead.size();
  });
  return removed;
}

size_t SessionStore::size() {
  return impl_->read([&] { return impl_->byId.size(); });
}

void SessionStore::close() { impl_->close(); }

std::vector<std::string> SessionStore::takeNotices() { return impl_->takeNotices(); }

}  // namespace clawpay
