// DeltaStage: where a delta restore keeps its verified chunks until every one
// is in (docs/STORAGE.md, "Delta restore"): a marker naming the delta being
// applied and each verified chunk's canonical bytes, in the meta column. None
// of it is visible state; the delta's height appears only when Finish commits
// it, so a killed apply resumes with what was staged.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/hash.h"
#include "checkpoint/state_db.h"

namespace checkpoint {

class DeltaStage {
 public:
  virtual ~DeltaStage() = default;
  // Marks the database as applying delta `id` (to `height`, `chunks` chunks),
  // or checks it already is; sets (*in)[i] for each chunk staged. Another
  // delta's staging is dropped (nothing of it is visible state): a failed
  // or forged delta never blocks the next.
  virtual Status Begin(const Hash& id, uint64_t height, uint64_t chunks, std::vector<bool>* in) = 0;
  virtual Status Stage(uint64_t index, std::string_view canonical) = 0;
  virtual Status Read(uint64_t index, std::string* canonical) = 0;
  // Drops the marker and every staged chunk; one synced write.
  virtual Status End() = 0;
};

// REQUIRES: `db` was opened by this library and outlives the stage.
std::unique_ptr<DeltaStage> NewDeltaStage(StateDb* db);

}  // namespace checkpoint
