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

namespace po = boost::program_options;

namespace checkpoint::cli {

int RunVerify(const Args& args) {
  po::options_description d("verify");
  po::positional_options_description pos;
  AddJsonOption(&d);
  AddSourceOptions(&d, &pos, "verifying threads (default: cores)");
  d.add_options()("db", po::value<std::string>(),
                  "a delta checkpoint's base: the state database holding its base height "
                  "(opened read-only)");
  po::variables_map vm;
  if (auto code = ParseArgs("verify", args, d, pos, &vm)) return *code;
  SourceArgs a;
  if (auto code = ParseSourceArgs(vm, "verify: which checkpoint? (checkpoint verify SOURCE…)", &a))
    return *code;
  VerifyOptions options;
  options.anchors = a.anchors;
  options.max_chunk_size = a.max_chunk_size;
  options.threads = a.threads;
  if (vm.count("db")) options.base_db = vm["db"].as<std::string>();
  const std::vector<std::string>& sources = a.sources;
  if (!options.anchors.any()) {
    std::fprintf(stderr,
                 "checkpoint: no --root, --id or --pubkey: checking self-consistency only\n");
  }
  std::string dir;
  std::unique_ptr<ChunkSource> source;
  if (auto code = OpenSourcesOrFail(a, &source, &dir)) return *code;
  // One local directory: verify it as a directory (extra files are reported too).
  Result<VerifyReport> r = [&] {
    ProgressLine progress(source.get(),
                          dir.empty() && !vm["json"].as<bool>() && isatty(STDERR_FILENO));
    return dir.empty() ? VerifySource(source.get(), options) : VerifyCheckpoint(dir, options);
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
        {"trust", options.anchors.id                 ? "id"
                  : options.anchors.root             ? "root"
                  : !options.anchors.pubkeys.empty() ? "pubkey"
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
      if (rep.manifest.base) {
        j["base_height"] = rep.manifest.base->height;
        j["base_root"] = ToHex(rep.manifest.base->root);
        j["proofs_checked"] = !rep.proofs_need_base;
      }
    }
    PrintJson(j);
  } else {
    PrintProblems(rep.problems);
    for (const std::string& e : rep.extra) std::cout << "extra file: " << e << "\n";
    if (dir.empty()) PrintMirrors(rep.mirrors);
    if (rep.manifest_ok) {
      std::cout << (rep.ok() ? "ok" : "FAILED") << ": height " << rep.manifest.height << " root "
                << ToHex(rep.manifest.root) << " id " << ToHex(rep.id) << " chunks "
                << rep.manifest.chunks.size() << " leaves " << rep.manifest.leaves << " ("
                << rep.problems.size() << " bad)\n";
    }
  }
  if (rep.manifest_ok && rep.proofs_need_base) {
    std::fprintf(stderr,
                 "checkpoint: a delta checkpoint from height %llu: checked its manifest, digests "
                 "and encodings; its proofs need the base state (--db DIR at that height)\n",
                 static_cast<unsigned long long>(rep.manifest.base->height));
  }
  if (!rep.ok()) {
    std::fprintf(stderr, "checkpoint: verification failed: %zu problem%s\n", rep.problems.size(),
                 rep.problems.size() == 1 ? "" : "s");
    return kExitVerifyFailed;
  }
  return kExitOk;
}

}  // namespace checkpoint::cli
