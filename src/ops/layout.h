// The names inside a checkpoint store and a checkpoint directory, in one
// place (docs/FORMAT.md describes the same tree):
//
//   STORE/
//     .lock                             the store lock (StoreLock)
//     index.json                        the store's complete checkpoints
//     <height>-<id12>/                  a checkpoint (id12: 12 hex of its id)
//       manifest.json  info.json  pinned
//       chunks/00000042.chunk
//     .staging-<height>-<pid>-<rand>/   a create in progress
//     .trash-<name>-<pid>/              a deletion in progress
//     .partial-<64 hex id>/             a resumable download
//
// The names embedders need (kManifestFile, kInfoFile, kChunkDir,
// ChunkFileName, kPinFile, kLockFile) are declared in the public headers and
// defined in layout.cc; the rest are internal and live here.
//
// Thread-safety: constants and functions without state; safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "checkpoint/checkpoint.h"
#include "checkpoint/hash.h"
#include "checkpoint/status.h"
#include "checkpoint/store.h"

namespace checkpoint {

// STORE/index.json: a list of the store's complete checkpoints.
inline constexpr const char* kIndexFile = "index.json";
// CKPT/checkpoint.torrent: the checkpoint published to a swarm (`publish`).
inline constexpr const char* kTorrentFile = "checkpoint.torrent";
// The largest .torrent anything reads (~60 bytes a file and ~52 a piece).
inline constexpr uint64_t kMaxTorrentFileBytes = 64ull << 20;
// Its signature by the operator, where stock minisign looks for it.
inline constexpr const char* kIndexSignatureFile = "index.json.minisig";
// Directory-name prefixes of what is not (yet, or any more) a checkpoint.
inline constexpr const char* kStagingPrefix = ".staging-";
inline constexpr const char* kTrashPrefix = ".trash-";
inline constexpr const char* kPartialPrefix = ".partial-";
// DIR/.swarm-<info-hash>/: a torrent download kept with --keep-files DIR,
// until every chunk of it is verified.
inline constexpr const char* kSwarmPrefix = ".swarm-";

// Decimal digits of a chunk file's index, zero-padded so names sort by index.
inline constexpr int kChunkNameDigits = 8;
// Hex digits of the id in a checkpoint's directory name.
inline constexpr size_t kNameIdChars = 12;
// info.json is informational and not trusted: read no more than this of it.
inline constexpr uint64_t kMaxInfoFileBytes = 16 << 20;

// Decimal digits only (no sign or space), within u64: numbers in names.
std::optional<uint64_t> ParseDigits(std::string_view s);

// "<height>-<first 12 hex of id>".

std::string CheckpointName(uint64_t height, const Hash& id);
// True when `name` has the form CheckpointName makes (a canonical decimal
// height, '-', 12 lowercase hex digits); fills the parts.
bool ParseCheckpointName(std::string_view name, uint64_t* height, std::string* id12);

// The index of a chunk file named by ChunkFileName ("chunks/00000042.chunk"),
// or nullopt for any other name.
std::optional<uint64_t> ParseChunkFileName(std::string_view relative_path);
// Whether `name` may sit at the top of a checkpoint directory.
bool IsCheckpointEntry(std::string_view name);

// A fresh staging directory name for a create of `height`: unique per run
// (pid and 64 random bits), so concurrent runs never share one.
std::string StagingName(uint64_t height);
// The name a deletion renames checkpoint `name` to before removing it.
std::string TrashName(const std::string& name);
// The resumable download directory of the checkpoint with this id.
std::string PartialName(const Hash& id);

// "staging", "trash", "partial" or "swarm" for a store entry with such a prefix,
// else nullptr (the Leftover kinds ListStore reports).
const char* LeftoverKind(std::string_view name);
// Staging and trash directories are only ever left by a run that died:
// removable by whoever takes the lock. A partial download is kept to resume.
bool IsCrashLeftover(std::string_view name);

// The checkpoint at `path` when it is complete: its name is CheckpointName of
// its manifest's height and id, the manifest parses, and every chunk file is
// a regular file (no link followed) of a size its zstd frame could have.
// Bit rot inside a chunk needs `verify`. Fills name, path (absolute), manifest,
// id and bytes; not the pin or the info file. NotFound or Corruption otherwise.
// Here rather than in store.cc: create's "already made?" check and ListStore
// both need it, and what makes a directory complete is a rule of the layout.
// `staging`: a directory not yet under its name (not checked).
Result<StoredCheckpoint> ReadCompleteCheckpoint(const std::string& path, bool staging = false);

}  // namespace checkpoint
