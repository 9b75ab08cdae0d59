#include "record_store.h"


#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <unordered_map>

#include "durable_file.h"
#include "error.h"
#include "journaled_store.h"
#include "record_fields.h"

namespace clawpay {
namespace {

using nlohmann::json;

constexpr const char* kArgCode = "ERR_INVALID_ARG";

// The stores (by file, or by object for those in memory) whose update() this
// thread is inside of: a chain of these frames on the thread's stack,
// innermost first. The update holds their locks, so a call from its callback
// that needs them again would wait for itself.
class Updating;

// Only a pointer, trivially destructible: nothing of ours runs when a thread
// exits. With mingw-w64's emulated TLS a thread_local's destructor runs after
// its storage is freed; the std::vector this was made every worker thread's
// exit a free() of a bad pointer under wine.
thread_local const Updating* tInnermostUpdate = nullptr;

class Updating {
 public:
  explicit Updating(const std::string& key) : key_(key), outer_(tInnermostUpdate) { tInnermostUpdate = this; }
  ~Updating() { tInnermostUpdate = outer_; }
  Updating(const Updating&) = delete;
  Updating& operator=(const Updating&) = delete;

  // Whether this thread is inside an update() of the store known as `key`.
  static bool inside(const std::string& key) {
    for (const Updating* frame = tInnermostUpdate; frame != nullptr; frame = frame->outer_) {
      if (frame->key_ == key) return true;
    }
    return false;
  }

 private:
  const std::string& key_;  // the store's, which outlives its update()
  const Updating* outer_;
};

[[noreturn]] void invalidArg(ErrorKind kind, const std::string& message) { throw Error(kind, kArgCode, message); }

bool isPrintableAscii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

// Printable ASCII: ids end up in logs, error messages and file names.
void checkId(const std::string& id) {
  if (id.empty() || id.size() > RecordStore::kMaxIdBytes || !isPrintableAscii(id)) {
    invalidArg(ErrorKind::Range, "id must be 1 to 256 printable ASCII characters");
  }
}

// Every value in `value` is one JSON writes and reads back as itself: no
// NaN or infinity (dumped as null), no binary or discarded values.
void checkTree(const json& value) {
  std::vector<std::pair<const json*, size_t>> stack{{&value, 1}};
  while (!stack.empty()) {
    auto [node, depth] = stack.back();
    stack.pop_back();
    if (node->is_structured()) {
      if (depth > RecordStore::kMaxValueDepth) {
        invalidArg(ErrorKind::Range, "value nests deeper than " + std::to_string(RecordStore::kMaxValueDepth) + " levels");
      }
      for (const auto& child : *node) stack.emplace_back(&child, depth + 1);
    } else if (node->is_number_float() && !std::isfinite(node->get<double>())) {
      invalidArg(ErrorKind::Type, "value holds a number JSON cannot write (NaN or infinity)");
    } else if (node->is_binary() || node->is_discarded()) {
      invalidArg(ErrorKind::Type, std::string("value holds a ") + node->type_name() + ", which is not JSON");
    }
  }
}

// Checks a record's value and returns it as compact JSON.
std::string valueText(const json& value) {
  if (!value.is_object()) invalidArg(ErrorKind::Type, std::string("value must be a JSON object, not ") + value.type_name());
  checkTree(value);  // first: dump() recurses as deep as the value nests
  std::string text;
  try {
    text = value.dump();
  } catch (const json::type_error&) {
    invalidArg(ErrorKind::Type, "value holds text that is not valid UTF-8");
  }
  if (text.size() > RecordStore::kMaxValueBytes) {
    invalidArg(ErrorKind::Range, "value is " + std::to_string(text.size()) + " bytes as JSON; at most " +
                                     std::to_string(RecordStore::kMaxValueBytes) + " are allowed");
  }
  return text;
}

// Records as the journal holds them. Ids are printable ASCII and values
// checked, so neither dump() can throw.
std::string putLine(const std::string& id, const std::string& valueText) {
  return R"({"id":)" + json(id).dump() + R"(,"op":"put","value":)" + valueText + "}";
}

std::string removeLine(const std::string& id) { return R"({"id":)" + json(id).dump() + R"(,"op":"remove"})"; }

// Names the file for ERR_STORE_BUSY however the path was spelled: the
// journal refuses symbolic links and hard links at the file itself, so its
// directory's identity and its name are enough.
std::string fileKey(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
  durable::FileId id;
  if (!durable::idOf(dir, id)) return "path:" + path;
  return "file:" + std::to_string(id.volume) + ":" + std::to_string(id.index) + "/" + name;
}

}  // namespace

struct RecordStore::Impl final : JournaledStore {
  using Records = std::unordered_map<std::string, std::pair<json, uint64_t>>;  // id -> value, first write

  Impl() : JournaledStore("record store"), key("memory:" + std::to_string(reinterpret_cast<uintptr_t>(this))) {}

  Records byId;
  std::map<uint64_t, Records::value_type*> order;  // by first write; nodes do not move on rehash
  uint64_t nextSeq = 0;
  std::string key;   // see Updating
  std::string name = "record store (in memory)";

