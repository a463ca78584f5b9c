// --root / --id / --height and --max-chunk-size, shared by verify and restore.
#pragma once

#include <boost/program_options.hpp>

#include "checkpoint/verify.h"

namespace checkpoint::cli {

void AddTrustOptions(boost::program_options::options_description* d);
// Fills `anchors`; on a malformed value prints a usage error and returns its exit code.
std::optional<int> ParseTrust(const boost::program_options::variables_map& vm, Anchors* anchors);
// --max-chunk-size SIZE (at least 1 KiB, the smallest chunk size); leaves
// `max_chunk_size` alone when not given. On a malformed value as ParseTrust.
std::optional<int> ParseMaxChunkSize(const boost::program_options::variables_map& vm,
                                     uint64_t* max_chunk_size);

}  // namespace checkpoint::cli
