// Cutting the changes from F to H into delta chunks (docs/FORMAT.md §9).
//
// The partition is canonical: changes are taken in key order, and a chunk
// takes the next change while its exact encoded size — proof included —
// stays within chunk_size (a chunk holds at least one change). Between
// changes a and b the boundary is Boundary(a, b), so the result depends only
// on the two states and chunk_size, never on threads or history. An empty
// delta (F = H) is one chunk with no change. Memory: one chunk's changes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "delta/delta_chunk.h"

namespace checkpoint {

// Receives each chunk in order: its canonical bytes, interval and change count.
using DeltaChunkSink =
    std::function<Status(std::string canonical, const KeyInterval& iv, uint64_t changes)>;

class DeltaChunker {
 public:
  // `reader` reads H's trie, rooted at `target`.
  DeltaChunker(NodeReader* reader, const NodeRef& target, uint64_t chunk_size, DeltaChunkSink sink)
      : reader_(reader), target_(target), chunk_size_(chunk_size), sink_(std::move(sink)) {}

  // REQUIRES: keys strictly increasing across calls.
  Status Add(std::string_view key, std::string_view value, bool is_delete);
  Status Finish();

 private:
  // Takes `c` into the current chunk if the chunk, ending at `hi`, still fits.
  Status Place(DeltaChange c, const KeyInterval& with_c);
  Status Close(const KeyInterval& iv);

  NodeReader* reader_;
  NodeRef target_;
  uint64_t chunk_size_;
  DeltaChunkSink sink_;
  bool has_pending_ = false;
  DeltaChange pending_;                 // the last change, whose successor decides its boundary
  std::string lo_;                      // the current chunk's start
  std::vector<DeltaChange> cur_;        // its changes
  uint64_t cur_bytes_ = 0;              // their encoded size
  KeyInterval cur_iv_;                  // its interval if it ended after its last change
  std::optional<uint64_t> left_bytes_;  // the current chunk's proof left of lo_
  std::vector<ProofItem> proof_;        // scratch
  NodeCache cache_;                     // H's nodes near the last boundaries
};

}  // namespace checkpoint