  void checkNotBusy() const {
    if (!Updating::inside(key)) return;
    throw Error(ErrorKind::State, "ERR_STORE_BUSY",
                name + " is busy: this thread is inside an update() of it (or of another store on its file), "
                       "which holds the lock; call it after the update returns, not from its callback");
  }

  json* find(const std::string& id) {
    auto it = byId.find(id);
    return it == byId.end() ? nullptr : &it->second.first;
  }

  // --- transitions, shared by the live calls and replay ----------------------

  json& doPut(const std::string& id, json value) {
    auto [it, inserted] = byId.try_emplace(id, std::move(value), nextSeq);
    if (inserted) {
      order.emplace(nextSeq++, &*it);
    } else {
      it->second.first = std::move(value);
    }
    return it->second.first;
  }

  void doRemove(const std::string& id) {
    auto it = byId.find(id);
    order.erase(it->second.second);
    byId.erase(it);
  }

  // --- Journal::Handler ----------------------------------------------------

  void reset() override {
    order.clear();
    byId.clear();
  }

  void apply(const json& saved, uint64_t) override {
    json record = saved;
    RecordFields fields(record, "ERR_JOURNAL_CORRUPT", "bad record");
    const std::string& op = fields.string("op");
    const std::string& id = fields.string("id");
    checkId(id);
    if (op == "put") {
      if (!fields.has("value")) fields.fail(ErrorKind::Type, "value", "is missing");
      valueText(record["value"]);
      if (record.size() != 3) throw std::runtime_error("put record with fields other than id and value");
      doPut(id, std::move(record["value"]));
    } else if (op == "remove") {
      if (!find(id)) throw std::runtime_error("remove of record \"" + id + "\", which does not exist");
      if (record.size() != 2) throw std::runtime_error("remove record with fields other than id");
      doRemove(id);
    } else {
      throw std::runtime_error("unknown op \"" + op + "\"");
    }
  }

  std::vector<std::string> snapshot() override {
    std::vector<std::string> lines;
    lines.reserve(order.size());
    for (const auto& [seq, entry] : order) lines.push_back(putLine(entry->first, entry->second.first.dump()));
    return lines;
  }

  size_t liveRecords() override { return byId.size(); }
};

RecordStore::RecordStore(std::optional<std::string> path) : RecordStore(std::move(path), Options()) {}

RecordStore::RecordStore(std::optional<std::string> path, Options options) : impl_(std::make_unique<Impl>()) {
  if (!path) return;
  impl_->name = "record store " + *path;
  impl_->key = fileKey(*path);
  impl_->checkNotBusy();  // opening takes the file's lock, which an update on this thread holds
  Journal::Options journalOptions;
  journalOptions.compactSlack = options.compactSlack;
  journalOptions.format = "clawpay-records";
  journalOptions.access = options.access;
  impl_->open(*path, std::move(journalOptions));
  impl_->key = fileKey(*path);  // again: the journal may have just created the directory
}

RecordStore::~RecordStore() = default;

std::optional<nlohmann::json> RecordStore::get(const std::string& id) {
  checkId(id);
  impl_->checkNotBusy();
  return impl_->read([&]() -> std::optional<json> {
    const json* value = impl_->find(id);
    if (!value) return std::nullopt;
    return *value;
  });
}

std::vector<std::pair<std::string, nlohmann::json>> RecordStore::list(std::string_view prefix) {
  if (prefix.size() > kMaxIdBytes || !isPrintableAscii(prefix)) {
    invalidArg(ErrorKind::Range, "prefix must be at most 256 printable ASCII characters");
  }
  impl_->checkNotBusy();
  return impl_->read([&] {
    std::vector<std::pair<std::string, json>> out;
    for (const auto& [seq, entry] : impl_->order) {
      if (entry->first.starts_with(prefix)) out.emplace_back(entry->first, entry->second.first);
    }
    return out;
  });
}

std::optional<nlohmann::json> RecordStore::update(const std::string& id, const Updater& fn) {
  checkId(id);
  impl_->checkNotBusy();
  std::optional<json> result;
  impl_->write([&](Journal::Appender& journal) {
    json* current = impl_->find(id);
    RecordChange change = [&] {
      Updating updating(impl_->key);
      return fn(current);
    }();
    if (change.kind() == RecordChange::Kind::Replace) {
      journal.append({putLine(id, valueText(change.value()))});
      current = &impl_->doPut(id, std::move(change.value()));
    } else if (change.kind() == RecordChange::Kind::Remove && current) {
      journal.append({removeLine(id)});
      impl_->doRemove(id);
      current = nullptr;
    }
    if (current) result = *current;
  });
  return result;
}

void RecordStore::put(const std::string& id, nlohmann::json value) {
  update(id, [&](const json*) { return RecordChange::replace(std::move(value)); });
}

bool RecordStore::remove(const std::string& id) {
  bool existed = false;
  update(id, [&](const json* current) {
    existed = current != nullptr;
    return RecordChange::remove();
  });
  return existed;
}

size_t RecordStore::size() {
  impl_->checkNotBusy();
  return impl_->read([&] { return impl_->byId.size(); });
}

void RecordStore::close() {
  impl_->checkNotBusy();
  impl_->close();
}

std::vector<std::string> RecordStore::takeNotices() { return impl_->takeNotices(); }

}  // namespace clawpay
