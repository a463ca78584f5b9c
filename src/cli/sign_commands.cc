// checkpoint keygen --out NAME
// checkpoint sign CKPT --key NAME.key [--comment TEXT] [--wait SECONDS] [--json]
// checkpoint sign STORE --index --key NAME.key [--wait SECONDS] [--json]
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "checkpoint/sign.h"
#include "cli/command.h"
#include "cli/json_out.h"

namespace po = boost::program_options;

namespace checkpoint::cli {

int RunKeygen(const Args& args) {
  po::options_description d("keygen");
  d.add_options()("out", po::value<std::string>()->required(),
                  "write NAME.key (secret, mode 0600) and NAME.pub, in minisign's formats");
  po::positional_options_description pos;
  po::variables_map vm;
  if (auto code = ParseArgs("keygen", args, d, pos, &vm)) return *code;
  const std::string name = vm["out"].as<std::string>();
  Result<std::string> id = GenerateKeyFiles(name);
  if (!id.ok()) {
    return Fail(id.status().IsInvalidArgument() ? kExitUsage : kExitError, id.status().message());
  }
  std::cout << "key id " << *id << "\n" << name << ".pub\n";
  return kExitOk;
}

int RunSign(const Args& args) {
  po::options_description d("sign");
  AddJsonOption(&d);
  d.add_options()("checkpoint", po::value<std::string>(),
                  "checkpoint directory (a store with --index)")(
      "key", po::value<std::string>()->required(),
      "secret key file (checkpoint keygen, minisign -G -W)")(
      "index", po::bool_switch(), "sign the store's index.json instead (STORE/index.json.minisig)")(
      "comment", po::value<std::string>()->default_value(""),
      "one line added to the signature's trusted comment")("wait", po::value<std::string>(),
                                                           "wait up to SECONDS for the store lock");
  po::positional_options_description pos;
  pos.add("checkpoint", 1);
  po::variables_map vm;
  if (auto code = ParseArgs("sign", args, d, pos, &vm)) return *code;
  if (!vm.count("checkpoint"))
    return Fail(kExitUsage, "sign: which checkpoint? (checkpoint sign CKPT --key NAME.key)");
  double wait = 0;
  if (auto code = ParseWait(vm, &wait)) return *code;
  const bool index = vm["index"].as<bool>();
  if (index && !vm["comment"].as<std::string>().empty())
    return Fail(kExitUsage, "sign --index takes no --comment");
  Result<SignResult> r =
      index ? SignStoreIndex(vm["checkpoint"].as<std::string>(), vm["key"].as<std::string>(), wait)
            : SignCheckpoint(vm["checkpoint"].as<std::string>(), vm["key"].as<std::string>(),
                             vm["comment"].as<std::string>(), wait);
  if (!r.ok()) return FailStoreCommand(r.status());
  if (vm["json"].as<bool>()) {
    PrintJson({{"path", r->path},
               {"key_id", r->key_id},
               {"trusted_comment", r->trusted_comment},
               {"unpublished", r->unpublished},
               {"magnet", r->magnet.empty() ? nlohmann::json() : nlohmann::json(r->magnet)}});
  } else {
    std::cout << "signed by " << r->key_id << ": " << r->trusted_comment << "\n" << r->path << "\n";
    if (!r->magnet.empty()) std::cout << r->magnet << "\n";
    if (r->unpublished) {
      std::fprintf(stderr,
                   "checkpoint: removed checkpoint.torrent, which covered the old signatures "
                   "and could not be made again: run 'checkpoint publish' again\n");
    }
  }
  return kExitOk;
}

}  // namespace checkpoint::cli
