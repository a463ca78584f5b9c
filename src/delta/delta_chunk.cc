#include "delta/delta_chunk.h"

#include <utility>

#include "checkpoint/limits.h"
#include "trie/builder.h"

namespace checkpoint {

bool KeyInterval::Overlaps(const BitString& region) const {
  bool unbounded = false;
  const std::string end = RegionEnd(region, &unbounded);
  return (!has_hi || RegionStart(region) < hi) && (unbounded || end > lo);
}

bool KeyInterval::Covers(const BitString& region) const {
  if (RegionStart(region) < lo) return false;
  if (!has_hi) return true;
  bool unbounded = false;
  const std::string end = RegionEnd(region, &unbounded);
  return !unbounded && end <= hi;
}

namespace {

bool LeftOf(const KeyInterval& iv, const ProofItem& item) { return RegionStart(item.path) < iv.lo; }

}  // namespace

Status NodeCache::Get(NodeReader* reader, const BitString& path, const NodeRef& ref,
                      const InternalNode** out) {
  key_.assign(path.bytes);
  PutFixed32LE(&key_, path.bits);
  PutFixed64BE(&key_, ref.height);
  if (auto it = nodes_.find(key_); it != nodes_.end()) {
    *out = &it->second;
    return Status::OK();
  }
  InternalNode node;
  CHECKPOINT_RETURN_IF_ERROR(reader->ReadInternal(path, ref, &node));
  if (nodes_.size() >= capacity_) nodes_.clear();
  *out = &nodes_.emplace(key_, std::move(node)).first->second;
  return Status::OK();
}

Status DeltaProof(NodeReader* reader, const NodeRef& root, const KeyInterval& iv,
                  std::vector<ProofItem>* out, NodeCache* cache) {
  out->clear();
  if (!root.present()) return Status::OK();
  auto leaf_item = [&](const NodeRef& leaf) -> Status {
    ProofItem item{ChunkItem::kLeaf, leaf.bits, leaf.hash, std::string(leaf.leaf_key()), {}};
    CHECKPOINT_RETURN_IF_ERROR(reader->ReadLeafValue(leaf.leaf_key(), leaf.height, &item.value));
    out->push_back(std::move(item));
    return Status::OK();
  };
  if (root.kind == NodeKind::kLeaf) {
    return iv.Contains(root.leaf_key()) ? Status::OK() : leaf_item(root);
  }
  if (iv.Covers(root.bits)) return Status::OK();
  // Pre-order with an explicit stack (deep tries): a frame is a node to open
  // or an item to emit.
  struct Frame {
    bool open;
    BitString path;
    NodeRef ref;
    ChunkItem tag = ChunkItem::kStub;
  };
  std::vector<Frame> stack;
  stack.push_back({true, root.bits, root});
  InternalNode uncached;
  while (!stack.empty()) {
    Frame f = std::move(stack.back());
    stack.pop_back();
    if (!f.open) {
      if (f.tag == ChunkItem::kLeaf) {
        CHECKPOINT_RETURN_IF_ERROR(leaf_item(f.ref));
      } else {
        out->push_back({f.tag, std::move(f.path), f.ref.hash, {}, {}});
      }
      continue;
    }
    const InternalNode* node = &uncached;
    CHECKPOINT_RETURN_IF_ERROR(cache ? cache->Get(reader, f.path, f.ref, &node)
                                     : reader->ReadInternal(f.path, f.ref, &uncached));
    // What lies below, pushed right to left so that it pops in key order.
    for (bool bit : {true, false}) {
      const NodeRef& child = bit ? node->right : node->left;
      if (!child.present()) continue;
      BitString edge = Extended(f.path, bit);
      if (!iv.Overlaps(edge)) {
        stack.push_back({false, std::move(edge), child, ChunkItem::kStub});
      } else if (child.kind == NodeKind::kLeaf) {
        if (!iv.Contains(child.leaf_key())) {
          stack.push_back({false, child.bits, child, ChunkItem::kLeaf});
        }
      } else {
        BitString path = ChildPath(f.path, child);
        if (!iv.Covers(path)) stack.push_back({true, std::move(path), child});
      }
    }
    if (node->slot.present() && !iv.Contains(f.path.bytes)) {
      stack.push_back({false, f.path, node->slot, ChunkItem::kLeafStub});
    }
  }
  return Status::OK();
}

namespace {

uint64_t ProofItemBytes(const ProofItem& item, BitString* prev) {
  if (item.tag == ChunkItem::kLeaf) {
    *prev = item.path;
    return LeafItemBytes(item.key.size(), item.value.size());
  }
  const uint64_t n = StubBytesAfter(*prev, item.path);
  *prev = item.path;
  return n;
}

void AppendProofItem(std::string* out, const ProofItem& item, BitString* prev) {
  if (item.tag == ChunkItem::kLeaf) {
    AppendLeafItem(out, item.key, item.value);
    *prev = item.path;
  } else {
    AppendStubItem(out, item.tag, prev, item.path, item.hash);
  }
}

}  // namespace

uint64_t ProofItemsBytes(const std::vector<ProofItem>& items, BitString* prev) {
  uint64_t n = 0;
  for (const ProofItem& item : items) n += ProofItemBytes(item, prev);
  return n;
}

void EncodeDeltaChunk(const KeyInterval& iv, const std::vector<ProofItem>& proof,
                      const std::vector<DeltaChange>& changes, std::string* out) {
  AppendChunkHeader(out, iv.lo, iv.has_hi ? &iv.hi : nullptr);
  BitString prev;
  size_t i = 0;
  for (; i < proof.size() && LeftOf(iv, proof[i]); ++i) AppendProofItem(out, proof[i], &prev);
  for (const DeltaChange& c : changes) {
    AppendChangeItem(out, c.key, c.value, c.is_delete);
    prev = BitString::FromKey(c.key);
  }
  for (; i < proof.size(); ++i) AppendProofItem(out, proof[i], &prev);
}

namespace {

Status Bad(uint64_t item, const std::string& what) {
  return Status::InvalidArgument("item " + std::to_string(item) + ": " + what);
}

// The change items of a delta chunk, one at a time, from a second decoder
// over the bytes the first pass checked: memory stays at the chunk's bytes,
// whatever the number of changes.
class ChangeCursor {
 public:
  explicit ChangeCursor(std::string_view canonical) : decoder_(canonical, /*delta=*/true) {
    ChunkHeader header;
    (void)decoder_.Header(&header);  // checked by the first pass
    Advance();
  }
  bool has() const { return has_; }
  const DecodedItem& item() const { return item_; }
  uint64_t index() const { return decoder_.index(); }
  // To the next change, past proof items (the first pass placed them).
  void Advance() {
    while ((has_ = decoder_.Next(&item_))) {
      if (item_.tag == ChunkItem::kPut || item_.tag == ChunkItem::kDelete) return;
    }
  }

