// checkpoint verify SOURCE… [--root HEX] [--id HEX] [--height N|latest] [--threads T]
//   [--max-chunk-size SIZE] [--connections N] [--min-speed RATE] [--slow-after S] [--insecure]
//   [--json]
#include "checkpoint/verify.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "checkpoint/source.h"
#include "cli/command.h"
#include "cli/json_out.h"
#include "cli/sources.h"
#include "cli/trust.h"

namespace po = boost::program_options;

namespace checkpoint::cli {

int RunVerify(const Args& args) {
  po::options_description d("verify");
  AddJsonOption(&d);
  AddTrustOptions(&d);
  AddThreadsOption(&d, "verifying threads (default: cores)");
  AddTransferOptions(&d);
  d.add_options()("source", po::value<std::vector<std::string>>(),
                  "checkpoint or store: a directory, or a file://, http:// or https:// URL; "
                  "several are mirrors of one checkpoint");
  po::positional_options_description pos;
  pos.add("source", -1);
  po::variables_map vm;
  if (auto code = ParseArgs("verify", args, d, pos, &vm)) return *code;
  if (!vm.count("source"))
    return Fail(kExitUsage, "verify: which checkpoint? (checkpoint verify SOURCE…)");
  VerifyOptions options;
  CheckpointPick pick;
  if (auto code = ParseTrust(vm, &options.anchors)) return *code;
  if (auto code = ParseHeightPick(vm, &pick)) return *code;
  options.anchors.height = pick.anchors.height;
  pick.anchors = options.anchors;
  if (auto code = ParseMaxChunkSize(vm, &options.max_chunk_size)) return *code;
  if (auto code = ParseThreads(vm, &options.threads)) return *code;
  HttpOptions http;
  http.max_chunk_size = options.max_chunk_size;
  if (auto code = ParseTransferOptions(vm, options.threads, &http)) return *code;
  const auto sources = vm["source"].as<std::vector<std::string>>();
  if (!options.anchors.any()) {
    std::fprintf(stderr, "checkpoint: no --root or --id: checking self-consistency only\n");
  }
  std::string dir;
  Result<std::unique_ptr<ChunkSource>> source = OpenSources(sources, pick, http, &dir);
  if (!source.ok())
    return Fail(source.status().IsInvalidArgument() ? kExitUsage : kExitError,
                source.status().message());
  // One local directory: verify it as a directory (extra files are reported too).
  Result<VerifyReport> r = [&] {
    ProgressLine progress(source->get(),
                          dir.empty() && !vm["json"].as<bool>() && isatty(STDERR_FILENO));
    return dir.empty() ? VerifySource(source->get(), options) : VerifyCheckpoint(dir, options);
  }();
  if (!r.ok()) return Fail(r.status());
  const VerifyReport& rep = *r;
  if (vm["json"].as<bool>()) {
    nlohmann::json problems = nlohmann::json::array();
    for (const ChunkProblem& p : rep.problems) {
      nlohmann::json j = {{"class", ChunkClassName(p.cls)}, {"error", p.message}};
      if (p.chunk >= 0)
        j["chunk"] = p.chunk;
      else
        j["manifest"] = true;
      problems.push_back(j);
    }
    nlohmann::json j = {
        {"ok", rep.ok()},
        {"path", dir.empty() ? sources.front()
                             : std::filesystem::absolute(dir).lexically_normal().string()},
        {"id", ToHex(rep.id)},
        {"trust", options.anchors.id     ? "id"
                  : options.anchors.root ? "root"
                                         : "none"},
        {"problems", problems},
        {"extra", rep.extra},
        {"bytes", rep.bytes},
        {"raw_bytes", rep.raw_bytes},
        {"seconds", rep.seconds},
        {"mirrors", MirrorsJson(rep.mirrors)}};
    if (rep.manifest_ok) {
      j["height"] = rep.manifest.height;
      j["root"] = ToHex(rep.manifest.root);
      j["chunks"] = rep.manifest.chunks.size();
      j["leaves"] = rep.manifest.leaves;
    }
    PrintJson(j);
  } else {
    for (const ChunkProblem& p : rep.problems) {
      std::cout << (p.chunk >= 0 ? "chunk " + std::to_string(p.chunk) : std::string("manifest"))
                << ": " << ChunkClassName(p.cls) << ": " << p.message << "\n";
    }
    for (const std::string& e : rep.extra) std::cout << "extra file: " << e << "\n";
    if (dir.empty()) PrintMirrors(rep.mirrors);
    if (rep.manifest_ok) {
      std::cout << (rep.ok() ? "ok" : "FAILED") << ": height " << rep.manifest.height << " root "
                << ToHex(rep.manifest.root) << " id " << ToHex(rep.id) << " chunks "
                << rep.manifest.chunks.size() << " leaves " << rep.manifest.leaves << " ("
                << rep.problems.size() << " bad)\n";
    }
  }
  if (!rep.ok()) {
    std::fprintf(stderr, "checkpoint: verification failed: %zu problem%s\n", rep.problems.size(),
                 rep.problems.size() == 1 ? "" : "s");
    return kExitVerifyFailed;
  }
  return kExitOk;
}

}  // namespace checkpoint::cli
