#include "delta/delta_create.h"

#include <utility>

namespace checkpoint {

Status DeltaChunker::Add(std::string_view key, std::string_view value, bool is_delete) {
  DeltaChange next{std::string(key), is_delete ? std::string() : std::string(value), is_delete};
  if (has_pending_) {
    KeyInterval iv{lo_, true, Boundary(pending_.key, next.key)};
    CHECKPOINT_RETURN_IF_ERROR(Place(std::move(pending_), iv));
  }
  pending_ = std::move(next);
  has_pending_ = true;
  return Status::OK();
}

// A chunk's proof is the proof of [lo, ∞) followed by that of ["", hi): an
// item hangs off a node whose region straddles lo (then it lies below lo) or
// hi (then at or above hi), and such a node is opened for the interval
// exactly when it is for the half-line on its side. So each candidate end
// costs one path from the root, and lo's side is read once a chunk.
Status DeltaChunker::Place(DeltaChange c, const KeyInterval& with_c) {
  const uint64_t bytes = ChangeItemBytes(c.key.size(), c.value.size(), c.is_delete);
  if (!cur_.empty()) {
    if (!left_bytes_) {
      CHECKPOINT_RETURN_IF_ERROR(
          DeltaProof(reader_, target_, KeyInterval{lo_, false, {}}, &proof_, &cache_));
      BitString prev;
      left_bytes_ = ProofItemsBytes(proof_, &prev);
    }
    uint64_t size = HeaderBytes(lo_.size(), with_c.has_hi, with_c.hi.size()) + *left_bytes_ +
                    cur_bytes_ + bytes;
    if (with_c.has_hi) {
      CHECKPOINT_RETURN_IF_ERROR(
          DeltaProof(reader_, target_, KeyInterval{{}, true, with_c.hi}, &proof_, &cache_));
      BitString prev = BitString::FromKey(c.key);
      size += ProofItemsBytes(proof_, &prev);
    }
    if (size > chunk_size_) {
      CHECKPOINT_RETURN_IF_ERROR(Close(cur_iv_));
      lo_ = cur_iv_.hi;
      left_bytes_.reset();
      cur_iv_ = KeyInterval{lo_, with_c.has_hi, with_c.hi};
      cur_.push_back(std::move(c));
      cur_bytes_ = bytes;
      return Status::OK();
    }
  }
  cur_iv_ = with_c;
  cur_.push_back(std::move(c));
  cur_bytes_ += bytes;
  return Status::OK();
}

Status DeltaChunker::Close(const KeyInterval& iv) {
  CHECKPOINT_RETURN_IF_ERROR(DeltaProof(reader_, target_, iv, &proof_, &cache_));
  std::string canonical;
  EncodeDeltaChunk(iv, proof_, cur_, &canonical);
  const uint64_t changes = cur_.size();
  cur_.clear();
  cur_bytes_ = 0;
  return sink_(std::move(canonical), iv, changes);
}

Status DeltaChunker::Finish() {
  if (has_pending_) {
    CHECKPOINT_RETURN_IF_ERROR(Place(std::move(pending_), KeyInterval{lo_, false, {}}));
    has_pending_ = false;
  } else {
    cur_iv_ = KeyInterval{lo_, false, {}};  // no change at all: one empty chunk
  }
  return Close(cur_iv_);
}

}  // namespace checkpoint
