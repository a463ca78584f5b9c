// Self-test of the reference verifier against docs/FORMAT.md: the §1 worked example and root
// vectors, the §5 chunks spelled out in full, and one hand-made rejection per rule of §3.
#include "ref_verifier.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <string>

namespace {

using refv::RefVerifyChunk;
using KV = std::vector<std::pair<std::string, std::string>>;

std::string Unhex(std::string_view h) {
  std::string out;
  for (size_t i = 0; i + 1 < h.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(h.substr(i, 2)), nullptr, 16)));
  return out;
}

std::string Hex(std::string_view s) {
  static const char* d = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) out += {d[c >> 4], d[c & 15]};
  return out;
}

std::string Le(uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>(v >> (8 * i)));
  return s;
}

// Encoders for the canonical format (§3), spelled field by field.
std::string Header(const std::string& lo, bool has_hi = false, const std::string& hi = "") {
  return Le(lo.size(), 4) + lo + (has_hi ? "\x01" + Le(hi.size(), 4) + hi : std::string("\x00", 1));
}
std::string Leaf(const std::string& k, const std::string& v) {
  return "\x01" + Le(k.size(), 4) + k + Le(v.size(), 4) + v;
}
// tag 2 = subtree stub, 3 = slot-leaf stub; rest_bits given as bytes (MSB first).
std::string Stub(int tag, int shared, int rest, const std::string& rest_bytes,
                 const std::string& hash) {
  return std::string(1, static_cast<char>(tag)) + Le(shared, 2) + Le(rest, 2) + rest_bytes + hash;
}

// §1 formulas, written out as in FORMAT.md's Python (independent of the verifier's fold).
std::string H(const std::string& hash, const std::string& data) {
  return refv::RefHash(hash, data);
}
std::string LeafH(const std::string& hash, const std::string& k, const std::string& v) {
  return H(hash, std::string(1, '\0') + Le(k.size(), 4) + k + Le(v.size(), 4) + v);
}
std::string NodeH(const std::string& hash, int bits, const std::string& label, const std::string& s,
                  const std::string& l, const std::string& r) {
  return H(hash, "\x01" + Le(bits, 2) + label + s + l + r);
}

std::string Root(const std::string& hash, const KV& kvs) { return refv::RefTrieRoot(hash, kvs); }

// A chunk of every leaf of a key set (lo "", no hi).
std::string FullChunk(KV kvs) {
  std::sort(kvs.begin(), kvs.end());
  std::string c = Header("");
  for (const auto& [k, v] : kvs) c += Leaf(k, v);
  return c;
}

void Accepts(const std::string& chunk, const std::string& root,
             const std::string& hash = "sha256") {
  auto r = RefVerifyChunk(chunk, hash, root);
  INFO(r.reason);
  CHECK(r.ok);
}

void Rejects(const std::string& chunk, const std::string& root, const std::string& why,
             const std::string& hash = "sha256") {
  auto r = RefVerifyChunk(chunk, hash, root);
  CHECK_FALSE(r.ok);
  CHECK_THAT(r.reason, Catch::Contains(why));
}

const KV kPrefixKeys = {{"a", "1"}, {"ab", "2"}, {"abc", "3"}, {"b", "4"}};

TEST_CASE("§1 worked example", "[unit][ref]") {
  const std::string S = "sha256", E = H(S, "");
  std::string n_ab = NodeH(S, 8, "b", LeafH(S, "ab", "2"), LeafH(S, "abc", "3"), E);
  std::string n_a = NodeH(S, 2, "\x40", LeafH(S, "a", "1"), n_ab, E);
  std::string root = NodeH(S, 6, "\x60", E, n_a, LeafH(S, "b", "4"));
  CHECK(Hex(root) == "3557e946e171972fd41cd6709bd74ea92c1c8ec742b19f605c828f1a876840b9");
  CHECK(Root(S, kPrefixKeys) == root);
  CHECK(refv::RefLeafHash(S, "b", "4") == LeafH(S, "b", "4"));
}

