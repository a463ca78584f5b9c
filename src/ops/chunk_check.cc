#include "ops/chunk_check.h"

#include <algorithm>
#include <utility>

#include "checkpoint/checkpoint.h"
#include "checkpoint/limits.h"
#include "chunk/format.h"
#include "ops/files.h"

namespace checkpoint {

const char* ChunkClassName(ChunkClass c) {
  switch (c) {
    case ChunkClass::kOk:
      return "ok";
    case ChunkClass::kCorrupt:
      return "corrupt";
    case ChunkClass::kInvalid:
      return "invalid";
    case ChunkClass::kMissing:
      return "missing";
    case ChunkClass::kIncomplete:
      return "incomplete";
    case ChunkClass::kUntrusted:
      return "untrusted";
  }
  return "?";
}

namespace {

std::string Size(uint64_t v) {
  for (const auto& [unit, shift] : {std::pair{"GiB", 30}, {"MiB", 20}, {"KiB", 10}}) {
    if (v >= (1ull << shift) && v % (1ull << shift) == 0)
      return std::to_string(v >> shift) + " " + unit;
  }
  return std::to_string(v) + " bytes";
}

}  // namespace

Status CheckChunkLimit(const Manifest& m, uint64_t max_chunk_size) {
  if (m.chunk_size > max_chunk_size) {
    return Status::InvalidArgument("manifest chunk_size " + Size(m.chunk_size) +
                                   " is more than the " + Size(max_chunk_size) +
                                   " this verifier accepts (--max-chunk-size)");
  }
  const uint64_t cap = std::max(max_chunk_size, kMaxLeafChunkBytes);
  for (size_t i = 0; i < m.chunks.size(); ++i) {
    if (m.chunks[i].raw_size > cap) {
      return Status::InvalidArgument("manifest chunks[" + std::to_string(i) + "].raw_size " +
                                     Size(m.chunks[i].raw_size) + " is more than the " + Size(cap) +
                                     " this verifier accepts for one chunk (--max-chunk-size)");
    }
  }
  return Status::OK();
}

Status CheckAnchors(std::string_view bytes, const Anchors& a, uint64_t max_chunk_size, Manifest* m,
                    Hash* id, ChunkClass* cls) {
  *id = ManifestId(bytes);
  *cls = ChunkClass::kCorrupt;
  if (a.id && *a.id != *id) {
    return Status::InvalidArgument("manifest id " + ToHex(*id) + " is not the trusted id " +
                                   ToHex(*a.id));
  }
  Status s = ParseManifest(bytes, m);
  if (!s.ok()) {
    *cls = s.IsCorruption() ? ChunkClass::kCorrupt : ChunkClass::kInvalid;
    return s;
  }
  *cls = ChunkClass::kInvalid;
  if (a.root && *a.root != m->root) {
    return Status::InvalidArgument("manifest root " + ToHex(m->root) + " is not the trusted root " +
                                   ToHex(*a.root));
  }
  if (a.height && *a.height != m->height) {
    return Status::InvalidArgument("manifest height " + std::to_string(m->height) + " is not " +
                                   std::to_string(*a.height));
  }
  // Before any chunk is read: memory is the verifier's to bound, not the manifest's.
  CHECKPOINT_RETURN_IF_ERROR(CheckChunkLimit(*m, max_chunk_size));
  *cls = ChunkClass::kOk;
  return Status::OK();
}

std::string& ChunkBuffer() {
  thread_local std::string buffer;
  return buffer;
}

Result<std::string> ReadChunkFile(const std::string& dir, const Manifest& m, size_t index) {
  std::string file;
  CHECKPOINT_RETURN_IF_ERROR(ReadFileBounded(dir + "/" + ChunkFileName(index),
                                             MaxChunkFileBytes(m.chunks[index].raw_size), &file));
  return file;
}

bool IsLocalReadError(const Status& s) { return !s.ok() && !s.IsNotFound() && !s.IsCorruption(); }

ChunkCheck ReadFailure(const Status& s, size_t index) {
  if (s.IsNotFound()) return {ChunkClass::kMissing, "no file " + ChunkFileName(index)};
  return {ChunkClass::kCorrupt, s.message()};
}

ChunkCheck DecodeChunkAsListed(const Manifest& m, size_t index, std::string_view file,
                               uint32_t version, std::string* canonical) {
  const ManifestChunk& mc = m.chunks[index];
  Status s = DecodeChunkFile(file, mc.raw_size, canonical, version);
  if (!s.ok()) return {ChunkClass::kCorrupt, s.message()};
  if (canonical->size() != mc.raw_size) {
    return {ChunkClass::kCorrupt,
            "size " + std::to_string(canonical->size()) + " differs from the manifest's"};
  }
  if (HashBytes(HashKind::kSha256, *canonical) != mc.digest) {
    return {ChunkClass::kCorrupt, "digest differs from the manifest's"};
  }
  return {ChunkClass::kOk, {}, canonical->size()};
}

ChunkCheck CheckChainedInterval(const Manifest& m, size_t index, const std::string& lo, bool has_hi,
                                const std::string& hi) {
  const bool want_hi = index + 1 < m.chunks.size();
  if (lo != m.chunks[index].lo || has_hi != want_hi || (want_hi && hi != m.chunks[index + 1].lo)) {
    return {ChunkClass::kIncomplete, "proves [" + ToHex(lo) + ", " + (has_hi ? ToHex(hi) : "end") +
                                         "), not the interval the manifest chains"};
  }
  return {};
}

ChunkCheck CheckChunk(const Manifest& m, const Hash& root, size_t index, std::string_view file,
                      ChunkEnv* env, const LeafFn& on_leaf, std::string* kept) {
  const ManifestChunk& mc = m.chunks[index];
  std::string& canonical = kept ? *kept : ChunkBuffer();
  ChunkCheck decoded = DecodeChunkAsListed(m, index, file, kChunkFormatVersion, &canonical);
  if (decoded.cls != ChunkClass::kOk) return decoded;
  ChunkInfo info;
  Status s = RebuildChunk(canonical, m.hash, root, m.height, env, &info, on_leaf);
  if (!s.ok()) return {ChunkClass::kInvalid, s.message()};
  ChunkCheck chained = CheckChainedInterval(m, index, info.lo, info.has_hi, info.hi);
  if (chained.cls != ChunkClass::kOk) return chained;
  if (info.leaves != mc.leaves) {
    return {ChunkClass::kInvalid, "holds " + std::to_string(info.leaves) +
                                      " leaves, the manifest says " + std::to_string(mc.leaves)};
  }
  return {ChunkClass::kOk, {}, canonical.size()};
}

}  // namespace checkpoint
