// Trie nodes: references, internal-node records, and their hashes.
//
// The trie is the oasis-core MKVS binary Patricia trie (DESIGN §4). A node is
// named by its bit path and the height that wrote it; a parent names each
// child completely (kind, height, hash, and the label or leaf key that gives
// its record key), so readers never guess. Plain values, no thread-safety
// concerns.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "checkpoint/hash.h"
#include "checkpoint/status.h"
#include "util/bits.h"

namespace checkpoint {

enum class NodeKind : uint8_t { kNone = 0, kLeaf = 1, kInternal = 2 };

struct SubtreeStats {
  uint64_t leaves = 0;
  uint64_t key_bytes = 0;
  uint64_t value_bytes = 0;

  void Add(const SubtreeStats& o) {
    leaves += o.leaves;
    key_bytes += o.key_bytes;
    value_bytes += o.value_bytes;
  }
  bool operator==(const SubtreeStats& o) const = default;
};

// How a parent (or a root record) names a node.
struct NodeRef {
  NodeKind kind = NodeKind::kNone;
  uint64_t height = 0;  // the height that wrote the node's record
  Hash hash{};
  // kLeaf: the full key (bits = 8 * size). kInternal: the node's label, from
  // its parent's branch bit (the root: from bit 0) to the end of its path.
  BitString bits;
  SubtreeStats stats;  // kLeaf: {1, key size, value size}

  bool present() const { return kind != NodeKind::kNone; }
  std::string_view leaf_key() const { return bits.bytes; }
};

// An internal node record. Its path lives in the record key.
struct InternalNode {
  uint16_t label_bits = 0;
  NodeRef slot;  // kNone or kLeaf; a slot leaf's key is the node's path
  NodeRef left;
  NodeRef right;

  SubtreeStats Stats() const;
  int EntryCount() const { return slot.present() + left.present() + right.present(); }
};

// The full path of `child` below a node at `parent_path`: an internal
// child's is the parent's path and its label; a leaf needs none (empty).
BitString ChildPath(const BitString& parent_path, const NodeRef& child);
// The same into *out, reusing its bytes (a walk's spare frames).
void SetChildPath(BitString* out, const BitString& parent_path, const NodeRef& child);

Hash LeafHash(HashKind kind, std::string_view key, std::string_view value);
// `label` is the node's label (bits [parent depth, path end) of its path).
Hash InternalHash(HashKind kind, const BitString& label, const Hash& slot, const Hash& left,
                  const Hash& right);
Hash InternalHash(HashKind kind, const BitString& label, const InternalNode& node);

NodeRef MakeLeafRef(HashKind kind, std::string_view key, std::string_view value, uint64_t height);

// Record value of an internal node; see docs/STORAGE.md.
std::string EncodeInternalNode(const InternalNode& node);
void AppendInternalNode(std::string* dst, const InternalNode& node);
// Checks everything that can be checked without reading other records: sizes,
// child keys and labels under `path`, at least two entries.
Status DecodeInternalNode(std::string_view in, const BitString& path, InternalNode* out);

// A NodeRef alone, as stored in a root record.
void EncodeNodeRef(std::string* dst, const NodeRef& ref);
Status DecodeNodeRef(std::string_view in, NodeRef* out);

}  // namespace checkpoint
