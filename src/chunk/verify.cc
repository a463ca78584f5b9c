// The chunk verifier: decode, rebuild with the TrieBuilder, fold to the root,
// and check every item against the interval.
#include <zstd.h>

#include <cstring>

#include "checkpoint/chunk.h"
#include "chunk/rebuild.h"
#include "checkpoint/limits.h"
#include "chunk/format.h"
#include "trie/builder.h"
#include "util/coding.h"

namespace checkpoint {
namespace {

constexpr uint32_t kMaxBoundaryBytes = kMaxKeyBytes + 1;

uint32_t U32(Reader* r) {
  std::string_view b = r->Bytes(4);
  if (!r->ok()) return 0;
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<uint8_t>(b[i]);
  return v;
}


struct Interval {
  std::string lo;
  bool has_hi;
  std::string hi;
  bool Contains(std::string_view key) const { return key >= lo && (!has_hi || key < hi); }
  // Whether some byte string starting with the bits `region` lies inside.
  bool Overlaps(const BitString& region) const {
    bool unbounded = false;
    const std::string end = RegionEnd(region, &unbounded);
    return (!has_hi || RegionStart(region) < hi) && (unbounded || end > lo);
  }
};

// `path` cut to its first `bits` bits, in place.
void TruncateBits(BitString* path, uint32_t bits) {
  path->bytes.resize(BytesForBits(bits));
  path->bits = bits;
  if (bits % 8 != 0) path->bytes.back() = static_cast<char>(path->bytes.back() & (0xff << (8 - bits % 8)));
}

Status Bad(bool corrupt, uint64_t item, const char* what) {
  std::string m = "item " + std::to_string(item) + ": " + what;
  return corrupt ? Status::Corruption(std::move(m)) : Status::InvalidArgument(std::move(m));
}

}  // namespace

Result<NodeRef> ChunkEnv::Relabel(const BitString&, const NodeRef&, const BitString&) {
  return Status::InvalidArgument("a stub is not at the position its region names");
}

Status VerifyChunk(std::string_view canonical, HashKind kind, const Hash& root, ChunkInfo* info,
                   const std::function<void(std::string_view, std::string_view)>& on_leaf) {
  ChunkEnv env;
  LeafFn fn;
  if (on_leaf) fn = [&on_leaf](uint64_t, std::string_view k, std::string_view v) { on_leaf(k, v); };
  return RebuildChunk(canonical, kind, root, 0, &env, info, fn);
}

// The rule of docs/FORMAT.md §3, "What a valid chunk proves": the numbers
// below are its steps.
Status RebuildChunk(std::string_view canonical, HashKind kind, const Hash& root, uint64_t height,
                    ChunkEnv* env, ChunkInfo* info, const LeafFn& on_leaf) {
  Reader r(canonical);
  Interval iv;
  uint32_t n = U32(&r);
  if (!r.ok() || n > kMaxBoundaryBytes) return Status::Corruption("bad interval start");
  iv.lo = std::string(r.Bytes(n));
  uint8_t has_hi = r.U8();
  if (!r.ok() || has_hi > 1) return Status::Corruption("bad interval end flag");
  iv.has_hi = has_hi == 1;
  if (iv.has_hi) {
    n = U32(&r);
    if (!r.ok() || n > kMaxBoundaryBytes) return Status::Corruption("bad interval end");
    iv.hi = std::string(r.Bytes(n));
    if (!r.ok()) return Status::Corruption("truncated interval");
    if (!(iv.lo < iv.hi)) return Status::InvalidArgument("empty interval");
  }
  if (!r.ok()) return Status::Corruption("truncated interval");

  const Hash empty = EmptyHash(kind);
  TrieBuilder builder(kind, height, env);
  ChunkInfo out{iv.lo, iv.has_hi, iv.hi, 0, 0, 0};
  uint64_t index = 0;
  BitString prev;  // the previous item's path, updated in place
  for (; !r.empty(); ++index) {
    const size_t item_start = r.remaining();
    const uint8_t tag = r.U8();
    BuildItem item;
    if (tag == static_cast<uint8_t>(ChunkItem::kLeaf)) {
      n = U32(&r);
      if (!r.ok() || n == 0 || n > kMaxKeyBytes) return Bad(true, index, "bad key length");
      std::string_view key = r.Bytes(n);
      uint32_t vlen = U32(&r);
      if (!r.ok() || vlen > kMaxValueBytes) return Bad(true, index, "bad value length");
      std::string_view value = r.Bytes(vlen);
      if (!r.ok()) return Bad(true, index, "truncated value");
      // 2. A leaf lies inside the interval.
      if (!iv.Contains(key)) return Bad(false, index, "leaf outside the interval");
      item.ref = MakeLeafRef(kind, key, value, height);
      prev = item.ref.bits;
      if (on_leaf) on_leaf(index, key, value);
      ++out.leaves;
    } else if (tag == static_cast<uint8_t>(ChunkItem::kStub) ||
               tag == static_cast<uint8_t>(ChunkItem::kLeafStub)) {
      const bool slot_stub = tag == static_cast<uint8_t>(ChunkItem::kLeafStub);
      // 1. Front-coded: exactly the `shared` bits common with the previous path, then `rest`.
      const uint16_t shared = r.U16LE();
      const uint16_t rest_bits = r.U16LE();
      if (!r.ok() || shared > prev.bits || rest_bits == 0 ||
          static_cast<uint32_t>(shared) + rest_bits > kMaxKeyBytes * 8) {
        return Bad(true, index, "bad stub path length");
      }
      const BitString rest{std::string(r.Bytes(BytesForBits(rest_bits))), rest_bits};
      Hash hash;
      r.Copy(hash.data(), hash.size());
      if (!r.ok()) return Bad(true, index, "truncated stub");
      if (!LowBitsClear(rest.bytes, rest.bits)) return Bad(true, index, "stub padding bits set");
      // The bit after the shared prefix must differ from the previous path's.
      if (shared < prev.bits && prev.Bit(shared) == rest.Bit(0)) {
        return Bad(true, index, "stub path not front-coded canonically");
      }
      TruncateBits(&prev, shared);
      AppendBits(&prev, rest);
      // 4. A stub stands for something present.
      if (hash == empty) return Bad(false, index, "a stub of the empty hash");
      if (slot_stub) {
        if (prev.bits % 8 != 0) return Bad(true, index, "slot leaf key is not whole bytes");
        // 2. The slot leaf lies outside the interval; 5. its node (path = its key) reaches into it.
        if (iv.Contains(prev.bytes)) return Bad(false, index, "a hashed slot leaf inside the interval");
        if (!iv.Overlaps(prev)) return Bad(false, index, "a slot-leaf stub below a node outside the interval");
        item.ref.kind = NodeKind::kLeaf;
        item.ref.bits = prev;
      } else {
        // 2. The region lies wholly outside [lo, hi); 5. its parent's reaches into it.
        if (iv.Overlaps(prev)) return Bad(false, index, "a stub covers part of the interval");
        BitString parent = prev;
        TruncateBits(&parent, prev.bits - 1);
        if (!iv.Overlaps(parent)) return Bad(false, index, "a subtree stub below a node outside the interval");
        // A label from the branch bit on: the builder places it directly
        // below the node of depth |region| − 1 (3).
        item.ref.kind = NodeKind::kInternal;
        item.ref.bits = BitString{std::string(1, '\0'), 1};
      }
      item.ref.hash = hash;
      item.opaque = true;
      ++out.stubs;
      out.proof_bytes += item_start - r.remaining();
    } else {
      return Bad(true, index, "unknown item type");
    }
    item.path = prev;
    Status s = builder.Add(std::move(item));
    if (!s.ok()) return Status::InvalidArgument("item " + std::to_string(index) + ": " + s.message());
  }
  // 3. Fold; 6. the root must be the trusted one.
  Result<NodeRef> built = builder.Finish();
  if (!built.ok()) return Status::InvalidArgument(built.status().message());
  const Hash got = built->present() ? built->hash : empty;
  if (got != root) {
    return Status::InvalidArgument("proof does not reach root " + ToHex(root).substr(0, 16) + "… (got " +
                                   ToHex(got).substr(0, 16) + "…)");
  }
  if (info) *info = std::move(out);
  return Status::OK();
}

Status DecodeChunkFile(std::string_view file, uint64_t max_raw_bytes, std::string* canonical) {
  if (file.size() < kChunkFileHeaderBytes ||
      std::memcmp(file.data(), kChunkFileMagic, sizeof(kChunkFileMagic)) != 0) {
    return Status::Corruption("not a chunk file (bad magic)");
  }
  Reader r(file.substr(8, 4));
  const uint32_t version = U32(&r);
  if (version != kChunkFormatVersion) {
    return Status::NotSupported("chunk format version " + std::to_string(version) + " is not supported");
  }
  std::string_view frame = file.substr(kChunkFileHeaderBytes);
  const unsigned long long declared = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR || declared == ZSTD_CONTENTSIZE_UNKNOWN) {
    return Status::Corruption("chunk: bad zstd frame header");
  }
  if (declared > max_raw_bytes) {
    return Status::Corruption("chunk: declares " + std::to_string(declared) + " bytes, more than the " +
                              std::to_string(max_raw_bytes) + " allowed");
  }
  const size_t frame_size = ZSTD_findFrameCompressedSize(frame.data(), frame.size());
  if (ZSTD_isError(frame_size) || frame_size != frame.size()) {
    return Status::Corruption("chunk: truncated zstd frame or trailing bytes");
  }
  canonical->resize(declared);
  const size_t got = ZSTD_decompress(canonical->data(), canonical->size(), frame.data(), frame.size());
  if (ZSTD_isError(got) || got != declared) {
    return Status::Corruption(std::string("chunk: zstd: ") +
                              (ZSTD_isError(got) ? ZSTD_getErrorName(got) : "size differs from the frame header"));
  }
  return Status::OK();
}

std::string EncodeChunkFile(std::string_view canonical, int zstd_level) {
  std::string out(kChunkFileMagic, sizeof(kChunkFileMagic));
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(kChunkFormatVersion >> (8 * i)));
  const size_t bound = ZSTD_compressBound(canonical.size());
  out.resize(kChunkFileHeaderBytes + bound);
  const size_t n = ZSTD_compress(out.data() + kChunkFileHeaderBytes, bound, canonical.data(),
                                 canonical.size(), zstd_level);
  out.resize(kChunkFileHeaderBytes + (ZSTD_isError(n) ? 0 : n));
  return out;
}

}  // namespace checkpoint
