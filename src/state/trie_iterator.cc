#include "state/trie_iterator.h"

#include <vector>

namespace checkpoint {
namespace {

// Pre-order walk with an explicit stack: deep tries cost heap, not C++ stack.
class TrieIterator : public StateIterator {
 public:
  // Walks the subtree of `root`, whose full path is `root_path`, reading
  // through `reader` (owned when `owned` is set).
  TrieIterator(NodeReader* reader, std::unique_ptr<NodeReader> owned, const NodeRef& root,
               BitString root_path)
      : owned_(std::move(owned)), reader_(*reader), root_(root), root_path_(std::move(root_path)) {}

  void SeekToFirst() override { Seek({}); }
  void Seek(std::string_view target) override {
    depth_ = 0;
    status_ = Status::OK();
    if (root_.present()) {
      Frame& f = Push();
      f.ref = root_;
      f.path = root_path_;
    }
    Settle(&target);
  }
  bool Valid() const override { return valid_; }
  void Next() override { Settle(nullptr); }
  std::string_view key() const override { return current_.leaf_key(); }
  std::string_view value() const override { return value_; }
  Status status() const override { return status_; }

 private:
  struct Frame {
    NodeRef ref;
    BitString path;  // an internal node's full path (a leaf: empty, see ref.bits)
  };

  // Frames above depth_ are spares whose strings keep their capacity; with
  // node_, a walk stops allocating once its deepest path has been seen.
  Frame& Push() {
    if (depth_ == frames_.size()) frames_.emplace_back();
    return frames_[depth_++];
  }

  // Moves to the next leaf in pre-order, >= *target when given.
  void Settle(const std::string_view* target) {
    valid_ = false;
    const uint32_t tbits = target ? static_cast<uint32_t>(target->size() * 8) : 0;
    while (depth_ > 0) {
      // Visited in place: the popped slot is a spare from here on, and the
      // first child pushed reuses it, so the path is swapped out first.
      Frame& f = frames_[--depth_];
      if (target) {
        // Skip what lies wholly before the target: a subtree's keys all
        // start with its path.
        const BitString& p = f.ref.kind == NodeKind::kLeaf ? f.ref.bits : f.path;
        int c = CompareBits(p.bytes, p.bits, *target, tbits);
        if (c < 0 &&
            (f.ref.kind == NodeKind::kLeaf || !HasBitPrefix(*target, tbits, p.bytes, p.bits))) {
          continue;
        }
      }
      if (f.ref.kind == NodeKind::kLeaf) {
        status_ = reader_.ReadLeaf(f.ref, &value_);
        if (!status_.ok()) break;
        std::swap(current_, f.ref);
        valid_ = true;
        return;
      }
      status_ = reader_.ReadInternal(f.path, f.ref, &node_);
      if (!status_.ok()) break;
      std::swap(path_, f.path);
      // Pushed in reverse so they pop in key order: slot, left, right. Each
      // child is swapped out of node_, which the next decode fills again.
      for (NodeRef* child : {&node_.right, &node_.left, &node_.slot}) {
        if (!child->present()) continue;
        Frame& c = Push();
        std::swap(c.ref, *child);
        SetChildPath(&c.path, path_, c.ref);
      }
    }
    depth_ = 0;
  }

  std::unique_ptr<NodeReader> owned_;
  NodeReader& reader_;
  NodeRef root_;
  BitString root_path_;
  std::vector<Frame> frames_;  // [0, depth_): the stack of nodes to visit
  size_t depth_ = 0;
  BitString path_;     // the full path of the internal node being visited
  InternalNode node_;  // its record
  bool valid_ = false;
  NodeRef current_;         // the leaf at the cursor
  std::string_view value_;  // into the reader: valid until it reads again
  Status status_;
};

}  // namespace

std::unique_ptr<StateIterator> NewTrieIterator(std::shared_ptr<NodeStore> store,
                                               std::shared_ptr<const StoreSnapshot> snapshot,
                                               const NodeRef& root, NodeReader::Mode mode) {
  auto reader = std::make_unique<NodeReader>(std::move(store), std::move(snapshot), mode);
  NodeReader* raw = reader.get();
  return std::make_unique<TrieIterator>(raw, std::move(reader), root,
                                        root.kind == NodeKind::kInternal ? root.bits : BitString{});
}

std::unique_ptr<StateIterator> NewSubtreeIterator(NodeReader* reader, const NodeRef& root,
                                                  const BitString& root_path) {
  return std::make_unique<TrieIterator>(reader, nullptr, root, root_path);
}

}  // namespace checkpoint
