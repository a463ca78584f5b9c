// Verifying a checkpoint directory (DESIGN §8) without any database.
//
// Trust: `root` (from consensus: the manifest is only a table of contents
// and each chunk stands on its proof) or `id` (trusts every manifest field);
// `height` adds a check. With neither, only self-consistency is checked.
// Thread-safety: VerifyCheckpoint runs its own pool; the report is a value.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/hash.h"
#include "checkpoint/limits.h"
#include "checkpoint/manifest.h"
#include "checkpoint/status.h"

namespace checkpoint {

// Why a chunk failed. kCorrupt: undecodable or not the bytes the manifest
// names (refetch it). kInvalid: the right bytes, but no valid proof (the
// checkpoint is bad). kMissing: no file. kIncomplete: its proven interval is
// not the one the manifest chains, so the chunks do not cover the key space.
// kUntrusted (the manifest only): fewer configured operator keys signed it
// than the threshold asks.
enum class ChunkClass { kOk, kCorrupt, kInvalid, kMissing, kIncomplete, kUntrusted };
const char* ChunkClassName(ChunkClass c);

struct Anchors {
  std::optional<Hash> root;
  std::optional<Hash> id;
  std::optional<uint64_t> height;
  // Operator keys (minisign public key files, or their base64 line): the
  // manifest is trusted when `threshold` distinct ones signed exactly it
  // (CKPT/signatures/<KEY ID>.minisig; checkpoint/sign.h).
  std::vector<std::string> pubkeys;
  unsigned threshold = 1;
  // Freshness (with pubkeys): a signature counts only if its signed time (the
  // trusted comment's "timestamp:") is at most this many seconds old, and a
  // store's signed index.json too. Refuses a mirror replaying old checkpoints.
  std::optional<uint64_t> max_age_seconds;
  bool any() const { return root || id || !pubkeys.empty(); }
};

// One chunk's result.
struct ChunkCheck {
  ChunkClass cls = ChunkClass::kOk;
  std::string message;
  uint64_t raw_bytes = 0;
};

struct ChunkProblem {
  int64_t chunk;  // -1: the manifest itself
  ChunkClass cls;
  std::string message;
};

// What one mirror (a URL or a directory a checkpoint came from) did.
struct MirrorReport {
  std::string name;  // its URL (without any password) or directory
  uint64_t bytes = 0;
  uint64_t chunks = 0;    // chunks it sent that were accepted
  uint64_t strikes = 0;   // bad chunks, over-long bodies, HTTP errors; bad torrent pieces
  uint64_t failures = 0;  // transfers that broke off: resets, timeouts, cut bodies
  uint64_t requests = 0;
  bool dropped = false;
  std::string why;  // why it was dropped, or what went wrong with its manifest
};

struct VerifyReport {
  Manifest manifest;
  Hash id{};
  bool manifest_ok = false;
  std::vector<ChunkProblem> problems;  // every bad chunk, by index
  std::vector<std::string> extra;      // files the checkpoint does not name (not fatal)
  // A file that could not be read here (permissions, a directory or FIFO in
  // its place): this machine's problem, not the checkpoint's. "" if none.
  std::string local_error;
  uint64_t bytes = 0;  // chunk files read
  uint64_t raw_bytes = 0;
  std::vector<MirrorReport> mirrors;  // from a ChunkSource (checkpoint/source.h)
  double seconds = 0;
  // A delta checkpoint checked without its base (VerifyOptions::base_db):
  // its chunks' digests and encodings only, not their proofs.
  bool proofs_need_base = false;
  bool ok() const { return manifest_ok && problems.empty() && local_error.empty(); }
};

struct VerifyOptions {
  Anchors anchors;
  unsigned threads = 0;  // 0: cores
  // The largest chunk_size accepted in a manifest; chunks may be up to
  // max(max_chunk_size, kMaxLeafChunkBytes) (one leaf over the size). A
  // manifest over either is refused as a whole (a manifest problem, class
  // invalid) before any chunk is read. Memory is then at most ~2 x that per
  // thread (the chunk file and its decompressed bytes) plus the rebuild's.
  // Default: kDefaultMaxChunkSize (256 MiB).
  uint64_t max_chunk_size = kDefaultMaxChunkSize;
  // Chunk order to check in (tests); empty: index order. Results do not depend on it.
  std::vector<size_t> order;
  // The state database holding a delta checkpoint's base height: its chunks
  // are rebuilt from it and checked against the root (docs/FORMAT.md §9).
  // Opened read-only. Empty: a delta's proofs are not checked.
  std::string base_db;
};

// Fails (IOError/NotFound) when `dir`, its manifest or a chunk file cannot be
// read here (report.local_error); everything about the checkpoint's contents
// goes into the report.
Result<VerifyReport> VerifyCheckpoint(const std::string& dir, const VerifyOptions& options);

}  // namespace checkpoint