 private:
  ChunkDecoder decoder_;
  DecodedItem item_;
  bool has_ = false;
};

// Rebuilds a delta chunk's interval at H: the base trie's nodes that no
// change reaches pass whole (relabelled from the base's records where H
// hangs them elsewhere), changed leaves are new, and H's proof items hang
// around them. Also checks the proof is the canonical one (OnPlaced).
class DeltaRebuild : public BuilderEnv {
 public:
  DeltaRebuild(HashKind kind, const KeyInterval& iv, NodeReader* reader)
      : kind_(kind), iv_(iv), reader_(reader), builder_(kind, 0, this) {}

  TrieBuilder* builder() { return &builder_; }

  Status WriteInternal(const BitString&, const InternalNode&, uint64_t) override {
    return Status::OK();
  }

  Result<NodeRef> Relabel(const BitString& path, const NodeRef& old,
                          const BitString& new_label) override {
    InternalNode node;
    CHECKPOINT_RETURN_IF_ERROR(reader_->ReadInternal(path, old, &node));
    node.label_bits = static_cast<uint16_t>(new_label.bits);
    NodeRef ref = old;
    ref.bits = new_label;
    ref.hash = InternalHash(kind_, new_label, node);
    return ref;
  }

  // The proof's canonical shape: a node made to hold proof items is one
  // whose edge region reaches into the interval (else its parent would hold
  // its stub), and a leaf outside the interval is given whole only where a
  // stub could not stand (its edge region reaches in) and never in a slot.
  Status OnPlaced(const Placement& p) override {
    if (p.opaque) return Status::OK();
    const bool edge_in = p.root || iv_.Overlaps(BitPrefix(p.path.bytes, p.parent_depth + 1));
    if (p.built && !p.complete && !edge_in) {
      return Status::InvalidArgument("the proof opens a node wholly outside the interval");
    }
    if (p.ref.kind == NodeKind::kLeaf && !iv_.Contains(p.ref.leaf_key()) &&
        (p.in_slot || !edge_in)) {
      return Status::InvalidArgument("the proof gives a leaf a stub would stand for");
    }
    return Status::OK();
  }

  // The base's part of the interval merged with the changes `cursor` yields
  // (key order, all inside): what commit does, restricted to the interval,
  // and refusing a change that changes nothing.
  Status Merge(const NodeRef& base, ChangeCursor* cursor, const ChangeFn& on_change);

