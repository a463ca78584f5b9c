#include "util/bits.h"

#include <catch2/catch.hpp>
#include <random>
#include <vector>

namespace checkpoint {
namespace {

using Bits = std::vector<bool>;

Bits ToBits(const BitString& s) {
  Bits b;
  for (uint32_t i = 0; i < s.bits; ++i) b.push_back(s.Bit(i));
  return b;
}

BitString FromBits(const Bits& b) {
  BitString s;
  s.bits = static_cast<uint32_t>(b.size());
  s.bytes.assign(BytesForBits(s.bits), '\0');
  for (size_t i = 0; i < b.size(); ++i) {
    if (b[i]) s.bytes[i / 8] = static_cast<char>(s.bytes[i / 8] | (0x80 >> (i % 8)));
  }
  return s;
}

Bits RandomBits(std::mt19937_64& rng) {
  Bits b(rng() % 40);
  for (size_t i = 0; i < b.size(); ++i) b[i] = rng() % 4 == 0;  // runs of zeros
  return b;
}

TEST_CASE("bit operations agree with a bit-vector model", "[unit][bits]") {
  std::mt19937_64 rng(42);
  for (int iter = 0; iter < 20000; ++iter) {
    Bits a = RandomBits(rng), b = RandomBits(rng);
    if (rng() % 3 == 0) b.insert(b.begin(), a.begin(), a.end());  // a is a prefix of b
    BitString sa = FromBits(a), sb = FromBits(b);
    REQUIRE(ToBits(sa) == a);

    uint32_t lcp = 0;
    while (lcp < a.size() && lcp < b.size() && a[lcp] == b[lcp]) ++lcp;
    REQUIRE(CommonPrefixBits(sa.bytes, sa.bits, sb.bytes, sb.bits) == lcp);

    int want = a == b ? 0 : (a < b ? -1 : 1);  // std::vector<bool> order: prefix first
    int got = CompareBits(sa.bytes, sa.bits, sb.bytes, sb.bits);
    REQUIRE(got == want);

    uint32_t from = a.empty() ? 0 : static_cast<uint32_t>(rng() % (a.size() + 1));
    uint32_t to = from + static_cast<uint32_t>(rng() % (a.size() - from + 1));
    BitString slice = BitSlice(sa.bytes, from, to);
    REQUIRE(ToBits(slice) == Bits(a.begin() + from, a.begin() + to));
    REQUIRE(LowBitsClear(slice.bytes, slice.bits));

    BitString prefix = BitPrefix(sa.bytes, to);
    REQUIRE(ToBits(prefix) == Bits(a.begin(), a.begin() + to));
    REQUIRE(LowBitsClear(prefix.bytes, prefix.bits));

    BitString cat = sa;
    AppendBits(&cat, sb);
    Bits both = a;
    both.insert(both.end(), b.begin(), b.end());
    REQUIRE(ToBits(cat) == both);
    REQUIRE(LowBitsClear(cat.bytes, cat.bits));
  }
}

}  // namespace
}  // namespace checkpoint