TEST_CASE("§1 trie root vectors, as roots and as full chunks", "[unit][ref]") {
  KV oasis;
  for (int i = 0; i < 1000; ++i)
    oasis.emplace_back("key " + std::to_string(i), "value " + std::to_string(i));
  struct Vec {
    KV kvs;
    const char* sha256;
    const char* sha512_256;
  };
  std::vector<Vec> vecs = {
      {{},
       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
       "c672b8d1ef56ed28ab87c3622c5114069bdd3ad7b8f9737498d0c01ecef0967a"},
      {{{"a", "b"}},
       "51c24b0cf18c37847ab4cf38851da55be19ef7ed03bbbe6841fc065d5d97432b",
       "5358b4c3a2d06b406c4d5d6127bd19bfd30847418390a4fb92532879718b3d76"},
      {kPrefixKeys, "3557e946e171972fd41cd6709bd74ea92c1c8ec742b19f605c828f1a876840b9",
       "ae58f2d9876563631cc58f0c0d0ac9d2b5682e853bfe510e12332276cd16fc72"},
      {{{Unhex("00"), ""}, {Unhex("0000"), "x"}, {Unhex("80"), "y"}, {Unhex("ff"), "z"}},
       "8fb79c4ad3b03b3d7026b0b2dbe3ddc7afe74caf4bb04c808d10d21826ed181e",
       "a8cc1077a784d5d46bc9161246167cfe0710bedb9e6b0ae6a5d78bd34944a23b"},
      {oasis, nullptr, "2187c55627819b60069888ba86f83dc2a9f50c827624b0e31e31261806300ede"},
  };
  for (const auto& v : vecs) {
    for (const char* hash : {"sha256", "sha512_256"}) {
      const char* want = std::string(hash) == "sha256" ? v.sha256 : v.sha512_256;
      if (!want) continue;
      INFO(hash << " " << v.kvs.size() << " keys");
      CHECK(Hex(Root(hash, v.kvs)) == want);
      Accepts(FullChunk(v.kvs), Unhex(want), hash);
      auto r = RefVerifyChunk(FullChunk(v.kvs), hash, Unhex(want));
      CHECK(r.leaves.size() == v.kvs.size());
    }
  }
}

TEST_CASE("§5 one-key chunk", "[unit][ref]") {
  const std::string chunk = Unhex("000000000001010000006b0100000076");
  CHECK(chunk == Header("") + Leaf("k", "v"));
  auto r = RefVerifyChunk(chunk, "sha256", Root("sha256", {{"k", "v"}}));
  INFO(r.reason);
  CHECK(r.ok);
  CHECK(r.lo.empty());
  CHECK_FALSE(r.has_hi);
  CHECK(r.leaves == KV{{"k", "v"}});
  Rejects(chunk, Root("sha256", {{"k", "w"}}), "step 6");
  Rejects(chunk, H("sha256", ""), "step 6");
  Accepts(Header(""), H("sha256", ""));  // the empty state's chunk, 0000000000
  Rejects(Header(""), Root("sha256", {{"k", "v"}}), "step 6");
}

// §5 "a leaf larger than the chunk": {a -> 2000 bytes, b -> y}, the second chunk.
const std::string kBigA(2000, 'x');
const std::string kStubA =
    Unhex("b7efaf26d0a48724b0db561c66e4800da19053c232ea194e81de69d3a75ab08a");
std::string SecondChunk(const std::string& lo) {
  return Header(lo) + Stub(2, 0, 7, "\x60", kStubA) + Leaf("b", "y");
}

