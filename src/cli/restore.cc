// checkpoint restore CKPT --db DIR [--root HEX] [--id HEX] [--height N]
//   [--trust-manifest] [--threads T] [--max-chunk-size SIZE] [--force] [--json]
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "checkpoint/checkpoint.h"
#include "checkpoint/restore.h"
#include "checkpoint/verify.h"
#include "cli/command.h"
#include "cli/json_out.h"
#include "cli/trust.h"
#include "ops/chunk_check.h"
#include "ops/files.h"

namespace po = boost::program_options;

namespace checkpoint::cli {

int RunRestore(const Args& args) {
  const auto start = std::chrono::steady_clock::now();
  po::options_description d("restore");
  AddDbOption(&d);
  AddJsonOption(&d);
  AddTrustOptions(&d);
  d.add_options()("checkpoint", po::value<std::string>(), "checkpoint directory")(
      "trust-manifest", po::bool_switch(), "restore without --root or --id, on the manifest's word")(
      "force", po::bool_switch(), "clear a destination that holds other state");
  AddThreadsOption(&d, "restoring threads (default: cores)");
  po::positional_options_description pos;
  pos.add("checkpoint", 1);
  po::variables_map vm;
  if (auto code = ParseArgs("restore", args, d, pos, &vm)) return *code;
  if (!vm.count("checkpoint")) return Fail(kExitUsage, "restore: which checkpoint? (checkpoint restore CKPT --db DIR)");
  RestoreOptions options;
  if (auto code = ParseTrust(vm, &options.anchors)) return *code;
  if (auto code = ParseMaxChunkSize(vm, &options.max_chunk_size)) return *code;
  options.trust_manifest = vm["trust-manifest"].as<bool>();
  options.force = vm["force"].as<bool>();
  if (!options.anchors.any() && !options.trust_manifest) {
    return Fail(kExitUsage, "restore needs a trust anchor: --root or --id (or --trust-manifest)");
  }
  int code = kExitOk;
  auto parsed = ParseThreads(vm, &code);
  if (!parsed) return code;
  const unsigned threads = *parsed ? *parsed : std::max(1u, std::thread::hardware_concurrency());
  const std::string dir = vm["checkpoint"].as<std::string>();
  const std::string db_dir = vm["db"].as<std::string>();

  std::string manifest;
  Status s = ReadManifestFile(dir, &manifest);
  if (s.IsNotFound()) return Fail(kExitError, "no checkpoint at " + dir + " (no manifest.json)");
  if (!s.ok()) return Fail(s);
  // --force clears the destination before any chunk is in: check the whole
  // checkpoint first, so a bad one never costs the state already there.
  std::error_code ec;
  if (options.force && std::filesystem::exists(db_dir, ec)) {
    VerifyOptions vo;
    vo.anchors = options.anchors;
    vo.threads = threads;
    vo.max_chunk_size = options.max_chunk_size;
    auto report = VerifyCheckpoint(dir, vo);
    if (!report.ok()) return Fail(report.status());
    if (!report->local_error.empty()) return Fail(kExitError, report->local_error);
    if (!report->ok()) {
      for (const ChunkProblem& p : report->problems) {
        std::cout << (p.chunk < 0 ? "manifest" : "chunk " + std::to_string(p.chunk)) << ": "
                  << ChunkClassName(p.cls) << ": " << p.message << "\n";
      }
      return Fail(kExitVerifyFailed, "verification failed before --force cleared anything: " + db_dir +
                                         " is untouched");
    }
  }
  auto session = RestoreSession::Begin(db_dir, manifest, options);
  if (!session.ok()) {
    const Status& e = session.status();
    // A manifest that contradicts its anchors or does not parse fails verification.
    const bool verification = e.IsCorruption() || (e.IsInvalidArgument() && e.message().rfind("manifest", 0) == 0);
    return Fail(verification ? kExitVerifyFailed : kExitError, e.message());
  }
  RestoreSession& r = **session;
  const Manifest& m = r.manifest();
  const std::vector<size_t> todo = r.Remaining();
  const size_t resumed = m.chunks.size() - todo.size();

  std::mutex mu;
  std::vector<ChunkProblem> problems;
  Status io;
  uint64_t bytes = 0;
  {
    boost::asio::thread_pool pool(threads);
    for (size_t i : todo) {
      boost::asio::post(pool, [&, i] {
        Result<std::string> file = ReadChunkFile(dir, m, i);
        ChunkCheck check;
        Status add;
        if (IsLocalReadError(file.status())) {
          add = file.status();  // this machine's problem: exit 1, not "refetch"
        } else if (!file.ok()) {
          check = ReadFailure(file.status(), i);
        } else {
          add = r.Add(i, *file, &check);
        }
        std::lock_guard<std::mutex> lock(mu);
        if (file.ok()) bytes += file->size();
        if (!add.ok() && io.ok()) io = add;
        if (check.cls != ChunkClass::kOk) problems.push_back({static_cast<int64_t>(i), check.cls, check.message});
      });
    }
    pool.join();
  }
  if (!io.ok()) return Fail(io);
  std::sort(problems.begin(), problems.end(),
            [](const ChunkProblem& a, const ChunkProblem& b) { return a.chunk < b.chunk; });
  for (const ChunkProblem& p : problems) {
    std::cout << "chunk " << p.chunk << ": " << ChunkClassName(p.cls) << ": " << p.message << "\n";
  }
  if (!problems.empty()) {
    return Fail(kExitVerifyFailed, "verification failed: " + std::to_string(problems.size()) +
                                       " bad chunks; nothing is visible yet, and verified chunks are kept for a rerun");
  }
  s = r.Finish();
  if (!s.ok()) return Fail(s.IsCorruption() ? kExitVerifyFailed : kExitError, s.message());
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string abs = std::filesystem::absolute(db_dir).lexically_normal().string();
  if (vm["json"].as<bool>()) {
    nlohmann::json j = {{"path", abs},           {"id", ToHex(r.id())},   {"height", m.height},
                        {"root", ToHex(m.root)}, {"chunks", m.chunks.size()}, {"resumed", resumed},
                        {"leaves", m.leaves},    {"bytes", bytes},        {"seconds", seconds}};
    PrintJson(j);
  } else {
    std::cout << "restored height " << m.height << " root " << ToHex(m.root) << " chunks "
              << m.chunks.size() << " (" << resumed << " already in) leaves " << m.leaves << "\n"
              << abs << "\n";
  }
  return kExitOk;
}

}  // namespace checkpoint::cli
