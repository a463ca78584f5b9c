// checkpoint state info --db DIR [--json]
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "checkpoint/state_db.h"
#include "cli/command.h"
#include "cli/json_out.h"

namespace po = boost::program_options;

namespace checkpoint::cli {
namespace {

uint64_t DirectoryBytes(const std::string& dir) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
    if (e.is_regular_file(ec)) total += e.file_size(ec);
  }
  return total;
}

}  // namespace

int RunStateInfo(const Args& args) {
  po::options_description d("state info");
  AddDbOption(&d);
  AddJsonOption(&d);
  po::variables_map vm;
  if (auto code = ParseArgs("state info", args, d, {}, &vm)) return *code;
  const std::string dir = vm["db"].as<std::string>();
  StateDbOptions options;
  options.read_only = true;
  auto db = StateDb::Open(dir, options);
  if (!db.ok()) return Fail(db.status());
  const std::vector<HeightInfo> heights = (*db)->Heights();
  const uint64_t disk = DirectoryBytes(dir);
  if (vm["json"].as<bool>()) {
    nlohmann::json j;
    j["path"] = std::filesystem::absolute(dir).lexically_normal().string();
    j["hash"] = HashKindName((*db)->hash_kind());
    j["disk_bytes"] = disk;
    j["heights"] = nlohmann::json::array();
    for (const HeightInfo& h : heights) {
      j["heights"].push_back({{"height", h.height},
                              {"root", ToHex(h.root)},
                              {"keys", h.leaves},
                              {"key_bytes", h.key_bytes},
                              {"value_bytes", h.value_bytes}});
    }
    if (!heights.empty()) j["latest"] = heights.back().height;
    PrintJson(j);
    return kExitOk;
  }
  std::cout << "database " << dir << "\nhash " << HashKindName((*db)->hash_kind())
            << "\ndisk_bytes " << disk << "\nheights " << heights.size() << "\n";
  for (const HeightInfo& h : heights) {
    std::cout << "height " << h.height << " root " << ToHex(h.root) << " keys " << h.leaves
              << " key_bytes " << h.key_bytes << " value_bytes " << h.value_bytes << "\n";
  }
  return kExitOk;
}

}  // namespace checkpoint::cli
