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

namespace po = boost::program_options;

namespace checkpoint::cli {

int RunFetch(const Args& args) {
  po::options_description d("fetch");
  po::positional_options_description pos;
  AddJsonOption(&d);
  AddSourceOptions(&d, &pos, "checking threads (default: cores)");
  d.add_options()("out", po::value<std::string>(),
                  "the local store to download into (made if missing)")(
      "trust-manifest", po::bool_switch(), "fetch without --root or --id, on the manifest's word")(
      "wait", po::value<std::string>(), "wait up to SECONDS for the store lock");
  po::variables_map vm;
  if (auto code = ParseArgs("fetch", args, d, pos, &vm)) return *code;
  SourceArgs a;
  if (auto code =
          ParseSourceArgs(vm, "fetch: from where? (checkpoint fetch SOURCE… --out STORE)", &a))
    return *code;
  if (!vm.count("out")) return Fail(kExitUsage, "fetch: into which store? (--out STORE)");
  FetchOptions options;
  options.anchors = a.anchors;
  options.max_chunk_size = a.max_chunk_size;
  options.threads = a.threads;
  options.trust_manifest = vm["trust-manifest"].as<bool>();
  if (!options.anchors.any() && !options.trust_manifest) {
    return Fail(kExitUsage,
                "fetch needs a trust anchor: --root, --id or --pubkey (or --trust-manifest)");
  }
  if (auto code = ParseWait(vm, &options.lock_wait_seconds)) return *code;
  std::string dir;
  std::unique_ptr<ChunkSource> source;
  if (auto code = OpenSourcesOrFail(a, &source, &dir)) return *code;
  Result<FetchReport> fetched = [&] {
    ProgressLine progress(source.get(), !vm["json"].as<bool>() && isatty(STDERR_FILENO));
    return FetchCheckpoint(source.get(), vm["out"].as<std::string>(), options);
  }();
  if (!fetched.ok()) {
    return Fail(fetched.status().IsBusy() ? kExitBusy : kExitError, fetched.status().message());
  }
  const FetchReport& r = *fetched;
  const bool json = vm["json"].as<bool>();
  if (!r.local_error.empty()) return Fail(kExitError, r.local_error);
  if (!r.ok()) {
    PrintProblems(r.problems);
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
