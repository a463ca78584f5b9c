// VerifyCheckpoint: the manifest and its anchors first, then every chunk in
// parallel, in any order, each on its own.
#include "checkpoint/verify.h"

#include <zstd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <thread>

#include "checkpoint/checkpoint.h"
#include "checkpoint/source.h"
#include "delta/delta_check.h"
#include "ops/chunk_check.h"
#include "ops/files.h"
#include "ops/layout.h"
#include "ops/sync.h"
#include "ops/verify_internal.h"

namespace checkpoint {
namespace fs = std::filesystem;
namespace {

void FindExtra(const std::string& dir, size_t chunks, VerifyReport* report) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (!IsCheckpointEntry(name)) report->extra.push_back(name);
  }
  for (const auto& e : fs::directory_iterator(fs::path(dir) / kChunkDir, ec)) {
    const std::string rel = std::string(kChunkDir) + "/" + e.path().filename().string();
    // Parse and compare rather than list every name the manifest implies.
    std::optional<uint64_t> index = ParseChunkFileName(rel);
    if (!index || *index >= chunks) report->extra.push_back(rel);
  }
  std::sort(report->extra.begin(), report->extra.end());
}

}  // namespace

VerifyReport VerifyLoaded(const Result<std::string>& manifest_bytes, const ChunkReader& read_chunk,
                          const VerifyOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  VerifyReport report;
  auto problem = [&](int64_t chunk, ChunkClass cls, std::string msg) {
    report.problems.push_back({chunk, cls, std::move(msg)});
  };
  if (!manifest_bytes.ok()) {
    const Status& s = manifest_bytes.status();
    problem(-1, s.IsNotFound() ? ChunkClass::kMissing : ChunkClass::kCorrupt,
            s.IsNotFound() ? std::string("no ") + kManifestFile : s.message());
    return report;
  }
  ChunkClass cls;
  Status s = CheckAnchors(manifest_bytes.value(), options.anchors, options.max_chunk_size,
                          &report.manifest, &report.id, &cls);
  if (!s.ok()) {
    problem(-1, cls, s.message());
    return report;
  }
  const Manifest& m = report.manifest;
  const Anchors& a = options.anchors;
  const Hash root = a.root ? *a.root : m.root;
  Result<std::unique_ptr<DeltaBase>> base = std::unique_ptr<DeltaBase>();
  if (m.is_delta() && !options.base_db.empty()) {
    base = OpenDeltaBase(options.base_db, m);
    if (!base.ok()) {
      report.local_error = base.status().message();
      return report;
    }
  }
  const PinnedHeight* pin = *base ? &(*base)->pin : nullptr;
  report.proofs_need_base = m.is_delta() && !pin;
  if (report.proofs_need_base && DeltaNeedsBase(a)) {
    problem(-1, ChunkClass::kInvalid, kDeltaNeedsBase);
    return report;
  }
  report.manifest_ok = true;

  std::vector<ChunkCheck> results(m.chunks.size());
  std::vector<uint64_t> file_bytes(m.chunks.size(), 0);
  const std::vector<size_t> order = CheckOrder(options.order, m.chunks.size());
  std::mutex local_mu;
  auto check = [&](size_t i) {
    Result<std::string> file = read_chunk(m, i);
    if (IsLocalReadError(file.status())) {
      std::lock_guard<std::mutex> lock(local_mu);
      if (report.local_error.empty()) report.local_error = file.status().message();
      return;
    }
    if (!file.ok()) {
      results[i] = ReadFailure(file.status(), i);
      return;
    }
    file_bytes[i] = file->size();
    results[i] = CheckAnyChunk(m, root, i, *file, pin);
  };
  const unsigned threads =
      options.threads ? options.threads : std::max(1u, std::thread::hardware_concurrency());
  if (threads == 1) {
    for (size_t i : order) check(i);
  } else {
    boost::asio::thread_pool pool(threads);
    for (size_t i : order) boost::asio::post(pool, [&, i] { check(i); });
    pool.join();
  }
  for (size_t i = 0; i < results.size(); ++i) {
    if (results[i].cls != ChunkClass::kOk)
      problem(static_cast<int64_t>(i), results[i].cls, results[i].message);
    report.bytes += file_bytes[i];
    report.raw_bytes += results[i].raw_bytes;
  }
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

Result<VerifyReport> VerifyCheckpoint(const std::string& dir, const VerifyOptions& options) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return Status::NotFound("no checkpoint at " + dir);
  if (!options.anchors.pubkeys.empty()) {
    // Operator keys need the signature files: the source path reads them.
    std::unique_ptr<ChunkSource> source = NewDirectorySource(dir);
    CHECKPOINT_ASSIGN_OR_RETURN(VerifyReport report, VerifySource(source.get(), options));
    if (report.manifest_ok) FindExtra(dir, report.manifest.chunks.size(), &report);
    return report;
  }
  std::string bytes;
  Status s = ReadManifestFile(dir, &bytes);
  if (s.IsIOError()) return s;
  Result<std::string> manifest =
      s.ok() ? Result<std::string>(std::move(bytes)) : Result<std::string>(s);
  VerifyReport report = VerifyLoaded(
      manifest, [&dir](const Manifest& m, size_t i) { return ReadChunkFile(dir, m, i); }, options);
  if (!report.local_error.empty()) return Status::IOError(report.local_error);
  if (report.manifest_ok) FindExtra(dir, report.manifest.chunks.size(), &report);
  return report;
}

}  // namespace checkpoint
