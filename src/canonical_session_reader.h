// A one-pass reader for the canonical session JSON: it accepts only text that
// canonicalSessionJson writes byte for byte (fixed key order, JSON.stringify's
// escapes and integer spelling) and decodes it straight into the payload. The
// verify path uses it instead of parsing generally and rebuilding the text to
// compare; anything it refuses goes to that slower path, which names the fault.
#pragma once

#include <string_view>

#include "session_token.h"

namespace clawpay {

// True when `text` is exactly canonicalSessionJson(payload) for the payload it
// fills in; false (payload unspecified) otherwise. Does not check the scope
// word or the version: those are rules on the payload, not its spelling.
bool readCanonicalSessionJson(std::string_view text, SessionTokenPayload& payload);

}  // namespace clawpay
