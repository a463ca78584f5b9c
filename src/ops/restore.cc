// The restore session: verified chunks become table files ingested with
// their progress records; Finish builds the nodes above the chunks.
#include "checkpoint/restore.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "delta/delta_restore.h"
#include "ops/chunk_check.h"
#include "ops/chunk_gate.h"
#include "ops/clear_db.h"
#include "ops/files.h"
#include "state/restore_target.h"
#include "trie/record_key.h"

namespace checkpoint {
namespace {

// Collects one chunk's complete nodes and where completeness ends. Record
// keys and internal-node values go into one arena; leaf values stay where
// they are, in the decompressed chunk: no two strings per record.
class CollectEnv : public ChunkEnv {
 public:
  explicit CollectEnv(uint64_t height) : height_(height) {}
  Status WriteInternal(const BitString& path, const InternalNode& node,
                       uint64_t first_item) override {
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
    for (uint32_t i = 0; i < order.size(); ++i)
      order[i] = static_cast<uint32_t>(order.size() - 1 - i);
    std::stable_sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
      return internals_[a].item < internals_[b].item;
    });
    std::vector<std::pair<std::string_view, std::string_view>> out;
    out.reserve(leaves_.size() + internals_.size());
    size_t n = 0;
    for (const Record& leaf : leaves_) {
      while (n < order.size() && internals_[order[n]].item <= leaf.item)
        out.push_back(View(internals_[order[n++]]));
      out.push_back(View(leaf));
    }
    return out;
  }

  std::vector<RestoreBoundary> boundaries;

 private:
  struct Record {
    uint64_t item;  // a leaf's item index; an internal node's first item
    size_t key_off, key_len;
    const char* value;  // a leaf's value in the chunk; null: in the arena at value_off
    size_t value_off, value_len;
  };
  std::pair<std::string_view, std::string_view> View(const Record& r) const {
    const char* v = r.value ? r.value : arena_.data() + r.value_off;
    return {std::string_view(arena_.data() + r.key_off, r.key_len),
            std::string_view(v, r.value_len)};
  }
  uint64_t height_;
  std::string arena_;
  std::vector<Record> leaves_, internals_;
};

// Writes the nodes above the chunks. A boundary subtree never needs a new
// label: each chunk rebuilt it at its true depth.
class TopEnv : public BuilderEnv {
 public:
  explicit TopEnv(RestoreTarget* target) : target_(target) {}
  Status WriteInternal(const BitString& path, const InternalNode& node, uint64_t) override {
    return target_->PutTopNode(path, node);
  }
  Result<NodeRef> Relabel(const BitString& path, const NodeRef&, const BitString&) override {
    return Status::Corruption("restored chunks do not fit together at " + ToHexAbbrev(path.bytes));
  }

 private:
  RestoreTarget* target_;
};

bool ByPath(const RestoreBoundary& a, const RestoreBoundary& b) {
  return CompareBits(a.path.bytes, a.path.bits, b.path.bytes, b.path.bits) < 0;
}

class RestoreSessionImpl : public RestoreSession {
 public:
  RestoreSessionImpl(std::unique_ptr<StateDb> db, Manifest m, Hash id, size_t ingest_queue)
      : db_(std::move(db)),
        target_(NewRestoreTarget(db_.get(), m.height, ingest_queue)),
        m_(std::move(m)),
        id_(id),
        gate_(m_.chunks.size()) {}

  const Manifest& manifest() const override { return m_; }
  const Hash& id() const override { return id_; }
  std::vector<size_t> Remaining() const override { return gate_.Remaining(); }

  Status Start(const RestoreOptions& options);
  Status Add(size_t index, std::string_view chunk_file, ChunkCheck* check) override;
  Status Finish() override;
  Status Abandon() override {
    gate_.Reset(std::vector<bool>(m_.chunks.size(), false));
    return target_->Abandon();
  }

 private:
  std::unique_ptr<StateDb> db_;
  std::unique_ptr<RestoreTarget> target_;
  Manifest m_;
  Hash id_;
  ChunkGate gate_;
};

