// --root / --id / --height, shared by verify and restore.
#pragma once

#include <boost/program_options.hpp>

#include "checkpoint/verify.h"

namespace checkpoint::cli {

void AddTrustOptions(boost::program_options::options_description* d);
// Fills `anchors`; on a malformed value prints a usage error and returns its exit code.
std::optional<int> ParseTrust(const boost::program_options::variables_map& vm, Anchors* anchors);

}  // namespace checkpoint::cli
