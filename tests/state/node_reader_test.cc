// NodeReader in its walking modes against a map: whatever order the reads
// come in (forward by one, by a few, past its step bound, backward, to
// records that do not exist), each returns exactly the stored value or
// "missing node record"; and a walk in key order seeks once.
#include "state/node_reader.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <random>

#include "../test_util.h"
#include "store/node_store.h"
#include "trie/record_key.h"

namespace checkpoint {
namespace {

struct Leaf {
  std::string key;
  uint64_t height;
  std::string record_key;
};

// Leaves at heights 1..3 under random keys, some keys at several heights
// (their records sit together), written to `store`.
std::map<std::string, std::string> Fill(NodeStore* store, std::mt19937_64& rng,
                                        std::vector<Leaf>* leaves) {
  std::map<std::string, std::string> want;  // record key → value
  WriteBatch batch;
  for (int i = 0; i < 400; ++i) {
    const std::string key = test::RandomKey(rng, 6) + "k";  // never empty
    for (uint64_t h = 1; h <= 3; ++h) {
      if (rng() % 2) continue;
      const std::string rk = LeafRecordKey(key, h);
      if (want.count(rk)) continue;
      want[rk] = test::RandomValue(rng, 40);
      batch.Put(Column::kNodes, rk, want[rk]);
      leaves->push_back({key, h, rk});
    }
  }
  REQUIRE(store->Write(batch, false).ok());
  return want;
}

void CheckReads(NodeStore* store, NodeReader::Mode mode, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<Leaf> leaves;
  const auto want = Fill(store, rng, &leaves);
  std::sort(leaves.begin(), leaves.end(),
            [](const Leaf& a, const Leaf& b) { return a.record_key < b.record_key; });
  std::shared_ptr<NodeStore> shared(store, [](NodeStore*) {});

  // A walk in key order: every record, one Seek.
  {
    NodeReader reader(shared, shared->GetSnapshot(), mode);
    for (const Leaf& l : leaves) {
      std::string v;
      REQUIRE(reader.ReadLeafValue(l.key, l.height, &v).ok());
      CHECK(v == want.at(l.record_key));
    }
    CHECK(reader.seeks() == 1);
  }
  // Jumps of every size, back and forth, and records that are not there.
  NodeReader reader(shared, shared->GetSnapshot(), mode);
  size_t at = 0;
  for (int i = 0; i < 3000; ++i) {
    const int64_t step = static_cast<int64_t>(rng() % 24) - 4;  // -4 .. 19
    at = static_cast<size_t>(
        std::clamp<int64_t>(static_cast<int64_t>(at) + step, 0, leaves.size() - 1));
    Leaf l = leaves[at];
    if (rng() % 5 == 0) l.height = 4 + rng() % 2;  // absent: no record above height 3
    if (rng() % 7 == 0) l.key += "\x01";           // absent: every key made ends in "k"
    std::string v;
    Status s = reader.ReadLeafValue(l.key, l.height, &v);
    auto it = want.find(LeafRecordKey(l.key, l.height));
    if (it == want.end()) {
      REQUIRE(s.IsCorruption());
      CHECK(s.message().find("missing node record") != std::string::npos);
    } else {
      REQUIRE(s.ok());
      CHECK(v == it->second);
    }
  }
}

TEST_CASE("a walking node reader returns exactly the stored records, read in any order",
          "[unit][state]") {
  for (NodeReader::Mode mode : {NodeReader::Mode::kScan, NodeReader::Mode::kSparse}) {
    for (uint64_t seed = 1; seed <= 3; ++seed) {
      auto mem = NewMemStore();
      CheckReads(mem.get(), mode, seed);
      test::TempDir dir;
      RocksStoreOptions o;
      o.create_if_missing = true;
      auto rocks = OpenRocksStore(dir.path() + "/db", o);
      REQUIRE(rocks.ok());
      CheckReads(rocks->get(), mode, seed + 10);
    }
  }
}

}  // namespace
}  // namespace checkpoint
