// RestoreTarget: the database side of a restore (DESIGN §8). state/ owns
// every key a restore writes: the marker naming the checkpoint in progress,
// one progress record per chunk (ingested atomically with the chunk's
// records), the nodes above the chunks, and the root record last
// (docs/STORAGE.md, "Restore"). Ingest is safe from any number of threads;
// the other calls come from one.
#pragma once

#include <functional>
#include <memory>
#include <string_view>
#include <utility>
#include <vector>

#include "checkpoint/state_db.h"
#include "trie/node.h"

namespace checkpoint {

// A complete subtree (or leaf) of one chunk whose parent lies above the
// chunks: where Finish picks the chunk up.
struct RestoreBoundary {
  BitString path;
  NodeRef ref;
};

class RestoreTarget {
 public:
  virtual ~RestoreTarget() = default;

  // Marks the database as restoring checkpoint `id` (height, chunk count), or
  // checks that it already is one restoring exactly that; sets (*in)[i] for
  // each chunk already in. REQUIRES: in->size() == chunks.
  virtual Status Begin(const Hash& id, uint64_t height, uint64_t chunks, std::vector<bool>* in) = 0;
  // A verified chunk's records (key order) and its boundaries, with its
  // progress record, in one atomic ingestion — on the target's ingesting
  // thread, after this returns, unless the target was made without a queue
  // (then before). An ingestion's failure is returned by a later call:
  // Ingest, ForEachBoundary (which first waits for all of them) or Publish.
  virtual Status Ingest(uint64_t index,
                        std::vector<std::pair<std::string_view, std::string_view>> records,
                        const std::vector<RestoreBoundary>& boundaries) = 0;
  // Every ingested chunk's boundaries, chunk by chunk (which is path order).
  virtual Status ForEachBoundary(const std::function<Status(RestoreBoundary)>& fn) = 0;
  // A node above the chunks at `height`: invisible until Publish.
  virtual Status PutTopNode(const BitString& path, const InternalNode& node) = 0;
  // The root record last, with the progress dropped, in one synced write;
  // then the height is visible.
  virtual Status Publish(uint64_t height, const NodeRef& root) = 0;
  // Drops the marker and the progress records (not the nodes), so that
  // another checkpoint may be restored; one synced write.
  virtual Status Abandon() = 0;
};

// REQUIRES: `db` was opened by this library and outlives the target.
// `ingest_queue`: verified chunks that may wait for their ingestion (0:
// each is in before Ingest returns).
std::unique_ptr<RestoreTarget> NewRestoreTarget(StateDb* db, uint64_t height, size_t ingest_queue);

}  // namespace checkpoint
