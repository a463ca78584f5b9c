#include "trie/node.h"

#include "checkpoint/limits.h"
#include "util/coding.h"
#include "util/hasher.h"

namespace checkpoint {
namespace {

constexpr uint8_t kLeafPrefix = 0x00;
constexpr uint8_t kInternalPrefix = 0x01;
constexpr uint8_t kRecordFormat = 1;

const Hash& OrEmpty(const NodeRef& ref, const Hash& empty) {
  return ref.present() ? ref.hash : empty;
}

// Child entries: kind, height, hash, then the kind's own fields.
void EncodeEntry(std::string* dst, const NodeRef& ref, bool slot) {
  dst->push_back(static_cast<char>(ref.kind));
  if (!ref.present()) return;
  PutVarint64(dst, ref.height);
  dst->append(reinterpret_cast<const char*>(ref.hash.data()), ref.hash.size());
  if (ref.kind == NodeKind::kLeaf) {
    if (!slot) {
      PutVarint64(dst, ref.bits.bytes.size());
      dst->append(ref.bits.bytes);
    }
    PutVarint64(dst, ref.stats.value_bytes);
  } else {
    PutFixed16LE(dst, static_cast<uint16_t>(ref.bits.bits));
    dst->append(ref.bits.bytes);
    PutVarint64(dst, ref.stats.leaves);
    PutVarint64(dst, ref.stats.key_bytes);
    PutVarint64(dst, ref.stats.value_bytes);
  }
}

// `slot_key` is the node path for a slot entry, else null. Only a root may
// have an empty label.
Status DecodeEntry(Reader* r, const std::string* slot_key, NodeRef* ref, bool root = false) {
  uint8_t kind = r->U8();
  if (!r->ok()) return Status::Corruption("node record truncated");
  if (kind > 2 || (slot_key && kind == 2)) return Status::Corruption("node record: bad kind");
  // Every field is assigned in place: a caller decoding into the same node
  // again reuses its strings (trie_iterator.cc).
  ref->kind = static_cast<NodeKind>(kind);
  if (!ref->present()) {
    ref->height = 0;
    ref->hash = {};
    ref->bits.bytes.clear();
    ref->bits.bits = 0;
    ref->stats = {};
    return Status::OK();
  }
  ref->height = r->Varint64();
  r->Copy(ref->hash.data(), ref->hash.size());
  if (ref->kind == NodeKind::kLeaf) {
    if (slot_key) {
      ref->bits.bytes.assign(*slot_key);
    } else {
      uint64_t n = r->Varint64();
      if (!r->ok() || n == 0 || n > kMaxKeyBytes) return Status::Corruption("node record: bad key");
      ref->bits.bytes.assign(r->Bytes(n));
    }
    ref->bits.bits = static_cast<uint32_t>(ref->bits.bytes.size() * 8);
    uint64_t value_bytes = r->Varint64();
    if (value_bytes > kMaxValueBytes) return Status::Corruption("node record: bad value size");
    ref->stats = {1, ref->bits.bytes.size(), value_bytes};
  } else {
    uint16_t bits = r->U16LE();
    ref->bits.bits = bits;
    ref->bits.bytes.assign(r->Bytes(BytesForBits(bits)));
    ref->stats.leaves = r->Varint64();
    ref->stats.key_bytes = r->Varint64();
    ref->stats.value_bytes = r->Varint64();
    if (r->ok() &&
        ((bits == 0 && !root) || !LowBitsClear(ref->bits.bytes, bits) || ref->stats.leaves < 2)) {
      return Status::Corruption("node record: bad child label or stats");
    }
  }
  return r->ok() ? Status::OK() : Status::Corruption("node record truncated");
}

}  // namespace

SubtreeStats InternalNode::Stats() const {
  SubtreeStats s;
  s.Add(slot.stats);
  s.Add(left.stats);
  s.Add(right.stats);
  return s;
}

BitString ChildPath(const BitString& parent_path, const NodeRef& child) {
  BitString p;
  SetChildPath(&p, parent_path, child);
  return p;
}

void SetChildPath(BitString* out, const BitString& parent_path, const NodeRef& child) {
  if (child.kind != NodeKind::kInternal) {
    out->bytes.clear();
    out->bits = 0;
    return;
  }
  *out = parent_path;
  AppendBits(out, child.bits);
}

Hash LeafHash(HashKind kind, std::string_view key, std::string_view value) {
  Hasher h(kind);
  const uint8_t prefix = kLeafPrefix;
  h.Update(&prefix, 1);
  h.UpdateU32(static_cast<uint32_t>(key.size()));
  h.Update(key);
  h.UpdateU32(static_cast<uint32_t>(value.size()));
  h.Update(value);
  return h.Final();
}

Hash InternalHash(HashKind kind, const BitString& label, const Hash& slot, const Hash& left,
                  const Hash& right) {
  Hasher h(kind);
  const uint8_t prefix = kInternalPrefix;
  h.Update(&prefix, 1);
  h.UpdateU16(static_cast<uint16_t>(label.bits));
  h.Update(label.bytes);
  h.Update(slot.data(), slot.size());
  h.Update(left.data(), left.size());
  h.Update(right.data(), right.size());
  return h.Final();
}

Hash InternalHash(HashKind kind, const BitString& label, const InternalNode& node) {
  const Hash empty = EmptyHash(kind);
  return InternalHash(kind, label, OrEmpty(node.slot, empty), OrEmpty(node.left, empty),
                      OrEmpty(node.right, empty));
}

NodeRef MakeLeafRef(HashKind kind, std::string_view key, std::string_view value, uint64_t height) {
  NodeRef ref;
  ref.kind = NodeKind::kLeaf;
  ref.height = height;
  ref.hash = LeafHash(kind, key, value);
  ref.bits = BitString::FromKey(key);
  ref.stats = {1, key.size(), value.size()};
  return ref;
}

void AppendInternalNode(std::string* dst, const InternalNode& node) {
  dst->push_back(static_cast<char>(kRecordFormat));
  PutFixed16LE(dst, node.label_bits);
  EncodeEntry(dst, node.slot, /*slot=*/true);
  EncodeEntry(dst, node.left, false);
  EncodeEntry(dst, node.right, false);
}

std::string EncodeInternalNode(const InternalNode& node) {
  std::string out;
  out.reserve(256);
  AppendInternalNode(&out, node);
  return out;
}

Status DecodeInternalNode(std::string_view in, const BitString& path, InternalNode* out) {
  Reader r(in);
  if (r.U8() != kRecordFormat) return Status::Corruption("node record: unknown format");
  out->label_bits = r.U16LE();
  if (!r.ok() || out->label_bits > path.bits) {
    return Status::Corruption("node record: bad label length");
  }
  const bool slot_possible = path.bits % 8 == 0 && path.bits > 0;
  CHECKPOINT_RETURN_IF_ERROR(DecodeEntry(&r, &path.bytes, &out->slot));
  if (out->slot.present() && !slot_possible) {
    return Status::Corruption("node record: slot at an unaligned path");
  }
  CHECKPOINT_RETURN_IF_ERROR(DecodeEntry(&r, nullptr, &out->left));
  CHECKPOINT_RETURN_IF_ERROR(DecodeEntry(&r, nullptr, &out->right));
  if (!r.empty()) return Status::Corruption("node record: trailing bytes");
  if (out->EntryCount() < 2) return Status::Corruption("node record: fewer than two entries");
  // Each child must sit under path ‖ its branch bit.
  for (int side = 0; side < 2; ++side) {
    const NodeRef& c = side == 0 ? out->left : out->right;
    if (!c.present()) continue;
    if (c.kind == NodeKind::kLeaf) {
      const std::string& k = c.bits.bytes;
      uint32_t kbits = static_cast<uint32_t>(k.size() * 8);
      if (!HasBitPrefix(k, kbits, path.bytes, path.bits) || kbits == path.bits ||
          BitAt(k, path.bits) != (side == 1)) {
        return Status::Corruption("node record: leaf child outside its branch");
      }
    } else if (c.bits.Bit(0) != (side == 1) ||
               static_cast<uint64_t>(path.bits) + c.bits.bits > 8191ull * 8) {
      return Status::Corruption("node record: internal child outside its branch");
    }
  }
  return Status::OK();
}

void EncodeNodeRef(std::string* dst, const NodeRef& ref) { EncodeEntry(dst, ref, false); }

Status DecodeNodeRef(std::string_view in, NodeRef* out) {
  Reader r(in);
  CHECKPOINT_RETURN_IF_ERROR(DecodeEntry(&r, nullptr, out, /*root=*/true));
  if (!r.empty()) return Status::Corruption("root record: trailing bytes");
  return Status::OK();
}

}  // namespace checkpoint
