// Incremental hashing over OpenSSL, kept out of public headers.
//
// A Hasher is single-use and not thread-safe; make one per message.
//
// All Hashers of a thread share one OpenSSL context, so a Hasher costs no
// allocation (a context per Hasher would cost one or two per trie node, on
// the hottest path of commit, create and verify). Hence the rule: REQUIRES: at
// most one Hasher per thread is open (constructed, neither finished nor
// destroyed) at a time; do not start another hash (HashBytes, a first
// EmptyHash) before Final(). Debug builds abort on a breach.
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
  ~Hasher();

 private:
  bool open_ = true;  // this Hasher holds the thread's context
};

}  // namespace checkpoint
