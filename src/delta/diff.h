// DiffTries: the changes between two heights of one store, in key order.
//
// Walks the two tries side by side, pre-order, and opens only the subtrees
// where they differ: two nodes at the same path with the same hash hold the
// same keys and values, so the walk skips them unread. Costs about
// (changed keys × depth) node reads on both tries together. Not thread-safe
// (the NodeReader is not).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "checkpoint/hash.h"
#include "checkpoint/status.h"
#include "state/node_reader.h"
#include "trie/node.h"

namespace checkpoint {

// One difference between two heights, in key order.
struct Change {
  std::string_view key;
  std::string_view value;  // a put's new value; empty for a delete
  bool is_delete = false;
};  // views valid during the callback

// A key range [lo, hi) (no hi: to the end).
struct DiffRange {
  std::string lo;
  bool has_hi = false;
  std::string hi;
};

struct DiffStats {
  uint64_t internal_reads = 0, leaf_reads = 0;
};

// Calls emit for every key whose presence or value differs between the trie rooted at `base`
// and the one at `target` (both read through `reader`, which reads every height of one store),
// in strictly increasing bytewise key order: a put (target's value) for a key new or changed in
// target, a delete for a key only in base. Subtrees whose hashes are equal at the same path are
// skipped without reading them, and a leaf's value is read only when it is emitted as a put: cost
// O(changes × depth) node reads. Iterative (deep tries: chains of prefix keys thousands deep must
// not recurse). Stops at the first non-OK status emit returns and returns it. With `range`, only
// the changes of keys inside it, opening only what reaches into it.
//
// `kind` is the stores' hash: a put's value is checked against its leaf hash (Corruption when it
// does not match), so what is emitted is what `target` commits to.
Status DiffTries(NodeReader* reader, HashKind kind, const NodeRef& base, const NodeRef& target,
                 const std::function<Status(const Change&)>& emit, DiffStats* stats = nullptr,
                 const DiffRange& range = {});

// The same, with the key space cut into ranges (at subtrees of `target`)
// diffed by `threads` workers, each through its own reader from new_reader;
// emit is called from the calling thread, in key order. Memory: each of the
// 2 × threads ranges in flight buffers about `buffer_bytes` of changes ahead
// of emit (plus a batch of up to 256 KiB being filled, and allocator
// overhead). Subtrees of fewer than `min_split_leaves` keys are not cut.
Status DiffTriesParallel(const std::function<std::unique_ptr<NodeReader>()>& new_reader,
                         HashKind kind, const NodeRef& base, const NodeRef& target,
                         unsigned threads, const std::function<Status(const Change&)>& emit,
                         size_t buffer_bytes = 4 << 20, uint64_t min_split_leaves = 4096);

}  // namespace checkpoint
