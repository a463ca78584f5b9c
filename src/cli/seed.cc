// checkpoint seed STORE [--listen IP:PORT] [--upload-limit RATE] [--discovery]
#include <iostream>
#include <mutex>

#include "cli/command.h"
#include "cli/signals.h"
#include "torrent/seeder.h"

namespace po = boost::program_options;

namespace checkpoint::cli {

int RunSeed(const Args& args) {
  InstallInterruptHandlers();
  po::options_description d("seed");
  d.add_options()("store", po::value<std::string>(), "checkpoint store directory")(
      "listen", po::value<std::string>()->default_value("0.0.0.0:6881"),
      "listen on IP:PORT (port 0: a free one)")("upload-limit", po::value<std::string>(),
                                                "at most RATE bytes a second (N[B|KiB|MiB|GiB])")(
      "discovery", po::bool_switch(), "also DHT, local discovery, UPnP and NAT-PMP")(
      "rescan", po::value<std::string>()->default_value("5"),
      "list the store again every SECONDS for new and pruned checkpoints");
  po::positional_options_description pos;
  pos.add("store", 1);
  po::variables_map vm;
  if (auto code = ParseArgs("seed", args, d, pos, &vm)) return *code;
  if (!vm.count("store")) return Fail(kExitUsage, "seed: which store? (checkpoint seed STORE)");
  torrent::SeedOptions options;
  options.listen = vm["listen"].as<std::string>();
  options.discovery = vm["discovery"].as<bool>();
  if (vm.count("upload-limit")) {
    auto rate = ParseSize(vm["upload-limit"].as<std::string>());
    if (!rate || *rate == 0) return Fail(kExitUsage, "--upload-limit takes N[B|KiB|MiB|GiB]");
    options.upload_limit = *rate;
  }
  auto rescan = ParseU64(vm["rescan"].as<std::string>());
  if (!rescan || *rescan == 0 || *rescan > 3600)
    return Fail(kExitUsage, "--rescan takes whole seconds from 1 to 3600");
  options.rescan_seconds = static_cast<double>(*rescan);
  options.log = [](const std::string& line) { std::cout << line << std::endl; };
  Status s = torrent::Seed(vm["store"].as<std::string>(), options, InterruptFlag());
  if (!s.ok()) return Fail(s);
  return kExitOk;  // stopped by SIGINT/SIGTERM: a clean stop
}

}  // namespace checkpoint::cli
