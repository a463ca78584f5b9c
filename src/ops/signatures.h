// The --pubkey anchor: a manifest is trusted when `threshold` distinct
// configured operator keys signed exactly its bytes (docs/FORMAT.md §7).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "checkpoint/source.h"
#include "checkpoint/verify.h"

namespace checkpoint {

// The key ids (16 hex digits) of `pubkeys`, each a minisign public key file
// or its base64 line; InvalidArgument for one that does not parse, or a
// threshold of 0 or above the number of distinct keys.
Result<std::vector<std::string>> ConfiguredKeyIds(const Anchors& anchors);

// The signatures among `signatures` that a configured key made of exactly
// `manifest`, by key id (16 hex digits); *last_failure (if given) says why
// the last other one failed.
std::map<std::string, std::string> ValidSignatures(std::string_view manifest,
                                                   const std::vector<std::string>& signatures,
                                                   const Anchors& anchors,
                                                   std::string* last_failure = nullptr);

// OK when at least anchors.threshold distinct configured keys signed
// `manifest` in `signatures` (signature files; bad, foreign and duplicate
// ones do not count). Otherwise a Status saying how many did, for a problem
// of class kUntrusted. REQUIRES: !anchors.pubkeys.empty().
Status CheckSignatures(std::string_view manifest, const std::vector<std::string>& signatures,
                       const Anchors& anchors);

}  // namespace checkpoint
