// Chunks: checking one alone against a trusted root (DESIGN §6, §8).
//
// A chunk proves the exact contents of its key interval [lo, hi): its leaves,
// plus stubs (hashes) for everything outside, fold to the root, and no stub
// covers any part of the interval. Stateless; safe from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "checkpoint/hash.h"
#include "checkpoint/status.h"

namespace checkpoint {

struct ChunkInfo {
  std::string lo;
  bool has_hi = false;  // false: the interval runs to the end of the key space
  std::string hi;
  uint64_t leaves = 0;
  uint64_t stubs = 0;
  uint64_t proof_bytes = 0;  // encoded size of the stubs
};

// Checks a chunk's canonical (uncompressed) encoding against `root`.
// Corruption: it does not decode. InvalidArgument: it decodes but does not
// prove its interval at `root` (the message says why).
// `on_leaf`, when given, sees each leaf in key order (before the final root
// check: discard what it saw unless the result is OK).
Status VerifyChunk(
    std::string_view canonical, HashKind kind, const Hash& root, ChunkInfo* info = nullptr,
    const std::function<void(std::string_view key, std::string_view value)>& on_leaf = {});

// A chunk file: magic, format version, one zstd frame. Refuses a frame whose
// declared size is unknown or above `max_raw_bytes`, and trailing bytes.
// `version` is the chunk format the manifest calls for: 1 for a full
// checkpoint's chunks, 2 for a delta's (docs/FORMAT.md §9).
Status DecodeChunkFile(std::string_view file, uint64_t max_raw_bytes, std::string* canonical,
                       uint32_t version = 1);
std::string EncodeChunkFile(std::string_view canonical, int zstd_level, uint32_t version = 1);

// zstd levels chunk files are written at (transport only: ids never depend on
// them). Default: zstd's fast mode -1, as small as level 1 on chain-like state
// and faster. 19 is the highest without zstd's memory-hungry "ultra" levels.
inline constexpr int kDefaultZstdLevel = -1;
inline constexpr int kMinZstdLevel = -7;
inline constexpr int kMaxZstdLevel = 19;

}  // namespace checkpoint
