// Keys of the meta and stale columns (docs/STORAGE.md).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "util/coding.h"

namespace checkpoint {

constexpr uint32_t kSchemaVersion = 1;

inline const std::string kSchemaKey = "m/schema";
inline const std::string kHashKey = "m/hash";
inline const std::string kPrunedBelowKey = "m/pruned_below";
// Present while a multi-batch commit is in progress: u64be height ‖ u8 base_empty.
inline const std::string kJournalKey = "m/journal";
// Present while a restore is in progress: id[32] ‖ u64be height ‖ u64be chunks.
inline const std::string kRestoreKey = "m/restore";
// Present while a delta is being applied: id[32] ‖ u64be height ‖ u64be chunks.
inline const std::string kDeltaKey = "m/delta";

constexpr char kRootPrefix = '\x01';             // ‖ u64be height → encoded NodeRef
constexpr char kJournalPrefix = '\x02';          // ‖ u64be height ‖ u64be batch → record keys
constexpr char kRestoreProgressPrefix = '\x03';  // ‖ u64be chunk index → its boundary subtrees
constexpr char kDeltaStagePrefix = '\x04';       // ‖ u64be chunk index → verified delta chunk

inline std::string RootKey(uint64_t height) {
  std::string k(1, kRootPrefix);
  PutFixed64BE(&k, height);
  return k;
}

inline std::string JournalBlobKey(uint64_t height, uint64_t batch) {
  std::string k(1, kJournalPrefix);
  PutFixed64BE(&k, height);
  PutFixed64BE(&k, batch);
  return k;
}

// Stale index: u64be(height at which the node left the trie) ‖ record key.
inline std::string StaleKey(uint64_t stale_at, std::string_view record_key) {
  std::string k;
  PutFixed64BE(&k, stale_at);
  k.append(record_key);
  return k;
}

inline std::string HeightPrefix(uint64_t height) {
  std::string k;
  PutFixed64BE(&k, height);
  return k;
}

}  // namespace checkpoint
