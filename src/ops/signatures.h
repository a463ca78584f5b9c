// The --pubkey anchor: a manifest is trusted when `threshold` distinct
// configured operator keys signed exactly its bytes (docs/FORMAT.md §7), and
// the files around the minisign formats of src/sign/ (secret keys, signature
// files of checkpoints and of a store's index).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/sign.h"
#include "checkpoint/source.h"
#include "checkpoint/store.h"
#include "checkpoint/verify.h"
#include "sign/minisign.h"

namespace checkpoint {

// The key ids (16 hex digits) of `pubkeys`, each a minisign public key file
// or its base64 line; InvalidArgument for one that does not parse, or a
// threshold of 0 or above the number of distinct keys.
Result<std::vector<std::string>> ConfiguredKeyIds(const Anchors& anchors);

// The signatures among `signatures` that a configured key made of exactly
// `manifest`, fresh enough for anchors.max_age_seconds, by key id (16 hex
// digits); *last_failure (if given) says why the last other one failed.
std::map<std::string, std::string> ValidSignatures(std::string_view manifest,
                                                   const std::vector<std::string>& signatures,
                                                   const Anchors& anchors,
                                                   std::string* last_failure = nullptr);

// OK when at least anchors.threshold distinct configured keys signed
// `manifest` in `signatures` (signature files; bad, foreign, stale and
// duplicate ones do not count). Otherwise a Status saying how many did, for a
// problem of class kUntrusted. REQUIRES: !anchors.pubkeys.empty().
Status CheckSignatures(std::string_view manifest, const std::vector<std::string>& signatures,
                       const Anchors& anchors);

// The signing time (Unix seconds) a trusted comment states: its first
// "timestamp:N" token. Ours and minisign's default comment both carry one.
std::optional<int64_t> SignedTime(std::string_view trusted_comment);
int64_t UnixNow();
// "3h 20m" for an age in seconds.
std::string DescribeAge(int64_t seconds);

// The secret key in `key_file`: refused (InvalidArgument) when others may
// read the file, NotSupported when encrypted, Corruption when malformed.
Result<SecretKey> LoadSecretKey(const std::string& key_file);

// Writes CKPT/signatures/<KEY ID>.minisig, a signature of `manifest` (the
// bytes of CKPT/manifest.json) whose trusted comment names height, root, id
// and the time, then `comment`. Replaces this key's earlier one atomically.
// REQUIRES: the store's lock, or `ckpt` a staging directory of its holder.
Result<SignResult> WriteCheckpointSignature(const std::string& ckpt, const SecretKey& key,
                                            std::string_view manifest, const std::string& comment);

// STORE/index.json.minisig: the operator's word that, at the signed time,
// index.json listed the store's checkpoints (docs/FORMAT.md §7).
std::string IndexSignatureComment(uint64_t latest_height, int64_t now);
// The signed time of `index` when one configured key signed it (one is
// enough: the checkpoint picked must still meet the threshold) and it is
// fresh enough for anchors.max_age_seconds; Untrusted saying why otherwise.
Result<int64_t> CheckIndexSignature(std::string_view index, std::string_view minisig,
                                    const Anchors& anchors);

// What a signature file says of itself, unverified (for list and inspect).
Result<SignatureClaim> DescribeSignature(std::string_view minisig);
// The well-formed signature files of checkpoint `dir`, by key id.
std::vector<SignatureClaim> ReadSignatureClaims(const std::string& dir);

}  // namespace checkpoint
