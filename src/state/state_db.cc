#include <chrono>
#include <thread>

#include "state/meta.h"
#include "state/node_reader.h"
#include "state/state_db_impl.h"
#include "trie/record_key.h"

namespace checkpoint {
namespace {

std::string U64Value(uint64_t v) {
  std::string s;
  PutFixed64BE(&s, v);
  return s;
}

// Iterates the keys of `c` that start with `prefix`.
template <typename Fn>
Status ScanPrefix(NodeStore* store, Column c, std::string_view prefix, Fn&& fn) {
  auto it = store->NewIterator(c);
  for (it->Seek(prefix); it->Valid() && it->key().substr(0, prefix.size()) == prefix; it->Next()) {
    CHECKPOINT_RETURN_IF_ERROR(fn(it->key(), it->value()));
  }
  return it->status();
}

// Attempts at a consistent read-only view, and the pause before the n-th
// retry (n × kReadOnlyRetryPause): a few writer flushes' worth.
constexpr int kReadOnlyOpenAttempts = 4;
constexpr auto kReadOnlyRetryPause = std::chrono::milliseconds(20);

Result<std::unique_ptr<StateDbImpl>> OpenOnce(const std::string& dir,
                                              const StateDbOptions& options) {
  RocksStoreOptions ro;
  ro.create_if_missing = options.create_if_missing;
  ro.read_only = options.read_only;
  ro.block_cache_bytes = options.block_cache_bytes;
  CHECKPOINT_ASSIGN_OR_RETURN(std::unique_ptr<NodeStore> store, OpenRocksStore(dir, ro));
  auto db = std::make_unique<StateDbImpl>(std::shared_ptr<NodeStore>(std::move(store)), options);
  CHECKPOINT_RETURN_IF_ERROR(db->Init().WithContext(dir));
  return db;
}

}  // namespace

Result<std::unique_ptr<StateDb>> StateDb::Open(const std::string& dir,
                                               const StateDbOptions& options) {
  // A read-only view (RocksDB secondary) reads the writer's MANIFEST, then
  // replays its WALs; a WAL the writer deleted in between is skipped without
  // an error. All columns flushing together, and catching up until no new
  // table file appears (OpenRocksStore), keep such a view a consistent prefix
  // of the writes; CheckRootRecords is the last guard (a root record whose
  // nodes are missing), and a fresh open, a moment later, sees the flush that
  // deleted the WAL (docs/STORAGE.md, "Readers").
  Status inconsistent;
  for (int attempt = 1; attempt <= kReadOnlyOpenAttempts; ++attempt) {
    if (attempt > 1) std::this_thread::sleep_for((attempt - 1) * kReadOnlyRetryPause);
    Result<std::unique_ptr<StateDbImpl>> opened = OpenOnce(dir, options);
    if (options.read_only && opened.status().IsBusy()) {  // the writer kept flushing: try again
      inconsistent = opened.status();
      continue;
    }
    CHECKPOINT_RETURN_IF_ERROR(opened.status());
    std::unique_ptr<StateDbImpl> db = std::move(opened).value();
    if (options.read_only) inconsistent = db->CheckRootRecords();
    if (!options.read_only || inconsistent.ok()) return std::unique_ptr<StateDb>(std::move(db));
  }
  return Status::Corruption(dir + ": no consistent read-only view in " +
                            std::to_string(kReadOnlyOpenAttempts) +
                            " tries (the database is damaged, or its writer kept flushing while "
                            "it was opened): " +
                            inconsistent.message());
}

Result<std::unique_ptr<StateDb>> StateDb::OpenOnStore(NodeStore* store,
                                                      const StateDbOptions& options) {
  auto db =
      std::make_unique<StateDbImpl>(std::shared_ptr<NodeStore>(store, [](NodeStore*) {}), options);
  CHECKPOINT_RETURN_IF_ERROR(db->Init());
  return std::unique_ptr<StateDb>(std::move(db));
}

Status StateDbImpl::Init() {
  std::string schema;
  Status s = store_->Get(Column::kMeta, kSchemaKey, &schema);
  if (s.IsNotFound()) {
    auto it = store_->NewIterator(Column::kMeta);
    it->Seek({});
    if (it->Valid() || !options_.create_if_missing || options_.read_only) {
      return Status::InvalidArgument("not a state database (no schema record)");
    }
    WriteBatch b;
    b.Put(Column::kMeta, kSchemaKey, std::to_string(kSchemaVersion));
    b.Put(Column::kMeta, kHashKey, HashKindName(options_.hash));
    CHECKPOINT_RETURN_IF_ERROR(store_->Write(b, /*sync=*/true));
    schema = std::to_string(kSchemaVersion);
  } else if (!s.ok()) {
    return s;
  }
  if (schema != std::to_string(kSchemaVersion)) {
    if (!schema.empty() && schema.size() < 10 &&
        schema.find_first_not_of("0123456789") == std::string::npos &&
        std::stoul(schema) > kSchemaVersion) {
      return Status::NotSupported("database schema " + schema +
                                  " is newer than this build supports (" +
                                  std::to_string(kSchemaVersion) + ")");
    }
    return Status::Corruption("unknown database schema '" + schema + "'");
  }
  std::string hash_name;
  CHECKPOINT_RETURN_IF_ERROR(store_->Get(Column::kMeta, kHashKey, &hash_name));
  std::optional<HashKind> kind = ParseHashKind(hash_name);
  if (!kind) return Status::Corruption("unknown hash function '" + hash_name + "'");
  hash_ = *kind;

  std::string pruned;
  s = store_->Get(Column::kMeta, kPrunedBelowKey, &pruned);
  if (s.ok() && pruned.size() == 8)
    pruned_below_ = DecodeFixed64BE(pruned.data());
  else if (!s.IsNotFound())
    return s.ok() ? Status::Corruption("bad pruned_below record") : s;

  if (!options_.read_only) CHECKPOINT_RETURN_IF_ERROR(RollBackInterruptedCommit());
  CHECKPOINT_RETURN_IF_ERROR(LoadRoots());
  // Finish a prune a crash interrupted.
  if (!options_.read_only) CHECKPOINT_RETURN_IF_ERROR(DeleteStaleUpTo(StaleBound()));
  return Status::OK();
}

uint64_t StateDbImpl::StaleBound() const {
  std::lock_guard<std::mutex> lock(roots_mu_);
  // A node that left the trie at or before the lowest retained height is
  // reached by no retained height.
  return roots_.empty() ? 0 : roots_.begin()->first;
}

Status StateDbImpl::LoadRoots() {
  std::lock_guard<std::mutex> lock(roots_mu_);
  return ScanPrefix(store_.get(), Column::kMeta, std::string(1, kRootPrefix),
                    [&](std::string_view key, std::string_view value) {
                      if (key.size() != 9) return Status::Corruption("bad root record key");
                      NodeRef root;
                      CHECKPOINT_RETURN_IF_ERROR(DecodeNodeRef(value, &root));
                      roots_[DecodeFixed64BE(key.data() + 1)] = std::move(root);
                      return Status::OK();
                    });
}

Status StateDbImpl::CheckRootRecords() {
  NodeReader reader(store_, nullptr, NodeReader::Mode::kPointLookup);
  std::string value;
  // A node's record, and (one level down) the records it names.
  auto check = [&](const BitString& path, const NodeRef& ref, int depth, auto& self) -> Status {
    if (ref.kind == NodeKind::kLeaf)
      return reader.ReadLeafValue(ref.leaf_key(), ref.height, &value);
    if (ref.kind != NodeKind::kInternal) return Status::OK();
    InternalNode node;
    CHECKPOINT_RETURN_IF_ERROR(reader.ReadInternal(path, ref, &node));
    if (depth == 1) return Status::OK();
    for (const NodeRef* child : {&node.slot, &node.left, &node.right}) {
      CHECKPOINT_RETURN_IF_ERROR(self(ChildPath(path, *child), *child, depth + 1, self));
    }
    return Status::OK();
  };
  std::lock_guard<std::mutex> lock(roots_mu_);
  for (const auto& [height, root] : roots_) {
    BitString path;
    if (root.kind == NodeKind::kInternal) path = root.bits;
    CHECKPOINT_RETURN_IF_ERROR(
        check(path, root, 0, check).WithContext("height " + std::to_string(height)));
  }
  return Status::OK();
}

Status StateDbImpl::RollBackInterruptedCommit() {
  std::string marker;
  Status s = store_->Get(Column::kMeta, kJournalKey, &marker);
  if (s.IsNotFound()) return Status::OK();
  CHECKPOINT_RETURN_IF_ERROR(s);
  if (marker.size() != 9) return Status::Corruption("bad commit journal record");
  const uint64_t height = DecodeFixed64BE(marker.data());
  const bool base_empty = marker[8] != 0;
  WriteBatch batch;
  auto flush = [&]() {
    Status st = store_->Write(batch, false);
    batch.Clear();
    return st;
  };
  if (base_empty) {
    // Nothing but this commit's records exist: drop them all. Record keys
    // never start with 0xff 0xff... beyond one byte, so delete [,\xff) by
    // range and the few keys starting with 0xff one by one.
    batch.DeleteRange(Column::kNodes, {}, "\xff");
    CHECKPOINT_RETURN_IF_ERROR(flush());
    CHECKPOINT_RETURN_IF_ERROR(ScanPrefix(
        store_.get(), Column::kNodes, "\xff", [&](std::string_view key, std::string_view) {
          batch.Delete(Column::kNodes, key);
          return batch.ApproximateBytes() > options_.batch_bytes ? flush() : Status::OK();
        }));
  } else {
    const std::string prefix = JournalBlobKey(height, 0).substr(0, 9);
    CHECKPOINT_RETURN_IF_ERROR(ScanPrefix(
        store_.get(), Column::kMeta, prefix, [&](std::string_view, std::string_view blob) {
          Reader r(blob);
          while (!r.empty()) {
            uint64_t n = r.Varint64();
            std::string_view key = r.Bytes(n);
            if (!r.ok()) return Status::Corruption("bad commit journal blob");
            batch.Delete(Column::kNodes, key);
          }
          return flush();
        }));
  }
  batch.DeleteRange(Column::kStale, HeightPrefix(height), HeightPrefix(height + 1));
  batch.DeleteRange(Column::kMeta, JournalBlobKey(height, 0), JournalBlobKey(height + 1, 0));
  batch.Delete(Column::kMeta, kJournalKey);
  return store_->Write(batch, /*sync=*/true);
}

Status StateDbImpl::DeleteStaleUpTo(uint64_t height) {
  WriteBatch batch;
  auto it = store_->NewIterator(Column::kStale);
  const std::string end = HeightPrefix(height + 1);
  for (it->Seek({}); it->Valid() && it->key() < end; it->Next()) {
    if (it->key().size() <= 8) return Status::Corruption("bad stale index key");
    batch.Delete(Column::kNodes, it->key().substr(8));
    batch.Delete(Column::kStale, it->key());
    if (batch.ApproximateBytes() >= options_.batch_bytes) {
      CHECKPOINT_RETURN_IF_ERROR(store_->Write(batch, false));
      batch.Clear();
    }
  }
  CHECKPOINT_RETURN_IF_ERROR(it->status());
  return store_->Write(batch, /*sync=*/true);
}

Status StateDbImpl::Commit(uint64_t height, const WriteLog& log) {
  std::unique_ptr<UpdateSource> source = log.Sorted();
  return Commit(height, source.get());
}

Status StateDbImpl::Commit(uint64_t height, UpdateSource* updates, const RecordCache* cache) {
  if (options_.read_only) return Status::NotSupported("database is open read-only");
  if (height == UINT64_MAX) return Status::InvalidArgument("height 2^64-1 is reserved");
  std::lock_guard<std::mutex> lock(write_mu_);
  // A failed commit whose undo failed too left its journal: undo it now, or
  // refuse to write anything on top of it.
  CHECKPOINT_RETURN_IF_ERROR(
      RollBackInterruptedCommit().WithContext("undo an earlier failed commit"));
  NodeRef old_root;
  bool base_empty;
  {
    std::lock_guard<std::mutex> roots_lock(roots_mu_);
    if (!roots_.empty() && height <= roots_.rbegin()->first) {
      return Status::InvalidArgument("height " + std::to_string(height) +
                                     " is not above the latest height " +
                                     std::to_string(roots_.rbegin()->first));
    }
    if (height < pruned_below_) {
      return Status::InvalidArgument("height " + std::to_string(height) +
                                     " is below pruned heights");
    }
    base_empty = roots_.empty();
    if (!base_empty) old_root = roots_.rbegin()->second;
  }
  Status s = RunCommit(this, height, old_root, base_empty, updates, cache);
  if (!s.ok()) {
    // Undo what the partial commit wrote; if even that fails, the next open will.
    Status undo = RollBackInterruptedCommit();
    (void)undo;
  }
  return s.WithContext("commit height " + std::to_string(height));
}

void StateDbImpl::Publish(uint64_t height, const NodeRef& root) {
  std::lock_guard<std::mutex> lock(roots_mu_);
  roots_[height] = root;
}

std::vector<HeightInfo> StateDbImpl::Heights() const {
  std::lock_guard<std::mutex> lock(roots_mu_);
  std::vector<HeightInfo> out;
  for (const auto& [height, root] : roots_) {
    out.push_back({height, root.present() ? root.hash : EmptyHash(hash_), root.stats.leaves,
                   root.stats.key_bytes, root.stats.value_bytes});
  }
  return out;
}

std::optional<uint64_t> StateDbImpl::LatestHeight() const {
  std::lock_guard<std::mutex> lock(roots_mu_);
  if (roots_.empty()) return std::nullopt;
  return roots_.rbegin()->first;
}

Result<NodeRef> StateDbImpl::RootOf(uint64_t height) const {
  auto it = roots_.find(height);
  if (it != roots_.end()) return it->second;
  if (height < pruned_below_) {
    return Status::NotFound("height " + std::to_string(height) + " was pruned");
  }
  return Status::NotFound("no height " + std::to_string(height));
}

Result<PinnedHeight> StateDbImpl::Pin(uint64_t height) {
  std::lock_guard<std::mutex> lock(roots_mu_);
  CHECKPOINT_ASSIGN_OR_RETURN(NodeRef root, RootOf(height));
  return PinnedHeight{store_, store_->GetSnapshot(), hash_, height, root};
}

Result<PinnedHeight> StateDbImpl::Pin(uint64_t height, uint64_t base, NodeRef* base_root) {
  std::lock_guard<std::mutex> lock(roots_mu_);
  CHECKPOINT_ASSIGN_OR_RETURN(NodeRef root, RootOf(height));
  CHECKPOINT_ASSIGN_OR_RETURN(*base_root, RootOf(base));
  return PinnedHeight{store_, store_->GetSnapshot(), hash_, height, root};
}

Result<PinnedHeight> PinHeight(StateDb* db, uint64_t height, uint64_t base, NodeRef* base_root) {
  auto* impl = dynamic_cast<StateDbImpl*>(db);
  if (!impl) return Status::InvalidArgument("not a StateDb of this library");
  return impl->Pin(height, base, base_root);
}

Status CommitThroughCache(StateDb* db, uint64_t height, UpdateSource* updates,
                          const RecordCache* cache) {
  auto* impl = dynamic_cast<StateDbImpl*>(db);
  if (!impl) return Status::InvalidArgument("not a StateDb of this library");
  return impl->Commit(height, updates, cache);
}

Result<PinnedHeight> PinHeight(StateDb* db, uint64_t height) {
  // The public StateDb has no hook for internals (its header stays free of
  // them), and every StateDb this library makes is a StateDbImpl: state/ is
  // the one place that knows, so the downcast is here rather than in callers.
  auto* impl = dynamic_cast<StateDbImpl*>(db);
  if (!impl) return Status::InvalidArgument("not a StateDb of this library");
  return impl->Pin(height);
}

Result<std::unique_ptr<StateDb>> OpenOnSharedStore(std::shared_ptr<NodeStore> store,
                                                   const StateDbOptions& options) {
  auto db = std::make_unique<StateDbImpl>(std::move(store), options);
  CHECKPOINT_RETURN_IF_ERROR(db->Init());
  return std::unique_ptr<StateDb>(std::move(db));
}

Result<std::unique_ptr<StateView>> StateDbImpl::View(uint64_t height) {
  std::lock_guard<std::mutex> lock(roots_mu_);
  CHECKPOINT_ASSIGN_OR_RETURN(NodeRef root, RootOf(height));
  // Taken under roots_mu_: a prune cannot delete this height's nodes first.
  return NewStateView(store_, store_->GetSnapshot(), hash_, height, root);
}

Status StateDbImpl::Prune(uint64_t below) {
  if (options_.read_only) return Status::NotSupported("database is open read-only");
  std::lock_guard<std::mutex> lock(write_mu_);
  CHECKPOINT_RETURN_IF_ERROR(
      RollBackInterruptedCommit().WithContext("undo an earlier failed commit"));
  uint64_t pruned_below;
  {
    std::lock_guard<std::mutex> roots_lock(roots_mu_);
    if (roots_.empty()) return Status::InvalidArgument("the database has no heights");
    const uint64_t latest = roots_.rbegin()->first;
    if (below > latest) {
      return Status::InvalidArgument("cannot prune below " + std::to_string(below) +
                                     ": the latest height " + std::to_string(latest) +
                                     " must stay");
    }
    pruned_below = pruned_below_;
  }
  if (below > pruned_below) {
    // First make the heights invisible (atomically), then drop their nodes:
    // a crash in between leaves only unreachable records, removed at open.
    // Views already taken keep their snapshots; new ones no longer see them.
    WriteBatch b;
    b.Put(Column::kMeta, kPrunedBelowKey, U64Value(below));
    b.DeleteRange(Column::kMeta, RootKey(0), RootKey(below));
    CHECKPOINT_RETURN_IF_ERROR(store_->Write(b, /*sync=*/true));
    std::lock_guard<std::mutex> roots_lock(roots_mu_);
    pruned_below_ = below;
    roots_.erase(roots_.begin(), roots_.lower_bound(below));
  }
  // Also finishes what an earlier, failed prune left.
  return DeleteStaleUpTo(StaleBound());
}

}  // namespace checkpoint
