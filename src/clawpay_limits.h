// The numeric limits both layers enforce, stated once. The binding exports
// each of them (binding/limits.cc) and lib/limits.js hands them to every JS
// user, so a limit that changes here changes everywhere: the C++ checks, the
// JS checks in front of them, the MCP tools' schemas and the messages.
// (Not "limits.h": with src/ on the include path, that would shadow the C
// library's <limits.h> for every file built here.)
#pragma once

#include <cstddef>
#include <cstdint>

namespace clawpay {

// Session lifetimes, in seconds: ClawPay MCP 1.1's range and default
// (SESSION_TTL_SECONDS, the x402_session_start tool's ttl_seconds).
inline constexpr int64_t kMinSessionTtlSeconds = 60;
inline constexpr int64_t kDefaultSessionTtlSeconds = 3600;
inline constexpr int64_t kMaxSessionTtlSeconds = 30 * 24 * 3600;  // 30 days

// Far above any real token (~600 bytes); bounds the work a hostile one costs.
inline constexpr size_t kMaxSessionTokenLength = 16 * 1024;
// A session's human-readable label (ClawPay 1.1's x402_session_start).
inline constexpr size_t kMaxSessionLabelChars = 100;

// Amounts: an asset has 0 to 36 decimals (far above any token's 18, below
// what a uint256 of base units can hold).
inline constexpr int kMaxAssetDecimals = 36;

// A paid request's timeout, in ms: the default everywhere, and the range
// ClawPay 1.1's tools accept (timeout_ms).
inline constexpr int64_t kDefaultTimeoutMs = 30'000;
inline constexpr int64_t kMinToolTimeoutMs = 1'000;
inline constexpr int64_t kMaxToolTimeoutMs = 60'000;

// How long a signed EIP-3009 authorization may stay valid, in seconds
// (CLAWPAY_MAX_AUTHORIZATION_SECONDS).
inline constexpr int64_t kMinAuthorizationSeconds = 10;
inline constexpr int64_t kDefaultMaxAuthorizationSeconds = 300;
inline constexpr int64_t kMaxAuthorizationSeconds = 24 * 3600;

// A SIGN-IN-WITH-X header, as the buyer sends it and the seller reads it.
inline constexpr size_t kMaxSiwxHeaderBytes = 8 * 1024;

// Record stores (record_store.h): ids in bytes, values as compact JSON.
inline constexpr size_t kMaxRecordIdBytes = 256;
inline constexpr size_t kMaxRecordValueBytes = 64 * 1024;
inline constexpr size_t kMaxRecordValueDepth = 64;  // the object itself is depth 1

// Receipt ledgers (receipt_ledger.h), in characters as JS counts them.
inline constexpr size_t kMaxFailureChars = 512;
inline constexpr size_t kMaxNonceChars = 128;

}  // namespace clawpay
