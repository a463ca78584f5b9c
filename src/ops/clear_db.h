// What `restore --force` may clear (DESIGN §8: "--force only ever clears a
// database of ours"), and how: under the database's own lock.
#pragma once

#include <memory>
#include <string>

#include "checkpoint/state_db.h"

namespace checkpoint {

// Opens `dir` for a restore that may replace what it holds. Absent: made
// new. Present: it must be a state database of ours (RocksDB with our schema
// record); it is opened read-write first, which takes RocksDB's LOCK, and only
// then emptied, inside that open, so a process using it (a node, `state
// apply`, another restore) makes this fail before anything is touched.
// Anything else (a directory of other files, a checkpoint, a store, a
// database in use) is refused with InvalidArgument and left as it was.
Result<std::unique_ptr<StateDb>> OpenClearing(const std::string& dir,
                                              const StateDbOptions& options);

}  // namespace checkpoint
