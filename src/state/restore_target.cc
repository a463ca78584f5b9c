#include "state/restore_target.h"

#include "state/meta.h"
#include "state/state_db_impl.h"
#include "store/ingester.h"
#include "trie/record_key.h"

namespace checkpoint {
namespace {

std::string ProgressKey(uint64_t index) {
  std::string k(1, kRestoreProgressPrefix);
  PutFixed64BE(&k, index);
  return k;
}

std::string EncodeBoundaries(const std::vector<RestoreBoundary>& items) {
  std::string out;
  PutVarint64(&out, items.size());
  for (const RestoreBoundary& b : items) {
    PutFixed16LE(&out, static_cast<uint16_t>(b.path.bits));
    out.append(b.path.bytes);
    std::string ref;
    EncodeNodeRef(&ref, b.ref);
    PutVarint64(&out, ref.size());
    out.append(ref);
  }
  return out;
}

Status DecodeBoundaries(std::string_view in, std::vector<RestoreBoundary>* out) {
  Reader r(in);
  const uint64_t n = r.Varint64();
  if (!r.ok() || n > in.size()) return Status::Corruption("bad restore progress record");
  for (uint64_t i = 0; i < n; ++i) {
    RestoreBoundary b;
    b.path.bits = r.U16LE();
    b.path.bytes = std::string(r.Bytes(BytesForBits(b.path.bits)));
    const uint64_t len = r.Varint64();
    std::string_view ref = r.Bytes(len);
    if (!r.ok()) return Status::Corruption("bad restore progress record");
    CHECKPOINT_RETURN_IF_ERROR(DecodeNodeRef(ref, &b.ref));
    out->push_back(std::move(b));
  }
  if (!r.empty()) return Status::Corruption("bad restore progress record");
  return Status::OK();
}

class RestoreTargetImpl : public RestoreTarget {
 public:
  RestoreTargetImpl(StateDbImpl* db, uint64_t height, size_t ingest_queue)
      : db_(db), store_(db->store()), height_(height), ingester_(store_, ingest_queue) {}

  Status Begin(const Hash& id, uint64_t height, uint64_t chunks, std::vector<bool>* in) override {
    std::string expected(reinterpret_cast<const char*>(id.data()), id.size());
    PutFixed64BE(&expected, height);
    PutFixed64BE(&expected, chunks);
    std::string marker;
    Status s = store_->Get(Column::kMeta, kRestoreKey, &marker);
    if (s.IsNotFound()) {
      WriteBatch b;
      b.Put(Column::kMeta, kRestoreKey, expected);
      return store_->Write(b, /*sync=*/true);
    }
    CHECKPOINT_RETURN_IF_ERROR(s);
    if (marker != expected) {
      return Status::InvalidArgument(
          "the destination holds part of another checkpoint's restore (" +
          ToHex(marker.substr(0, 32)).substr(0, 12) + "; --force clears it)");
    }
    // Resume: what is in already stays in.
    auto it = store_->NewIterator(Column::kMeta);
    for (it->Seek(std::string(1, kRestoreProgressPrefix));
         it->Valid() && it->key()[0] == kRestoreProgressPrefix; it->Next()) {
      if (it->key().size() != 9) return Status::Corruption("bad restore progress key");
      const uint64_t index = DecodeFixed64BE(it->key().data() + 1);
      if (index >= in->size()) return Status::Corruption("restore progress beyond the last chunk");
      (*in)[index] = true;
    }
    return it->status();
  }

  Status Ingest(uint64_t index, std::vector<std::pair<std::string_view, std::string_view>> records,
                const std::vector<RestoreBoundary>& boundaries) override {
    const std::string key = ProgressKey(index);
    const std::string progress = EncodeBoundaries(boundaries);
    std::vector<SortedRun> runs(2);
    runs[0].column = Column::kNodes;
    runs[0].entries = std::move(records);
    runs[1].column = Column::kMeta;
    runs[1].entries.emplace_back(key, progress);
    Result<std::unique_ptr<StagedRuns>> staged = store_->Stage(runs);
    if (!staged.ok()) return staged.status().WithContext("chunk " + std::to_string(index));
    return ingester_.Add(std::move(*staged));
  }

  Status ForEachBoundary(const std::function<Status(RestoreBoundary)>& fn) override {
    CHECKPOINT_RETURN_IF_ERROR(ingester_.Drain());
    auto it = store_->NewIterator(Column::kMeta);
    for (it->Seek(std::string(1, kRestoreProgressPrefix));
         it->Valid() && it->key()[0] == kRestoreProgressPrefix; it->Next()) {
      std::vector<RestoreBoundary> items;
      CHECKPOINT_RETURN_IF_ERROR(DecodeBoundaries(it->value(), &items));
      for (RestoreBoundary& b : items) CHECKPOINT_RETURN_IF_ERROR(fn(std::move(b)));
    }
    return it->status();
  }

  Status PutTopNode(const BitString& path, const InternalNode& node) override {
    batch_.Put(Column::kNodes,
               EncodeRecordKey(path.bytes, path.bits, RecordTag::kInternal, height_),
               EncodeInternalNode(node));
    // Invisible until the root record: safe to write ahead in pieces.
    if (batch_.ApproximateBytes() < db_->options().batch_bytes) return Status::OK();
    Status s = store_->Write(batch_, false);
    batch_.Clear();
    return s;
  }

  Status Publish(uint64_t height, const NodeRef& root) override {
    std::string encoded;
    EncodeNodeRef(&encoded, root);
    batch_.Put(Column::kMeta, RootKey(height), encoded);
    DropProgress(&batch_);
    CHECKPOINT_RETURN_IF_ERROR(store_->Write(batch_, /*sync=*/true));
    batch_.Clear();
    db_->Publish(height, root);
    // Every chunk's ingestion left a table file of progress records (~1 KiB;
    // 353 of a restored L's 704 files) in the meta column, which each later
    // open of the database opens and indexes: merged, they cost one.
    // Tidying only, after the synced root: the database is whole whether or
    // not it succeeds, and a disk that fails it fails the node's next write.
    (void)store_->Compact(Column::kMeta);
    return Status::OK();
  }

  Status Abandon() override {
    (void)ingester_.Drain();  // its error, if any, changes nothing here
    WriteBatch b;
    DropProgress(&b);
    return store_->Write(b, /*sync=*/true);
  }

 private:
  static void DropProgress(WriteBatch* b) {
    b->Delete(Column::kMeta, kRestoreKey);
    b->DeleteRange(Column::kMeta, std::string(1, kRestoreProgressPrefix),
                   std::string(1, kRestoreProgressPrefix + 1));
  }

  StateDbImpl* db_;
  NodeStore* store_;
  uint64_t height_;
  WriteBatch batch_;   // top nodes, then the root record
  Ingester ingester_;  // last: stops before the rest goes
};

}  // namespace

std::unique_ptr<RestoreTarget> NewRestoreTarget(StateDb* db, uint64_t height, size_t ingest_queue) {
  // state/ made every StateDb this library opens: the one place that knows
  // the implementation behind the interface.
  return std::make_unique<RestoreTargetImpl>(static_cast<StateDbImpl*>(db), height, ingest_queue);
}

}  // namespace checkpoint
