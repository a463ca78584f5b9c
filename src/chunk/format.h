// The chunk encoding (docs/FORMAT.md §3): sizes and item writers shared by
// the partition (which must predict sizes exactly), the producer and the
// verifier.
//
// canonical chunk = u32 len(lo) ‖ lo ‖ u8 has_hi ‖ [u32 len(hi) ‖ hi] ‖ items
// item            = 0x01 u32 klen ‖ key ‖ u32 vlen ‖ value             (a leaf inside [lo, hi))
//                 | 0x02 u16 shared ‖ u16 rest ‖ rest bits ‖ hash[32] (a subtree outside)
//                 | 0x03 u16 shared ‖ u16 rest ‖ rest bits ‖ hash[32] (a slot leaf outside)
// Integers little-endian; items in key order. A stub's path (its region, or
// the slot leaf's key) is front-coded: the first `shared` bits of the previous
// item's path — exactly their common prefix — then `rest` more bits. A chain
// of prefix keys thus costs a few bytes per level, not a whole key.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "checkpoint/hash.h"
#include "checkpoint/manifest.h"
#include "checkpoint/status.h"
#include "util/aligned_buffer.h"
#include "util/bits.h"
#include "util/coding.h"

struct ZSTD_CCtx_s;  // zstd.h's ZSTD_CCtx

namespace checkpoint {

constexpr uint32_t kChunkFormatVersion = 1;
constexpr uint32_t kChunkerVersion = kManifestChunkerVersion;  // the partition rule, FORMAT.md §3
constexpr char kChunkFileMagic[8] = {'C', 'K', 'P', 'T', 'C', 'H', 'N', 'K'};
constexpr size_t kChunkFileHeaderBytes = 12;  // magic ‖ u32le format version
// The largest file a chunk of `raw_size` canonical bytes may be: what any
// reader (a file, an HTTP body) takes before giving up on it.
uint64_t MaxChunkFileBytes(uint64_t raw_size);

// Writes chunk files (the framing of EncodeChunkFile) into aligned buffers,
// reusing one zstd context: a fresh one per chunk cost ~9 % of the
// compression. Not thread-safe: one per thread at a time.
class ChunkFileEncoder {
 public:
  explicit ChunkFileEncoder(int zstd_level);
  ~ChunkFileEncoder();
  ChunkFileEncoder(const ChunkFileEncoder&) = delete;
  ChunkFileEncoder& operator=(const ChunkFileEncoder&) = delete;
  // Into *out, which is reallocated only when too small: a reused buffer
  // costs neither the heap nor page faults. Fails only if zstd does.
  Status Encode(std::string_view canonical, uint32_t version, AlignedBuffer* out);

 private:
  int level_;
  ::ZSTD_CCtx_s* cctx_;
};

// A delta chunk (format 2, docs/FORMAT.md §9) holds changes instead of
// leaves: 0x04 u32 klen ‖ key ‖ u32 vlen ‖ value (a put) | 0x05 u32 klen ‖ key
// (a delete), and a leaf item only as the whole trie outside its interval.
constexpr uint32_t kDeltaChunkFormatVersion = 2;
enum class ChunkItem : uint8_t { kLeaf = 1, kStub = 2, kLeafStub = 3, kPut = 4, kDelete = 5 };

// Encoded sizes. A leaf's is a function of its key and value sizes only, so
// a subtree's is a function of its statistics: 9·leaves + key_bytes + value_bytes.
constexpr uint64_t LeafItemBytes(uint64_t key, uint64_t value) { return 9 + key + value; }
constexpr uint64_t StubItemBytes(uint32_t rest_bits) { return 37 + BytesForBits(rest_bits); }
constexpr uint64_t HeaderBytes(uint64_t lo, bool has_hi, uint64_t hi) {
  return 5 + lo + (has_hi ? 4 + hi : 0);
}

void AppendChunkHeader(std::string* dst, std::string_view lo, const std::string* hi);
void AppendLeafItem(std::string* dst, std::string_view key, std::string_view value);
void AppendChangeItem(std::string* dst, std::string_view key, std::string_view value,
                      bool is_delete);
constexpr uint64_t ChangeItemBytes(uint64_t key, uint64_t value, bool is_delete) {
  return is_delete ? 5 + key : 9 + key + value;
}
// Appends a stub (kStub or kLeafStub) front-coded against `prev`, the
// previous item's path, and makes `path` the new previous path.
void AppendStubItem(std::string* dst, ChunkItem tag, BitString* prev, const BitString& path,
                    const Hash& hash);
// The size such an item takes after `prev`.
uint64_t StubBytesAfter(const BitString& prev, const BitString& path);

// Decodes a canonical encoding strictly — docs/FORMAT.md §3 step 1: every
// length bounded, front-coding canonical, padding bits zero, nothing after the
// last item — and yields the items in order. It checks the bytes, not what
// they claim (that is the verifier's rule). Lifecycle: Header → Next* until
// it returns false; the first failure is sticky in status().
struct ChunkHeader {
  std::string lo;
  bool has_hi = false;
  std::string hi;
};
struct DecodedItem {
  ChunkItem tag;
  std::string_view key, value;  // kLeaf: views into the encoding
  Hash hash{};                  // stubs
  size_t bytes = 0;             // encoded size of the item
};
class ChunkDecoder {
 public:
  // `delta`: a delta chunk's encoding (change items allowed).
  explicit ChunkDecoder(std::string_view canonical, bool delta = false)
      : r_(canonical), delta_(delta) {}
  Status Header(ChunkHeader* out);
  // False at the end or on a failure (then status() says why).
  bool Next(DecodedItem* item);
  // The current item's path (a leaf's key, a stub's decoded path); updated in
  // place, so a deep chain costs each stub only its own bits.
  const BitString& path() const { return path_; }
  uint64_t index() const { return index_; }  // of the current item
  const Status& status() const { return status_; }

 private:
  bool Fail(const char* what);
  Reader r_;
  bool delta_;
  BitString path_;
  uint64_t index_ = 0;
  bool started_ = false;
  Status status_;
};

// The interval boundary between a chunk ending with key `last` and one
// starting with key `first` (last < first): the shortest prefix of `first`
// that is not a prefix of `last`, zero-padded to whole bytes. It is the start
// of the highest trie position that begins with `first`, so no honest proof
// of either chunk has a stub overlapping the other's interval.
std::string Boundary(std::string_view last, std::string_view first);

// Byte-string bounds of the keys under the bit prefix `region`:
// [RegionStart, RegionEnd); RegionEnd is empty when the region runs to the
// end of the key space.
std::string RegionStart(const BitString& region);
std::string RegionEnd(const BitString& region, bool* unbounded);

}  // namespace checkpoint
