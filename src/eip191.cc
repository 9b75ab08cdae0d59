#include "eip191.h"

#include <charconv>
#include <string_view>

#include "keccak.h"

namespace clawpay {

Hash32 hashPersonalMessage(ByteView message) noexcept {
  // Split literal: "\x19E…" would read as the single escape \x19E.
  static constexpr std::string_view kPrefix = "\x19" "Ethereum Signed Message:\n";
  // The length is the message's byte count in decimal ASCII, as viem's
  // hashMessage writes it (20 digits hold any size_t).
  char length[20];
  char* lengthEnd = std::to_chars(length, length + sizeof(length), message.size()).ptr;

  // Fed piecewise so the message is never copied into a prefixed buffer.
  Keccak256 hasher;
  hasher.update(asBytes(kPrefix));
  hasher.update(reinterpret_cast<const uint8_t*>(length), static_cast<size_t>(lengthEnd - length));
  hasher.update(message);
  return hasher.finish();
}

}  // namespace clawpay
