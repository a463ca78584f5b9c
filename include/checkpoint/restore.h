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
  // Threads checking and adding chunks (RestoreCheckpoint, and its --force
  // pre-verification). Default: 0, the number of cores.
  unsigned threads = 0;
  // Verified chunks that may wait for their ingestion while the next are
  // checked, so that the disk's syncs overlap the hashing; several that wait
  // go in as one. A waiting chunk is not in yet: a crash makes a resume redo
  // it. 0: each chunk is in when Add returns. Default: 4.
  size_t ingest_queue = 4;
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

  // Gives up this checkpoint: drops its progress so that another manifest
  // may be restored. What went in stays: under a --root anchor every record
  // of a verified chunk is a true node of that root, so another manifest of
  // the same root writes the same records. The session is done after it.
  virtual Status Abandon() = 0;
};

// Where RestoreCheckpoint stopped.
enum class RestoreStage {
  kVerifyFirst,  // force over an existing destination: the checkpoint was verified
                 // first and failed; the destination is untouched
  kManifest,     // the manifest contradicts an anchor or is bad; nothing was opened
  kChunks,       // bad chunks; nothing is visible, verified chunks are kept for a rerun
  kFinish,       // every chunk is in, but the nodes above them do not fold to the root
  kDone,         // restored: the height is visible
};

// What RestoreCheckpoint did, like VerifyReport: every problem of the
// checkpoint with its class, never only a message.
struct RestoreReport {
  RestoreStage stage = RestoreStage::kManifest;
  Manifest manifest;  // valid from stage kChunks on
  Hash id{};
  // The checkpoint's problems, by index (-1: the manifest, or at kFinish the
  // fold to the root). Empty at kDone.
  std::vector<ChunkProblem> problems;
  // A chunk file that could not be read here (permissions, a directory or
  // FIFO in its place): this machine's problem, not the checkpoint's. "" if none.
  std::string local_error;
  size_t resumed = 0;  // chunks a previous session had already added
  uint64_t bytes = 0;  // chunk files read
  double seconds = 0;
  std::vector<MirrorReport> mirrors;  // where the chunks came from
  bool ok() const {
    return stage == RestoreStage::kDone && problems.empty() && local_error.empty();
  }
};

// Restores the checkpoint in directory `dir` into the database in `db_dir`
// (made if missing), resuming a killed restore of the same checkpoint: reads
// and anchors the manifest, then checks and adds every remaining chunk on
// `options.threads` threads, then finishes. With `force` and an existing
// `db_dir`, first verifies the whole checkpoint (as VerifyCheckpoint) so that
// a bad checkpoint never costs the state already there.
// Fails (the Status) for what is not the checkpoint's fault: NotFound (no
// manifest), IOError (reading the manifest, the database), InvalidArgument
// (no trust anchor; a destination holding other state without `force`).
// Everything about the checkpoint's contents goes into the report.
Result<RestoreReport> RestoreCheckpoint(const std::string& dir, const std::string& db_dir,
                                        const RestoreOptions& options);

class ChunkSource;
// The same from any source (checkpoint/source.h): mirrors over HTTP, a
// directory. A chunk a mirror sends bad is fetched again from another; with a
// --root anchor and several manifests for that root, one whose chunks no
// mirror provides gives way to the next. report.mirrors says who did what.
Result<RestoreReport> RestoreFromSource(ChunkSource* source, const std::string& db_dir,
                                        const RestoreOptions& options);

}  // namespace checkpoint