 private:
  struct Frame {
    NodeRef ref;
    BitString path;        // internal: the node's path
    uint32_t region_bits;  // a change under path[0:region_bits) reaches this node
  };

  Status EmitBefore(const BitString& bound);
  Status EmitNext();
  bool Pending() const { return cursor_->has(); }
  const DecodedItem& Next() const { return cursor_->item(); }

  HashKind kind_;
  const KeyInterval& iv_;
  NodeReader* reader_;
  TrieBuilder builder_;
  ChangeCursor* cursor_ = nullptr;
  const ChangeFn* on_change_ = nullptr;
};

Status DeltaRebuild::EmitNext() {
  const DecodedItem& c = Next();
  if (c.tag == ChunkItem::kDelete) {
    return Bad(cursor_->index(), "deletes a key the base does not have");
  }
  if (*on_change_) (*on_change_)(c.key, c.value, false);
  NodeRef ref = MakeLeafRef(kind_, c.key, c.value, 0);
  cursor_->Advance();
  return builder_.Add({ref.bits, std::move(ref)});
}

Status DeltaRebuild::EmitBefore(const BitString& bound) {
  while (Pending() && CompareBits(Next().key, static_cast<uint32_t>(Next().key.size() * 8),
                                  bound.bytes, bound.bits) < 0) {
    CHECKPOINT_RETURN_IF_ERROR(EmitNext());
  }
  return Status::OK();
}

Status DeltaRebuild::Merge(const NodeRef& base, ChangeCursor* cursor, const ChangeFn& on_change) {
  cursor_ = cursor;
  on_change_ = &on_change;
  std::vector<Frame> stack;
  if (base.present()) {
    stack.push_back({base, base.kind == NodeKind::kInternal ? base.bits : BitString{}, 0});
  }
  while (!stack.empty()) {
    Frame f = std::move(stack.back());
    stack.pop_back();
    if (f.ref.kind == NodeKind::kLeaf) {
      const BitString& key = f.ref.bits;
      if (!iv_.Contains(key.bytes)) continue;  // H's proof stands for it
      CHECKPOINT_RETURN_IF_ERROR(EmitBefore(key));
      if (!Pending() || Next().key != key.bytes) {
        CHECKPOINT_RETURN_IF_ERROR(builder_.Add({key, f.ref}));
        continue;
      }
      const DecodedItem& c = Next();
      if (c.tag == ChunkItem::kDelete) {
        if (on_change) on_change(c.key, {}, true);
        cursor_->Advance();
        continue;
      }
      if (LeafHash(kind_, c.key, c.value) == f.ref.hash) {
        return Bad(cursor_->index(), "puts the value the base already has");
      }
      CHECKPOINT_RETURN_IF_ERROR(EmitNext());
      continue;
    }
    if (!iv_.Overlaps(f.path)) continue;  // wholly outside: H's proof stands for it
    const BitString region = BitPrefix(f.path.bytes, f.region_bits);
    CHECKPOINT_RETURN_IF_ERROR(EmitBefore(region));
    const bool reached =
        Pending() && HasBitPrefix(Next().key, static_cast<uint32_t>(Next().key.size() * 8),
                                  region.bytes, region.bits);
    if (!reached && iv_.Covers(f.path)) {
      CHECKPOINT_RETURN_IF_ERROR(builder_.Add({std::move(f.path), std::move(f.ref)}));
      continue;
    }
    InternalNode node;
    CHECKPOINT_RETURN_IF_ERROR(reader_->ReadInternal(f.path, f.ref, &node));
    const uint32_t child_region = f.path.bits + 1;
    for (NodeRef* child : {&node.right, &node.left}) {
      if (!child->present()) continue;
      BitString path = ChildPath(f.path, *child);
      stack.push_back({std::move(*child), std::move(path), child_region});
    }
    if (node.slot.present()) stack.push_back({std::move(node.slot), {}, f.path.bits});
  }
  while (Pending()) CHECKPOINT_RETURN_IF_ERROR(EmitNext());
  return Status::OK();
}

}  // namespace

namespace {

// A decoded proof item as the builder takes it, after the checks of a
// full chunk's step 2 and 4 (the shape is OnPlaced's); `is_left` says which
// side of the interval it lies on.
Status ProofBuildItem(const DecodedItem& d, const BitString& path, uint64_t index,
                      const KeyInterval& iv, HashKind kind, BuildItem* item, bool* is_left) {
  item->path = path;
  if (d.tag == ChunkItem::kLeaf) {
    if (iv.Contains(d.key)) return Bad(index, "a proof leaf inside the interval");
    item->ref = MakeLeafRef(kind, d.key, d.value, 0);
  } else {
    if (d.hash == EmptyHash(kind)) return Bad(index, "a stub of the empty hash");
    if (d.tag == ChunkItem::kLeafStub) {
      if (iv.Contains(path.bytes)) return Bad(index, "a hashed slot leaf inside the interval");
      item->ref.kind = NodeKind::kLeaf;
      item->ref.bits = path;
    } else {
      if (iv.Overlaps(path)) return Bad(index, "a stub covers part of the interval");
      item->ref.kind = NodeKind::kInternal;
      item->ref.bits = BitString{std::string(1, '\0'), 1};
    }
    item->ref.hash = d.hash;
    item->opaque = true;
  }
  *is_left = RegionStart(path) < iv.lo;
  return Status::OK();
}

}  // namespace

// Two passes over the bytes, so memory is the chunk's and the trie's spine,
// never per item: the first checks every item and the order (proof left of
// the interval, changes, proof right of it); the second builds, merging the
// base's part of the interval with the changes where the proof's left side
// ends.
Status VerifyDeltaChunk(std::string_view canonical, HashKind kind, const Hash& target,
                        NodeReader* base_reader, const NodeRef& base, DeltaChunkInfo* info,
                        const ChangeFn& on_change) {
  ChunkDecoder decoder(canonical, /*delta=*/true);
  ChunkHeader header;
  CHECKPOINT_RETURN_IF_ERROR(decoder.Header(&header));
  KeyInterval iv{header.lo, header.has_hi, header.hi};
  enum Phase { kLeft, kChanges, kRight } phase = kLeft;
  std::string_view last_change;
  DeltaChunkInfo out{iv, 0, 0, 0};
  DecodedItem d;
  while (decoder.Next(&d)) {
    const uint64_t index = decoder.index();
    if (d.tag == ChunkItem::kPut || d.tag == ChunkItem::kDelete) {
      if (phase == kRight) return Bad(index, "a change after the proof's right side");
      if (!iv.Contains(d.key)) return Bad(index, "a change outside the interval");
      if (out.changes > 0 && !(last_change < d.key)) return Bad(index, "changes out of order");
      phase = kChanges;
      last_change = d.key;
      ++out.changes;
      ++(d.tag == ChunkItem::kPut ? out.puts : out.deletes);
      continue;
    }
    BuildItem item;
    bool is_left = false;
    CHECKPOINT_RETURN_IF_ERROR(ProofBuildItem(d, decoder.path(), index, iv, kind, &item, &is_left));
    if (is_left && phase != kLeft) return Bad(index, "a proof item left of the interval here");
    if (!is_left) phase = kRight;
  }
  CHECKPOINT_RETURN_IF_ERROR(decoder.status());

  DeltaRebuild rebuild(kind, iv, base_reader);
  TrieBuilder* builder = rebuild.builder();
  bool merged = false;
  auto merge = [&]() -> Status {
    merged = true;
    ChangeCursor cursor(canonical);
    Status s = rebuild.Merge(base, &cursor, on_change);
    return s.ok() || s.IsInvalidArgument() ? s : Status::IOError("base: " + s.message());
  };
  ChunkDecoder again(canonical, /*delta=*/true);
  CHECKPOINT_RETURN_IF_ERROR(again.Header(&header));
  while (again.Next(&d)) {
    if (d.tag == ChunkItem::kPut || d.tag == ChunkItem::kDelete) continue;
    BuildItem item;
    bool is_left = false;
    CHECKPOINT_RETURN_IF_ERROR(
        ProofBuildItem(d, again.path(), again.index(), iv, kind, &item, &is_left));
    if (!is_left && !merged) CHECKPOINT_RETURN_IF_ERROR(merge());
    Status s = builder->Add(std::move(item));
    if (!s.ok()) return Status::InvalidArgument("proof: " + s.message());
  }
  CHECKPOINT_RETURN_IF_ERROR(again.status());
  if (!merged) CHECKPOINT_RETURN_IF_ERROR(merge());
  Result<NodeRef> built = builder->Finish();
  if (!built.ok()) return Status::InvalidArgument(built.status().message());
  const Hash got = built->present() ? built->hash : EmptyHash(kind);
  if (got != target) {
    return Status::InvalidArgument("the changes and proof do not reach root " +
                                   ToHex(target).substr(0, 16) + "… from the base (got " +
                                   ToHex(got).substr(0, 16) + "…)");
  }
  if (info) *info = std::move(out);
  return Status::OK();
}

}  // namespace checkpoint
