// Commit: merges a sorted stream of updates into the trie of the latest
// height and writes the new height.
//
// A pre-order walk of the old trie opens only the subtrees some update falls
// into; everything else passes to the TrieBuilder whole, so a commit reads
// and writes about (updates × depth) nodes. New records carry the new height;
// replaced ones go to the stale index for prune. A commit that fits one batch
// is one atomic write. A larger one first writes a journal marker, then
// batches that each list the record keys they add, so an interrupted commit
// can be rolled back exactly at the next open (StateDbImpl::Init). Those
// batches are written on another thread, one behind the walk: the walk
// reads and hashes while RocksDB inserts the batch before.
#include <future>
#include <vector>

#include "checkpoint/limits.h"
#include "state/meta.h"
#include "state/node_reader.h"
#include "state/state_db_impl.h"
#include "trie/builder.h"
#include "trie/record_key.h"

namespace checkpoint {
namespace {

class CommitJob : public BuilderEnv {
 public:
  CommitJob(StateDbImpl* db, uint64_t height, bool base_empty, const RecordCache* cache)
      : db_(db),
        store_(db->store()),
        kind_(db->hash_kind()),
        height_(height),
        base_empty_(base_empty),
        reader_(db->shared_store(), store_->GetSnapshot(), NodeReader::Mode::kSparse),
        builder_(kind_, height, this) {
    reader_.ReadThrough(cache);
  }

  Status Run(const NodeRef& old_root, UpdateSource* updates);

  Status WriteInternal(const BitString& path, const InternalNode& node, uint64_t) override {
    return PutRecord(EncodeRecordKey(path.bytes, path.bits, RecordTag::kInternal, height_),
                     EncodeInternalNode(node));
  }

  Result<NodeRef> Relabel(const BitString& path, const NodeRef& old,
                          const BitString& new_label) override {
    InternalNode node;
    CHECKPOINT_RETURN_IF_ERROR(reader_.ReadInternal(path, old, &node));
    CHECKPOINT_RETURN_IF_ERROR(
        MarkStale(EncodeRecordKey(path.bytes, path.bits, RecordTag::kInternal, old.height)));
    node.label_bits = static_cast<uint16_t>(new_label.bits);
    CHECKPOINT_RETURN_IF_ERROR(WriteInternal(path, node, 0));
    NodeRef ref = old;
    ref.height = height_;
    ref.bits = new_label;
    ref.hash = InternalHash(kind_, new_label, node);
    return ref;
  }

 private:
  struct Frame {
    NodeRef ref;
    BitString path;        // internal: the node's path
    uint32_t region_bits;  // an update under path[0:region_bits) reaches this node
  };

  // The next update, owned (the source's views die at its next call).
  bool Peek() {
    if (has_next_ || done_) return has_next_;
    Update u;
    if (!updates_->Next(&u)) {
      done_ = true;
      return false;
    }
    if (has_last_ && !(last_key_ < u.key)) {
      order_error_ = true;
      done_ = true;
      return false;
    }
    next_key_.assign(u.key);
    next_value_.assign(u.value);
    next_delete_ = u.is_delete;
    last_key_ = next_key_;
    has_last_ = true;
    has_next_ = true;
    return true;
  }
  void Consume() { has_next_ = false; }

  Status CheckUpdate() {
    if (next_key_.empty() || next_key_.size() > kMaxKeyBytes) {
      return Status::InvalidArgument("bad key size " + std::to_string(next_key_.size()));
    }
    if (next_value_.size() > kMaxValueBytes) return Status::InvalidArgument("value too large");
    return Status::OK();
  }

  // Adds the peeked update as a new leaf (a put) or drops it (a delete).
  Status EmitNext() {
    CHECKPOINT_RETURN_IF_ERROR(CheckUpdate());
    Consume();
    if (next_delete_) return Status::OK();
    NodeRef ref = MakeLeafRef(kind_, next_key_, next_value_, height_);
    CHECKPOINT_RETURN_IF_ERROR(PutRecord(LeafRecordKey(next_key_, height_), next_value_));
    return builder_.Add({ref.bits, std::move(ref)});
  }

  // Emits every update that sorts before the bit string `bound`.
  Status EmitBefore(const BitString& bound) {
    while (Peek() && CompareBits(next_key_, static_cast<uint32_t>(next_key_.size() * 8),
                                 bound.bytes, bound.bits) < 0) {
      CHECKPOINT_RETURN_IF_ERROR(EmitNext());
    }
    return Status::OK();
  }

  Status VisitLeaf(const NodeRef& leaf);
  Status VisitInternal(Frame* f, std::vector<Frame>* stack);

  Status PutRecord(const std::string& key, std::string_view value) {
    batch_.Put(Column::kNodes, key, value);
    if (!base_empty_) {
      PutVarint64(&journal_keys_, key.size());
      journal_keys_.append(key);
    }
    return MaybeFlush();
  }
  Status MarkStale(const std::string& record_key) {
    batch_.Put(Column::kStale, StaleKey(height_, record_key), {});
    return MaybeFlush();
  }
  Status MaybeFlush() {
    if (batch_.ApproximateBytes() < db_->options().batch_bytes) return Status::OK();
    return FlushPartial();
  }
  Status FlushPartial();
  // Waits for the batch being written; its status.
  Status Drain() {
    if (!writing_.valid()) return Status::OK();
    return writing_.get();
  }

