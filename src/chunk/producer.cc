#include "chunk/producer.h"

#include <algorithm>

#include "chunk/format.h"
#include "state/trie_iterator.h"

namespace checkpoint {
namespace {

// The spine from the root down to a unit: (spine node, part taken there).
std::vector<std::pair<const SpineNode*, UnitPart>> Chain(const Partition& p, const Unit& u) {
  std::vector<std::pair<const SpineNode*, UnitPart>> chain;
  UnitPart part = u.part;
  for (int i = u.parent; i >= 0; i = p.spine[i].parent) {
    chain.push_back({&p.spine[i], part});
    part = p.spine[i].part;
  }
  std::reverse(chain.begin(), chain.end());
  return chain;
}

// `prev` tracks the previous item's path, against which stubs are front-coded.
void AppendLeftStubs(const Partition& p, const Unit& u, BitString* prev, std::string* out) {
  for (const auto& [s, part] : Chain(p, u)) {  // root first: key order
    const InternalNode& n = s->node;
    if (n.slot.present() && part != UnitPart::kSlot) {
      AppendStubItem(out, ChunkItem::kLeafStub, prev, s->path, n.slot.hash);
    }
    if (n.left.present() && part == UnitPart::kRight) {
      AppendStubItem(out, ChunkItem::kStub, prev, Extended(s->path, false), n.left.hash);
    }
  }
}

void AppendRightStubs(const Partition& p, const Unit& u, BitString* prev, std::string* out) {
  auto chain = Chain(p, u);
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {  // deepest first: key order
    const auto& [s, part] = *it;
    const InternalNode& n = s->node;
    if (part == UnitPart::kSlot && n.left.present()) {
      AppendStubItem(out, ChunkItem::kStub, prev, Extended(s->path, false), n.left.hash);
    }
    if (part != UnitPart::kRight && n.right.present()) {
      AppendStubItem(out, ChunkItem::kStub, prev, Extended(s->path, true), n.right.hash);
    }
  }
}

Status AppendUnitLeaves(const Unit& u, NodeReader* reader, BitString* prev, std::string* out) {
  if (u.ref.kind == NodeKind::kLeaf) {
    std::string_view value;
    CHECKPOINT_RETURN_IF_ERROR(reader->ReadLeaf(u.ref, &value));
    if (value.size() != u.ref.stats.value_bytes) {
      return Status::Corruption("leaf " + ToHex(u.ref.leaf_key()) +
                                ": value size differs from its parent's record");
    }
    AppendLeafItem(out, u.ref.leaf_key(), value);
    *prev = u.ref.bits;
    return Status::OK();
  }
  auto it = NewSubtreeIterator(reader, u.ref, u.path);
  uint64_t leaves = 0;
  std::string_view last;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    AppendLeafItem(out, it->key(), it->value());
    last = it->key();
    ++leaves;
  }
  *prev = BitString::FromKey(last);
  CHECKPOINT_RETURN_IF_ERROR(it->status());
  if (leaves != u.ref.stats.leaves) {
    return Status::Corruption("subtree at " + ToHexAbbrev(u.path.bytes) +
                              ": leaf count differs from its statistics");
  }
  return Status::OK();
}

}  // namespace

Status ProduceChunk(const Partition& p, size_t index, NodeReader* reader, std::string* out) {
  const ChunkPlan& c = p.chunks[index];
  const size_t start = out->size();
  out->reserve(start + c.raw_bytes);
  AppendChunkHeader(out, c.lo, c.has_hi ? &c.hi : nullptr);
  if (!p.units.empty()) {
    BitString prev;
    AppendLeftStubs(p, p.units[c.first_unit], &prev, out);
    for (size_t i = c.first_unit; i <= c.last_unit; ++i) {
      CHECKPOINT_RETURN_IF_ERROR(AppendUnitLeaves(p.units[i], reader, &prev, out));
    }
    AppendRightStubs(p, p.units[c.last_unit], &prev, out);
  }
  if (out->size() - start != c.raw_bytes) {
    return Status::Corruption("chunk " + std::to_string(index) + ": encoded " +
                              std::to_string(out->size() - start) + " bytes, statistics said " +
                              std::to_string(c.raw_bytes));
  }
  return Status::OK();
}

}  // namespace checkpoint
