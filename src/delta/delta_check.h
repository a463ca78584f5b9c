// Checking a delta checkpoint's chunk files (docs/FORMAT.md §9): against the
// base state when there is one, else as far as the bytes go.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "checkpoint/manifest.h"
#include "checkpoint/state_db.h"
#include "checkpoint/verify.h"
#include "state/state_db_internal.h"

namespace checkpoint {

// The base state a delta's chunks are checked against: the manifest's base
// height of a database, held still.
struct DeltaBase {
  std::unique_ptr<StateDb> db;  // when opened here
  PinnedHeight pin;
};

// Pins the manifest's base height of `db`: InvalidArgument naming both when
// the database lacks that height or has another root there.
Result<PinnedHeight> PinDeltaBase(StateDb* db, const Manifest& m);
// Opens the database in `db_dir` read-only and pins the base.
Result<std::unique_ptr<DeltaBase>> OpenDeltaBase(const std::string& db_dir, const Manifest& m);

// Chunk `index` of delta manifest `m`: decoded (capped), size and digest as
// the manifest says, and — with `base` — rebuilt from the base and folded
// to the manifest's root, its interval the one the manifest chains, its
// change count the manifest's. Without `base` the proof is not checked (the
// caller says so). `canonical`, when given, keeps the decoded bytes; `log`,
// the base's node records the check read.
ChunkCheck CheckDeltaChunk(const Manifest& m, size_t index, std::string_view file,
                           const PinnedHeight* base, std::string* canonical = nullptr,
                           RecordLog* log = nullptr);

// Whether checking a delta without its base proves nothing under `a`: a
// --root alone vouches for no manifest digest, so only the proofs could.
inline bool DeltaNeedsBase(const Anchors& a) { return a.root && !a.id && a.pubkeys.empty(); }
inline constexpr const char* kDeltaNeedsBase =
    "a delta checkpoint: under --root its chunks prove nothing without the base state "
    "(--db DIR at its base height)";

// A chunk of either kind, checked as verify does: a full checkpoint's
// against `root`, a delta's as CheckDeltaChunk.
ChunkCheck CheckAnyChunk(const Manifest& m, const Hash& root, size_t index, std::string_view file,
                         const PinnedHeight* base);

}  // namespace checkpoint
