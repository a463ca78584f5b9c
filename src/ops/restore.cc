// The restore session: verified chunks become table files ingested with
// their progress records; Finish builds the nodes above the chunks.
#include "checkpoint/restore.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "ops/chunk_check.h"
#include "ops/clear_db.h"
#include "ops/files.h"
#include "state/meta.h"
#include "state/state_db_impl.h"
#include "trie/record_key.h"

namespace checkpoint {
namespace {

// m/restore: the checkpoint being restored: id[32] ‖ u64be height ‖ u64be chunks.
const std::string kRestoreKey = "m/restore";
// 0x03 ‖ u64be index → the chunk's boundary subtrees (present once it is in).
constexpr char kProgressPrefix = '\x03';

std::string ProgressKey(uint64_t index) {
  std::string k(1, kProgressPrefix);
  PutFixed64BE(&k, index);
  return k;
}

struct Boundary {
  BitString path;
  NodeRef ref;
};

std::string EncodeBoundaries(const std::vector<Boundary>& items) {
  std::string out;
  PutVarint64(&out, items.size());
  for (const Boundary& b : items) {
    PutFixed16LE(&out, static_cast<uint16_t>(b.path.bits));
    out.append(b.path.bytes);
    std::string ref;
    EncodeNodeRef(&ref, b.ref);
    PutVarint64(&out, ref.size());
    out.append(ref);
  }
  return out;
}

Status DecodeBoundaries(std::string_view in, std::vector<Boundary>* out) {
  Reader r(in);
  const uint64_t n = r.Varint64();
  if (!r.ok() || n > in.size()) return Status::Corruption("bad restore progress record");
  for (uint64_t i = 0; i < n; ++i) {
    Boundary b;
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

// Collects one chunk's complete nodes and where completeness ends. Record
// keys and internal-node values go into one arena; leaf values stay where
// they are, in the decompressed chunk: no two strings per record.
class CollectEnv : public ChunkEnv {
 public:
  explicit CollectEnv(uint64_t height) : height_(height) {}
  Status WriteInternal(const BitString& path, const InternalNode& node, uint64_t first_item) override {
    Record r{first_item, arena_.size(), 0, nullptr, 0, 0};
    AppendRecordKey(&arena_, path.bytes, path.bits, RecordTag::kInternal, height_);
    r.key_len = arena_.size() - r.key_off;
    r.value_off = arena_.size();
    AppendInternalNode(&arena_, node);
    r.value_len = arena_.size() - r.value_off;
    internals_.push_back(r);
    return Status::OK();
  }
  Status OnBoundary(const BitString& path, const NodeRef& ref) override {
    boundaries.push_back({path, ref});
    return Status::OK();
  }
  // REQUIRES: `value` outlives TakeSorted's result.
  void Leaf(uint64_t item, std::string_view key, std::string_view value) {
    Record r{item, arena_.size(), 0, value.data(), 0, value.size()};
    AppendRecordKey(&arena_, key, static_cast<uint32_t>(key.size() * 8), RecordTag::kLeaf, height_);
    r.key_len = arena_.size() - r.key_off;
    leaves_.push_back(r);
  }

  // All records in key order without comparing keys: an internal node's
  // record sorts right before its first leaf's, after shallower nodes' (which
  // the builder wrote later: it writes a node after its subtree).
  std::vector<std::pair<std::string_view, std::string_view>> TakeSorted() const {
    std::vector<uint32_t> order(internals_.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = static_cast<uint32_t>(order.size() - 1 - i);
    std::stable_sort(order.begin(), order.end(),
                     [&](uint32_t a, uint32_t b) { return internals_[a].item < internals_[b].item; });
    std::vector<std::pair<std::string_view, std::string_view>> out;
    out.reserve(leaves_.size() + internals_.size());
    size_t n = 0;
    for (const Record& leaf : leaves_) {
      while (n < order.size() && internals_[order[n]].item <= leaf.item) out.push_back(View(internals_[order[n++]]));
      out.push_back(View(leaf));
    }
    return out;
  }

  std::vector<Boundary> boundaries;

 private:
  struct Record {
    uint64_t item;  // a leaf's item index; an internal node's first item
    size_t key_off, key_len;
    const char* value;  // a leaf's value in the chunk; null: in the arena at value_off
    size_t value_off, value_len;
  };
  std::pair<std::string_view, std::string_view> View(const Record& r) const {
    const char* v = r.value ? r.value : arena_.data() + r.value_off;
    return {std::string_view(arena_.data() + r.key_off, r.key_len), std::string_view(v, r.value_len)};
  }
  uint64_t height_;
  std::string arena_;
  std::vector<Record> leaves_, internals_;
};

// Writes the nodes above the chunks. A boundary subtree never needs a new
// label: each chunk rebuilt it at its true depth.
class TopEnv : public BuilderEnv {
 public:
  TopEnv(NodeStore* store, uint64_t height, size_t batch_bytes)
      : store_(store), height_(height), batch_bytes_(batch_bytes) {}
  Status WriteInternal(const BitString& path, const InternalNode& node, uint64_t) override {
    batch.Put(Column::kNodes, EncodeRecordKey(path.bytes, path.bits, RecordTag::kInternal, height_),
              EncodeInternalNode(node));
    // Invisible until the root record: safe to write ahead in pieces.
    if (batch.ApproximateBytes() < batch_bytes_) return Status::OK();
    Status s = store_->Write(batch, false);
    batch.Clear();
    return s;
  }
  Result<NodeRef> Relabel(const BitString& path, const NodeRef&, const BitString&) override {
    return Status::Corruption("restored chunks do not fit together at " + ToHexAbbrev(path.bytes));
  }
  WriteBatch batch;

 private:
  NodeStore* store_;
  uint64_t height_;
  size_t batch_bytes_;
};

bool ByPath(const Boundary& a, const Boundary& b) {
  return CompareBits(a.path.bytes, a.path.bits, b.path.bytes, b.path.bits) < 0;
}

class RestoreSessionImpl : public RestoreSession {
 public:
  RestoreSessionImpl(std::unique_ptr<StateDb> db, Manifest m, Hash id)
      : db_(std::move(db)), impl_(static_cast<StateDbImpl*>(db_.get())), m_(std::move(m)),
        id_(id), done_(m_.chunks.size(), false), in_flight_(m_.chunks.size(), false) {}

  const Manifest& manifest() const override { return m_; }
  const Hash& id() const override { return id_; }

  std::vector<size_t> Remaining() const override {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<size_t> out;
    for (size_t i = 0; i < done_.size(); ++i) {
      if (!done_[i]) out.push_back(i);
    }
    return out;
  }

  Status Start(const RestoreOptions& options);
  Status Add(size_t index, std::string_view chunk_file, ChunkCheck* check) override;
  Status Finish() override;

 private:
  std::unique_ptr<StateDb> db_;
  StateDbImpl* impl_;
  Manifest m_;
  Hash id_;
  mutable std::mutex mu_;
  std::vector<bool> done_;
  std::vector<bool> in_flight_;
  std::condition_variable settled_;  // an in-flight chunk's verdict is in
};

Status RestoreSessionImpl::Start(const RestoreOptions& options) {
  (void)options;
  NodeStore* store = impl_->store();
  if (db_->hash_kind() != m_.hash) {
    return Status::InvalidArgument("the destination uses " + HashKindName(db_->hash_kind()) +
                                   ", the checkpoint " + HashKindName(m_.hash) + " (--force clears it)");
  }
  const auto heights = db_->Heights();
  if (!heights.empty()) {
    return Status::InvalidArgument("the destination holds other state (heights " +
                                   std::to_string(heights.front().height) + ".." +
                                   std::to_string(heights.back().height) + "; --force clears it)");
  }
  std::string expected(reinterpret_cast<const char*>(id_.data()), id_.size());
  PutFixed64BE(&expected, m_.height);
  PutFixed64BE(&expected, m_.chunks.size());
  std::string marker;
  Status s = store->Get(Column::kMeta, kRestoreKey, &marker);
  if (s.IsNotFound()) {
    WriteBatch b;
    b.Put(Column::kMeta, kRestoreKey, expected);
    return store->Write(b, /*sync=*/true);
  }
  CHECKPOINT_RETURN_IF_ERROR(s);
  if (marker != expected) {
    return Status::InvalidArgument("the destination holds part of another checkpoint's restore (" +
                                   ToHex(marker.substr(0, 32)).substr(0, 12) + "; --force clears it)");
  }
  // Resume: what is in already stays in.
  auto it = store->NewIterator(Column::kMeta);
  for (it->Seek(std::string(1, kProgressPrefix)); it->Valid() && it->key()[0] == kProgressPrefix; it->Next()) {
    if (it->key().size() != 9) return Status::Corruption("bad restore progress key");
    const uint64_t index = DecodeFixed64BE(it->key().data() + 1);
    if (index >= done_.size()) return Status::Corruption("restore progress beyond the last chunk");
    done_[index] = true;
  }
  return it->status();
}

Status RestoreSessionImpl::Add(size_t index, std::string_view chunk_file, ChunkCheck* check) {
  if (index >= m_.chunks.size()) {
    *check = {ChunkClass::kInvalid, "no chunk " + std::to_string(index) + " in the manifest"};
    return Status::OK();
  }
  {
    // Another copy of this chunk being checked may be a forgery: wait for
    // its verdict, and check this copy if that one failed.
    std::unique_lock<std::mutex> lock(mu_);
    settled_.wait(lock, [&] { return !in_flight_[index]; });
    if (done_[index]) {
      *check = {};
      return Status::OK();
    }
    in_flight_[index] = true;
  }
  struct Release {
    RestoreSessionImpl* s;
    size_t i;
    ~Release() {
      {
        std::lock_guard<std::mutex> lock(s->mu_);
        s->in_flight_[i] = false;
      }
      s->settled_.notify_all();
    }
  } release{this, index};

  CollectEnv env(m_.height);
  std::string canonical;  // the leaf values' home until the ingestion
  *check = CheckChunk(m_, m_.root, index, chunk_file, &env,
                      [&env](uint64_t item, std::string_view k, std::string_view v) { env.Leaf(item, k, v); },
                      &canonical);
  if (check->cls != ChunkClass::kOk) return Status::OK();
  std::sort(env.boundaries.begin(), env.boundaries.end(), ByPath);
  const std::string progress_key = ProgressKey(index);
  const std::string progress = EncodeBoundaries(env.boundaries);
  std::vector<SortedRun> runs(2);
  runs[0].column = Column::kNodes;
  runs[0].entries = env.TakeSorted();
  runs[1].column = Column::kMeta;
  runs[1].entries.emplace_back(progress_key, progress);
  CHECKPOINT_RETURN_IF_ERROR(impl_->store()->Ingest(runs).WithContext("chunk " + std::to_string(index)));
  std::lock_guard<std::mutex> lock(mu_);
  done_[index] = true;
  return Status::OK();
}

Status RestoreSessionImpl::Finish() {
  const std::vector<size_t> remaining = Remaining();
  if (!remaining.empty()) {
    return Status::InvalidArgument(std::to_string(remaining.size()) + " chunks are missing (the first: " +
                                   std::to_string(remaining.front()) + ")");
  }
  NodeStore* store = impl_->store();
  TopEnv env(store, m_.height, impl_->options().batch_bytes);
  TrieBuilder builder(m_.hash, m_.height, &env);
  auto it = store->NewIterator(Column::kMeta);
  for (it->Seek(std::string(1, kProgressPrefix)); it->Valid() && it->key()[0] == kProgressPrefix; it->Next()) {
    std::vector<Boundary> items;
    CHECKPOINT_RETURN_IF_ERROR(DecodeBoundaries(it->value(), &items));
    for (Boundary& b : items) {
      Status s = builder.Add({std::move(b.path), std::move(b.ref)});
      if (!s.ok()) return Status::Corruption("restored chunks do not fit together: " + s.message());
    }
  }
  CHECKPOINT_RETURN_IF_ERROR(it->status());
  CHECKPOINT_ASSIGN_OR_RETURN(NodeRef root, builder.Finish());
  const Hash got = root.present() ? root.hash : EmptyHash(m_.hash);
  if (got != m_.root || root.stats.leaves != m_.leaves) {
    return Status::Corruption("restored nodes fold to " + ToHex(got) + ", not the root " + ToHex(m_.root));
  }
  // The root record last, with the clean-up, in one atomic write.
  std::string encoded;
  EncodeNodeRef(&encoded, root);
  env.batch.Put(Column::kMeta, RootKey(m_.height), encoded);
  env.batch.Delete(Column::kMeta, kRestoreKey);
  env.batch.DeleteRange(Column::kMeta, std::string(1, kProgressPrefix), std::string(1, kProgressPrefix + 1));
  CHECKPOINT_RETURN_IF_ERROR(store->Write(env.batch, /*sync=*/true));
  impl_->Publish(m_.height, root);
  return Status::OK();
}

Result<Manifest> ParseAnchored(std::string_view bytes, const RestoreOptions& options, Hash* id) {
  if (!options.anchors.any() && !options.trust_manifest) {
    return Status::InvalidArgument("no trust anchor: give --root or --id (or --trust-manifest)");
  }
  Manifest m;
  ChunkClass cls;
  CHECKPOINT_RETURN_IF_ERROR(CheckAnchors(bytes, options.anchors, options.max_chunk_size, &m, id, &cls));
  return m;
}

}  // namespace

namespace {

// Parses and anchors the manifest, opens the database with `open`, starts.
template <typename OpenFn>
Result<std::unique_ptr<RestoreSession>> StartSession(std::string_view manifest,
                                                     const RestoreOptions& options, OpenFn&& open) {
  Hash id;
  CHECKPOINT_ASSIGN_OR_RETURN(Manifest m, ParseAnchored(manifest, options, &id));
  StateDbOptions o;
  o.create_if_missing = true;
  o.hash = m.hash;
  CHECKPOINT_ASSIGN_OR_RETURN(std::unique_ptr<StateDb> db, open(o));
  auto session = std::make_unique<RestoreSessionImpl>(std::move(db), std::move(m), id);
  CHECKPOINT_RETURN_IF_ERROR(session->Start(options));
  return std::unique_ptr<RestoreSession>(std::move(session));
}

}  // namespace

Result<std::unique_ptr<RestoreSession>> RestoreSession::Begin(const std::string& db_dir,
                                                              std::string_view manifest,
                                                              const RestoreOptions& options) {
  return StartSession(manifest, options, [&](const StateDbOptions& o) {
    return options.force ? OpenClearing(db_dir, o) : StateDb::Open(db_dir, o);
  });
}

Result<std::unique_ptr<RestoreSession>> RestoreSession::BeginOnStore(NodeStore* store,
                                                                     std::string_view manifest,
                                                                     const RestoreOptions& options) {
  return StartSession(manifest, options, [&](const StateDbOptions& o) { return StateDb::OpenOnStore(store, o); });
}

}  // namespace checkpoint
