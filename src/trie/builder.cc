#include "trie/builder.h"

namespace checkpoint {

Result<NodeRef> TrieBuilder::Seal(Pending* p, uint32_t parent_depth) {
  if (!p->built) {
    if (p->ref.kind == NodeKind::kLeaf) return p->ref;
    const uint32_t old_start = p->path.bits - p->ref.bits.bits;
    if (old_start == parent_depth) return p->ref;
    return env_->Relabel(p->path, p->ref, BitSlice(p->path.bytes, parent_depth, p->path.bits));
  }
  NodeRef ref;
  ref.kind = NodeKind::kInternal;
  ref.height = height_;
  ref.bits = BitSlice(p->path.bytes, parent_depth, p->path.bits);
  p->node.label_bits = static_cast<uint16_t>(ref.bits.bits);
  ref.hash = InternalHash(kind_, ref.bits, p->node);
  ref.stats = p->node.Stats();
  CHECKPOINT_RETURN_IF_ERROR(env_->WriteInternal(p->path, p->node));
  return ref;
}

Status TrieBuilder::AttachTo(Open* parent) {
  CHECKPOINT_ASSIGN_OR_RETURN(NodeRef ref, Seal(&pending_, parent->depth));
  NodeRef* slot;
  if (ref.kind == NodeKind::kLeaf && pending_.path.bits == parent->depth) {
    slot = &parent->node.slot;
  } else {
    slot = pending_.path.Bit(parent->depth) ? &parent->node.right : &parent->node.left;
  }
  if (slot->present()) return Status::InvalidArgument("trie builder: two items in one place");
  *slot = std::move(ref);
  return Status::OK();
}

Status TrieBuilder::Add(BuildItem item) {
  if (!has_pending_) {
    pending_ = Pending{std::move(item.path), false, std::move(item.ref), {}};
    has_pending_ = true;
    return Status::OK();
  }
  // Between Adds, pending_ is always the previous item.
  const BitString& prev = pending_.path;
  if (CompareBits(prev.bytes, prev.bits, item.path.bytes, item.path.bits) >= 0) {
    return Status::InvalidArgument("trie builder: items out of order");
  }
  const uint32_t lcp = CommonPrefixBits(prev.bytes, prev.bits, item.path.bytes, item.path.bits);
  if (lcp == prev.bits && pending_.ref.kind == NodeKind::kInternal) {
    return Status::InvalidArgument("trie builder: item inside a subtree item");
  }
  while (!stack_.empty() && stack_.back().depth > lcp) {
    CHECKPOINT_RETURN_IF_ERROR(AttachTo(&stack_.back()));
    pending_ = Pending{std::move(stack_.back().path), true, {}, std::move(stack_.back().node)};
    stack_.pop_back();
  }
  if (stack_.empty() || stack_.back().depth < lcp) {
    stack_.push_back(Open{lcp, BitPrefix(item.path.bytes, lcp), {}});
  }
  CHECKPOINT_RETURN_IF_ERROR(AttachTo(&stack_.back()));
  pending_ = Pending{std::move(item.path), false, std::move(item.ref), {}};
  return Status::OK();
}

Result<NodeRef> TrieBuilder::Finish() {
  if (!has_pending_) return NodeRef{};
  while (!stack_.empty()) {
    CHECKPOINT_RETURN_IF_ERROR(AttachTo(&stack_.back()));
    pending_ = Pending{std::move(stack_.back().path), true, {}, std::move(stack_.back().node)};
    stack_.pop_back();
  }
  return Seal(&pending_, 0);
}

}  // namespace checkpoint
