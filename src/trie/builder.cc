#include "trie/builder.h"

namespace checkpoint {

Result<NodeRef> TrieBuilder::Seal(Pending* p, uint32_t parent_depth) {
  if (!p->built) {
    // An item's ref is used once, here: moved out, not copied (a leaf's
    // carries its key).
    if (p->ref.kind == NodeKind::kLeaf) return std::move(p->ref);
    const uint32_t old_start = p->path.bits - p->ref.bits.bits;
    if (old_start == parent_depth) return std::move(p->ref);
    if (p->stub)
      return Status::InvalidArgument(
          "a subtree stub is not directly below the node its region names");
    return env_->Relabel(p->path, p->ref, BitSlice(p->path.bytes, parent_depth, p->path.bits));
  }
  NodeRef ref;
  ref.kind = NodeKind::kInternal;
  ref.height = height_;
  ref.bits = BitSlice(p->path.bytes, parent_depth, p->path.bits);
  InternalNode& node = p->open->node;
  node.label_bits = static_cast<uint16_t>(ref.bits.bits);
  ref.hash = InternalHash(kind_, ref.bits, node);
  ref.stats = node.Stats();
  if (p->complete) {
    CHECKPOINT_RETURN_IF_ERROR(env_->WriteInternal(p->path, node, p->open->first_item));
  } else {
    CHECKPOINT_RETURN_IF_ERROR(ReportBoundaries(*p->open));
  }
  return ref;
}

// The complete children of an incomplete node are where completeness ends.
Status TrieBuilder::ReportBoundaries(const Open& open) {
  const std::pair<const NodeRef*, const Entry*> entries[] = {{&open.node.slot, &open.slot},
                                                             {&open.node.left, &open.left},
                                                             {&open.node.right, &open.right}};
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
  const bool in_slot = ref.kind == NodeKind::kLeaf && pending_.path.bits == parent->depth;
  if (pending_.stub && ref.kind == NodeKind::kLeaf && !in_slot) {
    return Status::InvalidArgument(
        "a slot-leaf stub is not in the leaf slot of the node at its key");
  }
  if (in_slot) {
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
  CHECKPOINT_RETURN_IF_ERROR(
      env_->OnPlaced({pending_.path, ref, parent->depth, false, pending_.built, pending_.complete,
                      pending_.stub, in_slot}));
  *slot = std::move(ref);
  // Only a complete entry's path is ever reported; dropping the others keeps
  // memory proportional to the input, not to depth × depth on a chain of stubs.
  if (pending_.complete) {
    entry->path = std::move(pending_.path);
  } else {
    entry->path = BitString{};
  }
  entry->complete = pending_.complete;
  parent->complete = parent->complete && pending_.complete;
  if (!parent->has_first) {
    parent->first_item = pending_.first_item;
    parent->has_first = true;
  }
  return Status::OK();
}

void TrieBuilder::SetPending(BuildItem item) {
  last_path_ = item.path;
  pending_.path = std::move(item.path);
  pending_.built = false;
  pending_.ref = std::move(item.ref);
  // pending_.open is read only when built: left as it is, not reset.
  pending_.complete = !item.opaque;
  pending_.stub = item.opaque;
  pending_.first_item = items_++;
}

Status TrieBuilder::Add(BuildItem item) {
  if (!has_pending_) {
    SetPending(std::move(item));
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
  while (open_ > 0 && Top().depth > lcp) {
    CHECKPOINT_RETURN_IF_ERROR(CloseTop());
  }
  if (open_ == 0 || Top().depth < lcp) PushOpen(lcp);
  CHECKPOINT_RETURN_IF_ERROR(AttachTo(&Top()));
  SetPending(std::move(item));
  return Status::OK();
}

// Opens are reused, not made: zeroing a fresh one (~600 bytes) and moving it
// into the stack was a quarter of Add's own time.
void TrieBuilder::PushOpen(uint32_t depth) {
  if (open_ == stack_.size()) stack_.push_back(std::make_unique<Open>());
  Open& o = *stack_[open_++];
  o.depth = depth;
  o.node.label_bits = 0;
  for (NodeRef* r : {&o.node.slot, &o.node.left, &o.node.right}) {
    r->kind = NodeKind::kNone;
    r->height = 0;
    r->hash = Hash{};
    r->bits.bytes.clear();
    r->bits.bits = 0;
    r->stats = SubtreeStats{};
  }
  for (Entry* e : {&o.slot, &o.left, &o.right}) {
    e->path.bytes.clear();
    e->path.bits = 0;
    e->complete = true;
  }
  o.complete = true;
  o.first_item = 0;
  o.has_first = false;
}

// Every open node's path is a prefix of the last item's: the stack is that
// item's spine, so nodes keep only their depth.
Status TrieBuilder::CloseTop() {
  CHECKPOINT_RETURN_IF_ERROR(AttachTo(&Top()));
  Open& top = Top();
  pending_.path = BitPrefix(last_path_.bytes, top.depth);
  pending_.built = true;
  pending_.ref = NodeRef{};
  pending_.complete = top.complete;
  pending_.stub = false;
  pending_.first_item = top.first_item;
  std::swap(pending_.open, stack_[open_ - 1]);  // the slot keeps the old one for reuse
  --open_;
  return Status::OK();
}

Result<NodeRef> TrieBuilder::Finish() {
  if (!has_pending_) return NodeRef{};
  while (open_ > 0) CHECKPOINT_RETURN_IF_ERROR(CloseTop());
  if (pending_.stub) return Status::InvalidArgument("a stub cannot stand for the whole trie");
  CHECKPOINT_ASSIGN_OR_RETURN(NodeRef root, Seal(&pending_, 0));
  CHECKPOINT_RETURN_IF_ERROR(env_->OnPlaced(
      {pending_.path, root, 0, true, pending_.built, pending_.complete, pending_.stub, false}));
  if (pending_.complete) CHECKPOINT_RETURN_IF_ERROR(env_->OnBoundary(pending_.path, root));
  return root;
}

}  // namespace checkpoint
