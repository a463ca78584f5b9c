// checkpoint state prune --db DIR --below N
#include <iostream>

#include "checkpoint/state_db.h"
#include "cli/command.h"

namespace po = boost::program_options;

namespace checkpoint::cli {

int RunStatePrune(const Args& args) {
  po::options_description d("state prune");
  AddDbOption(&d);
  d.add_options()("below", po::value<std::string>(), "drop every height below this one");
  po::variables_map vm;
  if (auto code = ParseArgs("state prune", args, d, {}, &vm)) return *code;
  uint64_t below = 0;
  if (auto code = RequireU64(vm, "below", &below)) return *code;
  auto db = StateDb::Open(vm["db"].as<std::string>(), StateDbOptions{});
  if (!db.ok()) return Fail(db.status());
  Status s = (*db)->Prune(below);
  if (s.ok()) s = (*db)->Compact();  // so the space actually returns
  if (!s.ok()) return Fail(s);
  const auto heights = (*db)->Heights();
  std::cout << "retained " << heights.size() << " heights";
  if (!heights.empty())
    std::cout << " (" << heights.front().height << ".." << heights.back().height << ")";
  std::cout << "\n";
  return kExitOk;
}

}  // namespace checkpoint::cli