TEST_CASE("§5 second chunk of a leaf larger than the chunk", "[unit][ref]") {
  const std::string root = Root("sha256", {{"a", kBigA}, {"b", "y"}});
  const std::string chunk = Unhex(
      "0100000062"
      "00"
      "0200000700"
      "60"
      "b7efaf26d0a48724b0db561c66e4800da19053c232ea194e81de69d3a75ab08a"
      "01010000006201000000"
      "79");
  CHECK(chunk == SecondChunk("b"));
  // FORMAT.md says "2000 bytes" without saying which; the stub pins them as 2000 'x'.
  CHECK(refv::RefLeafHash("sha256", "a", kBigA) == kStubA);
  auto r = RefVerifyChunk(chunk, "sha256", root);
  INFO(r.reason);
  CHECK(r.ok);
  CHECK(r.lo == "b");
  CHECK(r.leaves == KV{{"b", "y"}});
  // The first chunk, one leaf with a stub for b: region 0110001 after the leaf a (shared 6).
  Accepts(
      Header("", true, "b") + Leaf("a", kBigA) + Stub(2, 6, 1, "\x80", LeafH("sha256", "b", "y")),
      root);
  // Step 2: a stub overlapping the interval (hiding a, or just reaching into [a\0, ..)).
  Rejects(SecondChunk("a"), root, "step 2: subtree stub region overlaps");
  Rejects(SecondChunk(std::string("a\0", 2)), root, "step 2: subtree stub region overlaps");
  // Step 2: a leaf outside (the stub itself is fine and maximal for lo = "c").
  Rejects(SecondChunk("c"), root, "step 2: leaf key outside");
  Rejects(Header("", true, "k") + Leaf("k", "v"), Root("sha256", {{"k", "v"}}),
          "step 2: leaf key outside");
}

TEST_CASE("slot-leaf stubs and front-coding after a leaf", "[unit][ref]") {
  const std::string S = "sha256", root = Root(S, kPrefixKeys);
  // [ab, ..): the slot leaf a is a slot-leaf stub at node "a".
  std::string body = Stub(3, 0, 8, "a", LeafH(S, "a", "1")) + Leaf("ab", "2") + Leaf("abc", "3");
  Accepts(Header("ab") + body + Leaf("b", "4"), root);
  // [ab, b): b becomes a subtree stub 0110001, front-coded against the leaf abc (shared 6).
  Accepts(Header("ab", true, "b") + body + Stub(2, 6, 1, "\x80", LeafH(S, "b", "4")), root);
  // Step 2: a slot-leaf stub inside the interval (hiding a -> 1; it folds to the true root).
  Rejects(Header("a") + body + Leaf("b", "4"), root, "step 2: slot-leaf stub key inside");
  Rejects(Header("", true, "b") + body + Stub(2, 6, 1, "\x80", LeafH(S, "b", "4")), root,
          "step 2: slot-leaf stub key inside");
}

TEST_CASE("step 3: a slot-leaf stub used as a child", "[unit][ref]") {
  // {a, b}, interval [b\0, ..): a stub for a's side and a slot-leaf stub for leaf b standing
  // as the root's right child. b is outside the interval and the region of "b" overlaps it, so
  // steps 2, 4, 5 pass; it folds to the true root; only step 3 refuses it.
  const std::string S = "sha256", root = Root(S, {{"a", "x"}, {"b", "y"}});
  std::string chunk = Header(std::string("b\0", 2)) + Stub(2, 0, 7, "\x60", LeafH(S, "a", "x")) +
                      Stub(3, 6, 2, "\x80", LeafH(S, "b", "y"));
  Rejects(chunk, root, "step 3: slot-leaf stub used as a child");
}

TEST_CASE("step 3: a lone stub as the whole trie", "[unit][ref]") {
  const std::string S = "sha256";
  // A slot-leaf stub for {a -> x}'s only leaf, interval [a\0, ..).
  Rejects(Header(std::string("a\0", 2)) + Stub(3, 0, 8, "a", LeafH(S, "a", "x")),
          Root(S, {{"a", "x"}}), "step 3: a stub is the whole trie");
  // A subtree stub at region "0" carrying the root hash, interval [0x80, ..).
  const std::string root = Root(S, {{"a", "x"}, {"b", "y"}});
  Rejects(Header("\x80") + Stub(2, 0, 1, std::string(1, '\0'), root), root,
          "step 3: a stub is the whole trie");
}

