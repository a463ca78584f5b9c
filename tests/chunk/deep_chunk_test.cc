// The deepest legal proof: a leaf of 8,191 bytes below a stub at every one
// of its 65,528 bit positions (~2.5 MB of front-coded stubs). Verifying it,
// or rejecting a forgery of it, must cost memory in proportion to its bytes
// (not bytes × depth) and say why in one short line.
#include <catch2/catch.hpp>
#include <chrono>

#include "../heap_peak.h"
#include "checkpoint/chunk.h"
#include "oracle.h"
#include "trie/node.h"

namespace checkpoint {
namespace {

TEST_CASE("a maximal-depth chain of stubs costs memory per byte, not per byte × depth",
          "[unit][soundness]") {
  const HashKind kind = HashKind::kSha256;
  const std::string key(8191, '\xff');
  const std::string value = "v";
  // Stubs branch off left of the all-ones key at every depth: regions 1^i ‖ 0.
  oracle::Chunk c{key, false, "", {}};
  std::vector<Hash> stub_hashes;
  for (uint32_t i = 0; i < key.size() * 8; ++i) {
    Hash h{};
    for (int b = 0; b < 4; ++b) h[b] = static_cast<uint8_t>(i >> (8 * b));
    h[31] = 1;
    BitString region = BitPrefix(key, i);
    region = Extended(region, false);
    c.items.push_back({oracle::Item::kStub, region, {}, h});
    stub_hashes.push_back(h);
  }
  c.items.push_back({oracle::Item::kLeaf, BitString::FromKey(key), value, {}});
  // The root, folded bottom-up: node at depth i has left = stub i, right = the rest.
  Hash below = LeafHash(kind, key, value);
  const Hash empty = EmptyHash(kind);
  for (uint32_t i = key.size() * 8; i-- > 0;) {
    const BitString label = i == 0 ? BitString{} : BitSlice(key, i - 1, i);
    below = InternalHash(kind, label, empty, stub_hashes[i], below);
  }
  const Hash root = below;
  const std::string bytes = oracle::Encode(c);
  REQUIRE(bytes.size() < 3'000'000);

  auto measure = [&](const Hash& r, Status* s) {
    const auto t0 = std::chrono::steady_clock::now();
    const size_t peak =
        static_cast<size_t>(test::PeakDuring([&] { *s = VerifyChunk(bytes, kind, r); }));
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    WARN("chunk of " << bytes.size() << " bytes: " << secs << " s, peak heap " << peak
                     << " bytes: " << s->message());
    return peak;
  };
  Status s;
  size_t peak = measure(root, &s);
  INFO(s.message());
  REQUIRE(s.ok());
  REQUIRE(peak < 32 * bytes.size());
  Hash wrong = root;
  wrong[0] ^= 1;
  peak = measure(wrong, &s);
  REQUIRE(s.IsInvalidArgument());
  REQUIRE(peak < 32 * bytes.size());
  REQUIRE(s.message().size() < 200);
  // A forgery failing deep inside: the last stub moved one bit up.
  c.items[c.items.size() - 2].path = BitPrefix(key, key.size() * 8 - 1);
  const std::string forged = oracle::Encode(c);
  s = VerifyChunk(forged, kind, root);
  REQUIRE_FALSE(s.ok());
  REQUIRE(s.message().size() < 200);
}

}  // namespace
}  // namespace checkpoint
