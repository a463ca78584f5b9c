// Hash functions of a state database: the trie's node hash (DESIGN §4).
//
// A database picks one at creation and records it; every root and every
// manifest names it. Thread-safe: hashing keeps per-thread state only.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace checkpoint {

enum class HashKind : uint8_t {
  kSha256 = 1,      // default; SHA-NI makes it about twice as fast as SHA-512/256 here
  kSha512_256 = 2,  // roots equal oasis-core MKVS roots for the same key/value set
};

using Hash = std::array<uint8_t, 32>;

// "sha256" / "sha512_256".
std::string HashKindName(HashKind kind);
std::optional<HashKind> ParseHashKind(std::string_view name);

// H("") for `kind`: the hash of an empty trie and of an absent child or slot.
Hash EmptyHash(HashKind kind);

// H(data) for `kind`.
Hash HashBytes(HashKind kind, std::string_view data);

// Lowercase hex; ParseHex accepts either case and rejects odd lengths.
std::string ToHex(std::string_view bytes);
std::string ToHex(const Hash& hash);
// At most `max_bytes` bytes as hex, then "…": for error lines naming paths or keys.
std::string ToHexAbbrev(std::string_view bytes, size_t max_bytes = 16);
std::optional<std::string> ParseHex(std::string_view hex);

}  // namespace checkpoint
