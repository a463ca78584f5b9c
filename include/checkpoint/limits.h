// Limits on keys and values (DESIGN §4), and the verifier's bound on chunks
// (DESIGN §8, docs/FORMAT.md §4).
#pragma once

#include <cstdint>

namespace checkpoint {

// Key bit lengths must fit the node hash's u16 label length: 8191 * 8 < 65536.
constexpr uint32_t kMaxKeyBytes = 8191;
constexpr uint64_t kMaxValueBytes = 64ull << 20;

// The default of VerifyOptions/RestoreOptions::max_chunk_size (--max-chunk-size):
// the largest chunk_size a verifier accepts in a manifest, so that memory is
// bounded by the verifier, not by whoever wrote the manifest.
constexpr uint64_t kDefaultMaxChunkSize = 256ull << 20;

// The largest honest chunk of one leaf. Only such a chunk may exceed its
// manifest's chunk_size, so a verifier accepts chunks up to
// max(max_chunk_size, this) whatever its max_chunk_size. From the format: the
// leaf (9 + 8191-byte key + 64 MiB value), a header (two 8192-byte bounds) and
// the proof of the deepest key (at most a subtree stub and a slot-leaf stub at
// each of 65,529 nodes on its path, 37 bytes + its front-coded rest each; the
// rests add up to ~25 KB): under 64 MiB + 5 MB. 8 MiB leaves a margin.
constexpr uint64_t kMaxLeafChunkBytes = kMaxValueBytes + (8ull << 20);

}  // namespace checkpoint
