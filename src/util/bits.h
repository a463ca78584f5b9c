// Bit strings: trie paths and labels, read most-significant bit first.
//
// A BitString keeps ceil(bits/8) bytes with the unused low bits of the last
// byte zero, so two equal bit strings always have equal bytes (this is also
// the label layout the node hash uses, DESIGN §4).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace checkpoint {

constexpr uint32_t BytesForBits(uint32_t bits) { return (bits + 7) / 8; }

inline bool BitAt(std::string_view bytes, uint32_t i) {
  return (static_cast<uint8_t>(bytes[i / 8]) >> (7 - i % 8)) & 1;
}

struct BitString {
  std::string bytes;
  uint32_t bits = 0;

  static BitString FromKey(std::string_view key) {
    return BitString{std::string(key), static_cast<uint32_t>(key.size() * 8)};
  }
  bool operator==(const BitString& o) const { return bits == o.bits && bytes == o.bytes; }
  bool Bit(uint32_t i) const { return BitAt(bytes, i); }
};

// Number of leading bits `a` (abits long) and `b` (bbits long) share.
uint32_t CommonPrefixBits(std::string_view a, uint32_t abits, std::string_view b, uint32_t bbits);

// The first n bits of `bytes`, with the unused low bits cleared.
BitString BitPrefix(std::string_view bytes, uint32_t n);

// Bits [from, to) of `bytes`, shifted to start at bit 0 (a label).
BitString BitSlice(std::string_view bytes, uint32_t from, uint32_t to);

// Appends `suffix` to `dst`.
void AppendBits(BitString* dst, const BitString& suffix);
// `path` followed by one bit: the region of a child position.
BitString Extended(const BitString& path, bool bit);

// True when the first `prefix_bits` of `s` equal `prefix`.
bool HasBitPrefix(std::string_view s, uint32_t sbits, std::string_view prefix,
                  uint32_t prefix_bits);

// Lexicographic order on bit strings, a proper prefix first (pre-order).
int CompareBits(std::string_view a, uint32_t abits, std::string_view b, uint32_t bbits);

// True when the unused low bits of the last byte are zero.
bool LowBitsClear(std::string_view bytes, uint32_t bits);

}  // namespace checkpoint
