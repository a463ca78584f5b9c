#include "chunk/format.h"

namespace checkpoint {
namespace {

void PutU32(std::string* dst, uint32_t v) {
  for (int i = 0; i < 4; ++i) dst->push_back(static_cast<char>(v >> (8 * i)));
}

}  // namespace

void AppendChunkHeader(std::string* dst, std::string_view lo, const std::string* hi) {
  PutU32(dst, static_cast<uint32_t>(lo.size()));
  dst->append(lo);
  dst->push_back(hi ? 1 : 0);
  if (hi) {
    PutU32(dst, static_cast<uint32_t>(hi->size()));
    dst->append(*hi);
  }
}

void AppendLeafItem(std::string* dst, std::string_view key, std::string_view value) {
  dst->push_back(static_cast<char>(ChunkItem::kLeaf));
  PutU32(dst, static_cast<uint32_t>(key.size()));
  dst->append(key);
  PutU32(dst, static_cast<uint32_t>(value.size()));
  dst->append(value);
}

void AppendStubItem(std::string* dst, ChunkItem tag, BitString* prev, const BitString& path,
                    const Hash& hash) {
  const uint32_t shared = CommonPrefixBits(prev->bytes, prev->bits, path.bytes, path.bits);
  const BitString rest = BitSlice(path.bytes, shared, path.bits);
  dst->push_back(static_cast<char>(tag));
  for (uint32_t v : {shared, rest.bits}) {
    dst->push_back(static_cast<char>(v & 0xff));
    dst->push_back(static_cast<char>(v >> 8));
  }
  dst->append(rest.bytes);
  dst->append(reinterpret_cast<const char*>(hash.data()), hash.size());
  *prev = path;
}

uint64_t StubBytesAfter(const BitString& prev, const BitString& path) {
  return StubItemBytes(path.bits - CommonPrefixBits(prev.bytes, prev.bits, path.bytes, path.bits));
}

std::string Boundary(std::string_view last, std::string_view first) {
  const uint32_t lcp = CommonPrefixBits(last, static_cast<uint32_t>(last.size() * 8), first,
                                        static_cast<uint32_t>(first.size() * 8));
  return BitPrefix(first, lcp + 1).bytes;
}

std::string RegionStart(const BitString& region) { return region.bytes; }

std::string RegionEnd(const BitString& region, bool* unbounded) {
  // Drop trailing 1 bits, then set the last remaining 0 bit: the smallest
  // byte string above every extension of the region.
  uint32_t n = region.bits;
  while (n % 8 != 0 && region.Bit(n - 1)) --n;
  if (n % 8 == 0) {
    while (n >= 8 && static_cast<uint8_t>(region.bytes[n / 8 - 1]) == 0xff) n -= 8;  // whole bytes of ones
    while (n > 0 && region.Bit(n - 1)) --n;
  }
  *unbounded = n == 0;
  if (n == 0) return {};
  BitString end = BitPrefix(region.bytes, n);
  end.bytes[(n - 1) / 8] = static_cast<char>(end.bytes[(n - 1) / 8] | (0x80 >> ((n - 1) % 8)));
  return end.bytes;
}

}  // namespace checkpoint
