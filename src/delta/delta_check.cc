#include "delta/delta_check.h"

#include "checkpoint/chunk.h"
#include "chunk/format.h"
#include "delta/delta_chunk.h"
#include "ops/chunk_check.h"

namespace checkpoint {

Result<PinnedHeight> PinDeltaBase(StateDb* db, const Manifest& m) {
  const ManifestBase& b = *m.base;
  if (db->hash_kind() != m.hash) {
    return Status::InvalidArgument("the database uses " + HashKindName(db->hash_kind()) +
                                   ", the delta " + HashKindName(m.hash));
  }
  Result<PinnedHeight> pin = PinHeight(db, b.height);
  if (!pin.ok()) {
    return Status::InvalidArgument(
        "the delta applies to height " + std::to_string(b.height) + " (root " + ToHex(b.root) +
        "), which the database does not have: " + pin.status().message());
  }
  const Hash root = pin->root.present() ? pin->root.hash : EmptyHash(m.hash);
  if (root != b.root) {
    return Status::InvalidArgument("the database's root at height " + std::to_string(b.height) +
                                   " is " + ToHex(root) + ", the delta's base root is " +
                                   ToHex(b.root));
  }
  return pin;
}

Result<std::unique_ptr<DeltaBase>> OpenDeltaBase(const std::string& db_dir, const Manifest& m) {
  StateDbOptions o;
  o.read_only = true;
  auto base = std::make_unique<DeltaBase>();
  CHECKPOINT_ASSIGN_OR_RETURN(base->db, StateDb::Open(db_dir, o));
  CHECKPOINT_ASSIGN_OR_RETURN(base->pin, PinDeltaBase(base->db.get(), m));
  return base;
}

namespace {

// Without the base: the encoding decodes strictly, its interval is the one
// the manifest chains, and it holds the manifest's count of changes, in order
// and inside the interval. What the proofs say needs the base.
ChunkCheck CheckDecoding(const Manifest& m, size_t index, std::string_view canonical) {
  ChunkDecoder decoder(canonical, /*delta=*/true);
  ChunkHeader h;
  Status s = decoder.Header(&h);
  if (!s.ok()) return {ChunkClass::kCorrupt, s.message()};
  ChunkCheck chained = CheckChainedInterval(m, index, h.lo, h.has_hi, h.hi);
  if (chained.cls != ChunkClass::kOk) return chained;
  const KeyInterval iv{h.lo, h.has_hi, h.hi};
  uint64_t changes = 0;
  std::string_view last;
  DecodedItem d;
  while (decoder.Next(&d)) {
    if (d.tag != ChunkItem::kPut && d.tag != ChunkItem::kDelete) continue;
    if (!iv.Contains(d.key) || (changes > 0 && !(last < d.key))) {
      return {ChunkClass::kInvalid, "a change out of order or outside the interval"};
    }
    last = d.key;
    ++changes;
  }
  if (!decoder.status().ok()) return {ChunkClass::kCorrupt, decoder.status().message()};
  if (changes != m.chunks[index].leaves) {
    return {ChunkClass::kInvalid, "holds " + std::to_string(changes) +
                                      " changes, the manifest says " +
                                      std::to_string(m.chunks[index].leaves)};
  }
  return {ChunkClass::kOk, {}, canonical.size()};
}

}  // namespace

ChunkCheck CheckDeltaChunk(const Manifest& m, size_t index, std::string_view file,
                           const PinnedHeight* base, std::string* kept, RecordLog* log) {
  std::string local;
  std::string& canonical = kept ? *kept : local;
  ChunkCheck decoded = DecodeChunkAsListed(m, index, file, kDeltaChunkFormatVersion, &canonical);
  if (decoded.cls != ChunkClass::kOk) return decoded;
  if (!base) return CheckDecoding(m, index, canonical);
  // The rebuild walks the base trie forward in key order, skipping what no
  // change reaches: a sparse scan.
  NodeReader reader(base->store, base->snapshot, NodeReader::Mode::kSparse);
  reader.LogInto(log);
  DeltaChunkInfo info;
  Status s = VerifyDeltaChunk(canonical, m.hash, m.root, &reader, base->root, &info);
  if (s.IsIOError()) return {ChunkClass::kCorrupt, "the base state: " + s.message()};
  if (!s.ok()) return {ChunkClass::kInvalid, s.message()};
  const KeyInterval& iv = info.interval;
  ChunkCheck chained = CheckChainedInterval(m, index, iv.lo, iv.has_hi, iv.hi);
  if (chained.cls != ChunkClass::kOk) return chained;
  if (info.changes != m.chunks[index].leaves) {
    return {ChunkClass::kInvalid, "holds " + std::to_string(info.changes) +
                                      " changes, the manifest says " +
                                      std::to_string(m.chunks[index].leaves)};
  }
  return decoded;
}

ChunkCheck CheckAnyChunk(const Manifest& m, const Hash& root, size_t index, std::string_view file,
                         const PinnedHeight* base) {
  if (m.is_delta()) return CheckDeltaChunk(m, index, file, base);
  ChunkEnv env;
  return CheckChunk(m, root, index, file, &env);
}

}  // namespace checkpoint
