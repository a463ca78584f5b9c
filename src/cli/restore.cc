// checkpoint restore SOURCE… --db DIR [--root HEX] [--id HEX] [--height N|latest]
//   [--trust-manifest] [--threads T] [--max-chunk-size SIZE] [--force] [--connections N]
//   [--min-speed RATE] [--slow-after S] [--insecure] [--json]
#include "checkpoint/restore.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "checkpoint/checkpoint.h"
#include "checkpoint/source.h"
#include "checkpoint/verify.h"
#include "cli/command.h"
#include "cli/json_out.h"
#include "cli/sources.h"
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
  d.add_options()("source", po::value<std::vector<std::string>>(),
                  "checkpoint or store: a directory, or a file://, http:// or https:// URL; "
                  "several are mirrors of one checkpoint")(
      "trust-manifest", po::bool_switch(),
      "restore without --root or --id, on the manifest's word")(
      "force", po::bool_switch(), "clear a destination that holds other state");
  AddThreadsOption(&d, "restoring threads (default: cores)");
  AddTransferOptions(&d);
  po::positional_options_description pos;
  pos.add("source", -1);
  po::variables_map vm;
  if (auto code = ParseArgs("restore", args, d, pos, &vm)) return *code;
  if (!vm.count("source"))
    return Fail(kExitUsage, "restore: which checkpoint? (checkpoint restore SOURCE… --db DIR)");
  RestoreOptions options;
  CheckpointPick pick;
  if (auto code = ParseTrust(vm, &options.anchors)) return *code;
  if (auto code = ParseHeightPick(vm, &pick)) return *code;
  options.anchors.height = pick.anchors.height;
  pick.anchors = options.anchors;
  if (auto code = ParseMaxChunkSize(vm, &options.max_chunk_size)) return *code;
  options.trust_manifest = vm["trust-manifest"].as<bool>();
  options.force = vm["force"].as<bool>();
  if (!options.anchors.any() && !options.trust_manifest) {
    return Fail(kExitUsage, "restore needs a trust anchor: --root or --id (or --trust-manifest)");
  }
  if (auto code = ParseThreads(vm, &options.threads)) return *code;
  HttpOptions http;
  http.max_chunk_size = options.max_chunk_size;
  if (auto code = ParseTransferOptions(vm, options.threads, &http)) return *code;
  const std::string db_dir = vm["db"].as<std::string>();
  std::string dir;
  Result<std::unique_ptr<ChunkSource>> source =
      OpenSources(vm["source"].as<std::vector<std::string>>(), pick, http, &dir);
  if (!source.ok()) {
    return Fail(source.status().IsInvalidArgument() ? kExitUsage : kExitError,
                source.status().message());
  }
  Result<RestoreReport> restored = [&] {
    ProgressLine progress(source->get(), !vm["json"].as<bool>() && isatty(STDERR_FILENO));
    return RestoreFromSource(source->get(), db_dir, options);
  }();
  if (!restored.ok()) return Fail(restored.status());
  const RestoreReport& report = *restored;
  if (!report.local_error.empty()) return Fail(kExitError, report.local_error);
  if (dir.empty() && (!report.ok() || !vm["json"].as<bool>())) PrintMirrors(report.mirrors);
  switch (report.stage) {
    case RestoreStage::kVerifyFirst:
      PrintProblems(report.problems);
      return Fail(kExitVerifyFailed, "verification failed before --force cleared anything: " +
                                         db_dir + " is untouched");
    case RestoreStage::kManifest:
      for (size_t i = 1; i < report.problems.size(); ++i) PrintProblems({report.problems[i]});
      return Fail(kExitVerifyFailed, report.problems.front().message);
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
    if (dir.empty()) j["mirrors"] = MirrorsJson(report.mirrors);
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
