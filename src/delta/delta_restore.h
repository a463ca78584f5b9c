// Applying a delta checkpoint: a RestoreSession whose chunks are checked
// against the database's own base height and staged (state/delta_stage.h);
// Finish commits the changes of all of them as the delta's height, which
// becomes visible with its root record — O(changes × depth) throughout.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "checkpoint/restore.h"
#include "checkpoint/state_db.h"

namespace checkpoint {

// A delta adds its height to the node's own database, which can only grow:
// under --root alone nothing vouches for the manifest's height, so a delta
// also needs --height (or a manifest trusted by --id or operator keys).
// InvalidArgument otherwise.
Status CheckDeltaHeightAnchored(const Manifest& m, const RestoreOptions& options);

// The newest height and root of the state database in `db_dir`, if it
// exists and holds any (its meta column opened read-only); nullopt otherwise.
std::optional<std::pair<uint64_t, Hash>> NewestState(const std::string& db_dir);

// REQUIRES: m.is_delta(). Refuses (InvalidArgument, naming both) a database
// whose newest height is not the delta's base with the base's root — unless
// it already holds the delta's height and root (then nothing is left to do).
Result<std::unique_ptr<RestoreSession>> StartDeltaSession(std::unique_ptr<StateDb> db, Manifest m,
                                                          const Hash& id);

}  // namespace checkpoint
