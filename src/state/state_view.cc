// StateView and its iterator: reads of one height through a snapshot.
#include <vector>

#include "state/node_reader.h"
#include "state/state_db_impl.h"

namespace checkpoint {
namespace {

BitString ChildPath(const BitString& parent_path, const NodeRef& child) {
  if (child.kind == NodeKind::kLeaf) return child.bits;
  BitString p = parent_path;
  AppendBits(&p, child.bits);
  return p;
}

// Pre-order walk with an explicit stack: deep tries cost heap, not C++ stack.
class TrieIterator : public StateIterator {
 public:
  TrieIterator(std::shared_ptr<NodeStore> store, std::shared_ptr<const StoreSnapshot> snapshot,
               const NodeRef& root)
      : reader_(std::move(store), std::move(snapshot), NodeReader::Mode::kScan), root_(root) {}

  void SeekToFirst() override { Seek({}); }
  void Seek(std::string_view target) override {
    stack_.clear();
    status_ = Status::OK();
    if (root_.present()) stack_.push_back({root_, ChildPath({}, root_)});
    Settle(&target);
  }
  bool Valid() const override { return valid_; }
  void Next() override { Settle(nullptr); }
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return value_; }
  Status status() const override { return status_; }

 private:
  struct Frame {
    NodeRef ref;
    BitString path;  // the node's full path (a leaf: its key)
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
        int c = CompareBits(f.path.bytes, f.path.bits, *target, tbits);
        if (c < 0 && (f.ref.kind == NodeKind::kLeaf ||
                      !HasBitPrefix(*target, tbits, f.path.bytes, f.path.bits))) {
          continue;
        }
      }
      if (f.ref.kind == NodeKind::kLeaf) {
        status_ = reader_.ReadLeafValue(f.ref.leaf_key(), f.ref.height, &value_);
        if (!status_.ok()) break;
        key_ = f.ref.leaf_key();
        valid_ = true;
        return;
      }
      InternalNode node;
      status_ = reader_.ReadInternal(f.path, f.ref.height, &node);
      if (!status_.ok()) break;
      if (node.right.present()) stack_.push_back({node.right, ChildPath(f.path, node.right)});
      if (node.left.present()) stack_.push_back({node.left, ChildPath(f.path, node.left)});
      if (node.slot.present()) stack_.push_back({node.slot, node.slot.bits});
    }
    stack_.clear();
  }

  NodeReader reader_;
  NodeRef root_;
  std::vector<Frame> stack_;
  bool valid_ = false;
  std::string key_;
  std::string value_;
  Status status_;
};

class StateViewImpl : public StateView {
 public:
  StateViewImpl(std::shared_ptr<NodeStore> store, std::shared_ptr<const StoreSnapshot> snapshot,
                HashKind kind,
                uint64_t height, const NodeRef& root)
      : store_(std::move(store)),
        snapshot_(std::move(snapshot)),
        height_(height),
        root_ref_(root),
        root_(root.present() ? root.hash : EmptyHash(kind)),
        reader_(store_, snapshot_, NodeReader::Mode::kPointLookup) {}

  uint64_t height() const override { return height_; }
  const Hash& root() const override { return root_; }

  Status Get(std::string_view key, std::string* value) override {
    const uint32_t kbits = static_cast<uint32_t>(key.size() * 8);
    NodeRef ref = root_ref_;
    BitString path;
    for (;;) {
      if (!ref.present()) return Status::NotFound("key not found");
      if (ref.kind == NodeKind::kLeaf) {
        if (ref.leaf_key() != key) return Status::NotFound("key not found");
        return reader_.ReadLeafValue(key, ref.height, value);
      }
      AppendBits(&path, ref.bits);
      if (!HasBitPrefix(key, kbits, path.bytes, path.bits)) {
        return Status::NotFound("key not found");
      }
      InternalNode node;
      CHECKPOINT_RETURN_IF_ERROR(reader_.ReadInternal(path, ref.height, &node));
      if (kbits == path.bits) {
        ref = std::move(node.slot);
      } else {
        ref = BitAt(key, path.bits) ? std::move(node.right) : std::move(node.left);
      }
    }
  }

  std::unique_ptr<StateIterator> NewIterator() override {
    return std::make_unique<TrieIterator>(store_, snapshot_, root_ref_);
  }

 private:
  std::shared_ptr<NodeStore> store_;  // first: destroyed after the snapshot
  std::shared_ptr<const StoreSnapshot> snapshot_;
  uint64_t height_;
  NodeRef root_ref_;
  Hash root_;
  NodeReader reader_;
};

}  // namespace

std::unique_ptr<StateView> NewStateView(std::shared_ptr<NodeStore> store,
                                        std::shared_ptr<const StoreSnapshot> snapshot,
                                        HashKind kind, uint64_t height, const NodeRef& root) {
  return std::make_unique<StateViewImpl>(store, std::move(snapshot), kind, height, root);
}

}  // namespace checkpoint
