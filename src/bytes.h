// Byte containers shared by every unit of the core.
#pragma once

#include <array>
#include <string_view>
#include <cstdint>
#include <span>
#include <vector>

namespace clawpay {

using Bytes = std::vector<uint8_t>;
using ByteView = std::span<const uint8_t>;
using Hash32 = std::array<uint8_t, 32>;
using Address = std::array<uint8_t, 20>;

inline ByteView asBytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace clawpay
