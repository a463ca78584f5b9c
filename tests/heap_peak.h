// Heap accounting for one test binary: include from exactly one of its files.
// Replaces the global operator new/delete to count live bytes and their peak.
#pragma once

#include <malloc.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace checkpoint::test {

inline std::atomic<int64_t> g_heap_live{0}, g_heap_peak{0};

inline void* CountAlloc(void* p) {
  if (!p) throw std::bad_alloc();
  const int64_t now = g_heap_live += static_cast<int64_t>(malloc_usable_size(p));
  for (int64_t peak = g_heap_peak; now > peak && !g_heap_peak.compare_exchange_weak(peak, now);) {
  }
  return p;
}

// Frees what the operator new below took from malloc; g++ cannot see that
// pairing once this is inlined into a delete expression.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
[[gnu::noinline]] inline void CountFree(void* p) {
  if (p) g_heap_live -= static_cast<int64_t>(malloc_usable_size(p));
  std::free(p);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

// The most bytes allocated at once while `fn` ran, above what was live before
// (every thread's allocations count).
template <typename Fn>
int64_t PeakDuring(Fn&& fn) {
  const int64_t base = g_heap_live;
  g_heap_peak = base;
  fn();
  return g_heap_peak - base;
}

}  // namespace checkpoint::test

void* operator new(size_t n) { return checkpoint::test::CountAlloc(std::malloc(n ? n : 1)); }
void* operator new[](size_t n) { return checkpoint::test::CountAlloc(std::malloc(n ? n : 1)); }
void operator delete(void* p) noexcept { checkpoint::test::CountFree(p); }
void operator delete[](void* p) noexcept { checkpoint::test::CountFree(p); }
void operator delete(void* p, size_t) noexcept { checkpoint::test::CountFree(p); }
void operator delete[](void* p, size_t) noexcept { checkpoint::test::CountFree(p); }
// Every variant that pairs with the ones above (std::stable_sort uses nothrow
// new); the aligned ones stay the library's, paired among themselves.
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  void* p = std::malloc(n ? n : 1);
  return p ? checkpoint::test::CountAlloc(p) : nullptr;
}
void* operator new[](size_t n, const std::nothrow_t&) noexcept {
  void* p = std::malloc(n ? n : 1);
  return p ? checkpoint::test::CountAlloc(p) : nullptr;
}
void operator delete(void* p, const std::nothrow_t&) noexcept { checkpoint::test::CountFree(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { checkpoint::test::CountFree(p); }
