// Incremental hashing over OpenSSL, kept out of public headers.
//
// A Hasher is single-use and not thread-safe; make one per message. The
// OpenSSL context is reused per thread, so a Hasher costs no allocation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "checkpoint/hash.h"

namespace checkpoint {

class Hasher {
 public:
  explicit Hasher(HashKind kind);
  Hasher(const Hasher&) = delete;
  Hasher& operator=(const Hasher&) = delete;

  void Update(const void* data, size_t size);
  void Update(std::string_view data) { Update(data.data(), data.size()); }
  void UpdateU16(uint16_t v);
  void UpdateU32(uint32_t v);
  // REQUIRES: called once, last.
  Hash Final();
};

}  // namespace checkpoint
