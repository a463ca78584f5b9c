// bench-tool hash-store: the node layout of the systems checkpoint replaces.
//
// oasis-core (on badger) and Cosmos IAVL (on goleveldb) keep each trie node
// under a key derived from its hash, so a walk in key order does one random
// lookup per node. This copies one height of a state database into that
// layout — every internal node record and leaf value under its 32-byte
// hash, plus the height's root and hash kind — so `point-create --by-hash`
// can make the same chunks through it with the same block cache.
#include "hash_store.h"

#include <cstdio>
#include <vector>

#include "state/meta.h"
#include "state/node_reader.h"
#include "store/node_store.h"
#include "trie/node.h"

namespace checkpoint {

Status BuildHashStore(const std::string& db_dir, uint64_t height, const std::string& out_dir,
                      uint64_t* records) {
  RocksStoreOptions ro;
  ro.read_only = true;
  CHECKPOINT_ASSIGN_OR_RETURN(std::unique_ptr<NodeStore> opened, OpenRocksStore(db_dir, ro));
  std::shared_ptr<NodeStore> src(std::move(opened));
  std::string root_record, hash_name;
  CHECKPOINT_RETURN_IF_ERROR(src->Get(Column::kMeta, RootKey(height), &root_record));
  CHECKPOINT_RETURN_IF_ERROR(src->Get(Column::kMeta, kHashKey, &hash_name));
  NodeRef root;
  CHECKPOINT_RETURN_IF_ERROR(DecodeNodeRef(root_record, &root));

  RocksStoreOptions wo;
  wo.create_if_missing = true;
  CHECKPOINT_ASSIGN_OR_RETURN(std::unique_ptr<NodeStore> dst, OpenRocksStore(out_dir, wo));
  WriteBatch batch;
  batch.Put(Column::kMeta, RootKey(height), root_record);
  batch.Put(Column::kMeta, kHashKey, hash_name);
  auto put = [&](const Hash& hash, std::string_view value) -> Status {
    batch.Put(Column::kNodes,
              std::string_view(reinterpret_cast<const char*>(hash.data()), hash.size()), value);
    ++*records;
    if (batch.ApproximateBytes() < (8 << 20)) return Status::OK();
    Status s = dst->Write(batch, /*sync=*/false);
    batch.Clear();
    return s;
  };

  // Pre-order over the height's trie, read in key order from our layout.
  NodeReader reader(src, src->GetSnapshot(), NodeReader::Mode::kScan);
  struct Frame {
    NodeRef ref;
    BitString path;
  };
  std::vector<Frame> stack;
  if (root.present())
    stack.push_back({root, root.kind == NodeKind::kLeaf ? BitString() : root.bits});
  std::string_view value;
  while (!stack.empty()) {
    Frame f = std::move(stack.back());
    stack.pop_back();
    if (f.ref.kind == NodeKind::kLeaf) {
      CHECKPOINT_RETURN_IF_ERROR(reader.ReadLeaf(f.ref, &value));
      CHECKPOINT_RETURN_IF_ERROR(put(f.ref.hash, value));
      continue;
    }
    InternalNode node;
    CHECKPOINT_RETURN_IF_ERROR(reader.ReadInternal(f.path, f.ref, &node));
    CHECKPOINT_RETURN_IF_ERROR(put(f.ref.hash, EncodeInternalNode(node)));
    for (NodeRef* child : {&node.right, &node.left}) {
      if (!child->present()) continue;
      BitString path = ChildPath(f.path, *child);
      stack.push_back({std::move(*child), std::move(path)});
    }
    if (node.slot.present()) stack.push_back({std::move(node.slot), {}});
  }
  CHECKPOINT_RETURN_IF_ERROR(dst->Write(batch, /*sync=*/true));
  // One sorted run per level, as a long-lived node's database would have:
  // lookups then pay for the layout, not for a pile of level-0 files.
  return dst->CompactAll();
}

}  // namespace checkpoint
