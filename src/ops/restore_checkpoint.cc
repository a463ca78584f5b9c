// RestoreCheckpoint: a checkpoint directory into a database, through a
// RestoreSession, on a pool of threads; every problem with its class.
#include <algorithm>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include "checkpoint/restore.h"
#include "checkpoint/verify.h"
#include "ops/chunk_check.h"
#include "ops/files.h"
#include "ops/layout.h"

namespace checkpoint {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// --force clears the destination before any chunk is in: check the whole
// checkpoint first, so a bad one never costs the state already there.
// Returns false (with the problems in *report) when it is bad.
Result<bool> VerifyBeforeClearing(const std::string& dir, const RestoreOptions& options,
                                  unsigned threads, RestoreReport* report) {
  VerifyOptions vo;
  vo.anchors = options.anchors;
  vo.threads = threads;
  vo.max_chunk_size = options.max_chunk_size;
  CHECKPOINT_ASSIGN_OR_RETURN(VerifyReport verified, VerifyCheckpoint(dir, vo));
  if (!verified.local_error.empty()) return Status::IOError(verified.local_error);
  if (verified.ok()) return true;
  report->stage = RestoreStage::kVerifyFirst;
  report->problems = std::move(verified.problems);
  return false;
}

}  // namespace

Result<RestoreReport> RestoreCheckpoint(const std::string& dir, const std::string& db_dir,
                                        const RestoreOptions& options) {
  const auto start = Clock::now();
  if (!options.anchors.any() && !options.trust_manifest) {
    return Status::InvalidArgument("no trust anchor: give --root or --id (or --trust-manifest)");
  }
  const unsigned threads =
      options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  RestoreReport report;
  std::string manifest;
  Status s = ReadManifestFile(dir, &manifest);
  if (s.IsNotFound()) {
    return Status::NotFound("no checkpoint at " + dir + " (no " + kManifestFile + ")");
  }
  CHECKPOINT_RETURN_IF_ERROR(s);
  std::error_code ec;
  if (options.force && std::filesystem::exists(db_dir, ec)) {
    CHECKPOINT_ASSIGN_OR_RETURN(bool good, VerifyBeforeClearing(dir, options, threads, &report));
    if (!good) {
      report.seconds = SecondsSince(start);
      return report;
    }
  }
  // The manifest against the anchors before the database is opened: a
  // contradiction is a problem of the checkpoint, with its class.
  ChunkClass cls;
  s = CheckAnchors(manifest, options.anchors, options.max_chunk_size, &report.manifest, &report.id,
                   &cls);
  if (!s.ok()) {
    report.stage = RestoreStage::kManifest;
    report.problems.push_back({-1, cls, s.message()});
    report.seconds = SecondsSince(start);
    return report;
  }
  CHECKPOINT_ASSIGN_OR_RETURN(std::unique_ptr<RestoreSession> session,
                              RestoreSession::Begin(db_dir, manifest, options));
  RestoreSession& r = *session;
  const Manifest& m = r.manifest();
  const std::vector<size_t> todo = r.Remaining();
  report.resumed = m.chunks.size() - todo.size();
  report.stage = RestoreStage::kChunks;

  std::mutex mu;
  Status io;
  {
    boost::asio::thread_pool pool(threads);
    for (size_t i : todo) {
      boost::asio::post(pool, [&, i] {
        Result<std::string> file = ReadChunkFile(dir, m, i);
        ChunkCheck check;
        Status add;
        const bool local = IsLocalReadError(file.status());
        if (local) {
          // this machine's problem (exit 1), not "refetch"
        } else if (!file.ok()) {
          check = ReadFailure(file.status(), i);
        } else {
          add = r.Add(i, *file, &check);
        }
        std::lock_guard<std::mutex> lock(mu);
        if (file.ok()) report.bytes += file->size();
        if (local && report.local_error.empty()) report.local_error = file.status().message();
        if (!add.ok() && io.ok()) io = add;
        if (check.cls != ChunkClass::kOk)
          report.problems.push_back({static_cast<int64_t>(i), check.cls, check.message});
      });
    }
    pool.join();
  }
  CHECKPOINT_RETURN_IF_ERROR(io);
  std::sort(report.problems.begin(), report.problems.end(),
            [](const ChunkProblem& a, const ChunkProblem& b) { return a.chunk < b.chunk; });
  if (!report.problems.empty() || !report.local_error.empty()) {
    report.seconds = SecondsSince(start);
    return report;
  }
  s = r.Finish();
  if (s.IsCorruption()) {
    // Each chunk stood on its proof, yet together they do not make the root.
    report.stage = RestoreStage::kFinish;
    report.problems.push_back({-1, ChunkClass::kInvalid, s.message()});
  } else {
    CHECKPOINT_RETURN_IF_ERROR(s);
    report.stage = RestoreStage::kDone;
  }
  report.seconds = SecondsSince(start);
  return report;
}

}  // namespace checkpoint
