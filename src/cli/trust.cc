#include "cli/trust.h"

#include "cli/command.h"

namespace po = boost::program_options;

namespace checkpoint::cli {

void AddTrustOptions(po::options_description* d) {
  d->add_options()("root", po::value<std::string>(), "trusted state root (hex, from consensus)")(
      "id", po::value<std::string>(), "trusted checkpoint id (hex SHA-256 of the manifest)")(
      "height", po::value<std::string>(),
      "expected height (a check, not an anchor); of a store: N or latest")(
      "max-chunk-size", po::value<std::string>(),
      "refuse a checkpoint whose chunk size is over SIZE (N[B|KiB|MiB|GiB]; default 256MiB): "
      "bounds memory "
      "to ~2 x SIZE per thread");
}

std::optional<int> ParseTrust(const po::variables_map& vm, Anchors* anchors) {
  for (const char* name : {"root", "id"}) {
    if (!vm.count(name)) continue;
    const std::string& hex = vm[name].as<std::string>();
    auto bytes = ParseHex(hex);
    if (!bytes || bytes->size() != 32) {
      return Fail(kExitUsage, std::string("--") + name + " takes 64 hex digits, not '" + hex + "'");
    }
    Hash h;
    std::copy(bytes->begin(), bytes->end(), h.begin());
    (std::string(name) == "root" ? anchors->root : anchors->id) = h;
  }
  return std::nullopt;  // --height: ParseHeightPick
}

std::optional<int> ParseMaxChunkSize(const po::variables_map& vm, uint64_t* max_chunk_size) {
  if (!vm.count("max-chunk-size")) return std::nullopt;
  const std::string& arg = vm["max-chunk-size"].as<std::string>();
  auto size = ParseSize(arg);
  if (!size || *size < 1024) {
    return Fail(kExitUsage,
                "--max-chunk-size takes N[B|KiB|MiB|GiB] of at least 1KiB, not '" + arg + "'");
  }
  *max_chunk_size = *size;
  return std::nullopt;
}

}  // namespace checkpoint::cli
