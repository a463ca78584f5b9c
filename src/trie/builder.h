// TrieBuilder: builds the canonical trie from items given in key order.
//
// An item is a leaf or an existing subtree that stays as it is (an internal
// node no update reaches). Because the trie's shape depends only on its key
// set, one left-to-right pass with a stack of open nodes yields it: the nodes
// sit exactly at the common-prefix lengths of neighbouring items. The pass is
// iterative, so a chain of thousands of prefix keys is no deeper for the C++
// stack than one key. Lifecycle: Add* → Finish(). Not thread-safe.
#pragma once

#include <cstdint>
#include <vector>

#include "trie/node.h"

namespace checkpoint {

struct BuildItem {
  BitString path;  // a leaf's key, or an existing internal node's path
  NodeRef ref;
};

// Where the builder puts what it makes.
class BuilderEnv {
 public:
  virtual ~BuilderEnv() = default;
  // A new internal node at `path`, written at the builder's height.
  virtual Status WriteInternal(const BitString& path, const InternalNode& node) = 0;
  // An existing internal node that keeps its children but hangs from a new
  // depth, so its label (and hash) change: returns the rewritten node's ref.
  virtual Result<NodeRef> Relabel(const BitString& path, const NodeRef& old,
                                  const BitString& new_label) = 0;
};

class TrieBuilder {
 public:
  TrieBuilder(HashKind kind, uint64_t height, BuilderEnv* env)
      : kind_(kind), height_(height), env_(env) {}

  // REQUIRES: item.path sorts after the previous item's and is not inside a
  // previous subtree item.
  Status Add(BuildItem item);
  // Returns the root (kind kNone for an empty trie).
  Result<NodeRef> Finish();

 private:
  struct Open {
    uint32_t depth;
    BitString path;
    InternalNode node;
  };
  struct Pending {
    BitString path;
    bool built = false;  // true: `node` is a finished new node; false: `ref` is an item
    NodeRef ref;
    InternalNode node;
  };

  Result<NodeRef> Seal(Pending* p, uint32_t parent_depth);
  Status AttachTo(Open* parent);

  HashKind kind_;
  uint64_t height_;
  BuilderEnv* env_;
  std::vector<Open> stack_;
  Pending pending_;
  bool has_pending_ = false;
};

}  // namespace checkpoint
