// The chunk verifier: the rule of docs/FORMAT.md §3, "What a valid chunk
// proves" — each decoded item checked against the interval, rebuilt with the
// TrieBuilder (which gives every stub its one place), folded to the root. The
// numbers in the comments are the rule's steps.
#include "checkpoint/chunk.h"
#include "chunk/format.h"
#include "chunk/rebuild.h"
#include "trie/builder.h"

namespace checkpoint {
namespace {

struct Interval {
  const std::string& lo;
  bool has_hi;
  const std::string& hi;
  bool Contains(std::string_view key) const { return key >= lo && (!has_hi || key < hi); }
  // Whether some byte string starting with the bits `region` lies inside.
  bool Overlaps(const BitString& region) const {
    bool unbounded = false;
    const std::string end = RegionEnd(region, &unbounded);
    return (!has_hi || RegionStart(region) < hi) && (unbounded || end > lo);
  }
};

// A decoded item that breaks the rule: the chunk decodes but proves nothing.
Status Bad(uint64_t item, const char* what) {
  return Status::InvalidArgument("item " + std::to_string(item) + ": " + what);
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

Status RebuildChunk(std::string_view canonical, HashKind kind, const Hash& root, uint64_t height,
                    ChunkEnv* env, ChunkInfo* info, const LeafFn& on_leaf) {
  // 1. Decoding, strictly, is the decoder's.
  ChunkDecoder decoder(canonical);
  ChunkHeader header;
  CHECKPOINT_RETURN_IF_ERROR(decoder.Header(&header));
  const Interval iv{header.lo, header.has_hi, header.hi};
  const Hash empty = EmptyHash(kind);
  TrieBuilder builder(kind, height, env);
  ChunkInfo out{header.lo, header.has_hi, header.hi, 0, 0, 0};
  DecodedItem d;
  while (decoder.Next(&d)) {
    const uint64_t index = decoder.index();
    const BitString& path = decoder.path();
    BuildItem item;
    if (d.tag == ChunkItem::kLeaf) {
      // 2. A leaf lies inside the interval.
      if (!iv.Contains(d.key)) return Bad(index, "leaf outside the interval");
      item.ref = MakeLeafRef(kind, d.key, d.value, height);
      if (on_leaf) on_leaf(index, d.key, d.value);
      ++out.leaves;
    } else {
      // 4. A stub stands for something present.
      if (d.hash == empty) return Bad(index, "a stub of the empty hash");
      if (d.tag == ChunkItem::kLeafStub) {
        // 2. The slot leaf lies outside the interval; 5. its node (path = its key) reaches into it.
        if (iv.Contains(path.bytes)) return Bad(index, "a hashed slot leaf inside the interval");
        if (!iv.Overlaps(path))
          return Bad(index, "a slot-leaf stub below a node outside the interval");
        item.ref.kind = NodeKind::kLeaf;
        item.ref.bits = path;
      } else {
        // 2. The region lies wholly outside [lo, hi); 5. its parent's reaches into it.
        if (iv.Overlaps(path)) return Bad(index, "a stub covers part of the interval");
        if (!iv.Overlaps(BitPrefix(path.bytes, path.bits - 1))) {
          return Bad(index, "a subtree stub below a node outside the interval");
        }
        // A label of just the branch bit: the builder places it directly
        // below the node of depth |region| − 1 (3).
        item.ref.kind = NodeKind::kInternal;
        item.ref.bits = BitString{std::string(1, '\0'), 1};
      }
      item.ref.hash = d.hash;
      item.opaque = true;
      ++out.stubs;
      out.proof_bytes += d.bytes;
    }
    // 3. Every item in its one place (the builder's placement rules).
    item.path = path;
    Status s = builder.Add(std::move(item));
    if (!s.ok())
      return Status::InvalidArgument("item " + std::to_string(index) + ": " + s.message());
  }
  CHECKPOINT_RETURN_IF_ERROR(decoder.status());
  // 3. Fold; 6. the root must be the trusted one.
  Result<NodeRef> built = builder.Finish();
  if (!built.ok()) return Status::InvalidArgument(built.status().message());
  const Hash got = built->present() ? built->hash : empty;
  if (got != root) {
    return Status::InvalidArgument("proof does not reach root " + ToHex(root).substr(0, 16) +
                                   "… (got " + ToHex(got).substr(0, 16) + "…)");
  }
  if (info) *info = std::move(out);
  return Status::OK();
}

}  // namespace checkpoint
