// checkpoint state apply --db DIR --height N [--hash H] [FILE|-]
#include <filesystem>
#include <fstream>
#include <iostream>

#include "checkpoint/state_db.h"
#include "cli/command.h"

namespace po = boost::program_options;

namespace checkpoint::cli {

int RunStateApply(const Args& args) {
  po::options_description d("state apply");
  AddDbOption(&d);
  d.add_options()("height", po::value<std::string>(), "height to commit (above the latest)")(
      "hash", po::value<std::string>(), "hash function of a new database: sha256 | sha512_256")(
      "file", po::value<std::string>()->default_value("-"), "write log file, - for stdin");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (auto code = ParseArgs("state apply", args, d, pos, &vm)) return *code;
  uint64_t height = 0;
  if (auto code = RequireU64(vm, "height", &height)) return *code;
  StateDbOptions options;
  options.create_if_missing = true;
  std::optional<HashKind> wanted_hash;
  if (vm.count("hash")) {
    wanted_hash = ParseHashKind(vm["hash"].as<std::string>());
    if (!wanted_hash) {
      return Fail(kExitUsage, "--hash must be sha256 or sha512_256, not '" +
                                  vm["hash"].as<std::string>() + "'");
    }
    options.hash = *wanted_hash;
  }

  // Parse everything before touching the database: a bad line applies nothing.
  const std::string file = vm["file"].as<std::string>();
  Result<WriteLog> log = Status::OK();
  if (file == "-") {
    log = WriteLog::Parse(std::cin);
  } else {
    std::ifstream in(file, std::ios::binary);
    if (!in) return Fail(kExitError, "cannot open write log " + file);
    log = WriteLog::Parse(in);
  }
  if (!log.ok())
    return Fail(kExitError, (file == "-" ? "stdin" : file) + ": " + log.status().message());

  const std::string dir = vm["db"].as<std::string>();
  std::error_code ec;
  const bool existed = std::filesystem::exists(dir, ec);
  auto db = StateDb::Open(dir, options);
  if (!db.ok()) return Fail(db.status());
  if (wanted_hash && (*db)->hash_kind() != *wanted_hash) {
    return Fail(kExitError, dir + " uses " + HashKindName((*db)->hash_kind()) + ", not " +
                                HashKindName(*wanted_hash));
  }
  Status s = (*db)->Commit(height, *log);
  if (!s.ok()) {
    if (!existed && !(*db)->LatestHeight()) {
      db->reset();
      std::filesystem::remove_all(dir, ec);  // leave no empty database behind
    }
    return Fail(s);
  }
  const HeightInfo info = (*db)->Heights().back();
  std::cout << "height " << info.height << " root " << ToHex(info.root) << " keys " << info.leaves
            << "\n";
  return kExitOk;
}

}  // namespace checkpoint::cli
