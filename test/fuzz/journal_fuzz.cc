// libFuzzer target: SessionStore opened on a journal file holding the input.
//
// Two modes, chosen by the first byte:
//  - 0xFF: the rest is lines of JSON; each is framed with its correct
//    checksum ("<8 hex> <json>\n") and, when the second byte is odd, the
//    journal header is put first: version 1 (no mark), or with bit 1 set a
//    version 2 header whose high-water mark ends at its last whole record, so
//    the fuzzer reaches the record handler on both versions.
//  - anything else: the whole input is the file, byte for byte.
//
// Properties beyond "no crash":
//  - opening either succeeds or throws clawpay::Error;
//  - when it opens, get/list/findForUrl/size agree (size() == list(all).size()),
//    and add() of a fresh session + close + reopen keeps every session listed
//    before, in order and unchanged, plus the new one.
#include <fcntl.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "error.h"
#include "journal.h"
#include "session_store.h"

using namespace clawpay;
using nlohmann::json;

namespace {

std::string g_path;
std::string_view g_input;

void removeFile() {
  if (!g_path.empty()) ::unlink(g_path.c_str());
}

const std::string& path() {
  if (g_path.empty()) {
    char tmpl[] = "/tmp/clawpay-journal-fuzz-XXXXXX";
    int fd = ::mkstemp(tmpl);
    if (fd < 0) {
      std::perror("mkstemp");
      std::abort();
    }
    ::close(fd);
    g_path = tmpl;
    std::atexit(removeFile);
  }
  return g_path;
}

[[noreturn]] void fail(const char* what, const std::string& detail = {}) {
  std::fprintf(stderr, "PROPERTY VIOLATION: %s\n  %s\n  input (%zu bytes): %.*s\n", what, detail.c_str(),
               g_input.size(), static_cast<int>(g_input.size()), g_input.data());
  std::abort();
}

void writeFile(std::string_view bytes) {
  int fd = ::open(path().c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::perror("open");
    std::abort();
  }
  while (!bytes.empty()) {
    ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n <= 0) {
      std::perror("write");
      std::abort();
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  ::close(fd);
}

std::string fileBytes(std::string_view input) {
  if (input.empty() || static_cast<uint8_t>(input[0]) != 0xFF) return std::string(input);
  input.remove_prefix(1);
  int header = 0;  // 0 none, 1 version 1, 2 version 2 with its mark
  if (!input.empty()) {
    const auto flags = static_cast<uint8_t>(input[0]);
    header = (flags & 1) ? ((flags & 2) ? 2 : 1) : 0;
    input.remove_prefix(1);
  }
  std::string out;
  size_t framed = 0;  // the mark covers whole records only, as after a crash mid-append
  while (!input.empty()) {
    const size_t nl = input.find('\n');
    const std::string_view line = input.substr(0, nl);
    if (nl == std::string_view::npos) {
      framed = out.size();
      out += line;  // a last line without newline stays unframed: a torn tail
      break;
    }
    out += Journal::frame(line);
    input.remove_prefix(nl + 1);
    framed = out.size();
  }
  if (header == 1) return Journal::frame(R"({"format":"clawpay-sessions","op":"header","version":1})") + out;
  if (header == 2) {
    auto v2 = [](uint64_t length) {
      std::string mark = std::to_string(length);
      mark.insert(0, 20 - mark.size(), '0');
      return Journal::frame(R"({"format":"clawpay-sessions","length":")" + mark + R"(","op":"header","version":2})");
    };
    return v2(v2(0).size() + framed) + out;
  }
  return out;
}

json freshRecord(const std::string& id) {
  return {{"sessionId", id},
          {"endpoint", "https://api.example.com/v1/"},
          {"scope", "prefix"},
          {"walletAddress", "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"},
          {"createdAt", 1700000000},
          {"expiresAt", 1800000000},
          {"paymentTxHash", "0x" + std::string(64, 'a')},
          {"paymentAmount", "10000"},
          {"paymentToken", "0x036CbD53842c5426634e7929541eC2318f3dCF7e"},
          {"paymentRecipient", "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"},
          {"sessionToken", "token"},
          {"signature", "0x" + std::string(130, 'b')},
          {"callCount", 0},
          {"lastUsedAt", 0}};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  g_input = std::string_view(reinterpret_cast<const char*>(data), size);
  writeFile(fileBytes(g_input));

  std::vector<json> before;
  std::string id = "fuzz-fresh-session";
  {
    std::optional<SessionStore> store;
    try {
      store.emplace(path());
    } catch (const Error& e) {
      return 0;  // ERR_JOURNAL_CORRUPT, ERR_JOURNAL_VERSION, …: a clean refusal
    } catch (const std::exception& e) {
      fail("opening threw a non-clawpay exception", e.what());
    } catch (...) {
      fail("opening threw a non-exception");
    }
    try {
      before = store->list(true, 0);
      if (before.size() != store->size()) fail("size() != list(includeExpired).size()");
      for (const json& record : before) {
        const auto& sid = record.at("sessionId").get_ref<const std::string&>();
        auto got = store->get(sid);
        if (!got || *got != record) fail("get() differs from list()", sid);
      }
      store->list(false, 1700000000);
      const char* urls[] = {"https://api.example.com/v1/weather", "http://localhost:8080/", "https://a.b/c?d"};
      for (const char* url : urls) {
        if (auto hit = store->findForUrl(url, 1700000000)) {
          if (hit->contains("endedAt")) fail("findForUrl returned an ended session", hit->dump());
          if (hit->at("expiresAt").get<int64_t>() <= 1700000000) fail("findForUrl returned an expired session");
        }
      }
      while (store->get(id)) id += "x";
      store->add(freshRecord(id));
      if (!store->findForUrl("https://api.example.com/v1/weather", 1700000000)) {
        fail("findForUrl misses a just-added covering session");
      }
      store->close();
    } catch (const Error& e) {
      fail("an operation on an opened store threw", e.code() + ": " + e.what());
    } catch (const std::exception& e) {
      fail("an operation on an opened store threw a non-clawpay exception", e.what());
    }
  }
  try {
    SessionStore reopened(path());
    auto after = reopened.list(true, 0);
    if (after.size() != before.size() + 1) {
      fail("reopen lost or gained sessions",
           std::to_string(before.size()) + " + 1 before, " + std::to_string(after.size()) + " after");
    }
    for (size_t i = 0; i < before.size(); ++i) {
      if (after[i] != before[i]) fail("reopen changed a session", before[i].dump() + " vs " + after[i].dump());
    }
    if (after.back() != freshRecord(id)) fail("reopen changed the added session", after.back().dump());
  } catch (const Error& e) {
    fail("reopening after add() threw", e.code() + ": " + e.what());
  }
  return 0;
}
