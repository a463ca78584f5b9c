// What the rest of the library (ops/: create, restore --force) needs of a
// StateDb beyond the public interface, so that only state/ knows StateDbImpl.
// Internal header: public headers stay free of snapshots and node stores.
#pragma once

#include <cstdint>
#include <memory>

#include "checkpoint/state_db.h"
#include "state/record_cache.h"
#include "store/node_store.h"
#include "trie/node.h"

namespace checkpoint {

// One height held still: its root and a snapshot that keeps its records.
struct PinnedHeight {
  std::shared_ptr<NodeStore> store;
  std::shared_ptr<const StoreSnapshot> snapshot;
  HashKind kind;
  uint64_t height;
  NodeRef root;
};

// Holds `height` of `db` still for as long as the result lives. NotFound as
// StateDb::View; InvalidArgument when `db` is not a StateDb this library made.
Result<PinnedHeight> PinHeight(StateDb* db, uint64_t height);
// The same, also holding `base` in the same snapshot (its root in *base_root).
Result<PinnedHeight> PinHeight(StateDb* db, uint64_t height, uint64_t base, NodeRef* base_root);

// StateDb::Commit(height, updates), reading the latest height's nodes from
// `cache` (sealed) where it holds them.
// InvalidArgument when `db` is not a StateDb this library made.
Status CommitThroughCache(StateDb* db, uint64_t height, UpdateSource* updates,
                          const RecordCache* cache);

// A StateDb on `store`, which it shares (StateDb::OpenOnStore does not own
// its store): for callers that opened the store themselves.
Result<std::unique_ptr<StateDb>> OpenOnSharedStore(std::shared_ptr<NodeStore> store,
                                                   const StateDbOptions& options);

}  // namespace checkpoint