TEST_CASE("step 3: a subtree stub deeper than a child position", "[unit][ref]") {
  // {a, b}, interval ["", a): a stub at region 'a' (8 bits) where the child position is 0110000.
  const std::string S = "sha256", root = Root(S, {{"a", "x"}, {"b", "y"}});
  std::string chunk = Header("", true, "a") + Stub(2, 0, 8, "a", LeafH(S, "a", "x")) +
                      Stub(2, 6, 1, "\x80", LeafH(S, "b", "y"));
  Rejects(chunk, root, "step 3: subtree stub is not a child");
  // Something inside a subtree stub's region.
  Rejects(Header("b") + Stub(2, 0, 7, "\x60", LeafH(S, "a", "x")) + Leaf("a", "x") + Leaf("b", "y"),
          root, "step 2");
}

TEST_CASE("step 4: a stub of H(\"\")", "[unit][ref]") {
  const std::string S = "sha256", E = H(S, "");
  auto chunk = [&](const std::string& h) {
    return Header("", true, "b") + Leaf("a", "x") + Stub(2, 6, 1, "\x80", h);
  };
  Accepts(chunk(LeafH(S, "b", "y")), Root(S, {{"a", "x"}, {"b", "y"}}));
  // With an empty child the fold is a node with one child - no trie has it, step 4 says no.
  Rejects(chunk(E), NodeH(S, 6, "\x60", E, LeafH(S, "a", "x"), E), "step 4");
  Rejects(Header(std::string("a\0", 2)) + Stub(3, 0, 8, "a", E) + Leaf("b", "y"),
          NodeH(S, 6, "\x60", E, E, LeafH(S, "b", "y")), "step 4");
}

TEST_CASE("step 5: stubs are maximal", "[unit][ref]") {
  // {00 00, 00 01, 80}, interval [80, ..). The maximal proof is one stub at region "0"; two
  // stubs under the rebuilt node 0^15 (which does not overlap the interval) are refused.
  const std::string S = "sha256";
  const std::string k0 = Unhex("0000"), k1 = Unhex("0001"), k2 = Unhex("80");
  const std::string root = Root(S, {{k0, "p"}, {k1, "q"}, {k2, "r"}});
  const std::string left = Root(S, {{k0, "p"}, {k1, "q"}});  // label from bit 0 either way
  Accepts(Header(k2) + Stub(2, 0, 1, std::string(1, '\0'), left) + Leaf(k2, "r"), root);
  std::string deep = Header(k2) + Stub(2, 0, 16, Unhex("0000"), LeafH(S, k0, "p")) +
                     Stub(2, 15, 1, "\x80", LeafH(S, k1, "q")) + Leaf(k2, "r");
  Rejects(deep, root, "step 5");
  // A slot-leaf stub whose key region does not reach the interval: {a, ab, abc, b} at [b, ..)
  // with node "a" rebuilt instead of stubbed.
  const std::string root4 = Root(S, kPrefixKeys);
  std::string n_ab = NodeH(S, 8, "b", LeafH(S, "ab", "2"), LeafH(S, "abc", "3"), H(S, ""));
  Accepts(Header("b") +
              Stub(2, 0, 7, "\x60", NodeH(S, 2, "\x40", LeafH(S, "a", "1"), n_ab, H(S, ""))) +
              Leaf("b", "4"),
          root4);
  Rejects(Header("b") + Stub(3, 0, 8, "a", LeafH(S, "a", "1")) +
              Stub(2, 8, 1, std::string(1, '\0'), n_ab) + Leaf("b", "4"),
          root4, "step 5");
}

