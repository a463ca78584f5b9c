// SOURCE… arguments and the transfer options shared by verify, restore and
// fetch: checkpoint or store, path or URL, one or several mirrors.
#pragma once

#include <boost/program_options.hpp>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/source.h"

namespace checkpoint::cli {

// --connections, --min-speed, --slow-after, --insecure.
void AddTransferOptions(boost::program_options::options_description* d);
// Fills `options` (threads: the command's, for the default connections); on a
// malformed value prints a usage error and returns its exit code.
std::optional<int> ParseTransferOptions(const boost::program_options::variables_map& vm,
                                        unsigned threads, HttpOptions* options);

// --height N|latest: N is also an anchor check; `latest` only picks.
std::optional<int> ParseHeightPick(const boost::program_options::variables_map& vm,
                                   CheckpointPick* pick);

// One line a mirror that did anything worth saying, on stdout.
void PrintMirrors(const std::vector<MirrorReport>& mirrors);
nlohmann::json MirrorsJson(const std::vector<MirrorReport>& mirrors);

}  // namespace checkpoint::cli
