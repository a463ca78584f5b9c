// ChunkGate: which chunks of a restore session are in, and the rule for
// copies of one chunk arriving on several threads: they are checked one after
// another until one is in, so a forged copy never shadows a good one.
// Shared by the full and the delta restore sessions. Thread-safe.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <vector>

#include "checkpoint/status.h"
#include "checkpoint/verify.h"

namespace checkpoint {

class ChunkGate {
 public:
  explicit ChunkGate(size_t chunks) : done_(chunks, false), in_flight_(chunks, false) {}

  // Marks the chunks already in (a resumed session). REQUIRES: in.size() == chunks.
  void Reset(std::vector<bool> in);
  // Chunks not yet in, ascending.
  std::vector<size_t> Remaining() const;

  // Runs `check_and_add` for chunk `index` unless it is in already (then
  // *check is kOk). It sets *check and returns the database's status; the
  // chunk is in when both say so.
  Status Add(size_t index, ChunkCheck* check, const std::function<Status()>& check_and_add);

 private:
  mutable std::mutex mu_;
  std::condition_variable settled_;  // an in-flight chunk's verdict is in
  std::vector<bool> done_;
  std::vector<bool> in_flight_;
};

}  // namespace checkpoint
