#include "journaled_store.h"

namespace clawpay {
namespace {

// For stores without a file: changes need no persisting.
class NullAppender final : public Journal::Appender {
 public:
  void append(const std::vector<std::string>&) override {}
};

}  // namespace

void JournaledStore::open(std::string path, Journal::Options options) {
  journal_ = std::make_unique<Journal>(std::move(path), *this, std::move(options));
}

void JournaledStore::checkOpen() const {
  if (closed_) throw Error(ErrorKind::State, "ERR_CLOSED", std::string(name_) + " is closed");
}

void JournaledStore::write(const std::function<void(Journal::Appender&)>& body) {
  std::lock_guard lock(mu_);
  checkOpen();
  if (journal_) {
    journal_->transact(body);
  } else {
    NullAppender appender;
    body(appender);
  }
}

std::vector<std::string> JournaledStore::takeNotices() {
  std::lock_guard lock(mu_);
  return journal_ ? journal_->takeNotices() : std::vector<std::string>();
}

void JournaledStore::close() {
  std::lock_guard lock(mu_);
  if (closed_) return;
  closed_ = true;
  if (journal_) journal_->close();
  journal_.reset();
  reset();
}

}  // namespace clawpay
