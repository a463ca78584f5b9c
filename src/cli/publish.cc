// checkpoint publish CKPT [--tracker URL]... [--webseed URL]... [--wait S] [--json]
#include "checkpoint/publish.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/json_out.h"
#include "cli/publish.h"

namespace po = boost::program_options;

namespace checkpoint::cli {

void AddPublishOptions(po::options_description* d) {
  d->add_options()("tracker", po::value<std::vector<std::string>>()->composing(),
                   "announce to this tracker (http://, https:// or udp://; repeatable)")(
      "webseed", po::value<std::vector<std::string>>()->composing(),
      "a web seed: the URL of a store serving the checkpoint (repeatable)");
}

void ParsePublishOptions(const po::variables_map& vm, PublishOptions* o) {
  if (vm.count("tracker")) o->trackers = vm["tracker"].as<std::vector<std::string>>();
  if (vm.count("webseed")) o->webseeds = vm["webseed"].as<std::vector<std::string>>();
}

int RunPublish(const Args& args) {
  po::options_description d("publish");
  AddJsonOption(&d);
  AddPublishOptions(&d);
  d.add_options()("checkpoint", po::value<std::string>(), "checkpoint directory")(
      "wait", po::value<std::string>(), "wait up to SECONDS for the store lock");
  po::positional_options_description pos;
  pos.add("checkpoint", 1);
  po::variables_map vm;
  if (auto code = ParseArgs("publish", args, d, pos, &vm)) return *code;
  if (!vm.count("checkpoint")) return Fail(kExitUsage, "publish: which checkpoint?");
  PublishOptions options;
  ParsePublishOptions(vm, &options);
  if (auto code = ParseWait(vm, &options.lock_wait_seconds)) return *code;
  Result<PublishResult> r = PublishCheckpoint(vm["checkpoint"].as<std::string>(), options);
  if (!r.ok()) return FailStoreCommand(r.status());
  if (vm["json"].as<bool>()) {
    PrintJson({{"path", r->path},
               {"info_hash_v1", r->info_hash_v1},
               {"info_hash_v2", r->info_hash_v2},
               {"piece_size", r->piece_size},
               {"magnet", r->magnet}});
  } else {
    std::cout << r->magnet << "\n" << r->path << "\n";
  }
  return kExitOk;
}

}  // namespace checkpoint::cli
