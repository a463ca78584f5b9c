// Delta chunks (docs/FORMAT.md §9): the changes from a base height F to a
// height H in one key interval, with H's proof around the interval.
//
// delta chunk = header (as a full chunk's) ‖ items in key order:
//   H's proof left of the interval ‖ the changes inside it ‖ H's proof right of it
// The proof is the canonical one for the interval at H's root: every node
// whose edge region (its parent's path ‖ branch bit; everything for the root)
// reaches into the interval and whose region does not lie wholly inside it is
// opened; below it, a child wholly outside is a stub (0x02 at its edge
// region), a slot leaf outside a slot-leaf stub (0x03), and a leaf outside
// whose edge region reaches in is given whole (0x01: only its value binds
// its key). Nothing inside the interval is in the proof: a node holding F
// rebuilds it from its own trie and the changes, reusing the hash of every
// subtree no change reaches, so checking costs O((changes + 2) × depth).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "chunk/format.h"
#include "state/node_reader.h"
#include "trie/node.h"

namespace checkpoint {

struct KeyInterval {
  std::string lo;
  bool has_hi = false;
  std::string hi;

  bool Contains(std::string_view key) const { return key >= lo && (!has_hi || key < hi); }
  // Some key starting with the bits `region` lies inside.
  bool Overlaps(const BitString& region) const;
  // Every key starting with `region` lies inside.
  bool Covers(const BitString& region) const;
};

// One item of H's proof for an interval.
struct ProofItem {
  ChunkItem tag;  // kStub, kLeafStub or kLeaf
  BitString path;
  Hash hash{};
  std::string key, value;  // kLeaf
};

// Internal nodes already read, for proofs of neighbouring intervals: each
// goes back to the root, and consecutive ones share most of their path.
// Bounded: emptied when it reaches `capacity` nodes.
class NodeCache {
 public:
  explicit NodeCache(size_t capacity = 1 << 16) : capacity_(capacity) {}
  // *out stays valid until the next call.
  Status Get(NodeReader* reader, const BitString& path, const NodeRef& ref,
             const InternalNode** out);

 private:
  size_t capacity_;
  std::unordered_map<std::string, InternalNode> nodes_;
  std::string key_;
};

// H's canonical proof for `iv`, in key order, read through `reader` (and
// `cache`, when given) from the trie rooted at `root`.
Status DeltaProof(NodeReader* reader, const NodeRef& root, const KeyInterval& iv,
                  std::vector<ProofItem>* out, NodeCache* cache = nullptr);

struct DeltaChange {
  std::string key, value;
  bool is_delete = false;
};

// The encoded size of proof items in sequence, each delta-coded against the
// one before (`prev`: the path before the first; updated to the last).
uint64_t ProofItemsBytes(const std::vector<ProofItem>& items, BitString* prev);
// The encoded bytes of a delta chunk.
void EncodeDeltaChunk(const KeyInterval& iv, const std::vector<ProofItem>& proof,
                      const std::vector<DeltaChange>& changes, std::string* out);

struct DeltaChunkInfo {
  KeyInterval interval;
  uint64_t changes = 0;
  uint64_t puts = 0;
  uint64_t deletes = 0;
};

using ChangeFn = std::function<void(std::string_view key, std::string_view value, bool is_delete)>;

// Checks a delta chunk's canonical encoding against `target` (H's root),
// given the base trie (rooted at `base`, read through `base_reader`): accepted
// only if its changes are exactly the differences between the base and H in
// its interval. Corruption: it does not decode. InvalidArgument: it proves
// nothing (the message says why). `on_change` sees each change in key order
// before the final root check: discard what it saw unless the result is OK.
Status VerifyDeltaChunk(std::string_view canonical, HashKind kind, const Hash& target,
                        NodeReader* base_reader, const NodeRef& base, DeltaChunkInfo* info,
                        const ChangeFn& on_change = {});

}  // namespace checkpoint
