// Checking one chunk file against a manifest: decode (capped), digest,
// rebuild and proof, interval and leaf count. Shared by verify and restore.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "checkpoint/manifest.h"
#include "checkpoint/verify.h"
#include "chunk/rebuild.h"

namespace checkpoint {

// The verifier's bound (VerifyOptions::max_chunk_size): InvalidArgument,
// "manifest …", when the manifest's chunk_size is over `max_chunk_size` or a
// chunk's raw_size over max(max_chunk_size, kMaxLeafChunkBytes). Once it
// holds, every raw_size is within both that and the format's bound, and
// ReadChunkFile and CheckChunk allocate at most ~raw_size each.
Status CheckChunkLimit(const Manifest& m, uint64_t max_chunk_size);

// The manifest against its trust anchors, for verify and restore alike:
// parses `bytes` into *m (and its id into *id), checks the trusted id, root
// and height and the verifier's bound (CheckChunkLimit). On failure, *cls is
// the manifest problem's class (kCorrupt: not the trusted id, or does not
// decode; kInvalid: decodes, but contradicts an anchor or is over the bound)
// and the status says why: ParseManifest's own for a manifest that does not
// parse, InvalidArgument ("manifest …") for the rest.
Status CheckAnchors(std::string_view bytes, const Anchors& anchors, uint64_t max_chunk_size,
                    Manifest* m, Hash* id, ChunkClass* cls);

// Reads chunk `index`'s file from checkpoint `dir`, refusing more than its
// frame can take (NotFound: no file; Corruption: too large).
Result<std::string> ReadChunkFile(const std::string& dir, const Manifest& m, size_t index);
// Whether a failed ReadChunkFile is this machine's problem (permissions, a
// directory or FIFO in the file's place, an I/O error: exit 1, fix it here)
// rather than the checkpoint's (no file: missing; too large: corrupt).
bool IsLocalReadError(const Status& s);
// The class of a chunk whose file could not be read. REQUIRES: !IsLocalReadError(s).
ChunkCheck ReadFailure(const Status& s, size_t index);

// Chunk `index`'s file decoded (its format `version`, capped at the
// manifest's raw_size) into *canonical, with the size and digest the manifest
// lists: kCorrupt otherwise.
ChunkCheck DecodeChunkAsListed(const Manifest& m, size_t index, std::string_view file,
                               uint32_t version, std::string* canonical);
// kIncomplete unless [lo, hi) is the interval the manifest chains for chunk `index`.
ChunkCheck CheckChainedInterval(const Manifest& m, size_t index, const std::string& lo, bool has_hi,
                                const std::string& hi);

// This thread's buffer for decompressed chunks. Reused, it is resized from
// the last chunk's size, not from zero: no fresh pages, little zero-filling.
std::string& ChunkBuffer();

// `root` is the trusted root; `env` sees the rebuilt nodes (valid only when
// the result is kOk), `on_leaf` every leaf, with views into *canonical (the
// decompressed chunk, kept by the caller; null: ChunkBuffer(), valid until
// this thread's next chunk).
ChunkCheck CheckChunk(const Manifest& m, const Hash& root, size_t index, std::string_view file,
                      ChunkEnv* env, const LeafFn& on_leaf = {}, std::string* canonical = nullptr);

}  // namespace checkpoint
