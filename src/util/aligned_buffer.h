// AlignedBuffer: whole pages of anonymous memory for O_DIRECT writes. Create
// compresses each chunk file straight into one and writes it from there: no
// zero-filling of a std::string's bound before the compression, no copy into
// an aligned block before the write. Mapped, not taken from the heap:
// chunk-sized aligned blocks from aligned_alloc fragmented the producers'
// malloc arenas (create's peak RSS on L rose from 190-204 to 210-258 MiB).
// The pipeline reuses them, each sized for its largest chunk: each is mapped
// once. Not thread-safe; movable, not copyable.
#pragma once

#include <sys/mman.h>

#include <cassert>
#include <cstddef>
#include <new>
#include <string_view>
#include <utility>

namespace checkpoint {

class AlignedBuffer {
 public:
  static constexpr size_t kAlign = 4096;

  AlignedBuffer() = default;
  // Room for `capacity` bytes, rounded up to whole kAlign blocks (at least
  // one). Throws std::bad_alloc when the mapping is refused.
  explicit AlignedBuffer(size_t capacity)
      : capacity_(capacity == 0 ? kAlign : (capacity + kAlign - 1) / kAlign * kAlign) {
    void* p =
        ::mmap(nullptr, capacity_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    data_ = static_cast<char*>(p);
  }
  ~AlignedBuffer() {
    if (data_) ::munmap(data_, capacity_);
  }
  // A moved-from buffer is empty, with no room.
  AlignedBuffer(AlignedBuffer&& o) noexcept
      : capacity_(std::exchange(o.capacity_, 0)),
        size_(std::exchange(o.size_, 0)),
        data_(std::exchange(o.data_, nullptr)) {}
  AlignedBuffer& operator=(AlignedBuffer&& o) noexcept {
    if (this == &o) return *this;
    AlignedBuffer old(std::move(*this));
    capacity_ = std::exchange(o.capacity_, 0);
    size_ = std::exchange(o.size_, 0);
    data_ = std::exchange(o.data_, nullptr);
    return *this;
  }

  char* data() { return data_; }
  const char* data() const { return data_; }
  size_t size() const { return size_; }
  // Whole kAlign blocks, at least size(): what an O_DIRECT write may cover.
  size_t capacity() const { return capacity_; }
  // REQUIRES: n <= capacity(). The bytes are whatever was written there.
  void set_size(size_t n) {
    assert(n <= capacity_);
    size_ = n;
  }
  std::string_view view() const { return {data_, size_}; }

 private:
  size_t capacity_ = 0;
  size_t size_ = 0;
  char* data_ = nullptr;
};

}  // namespace checkpoint
