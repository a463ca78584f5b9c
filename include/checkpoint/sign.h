// Operator signatures on checkpoints (DESIGN §12), in minisign's formats so
// that stock `minisign` verifies them: Ed25519 keys, a signature of the
// manifest's bytes with a trusted comment naming height, root, id and time.
// One signature a key: CKPT/signatures/<KEY ID>.minisig (16 uppercase hex, as
// minisign prints key ids), served by mirrors like any checkpoint file.
#pragma once

#include <cstdint>
#include <string>

#include "checkpoint/status.h"
#include "checkpoint/store.h"
#include "checkpoint/verify.h"

namespace checkpoint {

// Writes a new key pair: `name`.key (the secret key, unencrypted, mode 0600)
// and `name`.pub. Refuses (InvalidArgument) when either exists; never writes
// through a link. Returns the key id (16 hex digits).
Result<std::string> GenerateKeyFiles(const std::string& name);

struct SignResult {
  std::string path;  // the signature file written
  std::string key_id;
  std::string trusted_comment;
  // A checkpoint.torrent was there: it covered the signatures as they were,
  // so it was made again with its trackers and web seeds (`magnet` is the new
  // link), or removed when that failed (`unpublished`: publish again).
  bool unpublished = false;
  std::string magnet;
};

// Signs the manifest of checkpoint `checkpoint` with the secret key in
// `key_file` (refused when others may read it, or encrypted), replacing this
// key's earlier signature atomically. `comment` (one line) is appended to the
// trusted comment. Takes the store's lock (waiting `wait_seconds`).
Result<SignResult> SignCheckpoint(const std::string& checkpoint, const std::string& key_file,
                                  const std::string& comment, double wait_seconds);

// Signs the store's index (STORE/index.json.minisig, rewriting index.json
// first if it is out of date) with a trusted comment naming the newest height
// and the time: clients taking `--height latest` under --pubkey require it.
// Commands that change the store remove a signature of the old index;
// `create --sign` and `prune --sign` sign the new one.
Result<SignResult> SignStoreIndex(const std::string& store, const std::string& key_file,
                                  double wait_seconds);
// The same under the store's lock, which the caller holds.
Result<SignResult> SignStoreIndex(const std::string& store, const StoreLock& lock,
                                  const std::string& key_file);
// OK when `key_file` holds a secret key this tool signs with (mode 0600,
// unencrypted): commands check it before they change anything.
Status CheckSecretKeyFile(const std::string& key_file);

// OK when anchors.pubkeys all parse (minisign public key files or their
// base64 line) and 1 <= threshold <= the number of distinct keys;
// InvalidArgument saying what is wrong otherwise.
Status CheckAnchorKeys(const Anchors& anchors);

inline constexpr const char* kSignatureDir = "signatures";
// The largest signature file anything reads.
inline constexpr uint64_t kMaxSignatureFileBytes = 4096;

}  // namespace checkpoint
