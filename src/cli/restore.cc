// checkpoint restore CKPT --db DIR [--root HEX] [--id HEX] [--height N]
//   [--trust-manifest] [--threads T] [--max-chunk-size SIZE] [--force] [--json]
#include "checkpoint/restore.h"

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "checkpoint/checkpoint.h"
#include "checkpoint/verify.h"
#include "cli/command.h"
#include "cli/json_out.h"
#include "cli/trust.h"

namespace po = boost::program_options;

namespace checkpoint::cli {
namespace {

// One line a problem, on stdout: "chunk 2: corrupt: …" or "manifest: invalid: …".
void PrintProblems(const std::vector<ChunkProblem>& problems) {
  for (const ChunkProblem& p : problems) {
    std::cout << (p.chunk < 0 ? "manifest" : "chunk " + std::to_string(p.chunk)) << ": "
              << ChunkClassName(p.cls) << ": " << p.message << "\n";
  }
}

}  // namespace

int RunRestore(const Args& args) {
  po::options_description d("restore");
  AddDbOption(&d);
  AddJsonOption(&d);
  AddTrustOptions(&d);
  d.add_options()("checkpoint", po::value<std::string>(), "checkpoint directory")(
      "trust-manifest", po::bool_switch(),
      "restore without --root or --id, on the manifest's word")(
      "force", po::bool_switch(), "clear a destination that holds other state");
  AddThreadsOption(&d, "restoring threads (default: cores)");
  po::positional_options_description pos;
  pos.add("checkpoint", 1);
  po::variables_map vm;
  if (auto code = ParseArgs("restore", args, d, pos, &vm)) return *code;
  if (!vm.count("checkpoint"))
    return Fail(kExitUsage, "restore: which checkpoint? (checkpoint restore CKPT --db DIR)");
  RestoreOptions options;
  if (auto code = ParseTrust(vm, &options.anchors)) return *code;
  if (auto code = ParseMaxChunkSize(vm, &options.max_chunk_size)) return *code;
  options.trust_manifest = vm["trust-manifest"].as<bool>();
  options.force = vm["force"].as<bool>();
  if (!options.anchors.any() && !options.trust_manifest) {
    return Fail(kExitUsage, "restore needs a trust anchor: --root or --id (or --trust-manifest)");
  }
  if (auto code = ParseThreads(vm, &options.threads)) return *code;
  const std::string dir = vm["checkpoint"].as<std::string>();
  const std::string db_dir = vm["db"].as<std::string>();

  Result<RestoreReport> restored = RestoreCheckpoint(dir, db_dir, options);
  if (!restored.ok()) return Fail(restored.status());
  const RestoreReport& report = *restored;
  if (!report.local_error.empty()) return Fail(kExitError, report.local_error);
  switch (report.stage) {
    case RestoreStage::kVerifyFirst:
      PrintProblems(report.problems);
      return Fail(kExitVerifyFailed, "verification failed before --force cleared anything: " +
                                         db_dir + " is untouched");
    case RestoreStage::kManifest:
    case RestoreStage::kFinish:
      return Fail(kExitVerifyFailed, report.problems.front().message);
    case RestoreStage::kChunks:
      PrintProblems(report.problems);
      return Fail(
          kExitVerifyFailed,
          "verification failed: " + std::to_string(report.problems.size()) +
              " bad chunks; nothing is visible yet, and verified chunks are kept for a rerun");
    case RestoreStage::kDone:
      break;
  }
  const Manifest& m = report.manifest;
  const std::string abs = std::filesystem::absolute(db_dir).lexically_normal().string();
  if (vm["json"].as<bool>()) {
    nlohmann::json j = {
        {"path", abs},           {"id", ToHex(report.id)},    {"height", m.height},
        {"root", ToHex(m.root)}, {"chunks", m.chunks.size()}, {"resumed", report.resumed},
        {"leaves", m.leaves},    {"bytes", report.bytes},     {"seconds", report.seconds}};
    PrintJson(j);
  } else {
    std::cout << "restored height " << m.height << " root " << ToHex(m.root) << " chunks "
              << m.chunks.size() << " (" << report.resumed << " already in) leaves " << m.leaves
              << "\n"
              << abs << "\n";
  }
  return kExitOk;
}

}  // namespace checkpoint::cli
