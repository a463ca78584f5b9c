// --root / --id / --height and --max-chunk-size, shared by verify and restore.
#pragma once

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "checkpoint/store.h"
#include "checkpoint/verify.h"

namespace checkpoint::cli {

void AddTrustOptions(boost::program_options::options_description* d);
// Fills `anchors`; on a malformed value prints a usage error and returns its exit code.
std::optional<int> ParseTrust(const boost::program_options::variables_map& vm, Anchors* anchors);
// --max-chunk-size SIZE (at least 1 KiB, the smallest chunk size); leaves
// `max_chunk_size` alone when not given. On a malformed value as ParseTrust.
std::optional<int> ParseMaxChunkSize(const boost::program_options::variables_map& vm,
                                     uint64_t* max_chunk_size);

// Who claims to have signed (unverified: `verify --pubkey` checks), for list
// and inspect: "KEYID 2026-12-01T00:00:00Z, …" or "unsigned", and as JSON.
std::string DescribeSigners(const std::vector<SignatureClaim>& signatures);
nlohmann::json SignersJson(const std::vector<SignatureClaim>& signatures);

}  // namespace checkpoint::cli
