// FetchCheckpoint: a checkpoint from mirrors into a local store, verified
// chunk by chunk, resumable, published atomically.
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "checkpoint/checkpoint.h"
#include "checkpoint/source.h"
#include "checkpoint/store.h"
#include "delta/delta_check.h"
#include "ops/chunk_check.h"
#include "ops/files.h"
#include "ops/layout.h"
#include "ops/signatures.h"
#include "ops/store_index.h"
#include "ops/sync.h"
#include "util/clock.h"

namespace checkpoint {
namespace fs = std::filesystem;
namespace {

// The partial download directory and its chunks/, made if missing; whatever
// is there must be a directory of ours, not a link.
Status MakePartialDir(const std::string& dir) {
  struct stat st;
  if (::lstat(dir.c_str(), &st) == 0) {
    return S_ISDIR(st.st_mode) ? Status::OK() : Status::IOError(dir + " is not a directory");
  }
  return MakeNewDir(dir);
}

Status MakePartial(const std::string& partial) {
  CHECKPOINT_RETURN_IF_ERROR(MakePartialDir(partial));
  return MakePartialDir(partial + "/" + kChunkDir);
}

// Checks again what an interrupted fetch kept: sets have[i] for every good
// chunk file, removes the rest (a file cut short by a crash, say).
Status CheckKept(const std::string& partial, const AnchoredOffer& offer, const Hash& root,
                 unsigned threads, std::vector<bool>* have, std::string* local_error) {
  const Manifest& m = offer.manifest;
  std::vector<size_t> kept;
  for (size_t i = 0; i < m.chunks.size(); ++i) {
    struct stat st;
    if (::lstat((partial + "/" + ChunkFileName(i)).c_str(), &st) == 0) kept.push_back(i);
  }
  if (kept.empty()) return Status::OK();
  std::unique_ptr<ChunkSource> dir = NewDirectorySource(partial);
  dir->Start(offer.offer, m, kept);
  std::vector<uint8_t> good(m.chunks.size(), 0);
  uint64_t bytes = 0;
  CHECKPOINT_RETURN_IF_ERROR(PullChunks(
      dir.get(), threads,
      [&](const ChunkDelivery& d, ChunkCheck* check) {
        *check = CheckAnyChunk(m, root, d.index, d.bytes, nullptr);
        good[d.index] = check->cls == ChunkClass::kOk;
        return Status::OK();
      },
      &bytes, local_error));
  for (size_t i : kept) {
    if (good[i]) {
      (*have)[i] = true;
    } else {
      ::unlink((partial + "/" + ChunkFileName(i)).c_str());
    }
  }
  return Status::OK();
}

// Writes the manifest and info file, makes everything durable, and renames
// the partial download to its name in the store.
Status Publish(const std::string& store, const std::string& partial, const AnchoredOffer& offer,
               const std::vector<MirrorReport>& mirrors, const std::string& final_path) {
  const Manifest& m = offer.manifest;
  CHECKPOINT_RETURN_IF_ERROR(WriteFileSynced(partial + "/" + kManifestFile, offer.offer.bytes));
  nlohmann::json from = nlohmann::json::array();
  for (const MirrorReport& r : mirrors) {
    if (r.chunks > 0) from.push_back(r.name);
  }
  nlohmann::json info = {{"created", UtcTimestamp()}, {"fetched_from", from}};
  CHECKPOINT_RETURN_IF_ERROR(WriteFileSynced(partial + "/" + kInfoFile, info.dump(1) + "\n"));
  for (size_t i = 0; i < m.chunks.size(); ++i) {
    CHECKPOINT_RETURN_IF_ERROR(FsyncFile(partial + "/" + ChunkFileName(i)));
  }
  CHECKPOINT_RETURN_IF_ERROR(FsyncDir(partial + "/" + kChunkDir));
  CHECKPOINT_RETURN_IF_ERROR(FsyncDir(partial));
  struct stat st;
  if (::lstat(final_path.c_str(), &st) == 0) {
    // A damaged copy under the name: swap the good one in atomically, then
    // remove the old one from the partial name.
    CHECKPOINT_RETURN_IF_ERROR(ExchangePaths(partial, final_path));
    CHECKPOINT_RETURN_IF_ERROR(FsyncDir(store));
    RemoveTree(partial);
  } else {
    CHECKPOINT_RETURN_IF_ERROR(RenamePath(partial, final_path));
  }
  return FsyncDir(store);
}

}  // namespace

Result<FetchReport> FetchCheckpoint(ChunkSource* source, const std::string& store,
                                    const FetchOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  if (!options.anchors.any() && !options.trust_manifest) {
    return Status::InvalidArgument("no trust anchor: give --root or --id (or --trust-manifest)");
  }
  FetchReport report;
  auto done = [&](FetchStage stage) {
    report.stage = stage;
    report.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
  };
  CHECKPOINT_ASSIGN_OR_RETURN(StoreLock lock, StoreLock::Acquire(store, options.lock_wait_seconds));
  CHECKPOINT_ASSIGN_OR_RETURN(Offers found,
                              AnchoredOffers(source, options.anchors, options.max_chunk_size));
  report.mirrors = found.Mirrors(*source);
  if (found.anchored.empty()) {
    report.problems = found.problems;
    return done(FetchStage::kManifest);
  }
  const unsigned threads = ThreadsOrCores(options.threads);
  for (size_t k = 0; k < found.anchored.size(); ++k) {
    const AnchoredOffer& offer = found.anchored[k];
    const Manifest& m = offer.manifest;
    const Hash root = options.anchors.root ? *options.anchors.root : m.root;
    // A delta's chunks prove nothing without its base: only a trusted
    // manifest (its digests) vouches for them here.
    if (m.is_delta() && !options.anchors.id && options.anchors.pubkeys.empty() &&
        !options.trust_manifest) {
      if (k + 1 < found.anchored.size()) continue;  // another manifest of the root may do
      return Status::InvalidArgument(
          "a delta checkpoint's chunks cannot be checked without its base state: fetch it "
          "under --id or --pubkey, or restore it into the database at its base height");
    }
    report.manifest = m;
    report.id = offer.offer.id;
    const std::string final_path = store + "/" + CheckpointName(m.height, report.id);
    report.path = fs::absolute(final_path).lexically_normal().string();
    Result<StoredCheckpoint> there = ReadCompleteCheckpoint(final_path);
    if (there.ok() && there->id == report.id) {
      report.existed = true;
      CHECKPOINT_RETURN_IF_ERROR(WriteStoreIndex(store, lock));
      return done(FetchStage::kDone);
    }
    const std::string partial = store + "/" + PartialName(report.id);
    CHECKPOINT_RETURN_IF_ERROR(MakePartial(partial));
    std::vector<bool> have(m.chunks.size(), false);
    CHECKPOINT_RETURN_IF_ERROR(
        CheckKept(partial, offer, root, threads, &have, &report.local_error));
    if (!report.local_error.empty()) return done(FetchStage::kChunks);
    std::vector<size_t> wanted;
    for (size_t i = 0; i < m.chunks.size(); ++i) {
      if (!have[i]) wanted.push_back(i);
    }
    report.resumed = m.chunks.size() - wanted.size();
    // Copies of one chunk may pass at once; the first writes it.
    std::unique_ptr<std::atomic<bool>[]> written(new std::atomic<bool>[m.chunks.size()]());
    source->Start(offer.offer, m, wanted);
    CHECKPOINT_RETURN_IF_ERROR(PullChunks(
        source, threads,
        [&](const ChunkDelivery& d, ChunkCheck* check) {
          *check = CheckAnyChunk(m, root, d.index, d.bytes, nullptr);
          if (check->cls != ChunkClass::kOk || written[d.index].exchange(true)) return Status::OK();
          return WriteFileStartSync(partial + "/" + ChunkFileName(d.index), d.bytes);
        },
        &report.bytes, &report.local_error));
    report.mirrors = found.Mirrors(*source);
    report.problems = source->Unavailable();
    if (!report.local_error.empty()) return done(FetchStage::kChunks);
    if (!report.problems.empty()) {
      if (k + 1 == found.anchored.size()) return done(FetchStage::kChunks);
      // Under --root, a manifest whose chunks nobody provides may be the
      // forgery: its download can never complete.
      RemoveTree(partial);
      continue;
    }
    if (!options.anchors.pubkeys.empty()) {
      // The signatures that made it trusted travel with it, so this store serves them too.
      CHECKPOINT_ASSIGN_OR_RETURN(std::vector<std::string> ids, ConfiguredKeyIds(options.anchors));
      const auto valid =
          ValidSignatures(offer.offer.bytes, source->Signatures(offer.offer, ids), options.anchors);
      // Read again from the mirrors: they must still make the threshold.
      if (valid.size() < options.anchors.threshold) {
        report.problems.push_back(
            {-1, ChunkClass::kUntrusted, "the mirrors no longer serve enough valid signatures"});
        return done(FetchStage::kManifest);
      }
      CHECKPOINT_RETURN_IF_ERROR(MakePartialDir(partial + "/" + kSignatureDir));
      for (const auto& [id, text] : valid) {
        CHECKPOINT_RETURN_IF_ERROR(
            WriteFileSynced(partial + "/" + kSignatureDir + "/" + id + ".minisig", text));
      }
    }
    CHECKPOINT_RETURN_IF_ERROR(Publish(store, partial, offer, report.mirrors, final_path));
    CHECKPOINT_RETURN_IF_ERROR(WriteStoreIndex(store, lock));
    return done(FetchStage::kDone);
  }
  return done(FetchStage::kChunks);  // not reached: the last offer returns
}

}  // namespace checkpoint