  StateDbImpl* db_;
  NodeStore* store_;
  HashKind kind_;
  uint64_t height_;
  bool base_empty_;
  NodeReader reader_;
  TrieBuilder builder_;

  UpdateSource* updates_ = nullptr;
  bool has_next_ = false, done_ = false, has_last_ = false, order_error_ = false;
  std::string next_key_, next_value_, last_key_;
  bool next_delete_ = false;

  WriteBatch batch_;
  std::string journal_keys_;
  bool journal_started_ = false;
  uint64_t journal_batches_ = 0;
  std::future<Status> writing_;  // the previous batch (declared last: waited for first)
};

Status CommitJob::FlushPartial() {
  if (!journal_started_) {
    WriteBatch marker;
    std::string v = HeightPrefix(height_);
    v.push_back(base_empty_ ? 1 : 0);
    marker.Put(Column::kMeta, kJournalKey, v);
    CHECKPOINT_RETURN_IF_ERROR(store_->Write(marker, /*sync=*/true));
    journal_started_ = true;
  }
  if (!base_empty_) {
    batch_.Put(Column::kMeta, JournalBlobKey(height_, journal_batches_++), journal_keys_);
    journal_keys_.clear();
  }
  CHECKPOINT_RETURN_IF_ERROR(Drain());
  batch_.SortPuts();  // new records, stale entries and a journal list: puts of distinct keys
  writing_ = std::async(std::launch::async, [store = store_, batch = std::move(batch_)] {
    return store->Write(batch, /*sync=*/false);
  });
  batch_.Clear();
  return Status::OK();
}

Status CommitJob::VisitLeaf(const NodeRef& leaf) {
  const BitString& key = leaf.bits;
  CHECKPOINT_RETURN_IF_ERROR(EmitBefore(key));
  if (!Peek() || next_key_ != key.bytes) return builder_.Add({key, leaf});
  CHECKPOINT_RETURN_IF_ERROR(CheckUpdate());
  if (!next_delete_ && LeafHash(kind_, next_key_, next_value_) == leaf.hash) {
    Consume();  // the same value again: keep the old record
    return builder_.Add({key, leaf});
  }
  CHECKPOINT_RETURN_IF_ERROR(MarkStale(LeafRecordKey(key.bytes, leaf.height)));
  return EmitNext();
}

Status CommitJob::VisitInternal(Frame* f, std::vector<Frame>* stack) {
  const BitString region = BitPrefix(f->path.bytes, f->region_bits);
  CHECKPOINT_RETURN_IF_ERROR(EmitBefore(region));
  const bool reached =
      Peek() && HasBitPrefix(next_key_, static_cast<uint32_t>(next_key_.size() * 8), region.bytes,
                             region.bits);
  if (!reached) return builder_.Add({std::move(f->path), std::move(f->ref)});
  InternalNode node;
  CHECKPOINT_RETURN_IF_ERROR(reader_.ReadInternal(f->path, f->ref, &node));
  CHECKPOINT_RETURN_IF_ERROR(
      MarkStale(EncodeRecordKey(f->path.bytes, f->path.bits, RecordTag::kInternal, f->ref.height)));
  const uint32_t child_region = f->path.bits + 1;
  for (NodeRef* child : {&node.right, &node.left}) {
    if (!child->present()) continue;
    BitString path = ChildPath(f->path, *child);
    stack->push_back({std::move(*child), std::move(path), child_region});
  }
  if (node.slot.present()) stack->push_back({std::move(node.slot), {}, f->path.bits});
  return Status::OK();
}

Status CommitJob::Run(const NodeRef& old_root, UpdateSource* updates) {
  updates_ = updates;
  std::vector<Frame> stack;
  if (old_root.present()) {
    BitString path;
    if (old_root.kind == NodeKind::kInternal) path = old_root.bits;
    stack.push_back({old_root, std::move(path), 0});
  }
  while (!stack.empty()) {
    Frame f = std::move(stack.back());
    stack.pop_back();
    if (f.ref.kind == NodeKind::kLeaf) {
      CHECKPOINT_RETURN_IF_ERROR(VisitLeaf(f.ref));
    } else {
      CHECKPOINT_RETURN_IF_ERROR(VisitInternal(&f, &stack));
    }
  }
  while (Peek()) CHECKPOINT_RETURN_IF_ERROR(EmitNext());
  if (order_error_) {
    return Status::InvalidArgument("updates out of order at key " + ToHex(last_key_));
  }
  CHECKPOINT_RETURN_IF_ERROR(updates->status());
  CHECKPOINT_ASSIGN_OR_RETURN(NodeRef root, builder_.Finish());
  CHECKPOINT_RETURN_IF_ERROR(Drain());

  std::string encoded;
  EncodeNodeRef(&encoded, root);
  batch_.Put(Column::kMeta, RootKey(height_), encoded);
  if (journal_started_) {
    batch_.Delete(Column::kMeta, kJournalKey);
    batch_.DeleteRange(Column::kMeta, JournalBlobKey(height_, 0), JournalBlobKey(height_ + 1, 0));
  }
  CHECKPOINT_RETURN_IF_ERROR(store_->Write(batch_, /*sync=*/true));
  db_->Publish(height_, root);
  return Status::OK();
}

}  // namespace

Status RunCommit(StateDbImpl* db, uint64_t height, const NodeRef& old_root, bool base_empty,
                 UpdateSource* updates, const RecordCache* cache) {
  CommitJob job(db, height, base_empty, cache);
  return job.Run(old_root, updates);
}

}  // namespace checkpoint
