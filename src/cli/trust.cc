#include "cli/trust.h"

#include "cli/command.h"

namespace po = boost::program_options;

namespace checkpoint::cli {

void AddTrustOptions(po::options_description* d) {
  d->add_options()("root", po::value<std::string>(), "trusted state root (hex, from consensus)")(
      "id", po::value<std::string>(), "trusted checkpoint id (hex SHA-256 of the manifest)")(
      "height", po::value<std::string>(), "expected height (a check, not an anchor)");
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
  if (vm.count("height")) {
    auto h = ParseU64(vm["height"].as<std::string>());
    if (!h) return Fail(kExitUsage, "--height takes a whole number");
    anchors->height = *h;
  }
  return std::nullopt;
}

}  // namespace checkpoint::cli
