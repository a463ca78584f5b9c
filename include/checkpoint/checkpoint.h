// Creating checkpoints (DESIGN §6, §9): a height of a StateDb cut into
// proof-carrying chunks plus a manifest, published atomically in a store.
//
// Thread-safety: CreateCheckpoint runs its own thread pool and writer thread,
// and works under the store's lock (StoreLock): any number of callers, in
// any processes, may create in one store, and a prune never races one.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "checkpoint/chunk.h"
#include "checkpoint/hash.h"
#include "checkpoint/publish.h"
#include "checkpoint/state_db.h"
#include "checkpoint/status.h"
#include "checkpoint/store.h"

namespace checkpoint {

struct CreateProgress {
  uint64_t chunks_done = 0;
  uint64_t chunks_total = 0;
  uint64_t raw_bytes_done = 0;
  uint64_t raw_bytes_total = 0;
};

struct CreateOptions {
  // Upper bound on a chunk's uncompressed encoding, proof included (a chunk
  // holding one larger leaf is the only exception). Default: 8 MiB.
  uint64_t chunk_size = 8ull << 20;
  // Chunk-producing threads; the output does not depend on it. Default: 0 = cores.
  unsigned threads = 0;
  // Manifest format to write: 1, or 2 (which a delta needs). Default: 1.
  uint32_t format_version = 1;
  // zstd level of the chunk files, kMinZstdLevel..kMaxZstdLevel (transport
  // only: ids never depend on it). Default: kDefaultZstdLevel (-1).
  int zstd_level = kDefaultZstdLevel;
  // Called from the writer thread after each chunk file is written.
  std::function<void(const CreateProgress&)> progress;
  // When it becomes true, the run stops, removes its staging directory and
  // returns Cancelled. Default: none.
  const std::atomic<bool>* cancel = nullptr;
  // How long the overload without a StoreLock waits for the store's lock
  // before it returns Busy (naming the holder). Default: 0, not at all.
  double lock_wait_seconds = 0;
  // Operator secret keys (minisign files, mode 0600; checkpoint/sign.h) that
  // sign the manifest before the checkpoint is published, so it is never seen
  // unsigned; the first also signs the store's index.json. Default: none.
  std::vector<std::string> sign_keys;
  // Also write CKPT/checkpoint.torrent (checkpoint/publish.h) before the
  // checkpoint is published, after signing (the torrent covers signatures).
  std::optional<PublishOptions> publish;
  // Make a delta checkpoint (docs/FORMAT.md §9) of the changes from this
  // height of the database (which must still hold it) to the one created;
  // needs format_version 2. `base_id` names a full checkpoint of that height,
  // recorded in the manifest. Default: a full checkpoint.
  std::optional<uint64_t> base_height;
  std::optional<Hash> base_id;
};

struct CreateResult {
  std::string path;  // absolute path of the checkpoint directory
  Hash id{};         // SHA-256 of the manifest
  uint64_t height = 0;
  Hash root{};
  uint64_t chunks = 0;
  uint64_t leaves = 0;
  uint64_t bytes = 0;      // chunk files on disk
  uint64_t raw_bytes = 0;  // uncompressed encodings
  double seconds = 0;
  bool existed = false;   // a complete checkpoint of the same content was already there
  bool replaced = false;  // one was there but damaged (a chunk missing or implausible): replaced
  std::string magnet;     // with CreateOptions::publish, for a checkpoint made by this run
  std::optional<uint64_t> base_height;  // a delta's base
};

// Checkpoints `height` of `db` into the store directory `store` (made if
// missing) as `<height>-<first 12 hex of id>`. Built in a staging directory,
// fsynced, renamed into place; nothing is left behind on failure. Takes the
// store's lock first (Busy: another holder, after options.lock_wait_seconds).
Result<CreateResult> CreateCheckpoint(StateDb* db, uint64_t height, const std::string& store,
                                      const CreateOptions& options);
// The same under a lock the caller holds (e.g. to prune right after, under
// the same lock). REQUIRES: `lock` guards `store`.
Result<CreateResult> CreateCheckpoint(StateDb* db, uint64_t height, const std::string& store,
                                      const StoreLock& lock, const CreateOptions& options);

// File names inside a checkpoint directory ("manifest.json", "info.json",
// "chunks"; docs/FORMAT.md).
extern const char* const kManifestFile;
extern const char* const kInfoFile;
extern const char* const kChunkDir;
std::string ChunkFileName(uint64_t index);  // "chunks/00000042.chunk"

}  // namespace checkpoint
