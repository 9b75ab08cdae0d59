// What every thread-safe store over an optional journal shares (the session
// store, the receipt ledger): one mutex, a closed state, and the steps that
// begin each call, so a store's methods hold only what is theirs.
//
// A store derives its state from JournaledStore (which is the journal's
// Handler) and calls open() once it is fully constructed. Without a path it
// lives in memory: changes run the same way with an appender that keeps
// nothing.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "error.h"
#include "journal.h"

namespace clawpay {

class JournaledStore : public Journal::Handler {
 public:
  // `name` completes "<name> is closed" (ERR_CLOSED).
  explicit JournaledStore(const char* name) : name_(name) {}

  // Opens the journal at `path` and replays it into this store.
  void open(std::string path, Journal::Options options);

  // Under the lock, once checked open and caught up with other processes'
  // changes (cheap when there are none): returns body().
  template <typename Body>
  auto read(Body&& body) -> decltype(body()) {
    std::lock_guard lock(mu_);
    checkOpen();
    if (journal_) journal_->refresh();
    return body();
  }

  // Under the lock and, with a journal, its exclusive lock after catching up:
  // `body` decides, appends what it changes, then applies it in memory.
  void write(const std::function<void(Journal::Appender&)>& body);

  // Releases the file and forgets the state; later calls throw ERR_CLOSED.
  void close();

  // The journal's notices (a torn final record cut off) since the last call.
  std::vector<std::string> takeNotices();

 private:
  void checkOpen() const;

  const char* name_;
  std::mutex mu_;
  bool closed_ = false;
  std::unique_ptr<Journal> journal_;
};

}  // namespace clawpay
