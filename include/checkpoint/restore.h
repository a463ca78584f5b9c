// Restoring a checkpoint into a state database (DESIGN §8).
//
// A session: Begin(manifest, trust) → Add(chunk) in any order, from any
// number of threads → Finish(). Each chunk is verified exactly as `verify`
// does; its records go into the database together with a progress record in
// one atomic ingestion, so a killed restore resumes where it was (sessions of
// the same checkpoint id pick up each other's chunks). Finish writes the few
// nodes above the chunks and the height's root record last; until then no
// reader sees the height.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/manifest.h"
#include "checkpoint/status.h"
#include "checkpoint/verify.h"

namespace checkpoint {

class NodeStore;

struct RestoreOptions {
  Anchors anchors;
  // Restore on the manifest's word alone (no --root or --id). Default: false.
  bool trust_manifest = false;
  // Clear a destination that holds other state. Default: false.
  bool force = false;
  // As VerifyOptions::max_chunk_size: Begin refuses (InvalidArgument, "manifest
  // …") a manifest over it before opening the database.
  // Default: kDefaultMaxChunkSize (256 MiB).
  uint64_t max_chunk_size = kDefaultMaxChunkSize;
};

class RestoreSession {
 public:
  virtual ~RestoreSession() = default;

  // Opens (creating if needed) the database in `db_dir` and starts or
  // resumes restoring the checkpoint whose manifest is `manifest`.
  // InvalidArgument: no trust anchor, an anchor the manifest contradicts, or a
  // destination holding other state (without `force`). Corruption: a bad manifest.
  static Result<std::unique_ptr<RestoreSession>> Begin(const std::string& db_dir,
                                                       std::string_view manifest,
                                                       const RestoreOptions& options);
  // For tests: on a caller-owned store.
  static Result<std::unique_ptr<RestoreSession>> BeginOnStore(NodeStore* store,
                                                              std::string_view manifest,
                                                              const RestoreOptions& options);

  virtual const Manifest& manifest() const = 0;
  virtual const Hash& id() const = 0;
  // Chunks not yet in the database, ascending.
  virtual std::vector<size_t> Remaining() const = 0;

  // Verifies chunk `index` (its file's bytes) and adds it. Returns the
  // chunk's class: kOk only once the chunk is in (also when it was already
  // added), or why these bytes were refused; the Status is for I/O errors of
  // the database. Copies of one index from several threads are checked one
  // after another until one is in: a forged copy never shadows a good one.
  virtual Status Add(size_t index, std::string_view chunk_file, ChunkCheck* check) = 0;

  // REQUIRES: every chunk added. Builds the top nodes, checks they fold to
  // the root, and makes the height visible.
  virtual Status Finish() = 0;
};

}  // namespace checkpoint
