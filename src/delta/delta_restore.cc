#include "delta/delta_restore.h"

#include <filesystem>

#include "chunk/format.h"
#include "delta/delta_check.h"
#include "ops/chunk_gate.h"
#include "state/delta_stage.h"
#include "state/state_db_internal.h"
#include "store/node_store.h"

namespace checkpoint {
namespace {

// The staged chunks' changes in key order (chunk by chunk: intervals ascend).
class StagedUpdates : public UpdateSource {
 public:
  StagedUpdates(DeltaStage* stage, uint64_t chunks) : stage_(stage), chunks_(chunks) {}

  bool Next(Update* out) override {
    DecodedItem d;
    for (;;) {
      if (decoder_ && decoder_->Next(&d)) {
        if (d.tag != ChunkItem::kPut && d.tag != ChunkItem::kDelete) continue;
        *out = Update{d.key, d.value, d.tag == ChunkItem::kDelete};
        return true;
      }
      if (decoder_ && !decoder_->status().ok()) return Fail(decoder_->status());
      if (next_ == chunks_) return false;
      Status s = stage_->Read(next_++, &canonical_);
      if (!s.ok()) return Fail(s);
      decoder_.emplace(canonical_, /*delta=*/true);
      ChunkHeader header;
      s = decoder_->Header(&header);
      if (!s.ok()) return Fail(s);
    }
  }
  Status status() const override { return status_; }

 private:
  bool Fail(const Status& s) {
    status_ = s;
    return false;
  }
  DeltaStage* stage_;
  uint64_t chunks_;
  uint64_t next_ = 0;
  std::string canonical_;
  std::optional<ChunkDecoder> decoder_;
  Status status_;
};

constexpr size_t kRecordCacheBytes = 64 << 20;

class DeltaSession : public RestoreSession {
 public:
  DeltaSession(std::unique_ptr<StateDb> db, Manifest m, const Hash& id)
      : db_(std::move(db)),
        stage_(NewDeltaStage(db_.get())),
        m_(std::move(m)),
        id_(id),
        gate_(m_.chunks.size()) {}

  Status Start() {
    const std::optional<uint64_t> latest = db_->LatestHeight();
    if (latest && *latest == m_.height) {
      auto view = db_->View(*latest);
      if (view.ok() && (*view)->root() == m_.root) {
        // Applied already (a rerun, or killed after the commit): tidy up.
        applied_ = true;
        gate_.Reset(std::vector<bool>(m_.chunks.size(), true));
        std::vector<bool> in(m_.chunks.size(), false);
        Status s = stage_->Begin(id_, m_.height, m_.chunks.size(), &in);
        return s.ok() ? stage_->End() : Status::OK();
      }
    }
    const ManifestBase& b = *m_.base;
    if (!latest || *latest != b.height) {
      return Status::InvalidArgument("the delta applies to height " + std::to_string(b.height) +
                                     " (root " + ToHex(b.root).substr(0, 16) +
                                     "…); the database's newest height is " +
                                     (latest ? std::to_string(*latest) : std::string("none")));
    }
    CHECKPOINT_ASSIGN_OR_RETURN(pin_, PinDeltaBase(db_.get(), m_));
    std::vector<bool> in(m_.chunks.size(), false);
    CHECKPOINT_RETURN_IF_ERROR(stage_->Begin(id_, m_.height, m_.chunks.size(), &in));
    gate_.Reset(std::move(in));
    return Status::OK();
  }

  const Manifest& manifest() const override { return m_; }
  const Hash& id() const override { return id_; }

  std::vector<size_t> Remaining() const override { return gate_.Remaining(); }

  Status Add(size_t index, std::string_view chunk_file, ChunkCheck* check) override {
    return gate_.Add(index, check, [&]() -> Status {
      std::string canonical;
      RecordLog log(&cache_);
      *check = CheckDeltaChunk(m_, index, chunk_file, &pin_, &canonical, &log);
      if (check->cls != ChunkClass::kOk) return Status::OK();
      CHECKPOINT_RETURN_IF_ERROR(stage_->Stage(index, canonical));
      cache_.Keep(&log);
      return Status::OK();
    });
  }

