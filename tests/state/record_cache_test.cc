// RecordCache, and a commit reading the base's nodes through it (what a delta
// apply does after its chunk checks read the same nodes).
#include "state/record_cache.h"

#include <catch2/catch.hpp>
#include <map>
#include <random>

#include "../test_util.h"
#include "state/state_db_internal.h"
#include "store/node_store.h"

namespace checkpoint {
namespace {

// Counts the iterators opened on the nodes column: a NodeReader opens one at
// its first read from the store.
class CountingStore : public StoreWrapper {
 public:
  using StoreWrapper::StoreWrapper;
  std::unique_ptr<StoreIterator> NewIterator(Column c, const StoreSnapshot* snapshot,
                                             size_t readahead_bytes) override {
    if (c == Column::kNodes) ++node_iterators;
    return StoreWrapper::NewIterator(c, snapshot, readahead_bytes);
  }
  int node_iterators = 0;
};

struct Db {
  std::unique_ptr<NodeStore> mem = NewMemStore();
  std::shared_ptr<CountingStore> store = std::make_shared<CountingStore>(mem.get());
  std::unique_ptr<StateDb> db;
  Db() {
    StateDbOptions o;
    o.create_if_missing = true;
    db = OpenOnSharedStore(store, o).value();
  }
  std::map<std::string, std::string> Dump(uint64_t height) {
    std::map<std::string, std::string> out;
    auto view = db->View(height).value();
    auto it = view->NewIterator();
    for (it->SeekToFirst(); it->Valid(); it->Next()) out.emplace(it->key(), it->value());
    REQUIRE(it->status().ok());
    return out;
  }
};

TEST_CASE("a node cache keeps what fits its budget, once", "[unit][state]") {
  RecordCache cache(2 * (96 + 2 + 3));
  std::string v;
  CHECK_FALSE(cache.Get("k1", &v));
  cache.Put("k1", "one");
  cache.Put("k1", "ONE");  // a record never changes: the first value stays
  cache.Put("k2", "two");
  cache.Put("k3", "333");  // over the budget: not kept
  REQUIRE(cache.Get("k1", &v));
  CHECK(v == "one");
  REQUIRE(cache.Get("k2", &v));
  CHECK(v == "two");
  CHECK_FALSE(cache.Get("k3", &v));
}

TEST_CASE("a commit through a filled cache reads no node from the store, and commits the same",
          "[unit][state]") {
  const size_t budget = GENERATE(size_t{64} << 20, size_t{4} << 10);
  std::mt19937_64 rng(budget);
  Db a, b;
  std::map<std::string, std::string> model;
  for (uint64_t h = 1; h <= 2; ++h) {
    WriteLog log;
    for (int i = 0; i < 2000; ++i) {
      std::string k = test::RandomKey(rng, 6), v = test::RandomValue(rng, 40);
      REQUIRE(log.Put(k, v).ok());
      model[k] = v;
    }
    REQUIRE(a.db->Commit(h, log).ok());
    REQUIRE(b.db->Commit(h, log).ok());
  }
  WriteLog top;  // updates, inserts and deletes
  for (int i = 0; i < 300; ++i) {
    std::string k = test::RandomKey(rng, 6);
    if (rng() % 3 == 0) {
      REQUIRE(top.Delete(k).ok());
      model.erase(k);
    } else {
      std::string v = test::RandomValue(rng, 40);
      REQUIRE(top.Put(k, v).ok());
      model[k] = v;
    }
  }
  RecordCache cache(budget);
  a.store->node_iterators = 0;
  REQUIRE(CommitThroughCache(a.db.get(), 3, top.Sorted().get(), &cache).ok());
  CHECK(a.store->node_iterators == 1);  // everything read from the store
  b.store->node_iterators = 0;
  REQUIRE(CommitThroughCache(b.db.get(), 3, top.Sorted().get(), &cache).ok());
  if (budget > (1 << 20)) {
    CHECK(b.store->node_iterators == 0);
  } else {
    CHECK(b.store->node_iterators == 1);  // the cache held a few nodes only
  }
  CHECK(a.db->View(3).value()->root() == b.db->View(3).value()->root());
  CHECK(b.Dump(3) == model);
  CHECK(a.Dump(3) == model);
}

}  // namespace
}  // namespace checkpoint
