// Incremental hashing over OpenSSL's SHA-2 block functions, kept out of
// public headers.
//
// A Hasher is single-use; make one per message. It holds its own state (no
// allocation, no thread-local context): the EVP interface's dispatch cost a
// quarter of a ~150-byte node message's hashing, and the trie hashes one or
// two per node on the hottest paths of commit, create, verify and restore.
#pragma once

#include <openssl/sha.h>

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

 private:
  HashKind kind_;
  union {
    SHA256_CTX sha256_;
    SHA512_CTX sha512_;  // SHA-512/256: SHA-512 with its own IV, cut to 32 bytes
  };
};

}  // namespace checkpoint