TEST_CASE("step 1: strict decoding", "[unit][ref]") {
  const std::string S = "sha256";
  const std::string kv = Root(S, {{"k", "v"}}), ab = Root(S, {{"a", kBigA}, {"b", "y"}});
  const std::string one = Header("") + Leaf("k", "v");
  // Trailing bytes, a bad tag, a truncated item.
  Rejects(one + std::string(1, '\0'), kv, "step 1: bad item tag 0");
  Rejects(one + "\x04", kv, "step 1: bad item tag 4");
  Rejects(one + "\x01", kv, "step 1: bad leaf key");
  Rejects(one.substr(0, one.size() - 1), kv, "step 1: bad leaf value");
  // has_hi = 2; lo >= hi; an over-long lo.
  std::string bad_hi = one;
  bad_hi[4] = 2;
  Rejects(bad_hi, kv, "step 1: has_hi");
  Rejects(Header("k", true, "k") + Leaf("k", "v"), kv, "step 1: lo >= hi");
  Rejects(Header(std::string(8193, 'k')), kv, "step 1: bad lo");
  // Leaf keys 1..8191 bytes.
  Rejects(Header("") + Leaf("", "v"), kv, "step 1: bad leaf key");
  Rejects(Header("") + Leaf(std::string(8192, 'k'), "v"), kv, "step 1: bad leaf key");
  // Front-coding: shared beyond the previous path (none for the first item), rest 0, nonzero
  // unused bits, shared not the exact common prefix, a slot-leaf stub of partial bytes,
  // shared + rest over 65528.
  Rejects(Header("b") + Stub(2, 1, 6, "\xc0", kStubA) + Leaf("b", "y"), ab,
          "step 1: stub shared exceeds");
  Rejects(Header("b") + Stub(2, 0, 0, "", kStubA) + Leaf("b", "y"), ab, "step 1: stub rest is 0");
  Rejects(Header("b") + Stub(2, 0, 7, "\x61", kStubA) + Leaf("b", "y"), ab,
          "step 1: stub rest has nonzero");
  Rejects(Header("", true, "b") + Leaf("a", kBigA) + Stub(2, 0, 7, "\x62", LeafH(S, "b", "y")), ab,
          "step 1: stub shared is not the exact common prefix");
  Rejects(Header("", true, "b") + Leaf("a", kBigA) + Stub(2, 5, 2, "\x40", LeafH(S, "b", "y")), ab,
          "step 1: stub shared is not the exact common prefix");
  Rejects(Header("b") + Stub(3, 0, 7, "\x60", kStubA) + Leaf("b", "y"), ab,
          "step 1: slot-leaf stub path");
  Rejects(Header("b") + Stub(2, 0, 65529, std::string(8192, '\0'), kStubA), ab,
          "step 1: stub path too long");
  // Order: two leaves out of order, a duplicate.
  Rejects(Header("") + Leaf("b", "y") + Leaf("a", "x"), Root(S, {{"a", "x"}, {"b", "y"}}), "order");
  Rejects(Header("") + Leaf("a", "x") + Leaf("a", "x"), Root(S, {{"a", "x"}}), "order");
}

TEST_CASE("a 65528-level chain of one-bit labels", "[unit][ref]") {
  // Leaf K = 8191 zero bytes in [lo "", hi K‖00); beside it, at every depth j, a subtree stub
  // at region 0^j‖1 (front-coded: shared j, rest "1"), listed deepest first. The fold recurses
  // 65528 levels; the expected root is computed bottom-up here without recursion.
  const std::string S = "sha256", E = H(S, "");
  const int m = 8191, depth = 8 * m;
  const std::string K(m, '\0');
  auto stub_hash = [&](int j) { return H(S, "stub " + std::to_string(j)); };
  std::string chunk = Header("", true, K + std::string(1, '\0')) + Leaf(K, "v");
  for (int j = depth - 1; j >= 0; --j) chunk += Stub(2, j, 1, "\x80", stub_hash(j));
  std::string h = LeafH(S, K, "v");
  for (int j = depth - 1; j >= 1; --j) h = NodeH(S, 1, std::string(1, '\0'), E, h, stub_hash(j));
  h = NodeH(S, 0, "", E, h, stub_hash(0));
  Accepts(chunk, h);
  Rejects(chunk, stub_hash(0), "step 6");
}

}  // namespace
