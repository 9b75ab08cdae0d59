// The exact bytes JavaScript's JSON.stringify writes for strings and safe
// integers, and a strict reader for the flat objects it writes. Session
// tokens are signatures over such text, so "close enough" JSON would make
// tokens that ClawPay 1.1 and its verifiers disagree with.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace clawpay {

// Appends `"…"` as JSON.stringify would: quote, backslash and \b \f \n \r \t
// short escapes, other controls and lone surrogates as lowercase \u00xx /
// \udxxx, everything else (all other non-ASCII included) as is. `text` is
// WTF-8.
void appendJsJsonString(std::string& out, std::string_view text);

// Largest integer JS numbers hold exactly: 2^53 - 1.
inline constexpr int64_t kMaxSafeInteger = 9007199254740991LL;

using FlatJsonValue = std::variant<std::string, int64_t>;
using FlatJsonObject = std::vector<std::pair<std::string, FlatJsonValue>>;

// Reads an object whose values are strings or safe integers, written with no
// whitespace, as JSON.stringify writes it. Raw text must be UTF-8; lone
// surrogates may only be escaped. Strings come back as WTF-8. Keys
// stay in document order; a repeated key is an error. On failure returns
// nullopt and sets `error` to what was wrong and where.
std::optional<FlatJsonObject> parseFlatJsonObject(std::string_view text, std::string& error);

}  // namespace clawpay
