#include "util/bits.h"

#include <algorithm>
#include <bit>
#include <cstring>

namespace checkpoint {

uint32_t CommonPrefixBits(std::string_view a, uint32_t abits, std::string_view b, uint32_t bbits) {
  const uint32_t max_bits = std::min(abits, bbits);
  const uint32_t max_bytes = BytesForBits(max_bits);
  uint32_t i = 0;
  // Eight bytes at a time: deep paths are kilobytes long.
  for (uint64_t x, y; i + 8 <= max_bytes; i += 8) {
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) break;
  }
  while (i < max_bytes && a[i] == b[i]) ++i;
  if (i == max_bytes) return max_bits;
  uint8_t diff = static_cast<uint8_t>(a[i] ^ b[i]);
  uint32_t bits = i * 8 + static_cast<uint32_t>(std::countl_zero(diff));
  return std::min(bits, max_bits);
}

BitString BitPrefix(std::string_view bytes, uint32_t n) {
  BitString out{std::string(bytes.substr(0, BytesForBits(n))), n};
  if (n % 8 != 0) out.bytes.back() = static_cast<char>(out.bytes.back() & (0xff << (8 - n % 8)));
  return out;
}

BitString BitSlice(std::string_view bytes, uint32_t from, uint32_t to) {
  BitString out;
  out.bits = to - from;
  out.bytes.assign(BytesForBits(out.bits), '\0');
  const uint32_t shift = from % 8;
  const uint32_t base = from / 8;
  const uint32_t src_bytes = BytesForBits(to);
  for (uint32_t i = 0; i < out.bytes.size(); ++i) {
    uint32_t v = static_cast<uint8_t>(bytes[base + i]) << shift;
    if (shift != 0 && base + i + 1 < src_bytes) {
      v |= static_cast<uint8_t>(bytes[base + i + 1]) >> (8 - shift);
    }
    out.bytes[i] = static_cast<char>(v & 0xff);
  }
  if (out.bits % 8 != 0) {
    out.bytes.back() = static_cast<char>(out.bytes.back() & (0xff << (8 - out.bits % 8)));
  }
  return out;
}

void AppendBits(BitString* dst, const BitString& suffix) {
  const uint32_t shift = dst->bits % 8;
  if (shift == 0) {
    dst->bytes.append(suffix.bytes);
  } else {
    // Fill the partial last byte, then carry the rest over.
    for (uint8_t b : suffix.bytes) {
      dst->bytes.back() = static_cast<char>(static_cast<uint8_t>(dst->bytes.back()) | b >> shift);
      dst->bytes.push_back(static_cast<char>((b << (8 - shift)) & 0xff));
    }
  }
  dst->bits += suffix.bits;
  dst->bytes.resize(BytesForBits(dst->bits));
  if (dst->bits % 8 != 0) {
    dst->bytes.back() = static_cast<char>(dst->bytes.back() & (0xff << (8 - dst->bits % 8)));
  }
}

BitString Extended(const BitString& path, bool bit) {
  BitString r = path;
  AppendBits(&r, BitString{std::string(1, bit ? '\x80' : '\0'), 1});
  return r;
}

bool HasBitPrefix(std::string_view s, uint32_t sbits, std::string_view prefix,
                  uint32_t prefix_bits) {
  return sbits >= prefix_bits && CommonPrefixBits(s, sbits, prefix, prefix_bits) == prefix_bits;
}

int CompareBits(std::string_view a, uint32_t abits, std::string_view b, uint32_t bbits) {
  uint32_t common = CommonPrefixBits(a, abits, b, bbits);
  if (common == abits && common == bbits) return 0;
  if (common == abits) return -1;
  if (common == bbits) return 1;
  return BitAt(a, common) ? 1 : -1;
}

bool LowBitsClear(std::string_view bytes, uint32_t bits) {
  if (bytes.size() != BytesForBits(bits)) return false;
  if (bits % 8 == 0) return true;
  return (static_cast<uint8_t>(bytes.back()) & (0xff >> (bits % 8))) == 0;
}

}  // namespace checkpoint
