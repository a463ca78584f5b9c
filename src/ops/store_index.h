// STORE/index.json (docs/FORMAT.md §6): the store's complete checkpoints,
// for clients discovering what a mirror serves. A hint, never trusted:
// whatever a client picks from it is checked against its anchors.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/source.h"
#include "checkpoint/store.h"
#include "sign/minisign.h"

namespace checkpoint {

// The largest index.json a client reads (~280 bytes an entry: 30,000
// checkpoints), and the deepest nesting (the format needs 3).
inline constexpr uint64_t kMaxIndexBytes = 8ull << 20;
inline constexpr int kMaxIndexDepth = 8;

// The canonical bytes of the index of `listing`.
std::string EncodeStoreIndex(const StoreListing& listing);
// Lists `store` and replaces STORE/index.json with its index, atomically,
// when that changes it; a signature of the old bytes (index.json.minisig) is
// removed first. With `key`, signs the index (again: a fresh time).
// REQUIRES: `lock` guards `store` (every command that changes a store calls
// this before releasing the lock).
Status WriteStoreIndex(const std::string& store, const StoreLock& lock,
                       const SecretKey* key = nullptr);
// Reads an index a mirror served: any JSON object of the documented shape
// (unknown fields ignored); Corruption for anything else.
Result<std::vector<IndexEntry>> ParseStoreIndex(std::string_view bytes);

}  // namespace checkpoint
