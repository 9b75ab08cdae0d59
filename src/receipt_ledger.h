// The paid side's record of x402 payments: one receipt per payment, claimed
// (begin) before the payment is settled so that two requests carrying the
// same payment — in two threads or two processes — never both settle it;
// then settled, or failed (which frees the payment to be claimed again).
// It also remembers single-use nonces (Sign-In-With-X) until they expire.
// Optionally journaled (format "clawpay-receipts"): every change is
// fdatasync'ed before the call returns and several processes may share one
// file. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "journal.h"

namespace clawpay {

enum class RevokeResult { Revoked, AlreadyRevoked, NotFound };

// "revoked", "already_revoked", "not_found".
std::string_view revokeResultName(RevokeResult result);

// A receipt is a JSON object: the intent's fields as begun (addresses
// spelled as given), plus
//   status        "pending" | "settled" | "failed"
//   transaction   0x + 64 lowercase hex   (settled)
//   settledAt     ms since the epoch      (settled)
//   revokedAt     ms                      (settled, once its session was revoked)
//   failure       text, ≤ kMaxFailureChars (clawpay_limits.h)  (failed)
//   failedAt      ms                      (failed)
//
// Errors: ERR_INVALID_ARG (a bad argument or intent field, named; a payment
// that is unknown or not pending; a transaction already recorded for another
// payment), ERR_CLOSED, and the journal's ERR_IO, ERR_JOURNAL_CORRUPT
// (damage, a record that contradicts the state, or a file of another
// format), ERR_JOURNAL_VERSION and ERR_UNSAFE_JOURNAL.
// A ledger must not be used across fork(): the child would share its lock.
class ReceiptLedger {
 public:
  struct Options {
    size_t compactSlack = 1024;  // see Journal::Options
    Journal::Access access;      // see journal.h
  };

  // Without a path the ledger lives in memory. With one, the journal there is
  // replayed (a torn last record is skipped and cut off).
  explicit ReceiptLedger(std::optional<std::string> path = std::nullopt);
  ReceiptLedger(std::optional<std::string> path, Options options);
  ~ReceiptLedger();
  ReceiptLedger(const ReceiptLedger&) = delete;
  ReceiptLedger& operator=(const ReceiptLedger&) = delete;

  // Claims a payment before settling it. The intent's fields and their rules
  // are kIntentFields (receipt_intent.h).
  // false (and nothing written) when the payment is already pending or
  // settled; a failed one is claimed again with the new intent. Decided
  // after catching up with other processes, under the journal's lock.
  bool begin(const nlohmann::json& intent);
  // pending -> settled; returns the receipt.
  nlohmann::json settle(const std::string& paymentId, const std::string& transaction, int64_t settledAt);
  // pending -> failed.
  void fail(const std::string& paymentId, const std::string& reason, int64_t at);
  std::optional<nlohmann::json> get(const std::string& paymentId);
  // Any case of the hash.
  std::optional<nlohmann::json> byTransaction(const std::string& transaction);
  // Marks the session a settled payment bought as revoked (revokedAt = at);
  // the first revocation's time stands.
  RevokeResult revoke(const std::string& transaction, int64_t at);
  // Records a single-use nonce (1 to kMaxNonceChars printable ASCII) until
  // expiresAt (> now). true the first time; false while it is recorded and
  // unexpired. Expired nonces are forgotten. Time only moves forward: the
  // ledger's clock is the latest `now` any caller passed, so nonces that
  // expired by it are gone even for a caller whose clock lags.
  bool useNonce(const std::string& nonce, int64_t expiresAt, int64_t now);
  // Every receipt, in the order payments were first begun.
  std::vector<nlohmann::json> list();
  // Settled receipts (revoked ones included) whose payer matches in any
  // case, in the order of list(); from an index.
  std::vector<nlohmann::json> paidBy(const std::string& payer);
  // Receipts held (nonces are not counted).
  size_t size();
  // Releases the file; later calls throw ERR_CLOSED.
  void close();
  // What the journal did that a person should hear of (a torn final record
  // cut off: file, byte offset), since the last call.
  std::vector<std::string> takeNotices();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace clawpay
