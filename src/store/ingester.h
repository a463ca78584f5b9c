// Ingester: adds staged runs to a store on a thread of its own, several sets
// per ingestion. A restore's workers stage (build table files: cpu) and go
// on; the ingester waits for the disk (each ingestion syncs its files and
// the MANIFEST) and batches what queued meanwhile into one ingestion.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "store/node_store.h"

namespace checkpoint {

class Ingester {
 public:
  // At most `max_queued` sets wait; Add blocks beyond. 0: Add ingests the
  // set itself, before returning (no thread).
  Ingester(NodeStore* store, size_t max_queued);
  // Ingests what is queued, then stops.
  ~Ingester();
  Ingester(const Ingester&) = delete;
  Ingester& operator=(const Ingester&) = delete;

  // Queues `set`. Returns the first failed ingestion's error, if any so far:
  // after one, later sets are dropped, never ingested.
  Status Add(std::unique_ptr<StagedRuns> set);
  // Waits until every queued set is in (or dropped); the first error.
  Status Drain();

 private:
  void Run();

  NodeStore* const store_;
  const size_t max_queued_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::unique_ptr<StagedRuns>> queue_;
  bool ingesting_ = false;
  bool stopping_ = false;
  Status error_;
  std::thread thread_;  // last: starts after the rest exists
};

}  // namespace checkpoint
