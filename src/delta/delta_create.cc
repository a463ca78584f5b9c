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

Status DeltaChunker::Place(DeltaChange c, const KeyInterval& with_c) {
  const uint64_t bytes = ChangeItemBytes(c.key.size(), c.value.size(), c.is_delete);
  if (!cur_.empty()) {
    CHECKPOINT_RETURN_IF_ERROR(DeltaProof(reader_, target_, with_c, &proof_, &cache_));
    if (DeltaChunkBytes(with_c, proof_, cur_bytes_ + bytes, c.key) > chunk_size_) {
      CHECKPOINT_RETURN_IF_ERROR(Close(cur_iv_));
      lo_ = cur_iv_.hi;
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
