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
#include <memory>
#include <vector>

#include "trie/node.h"

namespace checkpoint {

struct BuildItem {
  BitString path;  // a leaf's key, or an existing internal node's path
  NodeRef ref;
  // A stub: a subtree (kInternal, path = its region: parent path ‖ branch
  // bit) or a slot leaf (kLeaf, path = its key) known only by its hash, whose
  // records live elsewhere. Nodes above it are incomplete: hashed, but never
  // written. A stub hangs only where its path names: a subtree stub directly
  // below the node of depth |region| − 1, a slot-leaf stub in the slot of the
  // node whose path is its key — never elsewhere, never as the root.
  bool opaque = false;
};

// Where the builder puts what it makes.
class BuilderEnv {
 public:
  virtual ~BuilderEnv() = default;
  // A new internal node at `path`, written at the builder's height. Only
  // complete nodes (no opaque item below) are written. `first_item` is the
  // index (0-based, in Add order) of the first item below it: its record
  // sorts right before that item's, after those of shallower nodes.
  virtual Status WriteInternal(const BitString& path, const InternalNode& node,
                               uint64_t first_item) = 0;
  // A complete subtree (or leaf) whose parent is incomplete, or the root
  // when everything is complete: where the complete part of the trie ends.
  virtual Status OnBoundary(const BitString& path, const NodeRef& ref) {
    (void)path;
    (void)ref;
    return Status::OK();
  }
  // Every entry as it is placed: below the node of depth `parent_depth`, or
  // as the root (`root`). `built`: a node the builder made; `complete`: no
  // opaque item below it. Delta chunks check their proof's shape here.
  struct Placement {
    const BitString& path;
    const NodeRef& ref;
    uint32_t parent_depth;
    bool root, built, complete, opaque, in_slot;
  };
  virtual Status OnPlaced(const Placement& placed) {
    (void)placed;
    return Status::OK();
  }
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
  // Entries attached to an open node, with their paths and completeness.
  struct Entry {
    BitString path;
    bool complete = true;
  };
  struct Open {
    uint32_t depth;  // its path is the first `depth` bits of last_path_
    InternalNode node;
    Entry slot, left, right;
    bool complete = true;
    uint64_t first_item = 0;  // set by the first (smallest) attachment
    bool has_first = false;
  };
  struct Pending {
    BitString path;
    bool built = false;  // true: `open` is a finished new node; false: `ref` is an item
    NodeRef ref;
    std::unique_ptr<Open> open = std::make_unique<Open>();
    bool complete = true;
    bool stub = false;  // an opaque item
    uint64_t first_item = 0;
  };

  void SetPending(BuildItem item);
  Result<NodeRef> Seal(Pending* p, uint32_t parent_depth);
  Status AttachTo(Open* parent);
  Status ReportBoundaries(const Open& node);
  Status CloseTop();  // attaches pending_ to the top open node, which becomes pending_

  HashKind kind_;
  uint64_t height_;
  BuilderEnv* env_;
  Open& Top() { return *stack_[open_ - 1]; }
  void PushOpen(uint32_t depth);  // an Open as new, on top

  // [0, open_) are open; those above wait for reuse. Closing the top swaps
  // pointers with pending_: an Open is ~600 bytes and six strings.
  std::vector<std::unique_ptr<Open>> stack_;
  size_t open_ = 0;
  Pending pending_;
  BitString last_path_;  // the last item's path
  bool has_pending_ = false;
  uint64_t items_ = 0;
};

}  // namespace checkpoint
