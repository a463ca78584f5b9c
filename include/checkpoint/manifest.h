// The manifest: a checkpoint's table of contents (docs/FORMAT.md §4).
//
// Its bytes are canonical — one spelling per content, and the parser rejects
// any other — so the checkpoint id, SHA-256 of those bytes, names exactly one
// manifest. Nothing in it depends on the compressor. Plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/hash.h"
#include "checkpoint/status.h"

namespace checkpoint {

struct ManifestChunk {
  std::string lo;   // interval start; the interval ends at the next chunk's lo
  Hash digest{};    // SHA-256 of the chunk's uncompressed canonical encoding
  uint64_t raw_size = 0;
  uint64_t leaves = 0;

  bool operator==(const ManifestChunk&) const = default;
};

struct Manifest {
  uint32_t format_version = 1;
  uint32_t chunker_version = 1;
  HashKind hash = HashKind::kSha256;
  uint64_t chunk_size = 0;
  uint64_t height = 0;
  Hash root{};
  uint64_t leaves = 0;  // sum over chunks
  std::vector<ManifestChunk> chunks;

  bool operator==(const Manifest&) const = default;
};

// Formats this build reads; the writer can emit any of them.
constexpr uint32_t kManifestFormatVersions[] = {1};

std::string EncodeManifest(const Manifest& m);
// Strict: known version, every field present and sane, intervals strictly
// increasing from the empty key, totals adding up, and canonical bytes.
Status ParseManifest(std::string_view bytes, Manifest* out);
// The checkpoint id.
Hash ManifestId(std::string_view bytes);

}  // namespace checkpoint
