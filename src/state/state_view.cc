// StateView: reads of one height through a snapshot.
#include <vector>

#include "state/node_reader.h"
#include "state/state_db_impl.h"
#include "state/trie_iterator.h"

namespace checkpoint {
namespace {

class StateViewImpl : public StateView {
 public:
  StateViewImpl(std::shared_ptr<NodeStore> store, std::shared_ptr<const StoreSnapshot> snapshot,
                HashKind kind, uint64_t height, const NodeRef& root)
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
      CHECKPOINT_RETURN_IF_ERROR(reader_.ReadInternal(path, ref, &node));
      if (kbits == path.bits) {
        ref = std::move(node.slot);
      } else {
        ref = BitAt(key, path.bits) ? std::move(node.right) : std::move(node.left);
      }
    }
  }

  std::unique_ptr<StateIterator> NewIterator() override {
    return NewTrieIterator(store_, snapshot_, root_ref_, NodeReader::Mode::kScan);
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
