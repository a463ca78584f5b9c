#include "trie/node.h"

#include <catch2/catch.hpp>

#include "../test_util.h"
#include "store/node_store.h"

namespace checkpoint {
namespace {

Hash RootOf(HashKind kind, const test::Model& model) {
  auto store = NewMemStore();
  StateDbOptions options;
  options.create_if_missing = true;
  options.hash = kind;
  auto db = StateDb::OpenOnStore(store.get(), options);
  REQUIRE(db.ok());
  WriteLog log;
  for (const auto& [k, v] : model) REQUIRE(log.Put(k, v).ok());
  REQUIRE((*db)->Commit(1, log).ok());
  Hash root = (*db)->Heights().back().root;
  REQUIRE(root == test::ReferenceRoot(kind, model));
  return root;
}

// The vectors of docs/FORMAT.md ("Trie root vectors").
TEST_CASE("trie root vectors", "[unit][trie][vectors]") {
  test::Model oasis;
  for (int i = 0; i < 1000; ++i) oasis["key " + std::to_string(i)] = "value " + std::to_string(i);
  // oasis-core's own pinned root for this key set (go/storage/mkvs tests).
  CHECK(ToHex(RootOf(HashKind::kSha512_256, oasis)) ==
        "2187c55627819b60069888ba86f83dc2a9f50c827624b0e31e31261806300ede");

  CHECK(ToHex(EmptyHash(HashKind::kSha256)) ==
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(ToHex(EmptyHash(HashKind::kSha512_256)) ==
        "c672b8d1ef56ed28ab87c3622c5114069bdd3ad7b8f9737498d0c01ecef0967a");

  test::Model one{{"a", "b"}};
  test::Model prefixes{{"a", "1"}, {"ab", "2"}, {"abc", "3"}, {"b", "4"}};
  test::Model edges{
      {std::string(1, '\0'), ""}, {std::string(2, '\0'), "x"}, {"\x80", "y"}, {"\xff", "z"}};
  CHECK(ToHex(RootOf(HashKind::kSha256, one)) ==
        "51c24b0cf18c37847ab4cf38851da55be19ef7ed03bbbe6841fc065d5d97432b");
  CHECK(ToHex(RootOf(HashKind::kSha256, prefixes)) ==
        "3557e946e171972fd41cd6709bd74ea92c1c8ec742b19f605c828f1a876840b9");
  CHECK(ToHex(RootOf(HashKind::kSha256, edges)) ==
        "8fb79c4ad3b03b3d7026b0b2dbe3ddc7afe74caf4bb04c808d10d21826ed181e");
  CHECK(ToHex(RootOf(HashKind::kSha512_256, one)) ==
        "5358b4c3a2d06b406c4d5d6127bd19bfd30847418390a4fb92532879718b3d76");
  CHECK(ToHex(RootOf(HashKind::kSha512_256, prefixes)) ==
        "ae58f2d9876563631cc58f0c0d0ac9d2b5682e853bfe510e12332276cd16fc72");
  CHECK(ToHex(RootOf(HashKind::kSha512_256, edges)) ==
        "a8cc1077a784d5d46bc9161246167cfe0710bedb9e6b0ae6a5d78bd34944a23b");
}

TEST_CASE("internal node records round-trip and reject damage", "[unit][trie]") {
  const HashKind kind = HashKind::kSha256;
  BitString path = BitString::FromKey("ab");  // 16 bits: a slot is possible
  InternalNode node;
  node.label_bits = 3;
  node.slot = MakeLeafRef(kind, "ab", "slot", 4);
  node.left = MakeLeafRef(kind, std::string("ab\x01", 3), "left", 5);
  node.right.kind = NodeKind::kInternal;
  node.right.height = 6;
  node.right.hash = HashBytes(kind, "x");
  node.right.bits = BitSlice("\xf0", 0, 4);  // label 1111: branch bit 1
  node.right.stats = {7, 70, 700};

  std::string enc = EncodeInternalNode(node);
  InternalNode back;
  REQUIRE(DecodeInternalNode(enc, path, &back).ok());
  REQUIRE(back.label_bits == 3);
  REQUIRE(back.slot.leaf_key() == "ab");
  REQUIRE(back.left.leaf_key() == std::string("ab\x01", 3));
  REQUIRE(back.right.bits == node.right.bits);
  REQUIRE(back.Stats() == SubtreeStats{9, 2 + 3 + 70, 4 + 4 + 700});
  REQUIRE(InternalHash(kind, BitSlice("ab", 13, 16), back) ==
          InternalHash(kind, BitSlice("ab", 13, 16), node));

  // Every truncation and every trailing byte is rejected.
  for (size_t n = 0; n < enc.size(); ++n) {
    REQUIRE_FALSE(DecodeInternalNode(enc.substr(0, n), path, &back).ok());
  }
  REQUIRE_FALSE(DecodeInternalNode(enc + "x", path, &back).ok());
  // A left leaf whose key does not continue with bit 0 under the path.
  InternalNode wrong = node;
  wrong.left = MakeLeafRef(kind, "b", "v", 1);
  REQUIRE_FALSE(DecodeInternalNode(EncodeInternalNode(wrong), path, &back).ok());
  // A single entry is not a canonical internal node.
  InternalNode lonely;
  lonely.left = node.left;
  REQUIRE_FALSE(DecodeInternalNode(EncodeInternalNode(lonely), path, &back).ok());
}

// A walk decodes every record into one reused node (trie_iterator.cc): what
// an earlier record left there must not show through a later one.
TEST_CASE("decoding into a used node gives what decoding into a fresh one gives", "[unit][trie]") {
  const HashKind kind = HashKind::kSha256;
  const std::string long_key(40, 'k');  // past a string's inline buffer
  BitString path = BitString::FromKey(long_key);
  InternalNode full;
  full.label_bits = 8;
  full.slot = MakeLeafRef(kind, long_key, "slot", 2);
  full.left = MakeLeafRef(kind, long_key + std::string(1, '\x01') + long_key, "left", 3);
  full.right = MakeLeafRef(kind, long_key + "\xf0", "right", 4);
  InternalNode sparse;  // no slot, an internal left child
  sparse.label_bits = 1;
  sparse.left.kind = NodeKind::kInternal;
  sparse.left.height = 5;
  sparse.left.hash = HashBytes(kind, "l");
  sparse.left.bits = BitSlice("\x30", 0, 4);  // branch bit 0
  sparse.left.stats = {2, 82, 10};
  sparse.right = MakeLeafRef(kind, long_key + "\xf1", "r", 6);

  InternalNode used;
  for (const InternalNode* n : {&full, &sparse, &full, &sparse}) {
    const std::string enc = EncodeInternalNode(*n);
    InternalNode fresh;
    REQUIRE(DecodeInternalNode(enc, path, &fresh).ok());
    REQUIRE(DecodeInternalNode(enc, path, &used).ok());
    for (auto [a, b] : {std::pair{&used.slot, &fresh.slot}, std::pair{&used.left, &fresh.left},
                        std::pair{&used.right, &fresh.right}}) {
      CHECK(a->kind == b->kind);
      CHECK(a->height == b->height);
      CHECK(a->hash == b->hash);
      CHECK(a->bits == b->bits);
      CHECK(a->stats == b->stats);
    }
    CHECK(used.Stats() == n->Stats());
    CHECK(EncodeInternalNode(used) == enc);
  }
}

}  // namespace
}  // namespace checkpoint
