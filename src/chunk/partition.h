// The canonical partition of one height's trie into chunks (DESIGN §6).
//
// Top-down over subtree statistics: a subtree whose leaves, proof and
// largest possible header fit in chunk_size is a unit; a node that does not
// fit is split into its slot leaf and its children (a single leaf is always
// a unit). Units are then packed greedily in key order, each chunk taking the
// next unit while its exact encoded size stays within chunk_size. Only the
// split nodes are read — the top of the trie — and the result depends only on
// the key/value set, chunk_size and the format version.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "state/node_reader.h"
#include "trie/node.h"

namespace checkpoint {

enum class UnitPart : uint8_t { kRoot, kSlot, kLeft, kRight };

// A node that did not fit and was split; units hang below it.
struct SpineNode {
  BitString path;
  InternalNode node;
  int parent;     // index in Partition::spine, -1 for the root
  UnitPart part;  // how the parent reaches this node
};

struct Unit {
  NodeRef ref;       // a leaf, or an internal node whose whole subtree is in the unit
  BitString path;    // an internal unit's full path (a leaf's key is in ref)
  BitString region;  // the position: parent path ‖ branch bit; a slot leaf: its key
  int parent;        // spine index, -1 for a root unit
  UnitPart part;
  uint64_t leaf_bytes;   // encoded size of its leaves
  uint64_t left_proof;   // encoded size of the stubs left of it (slot leaves, left subtrees)
  uint64_t right_proof;  // encoded size of the stubs right of it
};

struct ChunkPlan {
  size_t first_unit, last_unit;  // inclusive
  std::string lo;                // interval start
  bool has_hi;
  std::string hi;      // interval end (exclusive) when has_hi
  uint64_t raw_bytes;  // exact canonical encoding size
  uint64_t leaves;
};

struct Partition {
  std::vector<SpineNode> spine;
  std::vector<Unit> units;
  std::vector<ChunkPlan> chunks;
};

// REQUIRES: chunk_size >= 1024. `reader` reads the height's records.
Status ComputePartition(NodeReader* reader, const NodeRef& root, uint64_t chunk_size,
                        Partition* out);

}  // namespace checkpoint