Status RestoreSessionImpl::Start(const RestoreOptions& options) {
  (void)options;
  if (db_->hash_kind() != m_.hash) {
    return Status::InvalidArgument("the destination uses " + HashKindName(db_->hash_kind()) +
                                   ", the checkpoint " + HashKindName(m_.hash) +
                                   " (--force clears it)");
  }
  const auto heights = db_->Heights();
  if (!heights.empty()) {
    return Status::InvalidArgument("the destination holds other state (heights " +
                                   std::to_string(heights.front().height) + ".." +
                                   std::to_string(heights.back().height) + "; --force clears it)");
  }
  std::vector<bool> in(m_.chunks.size(), false);
  CHECKPOINT_RETURN_IF_ERROR(target_->Begin(id_, m_.height, m_.chunks.size(), &in));
  gate_.Reset(std::move(in));
  return Status::OK();
}

Status RestoreSessionImpl::Add(size_t index, std::string_view chunk_file, ChunkCheck* check) {
  return gate_.Add(index, check, [&]() -> Status {
    CollectEnv env(m_.height);
    // ChunkBuffer() is the leaf values' home until the ingestion.
    *check = CheckChunk(
        m_, m_.root, index, chunk_file, &env,
        [&env](uint64_t item, std::string_view k, std::string_view v) { env.Leaf(item, k, v); });
    if (check->cls != ChunkClass::kOk) return Status::OK();
    std::sort(env.boundaries.begin(), env.boundaries.end(), ByPath);
    return target_->Ingest(index, env.TakeSorted(), env.boundaries);
  });
}

Status RestoreSessionImpl::Finish() {
  const std::vector<size_t> remaining = Remaining();
  if (!remaining.empty()) {
    return Status::InvalidArgument(
        std::to_string(remaining.size()) +
        " chunks are missing (the first: " + std::to_string(remaining.front()) + ")");
  }
  TopEnv env(target_.get());
  TrieBuilder builder(m_.hash, m_.height, &env);
  CHECKPOINT_RETURN_IF_ERROR(target_->ForEachBoundary([&](RestoreBoundary b) {
    Status s = builder.Add({std::move(b.path), std::move(b.ref)});
    return s.ok() ? s : Status::Corruption("restored chunks do not fit together: " + s.message());
  }));
  CHECKPOINT_ASSIGN_OR_RETURN(NodeRef root, builder.Finish());
  const Hash got = root.present() ? root.hash : EmptyHash(m_.hash);
  if (got != m_.root || root.stats.leaves != m_.leaves) {
    return Status::Corruption("restored nodes fold to " + ToHex(got) + ", not the root " +
                              ToHex(m_.root));
  }
  return target_->Publish(m_.height, root);
}

Result<Manifest> ParseAnchored(std::string_view bytes, const RestoreOptions& options, Hash* id) {
  if (!options.anchors.any() && !options.trust_manifest) {
    return Status::InvalidArgument("no trust anchor: give --root or --id (or --trust-manifest)");
  }
  // A session sees manifest bytes, not signature files: operator keys are
  // checked where both are (RestoreFromSource), which then pins the id.
  if (!options.anchors.pubkeys.empty() && !options.anchors.root && !options.anchors.id) {
    return Status::InvalidArgument(
        "operator keys anchor a restore through RestoreFromSource, which checks the signatures");
  }
  Manifest m;
  ChunkClass cls;
  CHECKPOINT_RETURN_IF_ERROR(
      CheckAnchors(bytes, options.anchors, options.max_chunk_size, &m, id, &cls));
  CHECKPOINT_RETURN_IF_ERROR(CheckDeltaHeightAnchored(m, options));
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
  o.create_if_missing = !m.is_delta();  // a delta needs its base state there
  o.hash = m.hash;
  if (m.is_delta()) {
    if (options.force) {
      return Status::InvalidArgument(
          "--force does not go with a delta checkpoint: it applies to "
          "the state already in the database");
    }
    CHECKPOINT_ASSIGN_OR_RETURN(std::unique_ptr<StateDb> db, open(o));
    return StartDeltaSession(std::move(db), std::move(m), id);
  }
  CHECKPOINT_ASSIGN_OR_RETURN(std::unique_ptr<StateDb> db, open(o));
  auto session =
      std::make_unique<RestoreSessionImpl>(std::move(db), std::move(m), id, options.ingest_queue);
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

Result<std::unique_ptr<RestoreSession>> RestoreSession::BeginOnStore(
    NodeStore* store, std::string_view manifest, const RestoreOptions& options) {
  return StartSession(manifest, options,
                      [&](const StateDbOptions& o) { return StateDb::OpenOnStore(store, o); });
}

}  // namespace checkpoint
