// DiffTries: a merge of the two tries' pre-order walks.
//
// Each side keeps a stack of pending subtrees (leaves and unopened internal
// nodes), as TrieIterator does. Popping from the top gives a side's keys in
// increasing order, and every key of a pending item is >= its start: a
// leaf's key, or an internal node's path (a subtree's keys all extend its
// path; a slot leaf's key is the path itself, so it comes first).
//
// Each step looks at the two tops and takes the one with the smaller start
// (CompareBits: a proper prefix first). Everything already settled sorts
// before everything still pending on either side, so:
//  - a leaf with the smaller start is absent from the other trie: a delete
//    (base) or a put (target);
//  - an internal node with the smaller start is opened: its region either
//    contains the other top or lies wholly before it;
//  - equal starts: two leaves are one key (a put when the hashes differ);
//    two internal nodes at one path are skipped when the hashes are equal,
//    else both are opened; a leaf and an internal node: the node is opened
//    (its slot, if any, is that key).
// Both tries are canonical, so a subtree present unchanged in both sits at
// the same path in both, and both walks reach it with every other start
// before it already settled: it is compared with itself and skipped. What is
// opened lies on a changed key's path (or is a child of such a node, when
// its label changed), hence O(changes × depth) reads.
#include "delta/diff.h"

#include <string>
#include <vector>

#include "chunk/format.h"

namespace checkpoint {
namespace {

struct Item {
  NodeRef ref;
  BitString path;  // an internal node's full path (a leaf: empty, see ref.bits)

  const BitString& start() const { return ref.kind == NodeKind::kLeaf ? ref.bits : path; }
  bool leaf() const { return ref.kind == NodeKind::kLeaf; }
};

using Stack = std::vector<Item>;

class DiffJob {
 public:
  DiffJob(NodeReader* reader, HashKind kind, const DiffRange& range,
          const std::function<Status(const Change&)>& emit, DiffStats* stats)
      : reader_(*reader), kind_(kind), range_(range), emit_(emit), stats_(stats) {}

  Status Run(const NodeRef& base, const NodeRef& target) {
    Push(&base_, base);
    Push(&target_, target);
    while (!base_.empty() || !target_.empty()) {
      int c;
      if (base_.empty()) {
        c = 1;
      } else if (target_.empty()) {
        c = -1;
      } else {
        const BitString& a = base_.back().start();
        const BitString& b = target_.back().start();
        c = CompareBits(a.bytes, a.bits, b.bytes, b.bits);
      }
      if (c < 0) {
        CHECKPOINT_RETURN_IF_ERROR(base_.back().leaf() ? Delete() : Open(&base_));
      } else if (c > 0) {
        CHECKPOINT_RETURN_IF_ERROR(target_.back().leaf() ? Put() : Open(&target_));
      } else {
        CHECKPOINT_RETURN_IF_ERROR(Same());
      }
    }
    return Status::OK();
  }

 private:
  void Push(Stack* stack, const NodeRef& root) {
    if (!root.present()) return;
    BitString path;
    if (root.kind == NodeKind::kInternal) path = root.bits;  // the root's label starts at bit 0
    Keep(stack, {root, std::move(path)});
  }

  // Pushes `item` unless it lies wholly outside the range: the walk of a
  // range opens only what reaches into it, on both sides alike.
  void Keep(Stack* stack, Item item) {
    if (item.leaf()) {
      const std::string_view key = item.ref.leaf_key();
      if (key < range_.lo || (range_.has_hi && key >= range_.hi)) return;
    } else if (!range_.lo.empty() || range_.has_hi) {
      bool unbounded = false;
      const std::string end = RegionEnd(item.path, &unbounded);
      if ((!unbounded && end <= range_.lo) ||
          (range_.has_hi && RegionStart(item.path) >= range_.hi)) {
        return;
      }
    }
    stack->push_back(std::move(item));
  }

  // The two tops start at the same bit string.
  Status Same() {
    Item& a = base_.back();
    Item& b = target_.back();
    if (a.ref.kind != b.ref.kind) return Open(a.leaf() ? &target_ : &base_);
    if (a.ref.hash == b.ref.hash) {  // the same key and value, or the same subtree
      base_.pop_back();
      target_.pop_back();
      return Status::OK();
    }
    if (a.leaf()) {
      base_.pop_back();
      return Put();  // a changed value
    }
    CHECKPOINT_RETURN_IF_ERROR(Open(&base_));
    return Open(&target_);
  }

  // Replaces the internal node on top of `stack` by its entries, in pre-order.
  Status Open(Stack* stack) {
    Item item = std::move(stack->back());
    stack->pop_back();
    InternalNode node;
    if (stats_) ++stats_->internal_reads;
    CHECKPOINT_RETURN_IF_ERROR(reader_.ReadInternal(item.path, item.ref, &node));
    for (NodeRef* child : {&node.right, &node.left}) {
      if (!child->present()) continue;
      BitString path = ChildPath(item.path, *child);
      Keep(stack, {std::move(*child), std::move(path)});
    }
    if (node.slot.present()) Keep(stack, {std::move(node.slot), {}});
    return Status::OK();
  }

  // Emits the leaf on top of base_ as a delete.
  Status Delete() {
    const Item item = std::move(base_.back());
    base_.pop_back();
    return emit_(Change{item.ref.leaf_key(), {}, /*is_delete=*/true});
  }

  // Emits the leaf on top of target_ as a put of its value.
  Status Put() {
    const Item item = std::move(target_.back());
    target_.pop_back();
    const std::string_view key = item.ref.leaf_key();
    std::string_view value;
    if (stats_) ++stats_->leaf_reads;
    CHECKPOINT_RETURN_IF_ERROR(reader_.ReadLeafValue(key, item.ref.height, &value));
    if (LeafHash(kind_, key, value) != item.ref.hash) {
      return Status::Corruption("leaf " + ToHexAbbrev(key) + " height " +
                                std::to_string(item.ref.height) +
                                ": value does not match its hash");
    }
    return emit_(Change{key, value, /*is_delete=*/false});
  }

  NodeReader& reader_;
  HashKind kind_;
  const DiffRange& range_;
  const std::function<Status(const Change&)>& emit_;
  DiffStats* stats_;
  Stack base_, target_;
};

}  // namespace

Status DiffTries(NodeReader* reader, HashKind kind, const NodeRef& base, const NodeRef& target,
                 const std::function<Status(const Change&)>& emit, DiffStats* stats,
                 const DiffRange& range) {
  DiffJob job(reader, kind, range, emit, stats);
  return job.Run(base, target);
}

}  // namespace checkpoint
