// The manifest: a checkpoint's table of contents (docs/FORMAT.md §4).
//
// Its bytes are canonical — one spelling per content, and the parser rejects
// any other — so the checkpoint id, SHA-256 of those bytes, names exactly one
// manifest. Nothing in it depends on the compressor. Plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/hash.h"
#include "checkpoint/status.h"

namespace checkpoint {

struct ManifestChunk {
  std::string lo;  // interval start; the interval ends at the next chunk's lo
  Hash digest{};   // SHA-256 of the chunk's uncompressed canonical encoding
  uint64_t raw_size = 0;
  uint64_t leaves = 0;

  bool operator==(const ManifestChunk&) const = default;
};

// A delta checkpoint's base (format version 2): the height F and root its
// changes start from, and the id of a full checkpoint of F when one was named.
struct ManifestBase {
  uint64_t height = 0;
  Hash root{};
  std::optional<Hash> id;

  bool operator==(const ManifestBase&) const = default;
};

struct Manifest {
  uint32_t format_version = 1;
  uint32_t chunker_version = 1;
  HashKind hash = HashKind::kSha256;
  uint64_t chunk_size = 0;
  uint64_t height = 0;
  Hash root{};
  uint64_t leaves = 0;  // sum over chunks (a delta's: its changes)
  std::vector<ManifestChunk> chunks;
  std::optional<ManifestBase> base;  // set: a delta checkpoint (version 2)

  bool is_delta() const { return base.has_value(); }

  bool operator==(const Manifest&) const = default;
};

// Formats this build reads; the writer can emit any of them.
constexpr uint32_t kManifestFormatVersions[] = {1, 2};
// The first version that can name a base (a delta checkpoint).
constexpr uint32_t kDeltaFormatVersion = 2;
constexpr bool IsKnownFormatVersion(uint64_t v) {
  for (uint32_t known : kManifestFormatVersions) {
    if (v == known) return true;
  }
  return false;
}
// The one chunker (partition rule) this build knows.
constexpr uint32_t kManifestChunkerVersion = 1;

// The largest manifest.json anything reads or parses. Each chunk entry takes
// ~130 bytes + 2 per byte of its `lo`, so this is ~400,000 chunks: ~3 TB of
// state at the default 8 MiB chunk size (an honest 10M-key state needs a few
// hundred chunks, a manifest of tens of KiB), ~400 MB at the 1 KiB minimum.
// Parsing costs at most ~0.75 x the file on top of the bytes themselves.
constexpr uint64_t kMaxManifestBytes = 64ull << 20;

// The largest raw_size the format allows in a manifest of `chunk_size`:
// max(chunk_size, 64 MiB) + 64 MiB (a chunk over chunk_size holds one leaf and
// its proof). Verifiers cap it further (VerifyOptions::max_chunk_size).
uint64_t MaxRawChunkBytes(uint64_t chunk_size);

std::string EncodeManifest(const Manifest& m);
// Strict: known version, every field present and sane, intervals strictly
// increasing from the empty key, totals adding up, and canonical bytes.
// Corruption for anything else (and for more than kMaxManifestBytes),
// NotSupported for another format_version. Memory: the result, no DOM; time:
// one pass; never throws.
Status ParseManifest(std::string_view bytes, Manifest* out);
// The checkpoint id.
Hash ManifestId(std::string_view bytes);

}  // namespace checkpoint
