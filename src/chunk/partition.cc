#include "chunk/partition.h"

#include "chunk/format.h"

namespace checkpoint {
namespace {

uint64_t LeafBytes(const SubtreeStats& s) { return 9 * s.leaves + s.key_bytes + s.value_bytes; }

// The largest header a chunk holding only this unit can have: each boundary
// is a prefix of a neighbouring region at most one bit longer than this one.
uint64_t MaxHeaderBytes(const BitString& region) {
  return HeaderBytes(BytesForBits(region.bits), true, BytesForBits(region.bits) + 1);
}

struct Frame {
  NodeRef ref;
  BitString path;
  BitString region;
  int parent;
  UnitPart part;
  uint64_t left_proof, right_proof;
  BitString
      last_left;  // path of the last stub left of here: the next one is front-coded against it
};

// Every stub right of a unit shares all but its branch bit with the item
// before it (the chunk's last leaf, or the deeper stub), see ProduceChunk.
constexpr uint64_t kRightStubBytes = StubItemBytes(1);

std::string BoundaryBetween(const Unit& prev, const Unit& next) {
  const uint32_t lcp =
      CommonPrefixBits(prev.region.bytes, prev.region.bits, next.region.bytes, next.region.bits);
  return BitPrefix(next.region.bytes, lcp + 1).bytes;
}

void PackChunks(uint64_t chunk_size, Partition* p) {
  const std::vector<Unit>& u = p->units;
  std::vector<std::string> boundary(u.size());  // boundary[i]: between units i-1 and i
  for (size_t i = 1; i < u.size(); ++i) boundary[i] = BoundaryBetween(u[i - 1], u[i]);
  size_t a = 0;
  while (a < u.size()) {
    const std::string lo = a == 0 ? std::string() : boundary[a];
    auto size_through = [&](size_t b, uint64_t leaf_sum) {
      const bool has_hi = b + 1 < u.size();
      return HeaderBytes(lo.size(), has_hi, has_hi ? boundary[b + 1].size() : 0) + u[a].left_proof +
             leaf_sum + u[b].right_proof;
    };
    size_t b = a;
    uint64_t leaf_sum = u[a].leaf_bytes;
    uint64_t leaves = u[a].ref.stats.leaves;
    while (b + 1 < u.size() && size_through(b + 1, leaf_sum + u[b + 1].leaf_bytes) <= chunk_size) {
      ++b;
      leaf_sum += u[b].leaf_bytes;
      leaves += u[b].ref.stats.leaves;
    }
    ChunkPlan c{a,
                b,
                lo,
                b + 1 < u.size(),
                b + 1 < u.size() ? boundary[b + 1] : std::string(),
                size_through(b, leaf_sum),
                leaves};
    p->chunks.push_back(std::move(c));
    a = b + 1;
  }
}

}  // namespace

Status ComputePartition(NodeReader* reader, const NodeRef& root, uint64_t chunk_size,
                        Partition* out) {
  *out = Partition{};
  if (!root.present()) {
    // The empty state: one chunk with no items, covering everything.
    out->chunks.push_back(ChunkPlan{0, 0, {}, false, {}, HeaderBytes(0, false, 0), 0});
    return Status::OK();
  }
  std::vector<Frame> stack;
  stack.push_back({root,
                   root.kind == NodeKind::kInternal ? root.bits : BitString{},
                   {},
                   -1,
                   UnitPart::kRoot,
                   0,
                   0,
                   {}});
  while (!stack.empty()) {
    Frame f = std::move(stack.back());
    stack.pop_back();
    const uint64_t leaf_bytes = LeafBytes(f.ref.stats);
    if (f.ref.kind == NodeKind::kLeaf ||
        leaf_bytes + f.left_proof + f.right_proof + MaxHeaderBytes(f.region) <= chunk_size) {
      out->units.push_back({std::move(f.ref), std::move(f.path), std::move(f.region), f.parent,
                            f.part, leaf_bytes, f.left_proof, f.right_proof});
      continue;
    }
    SpineNode s;
    CHECKPOINT_RETURN_IF_ERROR(reader->ReadInternal(f.path, f.ref, &s.node));
    s.path = f.path;
    s.parent = f.parent;
    s.part = f.part;
    const int index = static_cast<int>(out->spine.size());
    const InternalNode& n = s.node;
    const BitString left_region = Extended(f.path, false);
    // Left of a child: the slot leaf, then (for the right child) the left subtree.
    BitString last = f.last_left;
    uint64_t left_of_children = f.left_proof;
    if (n.slot.present()) {
      left_of_children += StubBytesAfter(last, f.path);
      last = f.path;
    }
    const BitString last_before_left = last;
    uint64_t left_of_right = left_of_children;
    if (n.left.present()) {
      left_of_right += StubBytesAfter(last, left_region);
      last = left_region;
    }
    const uint64_t right_stub = n.right.present() ? kRightStubBytes : 0;
    const uint64_t left_stub = n.left.present() ? kRightStubBytes : 0;
    // Pushed in reverse so they pop in key order: slot, left, right.
    if (n.right.present()) {
      stack.push_back({n.right, ChildPath(f.path, n.right), Extended(f.path, true), index,
                       UnitPart::kRight, left_of_right, f.right_proof, last});
    }
    if (n.left.present()) {
      stack.push_back({n.left, ChildPath(f.path, n.left), left_region, index, UnitPart::kLeft,
                       left_of_children, f.right_proof + right_stub, last_before_left});
    }
    if (n.slot.present()) {
      Frame slot{n.slot,
                 BitString(),
                 n.slot.bits,
                 index,
                 UnitPart::kSlot,
                 f.left_proof,
                 f.right_proof + left_stub + right_stub,
                 f.last_left};
      stack.push_back(std::move(slot));
    }
    out->spine.push_back(std::move(s));
  }
  PackChunks(chunk_size, out);
  return Status::OK();
}

}  // namespace checkpoint
