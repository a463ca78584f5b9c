// checkpoint fetch SOURCE… --out STORE [--root HEX] [--id HEX] [--height N|latest]
//   [--trust-manifest] [--threads T] [--max-chunk-size SIZE] [--connections N]
//   [--min-speed RATE] [--slow-after S] [--insecure] [--wait SECONDS] [--json]
#include <unistd.h>

#include <iostream>
#include <nlohmann/json.hpp>

#include "checkpoint/source.h"
#include "cli/command.h"
#include "cli/json_out.h"
#include "cli/sources.h"
#include "cli/trust.h"

namespace po = boost::program_options;

namespace checkpoint::cli {

int RunFetch(const Args& args) {
  po::options_description d("fetch");
  AddJsonOption(&d);
  AddTrustOptions(&d);
  AddThreadsOption(&d, "checking threads (default: cores)");
  AddTransferOptions(&d);
  d.add_options()("source", po::value<std::vector<std::string>>(),
                  "checkpoint or store: a directory, or a file://, http:// or https:// URL; "
                  "several are mirrors of one checkpoint")(
      "out", po::value<std::string>(), "the local store to download into (made if missing)")(
      "trust-manifest", po::bool_switch(), "fetch without --root or --id, on the manifest's word")(
      "wait", po::value<std::string>(), "wait up to SECONDS for the store lock");
  po::positional_options_description pos;
  pos.add("source", -1);
  po::variables_map vm;
  if (auto code = ParseArgs("fetch", args, d, pos, &vm)) return *code;
  if (!vm.count("source"))
    return Fail(kExitUsage, "fetch: from where? (checkpoint fetch SOURCE… --out STORE)");
  if (!vm.count("out")) return Fail(kExitUsage, "fetch: into which store? (--out STORE)");
  FetchOptions options;
  CheckpointPick pick;
  if (auto code = ParseTrust(vm, &options.anchors)) return *code;
  if (auto code = ParseHeightPick(vm, &pick)) return *code;
  options.anchors.height = pick.anchors.height;
  pick.anchors = options.anchors;
  if (auto code = ParseMaxChunkSize(vm, &options.max_chunk_size)) return *code;
  options.trust_manifest = vm["trust-manifest"].as<bool>();
  if (!options.anchors.any() && !options.trust_manifest) {
    return Fail(kExitUsage, "fetch needs a trust anchor: --root or --id (or --trust-manifest)");
  }
  if (auto code = ParseThreads(vm, &options.threads)) return *code;
  if (auto code = ParseWait(vm, &options.lock_wait_seconds)) return *code;
  HttpOptions http;
  http.max_chunk_size = options.max_chunk_size;
  if (auto code = ParseTransferOptions(vm, options.threads, &http)) return *code;
  std::string dir;
  Result<std::unique_ptr<ChunkSource>> source =
      OpenSources(vm["source"].as<std::vector<std::string>>(), pick, http, &dir);
  if (!source.ok()) {
    return Fail(source.status().IsInvalidArgument() ? kExitUsage : kExitError,
                source.status().message());
  }
  Result<FetchReport> fetched = [&] {
    ProgressLine progress(source->get(), !vm["json"].as<bool>() && isatty(STDERR_FILENO));
    return FetchCheckpoint(source->get(), vm["out"].as<std::string>(), options);
  }();
  if (!fetched.ok()) {
    return Fail(fetched.status().IsBusy() ? kExitBusy : kExitError, fetched.status().message());
  }
  const FetchReport& r = *fetched;
  const bool json = vm["json"].as<bool>();
  if (!r.local_error.empty()) return Fail(kExitError, r.local_error);
  if (!r.ok()) {
    for (const ChunkProblem& p : r.problems) {
      std::cout << (p.chunk < 0 ? "manifest" : "chunk " + std::to_string(p.chunk)) << ": "
                << ChunkClassName(p.cls) << ": " << p.message << "\n";
    }
    PrintMirrors(r.mirrors);
    return Fail(kExitVerifyFailed,
                r.stage == FetchStage::kManifest
                    ? "no mirror offered a manifest that holds against the anchors"
                    : "fetch failed: " + std::to_string(r.problems.size()) +
                          " chunks no mirror provided; verified chunks are kept for a rerun");
  }
  if (json) {
    PrintJson({{"path", r.path},
               {"id", ToHex(r.id)},
               {"height", r.manifest.height},
               {"root", ToHex(r.manifest.root)},
               {"chunks", r.manifest.chunks.size()},
               {"resumed", r.resumed},
               {"existed", r.existed},
               {"bytes", r.bytes},
               {"seconds", r.seconds},
               {"mirrors", MirrorsJson(r.mirrors)}});
    return kExitOk;
  }
  if (r.existed) std::fprintf(stderr, "checkpoint: already in the store, complete\n");
  if (dir.empty()) PrintMirrors(r.mirrors);
  std::cout << r.path << "\n";
  return kExitOk;
}

}  // namespace checkpoint::cli
