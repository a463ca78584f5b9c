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
  InternalNode& node = p->open.node;
  node.label_bits = static_cast<uint16_t>(ref.bits.bits);
  ref.hash = InternalHash(kind_, ref.bits, node);
  ref.stats = node.Stats();
  if (p->complete) {
    CHECKPOINT_RETURN_IF_ERROR(env_->WriteInternal(p->path, node, p->open.first_item));
  } else {
    CHECKPOINT_RETURN_IF_ERROR(ReportBoundaries(p->open));
  }
  return ref;
}

// The complete children of an incomplete node are where completeness ends.
Status TrieBuilder::ReportBoundaries(const Open& open) {
  const std::pair<const NodeRef*, const Entry*> entries[] = {
      {&open.node.slot, &open.slot}, {&open.node.left, &open.left}, {&open.node.right, &open.right}};
  for (const auto& [ref, entry] : entries) {
    if (ref->present() && entry->complete) {
      CHECKPOINT_RETURN_IF_ERROR(env_->OnBoundary(entry->path, *ref));
    }
  }
  return Status::OK();
}

Status TrieBuilder::AttachTo(Open* parent) {
  CHECKPOINT_ASSIGN_OR_RETURN(NodeRef ref, Seal(&pending_, parent->depth));
  NodeRef* slot;
  Entry* entry;
  if (ref.kind == NodeKind::kLeaf && pending_.path.bits == parent->depth) {
    slot = &parent->node.slot;
    entry = &parent->slot;
  } else if (pending_.path.Bit(parent->depth)) {
    slot = &parent->node.right;
    entry = &parent->right;
  } else {
    slot = &parent->node.left;
    entry = &parent->left;
  }
  if (slot->present()) return Status::InvalidArgument("trie builder: two items in one place");
  *slot = std::move(ref);
  entry->path = std::move(pending_.path);
  entry->complete = pending_.complete;
  parent->complete = parent->complete && pending_.complete;
  if (!parent->has_first) {
    parent->first_item = pending_.first_item;
    parent->has_first = true;
  }
  return Status::OK();
}

Status TrieBuilder::Add(BuildItem item) {
  if (!has_pending_) {
    pending_ = Pending{std::move(item.path), false, std::move(item.ref), {}, !item.opaque, items_++};
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
    CHECKPOINT_RETURN_IF_ERROR(CloseTop());
  }
  if (stack_.empty() || stack_.back().depth < lcp) {
    stack_.push_back(Open{lcp, BitPrefix(item.path.bytes, lcp), {}, {}, {}, {}, true, 0, false});
  }
  CHECKPOINT_RETURN_IF_ERROR(AttachTo(&stack_.back()));
  pending_ = Pending{std::move(item.path), false, std::move(item.ref), {}, !item.opaque, items_++};
  return Status::OK();
}

Status TrieBuilder::CloseTop() {
  CHECKPOINT_RETURN_IF_ERROR(AttachTo(&stack_.back()));
  Open& top = stack_.back();
  const bool complete = top.complete;
  const uint64_t first = top.first_item;
  BitString path = top.path;
  pending_ = Pending{std::move(path), true, {}, std::move(top), complete, first};
  stack_.pop_back();
  return Status::OK();
}

Result<NodeRef> TrieBuilder::Finish() {
  if (!has_pending_) return NodeRef{};
  while (!stack_.empty()) CHECKPOINT_RETURN_IF_ERROR(CloseTop());
  CHECKPOINT_ASSIGN_OR_RETURN(NodeRef root, Seal(&pending_, 0));
  if (pending_.complete) CHECKPOINT_RETURN_IF_ERROR(env_->OnBoundary(pending_.path, root));
  return root;
}

}  // namespace checkpoint
