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
#include "delta/delta_restore.h"

namespace po = boost::program_options;

namespace checkpoint::cli {
int RunRestore(const Args& args) {
  po::options_description d("restore");
  po::positional_options_description pos;
  AddDbOption(&d);
  AddJsonOption(&d);
  AddSourceOptions(&d, &pos, "restoring threads (default: cores)");
  d.add_options()("trust-manifest", po::bool_switch(),
                  "restore without --root or --id, on the manifest's word")(
      "force", po::bool_switch(), "clear a destination that holds other state");
  po::variables_map vm;
  if (auto code = ParseArgs("restore", args, d, pos, &vm)) return *code;
  SourceArgs a;
  if (auto code = ParseSourceArgs(
          vm, "restore: which checkpoint? (checkpoint restore SOURCE… --db DIR)", &a))
    return *code;
  RestoreOptions options;
  options.anchors = a.anchors;
  options.max_chunk_size = a.max_chunk_size;
  options.threads = a.threads;
  options.trust_manifest = vm["trust-manifest"].as<bool>();
  options.force = vm["force"].as<bool>();
  if (!options.anchors.any() && !options.trust_manifest) {
    return Fail(kExitUsage,
                "restore needs a trust anchor: --root, --id or --pubkey (or --trust-manifest)");
  }
  const std::string db_dir = vm["db"].as<std::string>();
  if (!options.force) {
    // A store's entry this destination can take: a delta from its newest height.
    // Read once, when the first store is read (one per source otherwise).
    using Held = std::optional<std::pair<uint64_t, std::string>>;
    a.pick.destination_state = [db_dir, read = false, held = Held()]() mutable {
      if (!read) {
        if (const auto have = NewestState(db_dir)) held.emplace(have->first, ToHex(have->second));
        read = true;
      }
      return held;
    };
  }
  std::string dir;
  std::unique_ptr<ChunkSource> source;
  if (auto code = OpenSourcesOrFail(a, &source, &dir)) return *code;
  Result<RestoreReport> restored = [&] {
    ProgressLine progress(source.get(), !vm["json"].as<bool>() && isatty(STDERR_FILENO));
    return RestoreFromSource(source.get(), db_dir, options);
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