  Status Finish() override {
    const std::vector<size_t> remaining = Remaining();
    if (!remaining.empty()) {
      return Status::InvalidArgument(
          std::to_string(remaining.size()) +
          " chunks are missing (the first: " + std::to_string(remaining.front()) + ")");
    }
    if (applied_) return Status::OK();
    if (m_.height != m_.base->height) {
      pin_ = PinnedHeight{};  // the commit needs no snapshot of the base
      StagedUpdates updates(stage_.get(), m_.chunks.size());
      cache_.Seal();
      CHECKPOINT_RETURN_IF_ERROR(CommitThroughCache(db_.get(), m_.height, &updates, &cache_));
    }
    auto view = db_->View(m_.height);
    if (!view.ok()) return view.status();
    if ((*view)->root() != m_.root) {
      return Status::Corruption("the applied changes give root " + ToHex((*view)->root()) +
                                ", not the delta's " + ToHex(m_.root));
    }
    return stage_->End();
  }

  Status Abandon() override {
    gate_.Reset(std::vector<bool>(m_.chunks.size(), false));
    return stage_->End();
  }

 private:
  std::unique_ptr<StateDb> db_;
  std::unique_ptr<DeltaStage> stage_;
  Manifest m_;
  Hash id_;
  PinnedHeight pin_;
  // The checks read the base's nodes on every changed path; the commit reads
  // the same ones again, from here (docs/DECISIONS.md, "Delta checkpoints").
  RecordCache cache_{kRecordCacheBytes};
  bool applied_ = false;
  ChunkGate gate_;
};

}  // namespace

Status CheckDeltaHeightAnchored(const Manifest& m, const RestoreOptions& options) {
  const Anchors& a = options.anchors;
  if (!m.is_delta() || a.id || !a.pubkeys.empty() || options.trust_manifest || a.height)
    return Status::OK();
  return Status::InvalidArgument(
      "a delta checkpoint adds its height to the database, and --root does not vouch for the "
      "manifest's height " +
      std::to_string(m.height) + ": give --height (or --id, --pubkey)");
}

std::optional<std::pair<uint64_t, Hash>> NewestState(const std::string& db_dir) {
  std::error_code ec;
  if (!std::filesystem::exists(db_dir, ec)) return std::nullopt;
  // Root records are in the meta column. Opening the others would open and
  // index every node table file: a cost of the database's size, paid by an
  // apply that should cost the delta's.
  RocksStoreOptions ro;
  ro.read_only = true;
  ro.meta_only = true;
  ro.block_cache_bytes = 1 << 20;
  Result<std::unique_ptr<NodeStore>> store = OpenRocksStore(db_dir, ro);
  if (!store.ok()) return std::nullopt;  // the session says what is wrong with it
  StateDbOptions o;
  o.read_only = true;
  Result<std::unique_ptr<StateDb>> db =
      OpenOnSharedStore(std::shared_ptr<NodeStore>(std::move(store).value()), o);
  if (!db.ok()) return std::nullopt;
  const std::optional<uint64_t> latest = (*db)->LatestHeight();
  if (!latest) return std::nullopt;
  Result<std::unique_ptr<StateView>> view = (*db)->View(*latest);
  if (!view.ok()) return std::nullopt;
  return std::make_pair(*latest, (*view)->root());
}

Result<std::unique_ptr<RestoreSession>> StartDeltaSession(std::unique_ptr<StateDb> db, Manifest m,
                                                          const Hash& id) {
  if (db->hash_kind() != m.hash) {
    return Status::InvalidArgument("the database uses " + HashKindName(db->hash_kind()) +
                                   ", the delta " + HashKindName(m.hash));
  }
  auto session = std::make_unique<DeltaSession>(std::move(db), std::move(m), id);
  CHECKPOINT_RETURN_IF_ERROR(session->Start());
  return std::unique_ptr<RestoreSession>(std::move(session));
}

}  // namespace checkpoint
