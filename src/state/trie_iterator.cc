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
    stack_.clear();
    status_ = Status::OK();
    if (root_.present()) stack_.push_back({root_, root_path_});
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

  // Moves to the next leaf in pre-order, >= *target when given.
  void Settle(const std::string_view* target) {
    valid_ = false;
    const uint32_t tbits = target ? static_cast<uint32_t>(target->size() * 8) : 0;
    while (!stack_.empty()) {
      Frame f = std::move(stack_.back());
      stack_.pop_back();
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
        current_ = std::move(f.ref);
        valid_ = true;
        return;
      }
      InternalNode node;
      status_ = reader_.ReadInternal(f.path, f.ref, &node);
      if (!status_.ok()) break;
      for (NodeRef* child : {&node.right, &node.left}) {
        if (!child->present()) continue;
        BitString path = ChildPath(f.path, *child);
        stack_.push_back({std::move(*child), std::move(path)});
      }
      if (node.slot.present()) stack_.push_back({std::move(node.slot), {}});
    }
    stack_.clear();
  }

  std::unique_ptr<NodeReader> owned_;
  NodeReader& reader_;
  NodeRef root_;
  BitString root_path_;
  std::vector<Frame> stack_;
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
