#include "trie/record_key.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <tuple>

namespace checkpoint {
namespace {

BitString RandomPath(std::mt19937_64& rng) {
  BitString s;
  s.bits = static_cast<uint32_t>(rng() % 30);
  s.bytes.assign(BytesForBits(s.bits), '\0');
  for (auto& c : s.bytes) c = static_cast<char>(rng() % 3 == 0 ? 0xff : (rng() % 2 ? 0 : rng()));
  if (s.bits % 8) s.bytes.back() = static_cast<char>(s.bytes.back() & (0xff << (8 - s.bits % 8)));
  return s;
}

TEST_CASE("record keys sort in trie pre-order", "[unit][record_key]") {
  std::mt19937_64 rng(7);
  struct Rec {
    BitString path;
    RecordTag tag;
    uint64_t height;
    std::string key;
  };
  std::vector<Rec> recs;
  for (int i = 0; i < 5000; ++i) {
    Rec r{RandomPath(rng), rng() % 2 ? RecordTag::kLeaf : RecordTag::kInternal, rng() % 5, {}};
    if (r.tag == RecordTag::kLeaf) {  // a leaf's path is its key: whole bytes
      r.path.bits = static_cast<uint32_t>(8 * std::max<size_t>(1, r.path.bytes.size()));
      r.path.bytes.resize(r.path.bits / 8, '\x7f');
    }
    r.key = EncodeRecordKey(r.path.bytes, r.path.bits, r.tag, r.height);
    recs.push_back(r);
  }
  auto by_bytes = recs, by_tree = recs;
  std::sort(by_bytes.begin(), by_bytes.end(),
            [](const Rec& a, const Rec& b) { return a.key < b.key; });
  std::sort(by_tree.begin(), by_tree.end(), [](const Rec& a, const Rec& b) {
    int c = CompareBits(a.path.bytes, a.path.bits, b.path.bytes, b.path.bits);
    if (c != 0) return c < 0;
    return std::make_tuple(a.tag, a.height) < std::make_tuple(b.tag, b.height);
  });
  for (size_t i = 0; i < recs.size(); ++i) REQUIRE(by_bytes[i].key == by_tree[i].key);

  for (const Rec& r : recs) {
    RecordKey d;
    REQUIRE(DecodeRecordKey(r.key, &d).ok());
    REQUIRE(d.path == r.path);
    REQUIRE(d.tag == r.tag);
    REQUIRE(d.height == r.height);
  }
}

TEST_CASE("a 9-bit descendant sorts after its 8-bit ancestor", "[unit][record_key]") {
  // The trap DESIGN §5 names for "packed bits + length" encodings.
  std::string a = EncodeRecordKey(std::string(1, '\0'), 8, RecordTag::kInternal, 9);
  std::string b = EncodeRecordKey(std::string(2, '\0'), 9, RecordTag::kInternal, 1);
  REQUIRE(a < b);
  std::string root = EncodeRecordKey({}, 0, RecordTag::kInternal, 1);
  REQUIRE(root < a);
}

TEST_CASE("record key decoding is strict", "[unit][record_key]") {
  RecordKey d;
  std::string good = EncodeRecordKey("ab", 16, RecordTag::kLeaf, 3);
  REQUIRE(DecodeRecordKey(good, &d).ok());
  REQUIRE_FALSE(DecodeRecordKey(good.substr(0, good.size() - 1), &d).ok());
  REQUIRE_FALSE(DecodeRecordKey(good + "x", &d).ok());
  std::string bad_tag = good;
  bad_tag[good.size() - 9] = 7;
  REQUIRE_FALSE(DecodeRecordKey(bad_tag, &d).ok());
  std::string bad_bits = good;
  bad_bits[3] = 9;  // "ab" 00 [bits]
  REQUIRE_FALSE(DecodeRecordKey(bad_bits, &d).ok());
  // Padding bits set in a 4-bit path.
  std::string padded = EncodeRecordKey("\xf0", 4, RecordTag::kInternal, 1);
  padded[0] = '\xf1';
  REQUIRE_FALSE(DecodeRecordKey(padded, &d).ok());
  REQUIRE_FALSE(DecodeRecordKey({}, &d).ok());
  // A leaf's key is whole bytes and not empty.
  REQUIRE_FALSE(DecodeRecordKey(EncodeRecordKey("\xf0", 4, RecordTag::kLeaf, 1), &d).ok());
  REQUIRE_FALSE(DecodeRecordKey(EncodeRecordKey({}, 0, RecordTag::kLeaf, 1), &d).ok());
}

TEST_CASE("appended record keys are the spelling of the header, after what was there",
          "[unit][record_key]") {
  // The spelling of record_key.h, byte by byte: the reference for the
  // encoder's runs between zero bytes and its escapes.
  auto spell = [](const BitString& path, RecordTag tag, uint64_t height) {
    std::string out;
    for (char c : path.bytes) {
      out.push_back(c);
      if (c == '\0') out.push_back('\xff');
    }
    out.push_back('\0');
    // How many bits of the last path byte count: 1..8, 0 for the empty path.
    const uint32_t rest = path.bits % 8;
    out.push_back(static_cast<char>(path.bits == 0 ? 0 : rest == 0 ? 8 : rest));
    out.push_back(static_cast<char>(tag));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(height >> (8 * i)));
    return out;
  };
  std::mt19937_64 rng(11);
  for (int i = 0; i < 2000; ++i) {
    // Short paths from RandomPath (zero bytes in a third), and long ones
    // with zero bytes rare or absent, as in real keys.
    BitString path = RandomPath(rng);
    if (i % 2) {
      path.bits = static_cast<uint32_t>(rng() % 600);
      path.bytes.resize(BytesForBits(path.bits));
      for (auto& c : path.bytes) c = static_cast<char>(i % 4 == 1 ? rng() | 1 : rng());
      if (path.bits % 8) path.bytes.back() &= static_cast<char>(0xff << (8 - path.bits % 8));
    }
    const RecordTag tag = i % 3 ? RecordTag::kInternal : RecordTag::kLeaf;
    const uint64_t height = rng() >> (rng() % 64);
    std::string prefix(rng() % 40, 'p');
    std::string dst = prefix;
    AppendRecordKey(&dst, path.bytes, path.bits, tag, height);
    REQUIRE(dst == prefix + spell(path, tag, height));
  }
}

}  // namespace
}  // namespace checkpoint
