// The Journal::Handler of the journal's GoogleTests (journal_test.cc,
// journal_replace_test.cc).
#pragma once

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "error.h"
#include "journal.h"

namespace clawpay {

// A key/value map: {"k":..,"v":..} sets a key, so old records die and
// compaction has something to drop. Keeps the raw records seen, too.
struct MapHandler : Journal::Handler {
  std::map<std::string, int64_t> values;
  std::vector<nlohmann::json> seen;
  int resets = 0;

  void reset() override {
    values.clear();
    seen.clear();
    ++resets;
  }
  void apply(const nlohmann::json& record, uint64_t) override {
    if (!record.contains("k")) throw Error(ErrorKind::Invalid, "ERR_TEST", "no key");
    values[record.at("k").get<std::string>()] = record.at("v").get<int64_t>();
    seen.push_back(record);
  }
  std::vector<std::string> snapshot() override {
    std::vector<std::string> out;
    for (const auto& [k, v] : values) out.push_back(nlohmann::json{{"k", k}, {"v", v}}.dump());
    return out;
  }
  size_t liveRecords() override { return values.size(); }
};

inline std::string kv(const std::string& k, int64_t v) { return nlohmann::json{{"k", k}, {"v", v}}.dump(); }

// Like a real owner: append durably, then apply the change in memory.
inline void put(Journal& j, MapHandler& h, const std::string& k, int64_t v) {
  j.transact([&](Journal::Appender& a) {
    a.append({kv(k, v)});
    h.apply(nlohmann::json::parse(kv(k, v)), 0);
  });
}

}  // namespace clawpay
