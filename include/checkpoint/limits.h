// Limits on keys and values (DESIGN §4).
#pragma once

#include <cstdint>

namespace checkpoint {

// Key bit lengths must fit the node hash's u16 label length: 8191 * 8 < 65536.
constexpr uint32_t kMaxKeyBytes = 8191;
constexpr uint64_t kMaxValueBytes = 64ull << 20;

}  // namespace checkpoint
