// RestoreFromSource: a checkpoint from any ChunkSource into a database,
// through a RestoreSession, on a pool of threads; every problem with its class.
#include <algorithm>
#include <chrono>
#include <filesystem>

#include "checkpoint/checkpoint.h"
#include "checkpoint/restore.h"
#include "checkpoint/source.h"
#include "checkpoint/verify.h"
#include "delta/delta_restore.h"
#include "ops/sync.h"

namespace checkpoint {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// --force clears the destination before any chunk is in: check the whole
// checkpoint first, so a bad one never costs the state already there.
// Returns false (with the problems in *report) when it is bad.
Result<bool> VerifyBeforeClearing(ChunkSource* source, const RestoreOptions& options,
                                  RestoreReport* report) {
  VerifyOptions vo;
  vo.anchors = options.anchors;
  vo.threads = options.threads;
  vo.max_chunk_size = options.max_chunk_size;
  CHECKPOINT_ASSIGN_OR_RETURN(VerifyReport verified, VerifySource(source, vo));
  if (verified.ok()) return true;
  report->stage = RestoreStage::kVerifyFirst;
  report->problems = std::move(verified.problems);
  report->mirrors = std::move(verified.mirrors);
  return false;
}

// A store may hold a full checkpoint and deltas of one height: the ones the
// destination can take go first — a delta whose base is its newest height
// (or that it already holds), else full ones for an empty destination.
void PreferWhatFits(const std::string& db_dir, std::vector<AnchoredOffer>* offers) {
  if (offers->size() < 2) return;  // nothing to order: spare opening the database
  const std::optional<std::pair<uint64_t, Hash>> have = NewestState(db_dir);
  auto fits = [&](const AnchoredOffer& o) {
    const Manifest& m = o.manifest;
    if (!m.is_delta()) return !have;
    return have && ((have->first == m.base->height && have->second == m.base->root) ||
                    (have->first == m.height && have->second == m.root));
  };
  std::stable_partition(offers->begin(), offers->end(), fits);
}

}  // namespace

Result<RestoreReport> RestoreFromSource(ChunkSource* source, const std::string& db_dir,
                                        const RestoreOptions& options) {
  const auto start = Clock::now();
  if (!options.anchors.any() && !options.trust_manifest) {
    return Status::InvalidArgument("no trust anchor: give --root or --id (or --trust-manifest)");
  }
  RestoreReport report;
  auto done = [&](RestoreStage stage) {
    report.stage = stage;
    report.seconds = SecondsSince(start);
    return report;
  };
  std::error_code ec;
  if (options.force && std::filesystem::exists(db_dir, ec)) {
    CHECKPOINT_ASSIGN_OR_RETURN(bool good, VerifyBeforeClearing(source, options, &report));
    if (!good) return done(RestoreStage::kVerifyFirst);
  }
  // The manifests against the anchors before the database is opened: a
  // contradiction is a problem of the checkpoint, with its class.
  CHECKPOINT_ASSIGN_OR_RETURN(Offers found,
                              AnchoredOffers(source, options.anchors, options.max_chunk_size));
  report.mirrors = found.Mirrors(*source);
  if (found.anchored.empty()) {
    report.problems = found.problems;
    return done(RestoreStage::kManifest);
  }
  if (!options.force) PreferWhatFits(db_dir, &found.anchored);
  Status first_refusal;
  for (size_t k = 0; k < found.anchored.size(); ++k) {
    const AnchoredOffer& offer = found.anchored[k];
    // The offer held against every anchor, signatures included: from here
    // on it is this manifest, by id.
    RestoreOptions pinned = options;
    pinned.anchors.id = offer.offer.id;
    Status fits = CheckDeltaHeightAnchored(offer.manifest, options);
    Result<std::unique_ptr<RestoreSession>> begun =
        fits.ok() ? RestoreSession::Begin(db_dir, offer.offer.bytes, pinned)
                  : Result<std::unique_ptr<RestoreSession>>(fits);
    // A manifest this destination cannot take (a delta from another base,
    // say) gives way to the next one of the same root.
    if (!begun.ok() && begun.status().IsInvalidArgument() && k + 1 < found.anchored.size() &&
        found.anchored[k + 1].manifest.root == offer.manifest.root) {
      if (first_refusal.ok()) first_refusal = begun.status();
      continue;
    }
    if (!begun.ok()) return first_refusal.ok() ? begun.status() : first_refusal;
    std::unique_ptr<RestoreSession> session = std::move(*begun);
    const Manifest& m = session->manifest();
    report.manifest = m;
    report.id = session->id();
    const std::vector<size_t> todo = session->Remaining();
    report.resumed = m.chunks.size() - todo.size();
    source->Start(offer.offer, m, todo);
    CHECKPOINT_RETURN_IF_ERROR(PullChunks(
        source, ThreadsOrCores(options.threads),
        [&](const ChunkDelivery& d, ChunkCheck* check) {
          return session->Add(d.index, d.bytes, check);
        },
        &report.bytes, &report.local_error));
    report.mirrors = found.Mirrors(*source);
    report.problems = source->Unavailable();
    if (!report.local_error.empty()) return done(RestoreStage::kChunks);
    if (!report.problems.empty()) {
      // Only a manifest of the same root may take over: what went in stays,
      // and it is true state of that root only.
      if (k + 1 == found.anchored.size() || found.anchored[k + 1].manifest.root != m.root) {
        return done(RestoreStage::kChunks);
      }
      // Under --root, a manifest whose chunks nobody provides may be the
      // forgery: what went in is true state of the root, but its progress
      // belongs to that manifest. Drop it and try the next.
      CHECKPOINT_RETURN_IF_ERROR(session->Abandon());
      continue;
    }
    Status s = session->Finish();
    if (s.IsCorruption()) {
      // Each chunk stood on its proof, yet together they do not make the root.
      report.problems.push_back({-1, ChunkClass::kInvalid, s.message()});
      return done(RestoreStage::kFinish);
    }
    CHECKPOINT_RETURN_IF_ERROR(s);
    return done(RestoreStage::kDone);
  }
  return done(RestoreStage::kChunks);  // not reached: the last offer returns
}

Result<RestoreReport> RestoreCheckpoint(const std::string& dir, const std::string& db_dir,
                                        const RestoreOptions& options) {
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::path(dir) / kManifestFile, ec) &&
      !std::filesystem::is_symlink(std::filesystem::path(dir) / kManifestFile, ec)) {
    return Status::NotFound("no checkpoint at " + dir + " (no manifest.json)");
  }
  std::unique_ptr<ChunkSource> source = NewDirectorySource(dir);
  return RestoreFromSource(source.get(), db_dir, options);
}

}  // namespace checkpoint
