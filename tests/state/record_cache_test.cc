// RecordLog/RecordCache, and a commit reading the base's nodes through the
// cache (what a delta apply does after its chunk checks read the same nodes).
#include "state/record_cache.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <random>

#include "../test_util.h"
#include "state/node_reader.h"
#include "state/state_db_internal.h"
#include "store/node_store.h"

namespace checkpoint {
namespace {

TEST_CASE("a record cache finds what the logs it kept read, in any order", "[unit][state]") {
  std::mt19937_64 rng(3);
  std::map<std::string, std::string> want;
  RecordCache cache(1 << 30);
  for (int l = 0; l < 4; ++l) {
    RecordLog log(&cache);
    for (int i = 0; i < 300; ++i) {
      // Logs overlap (shared ancestors), and a key's value is the same in all.
      std::string k = test::RandomKey(rng, 3);
      std::string v = want.count(k) ? want[k] : test::RandomValue(rng, 30);
      want[k] = v;
      log.Add(k, v);
    }
    cache.Keep(&log);
  }
  RecordLog late(&cache);
  late.Add("late", "x");
  cache.Seal();
  cache.Keep(&late);  // sealed: dropped
  std::vector<std::string> keys;
  for (const auto& [k, v] : want) keys.push_back(k);
  for (const std::string absent : {"late", "\xff\xff\xff\xff", ""}) keys.push_back(absent);
  for (int order = 0; order < 3; ++order) {
    if (order == 1) std::shuffle(keys.begin(), keys.end(), rng);
    if (order == 2) std::sort(keys.rbegin(), keys.rend());
    size_t cursor = 0;
    for (const std::string& k : keys) {
      std::string_view v;
      const bool found = cache.Find(k, &cursor, &v);
      REQUIRE(found == (want.count(k) > 0));
      if (found) CHECK(v == want[k]);
    }
  }
}

TEST_CASE("record logs claim their memory from the cache's budget", "[unit][state]") {
  RecordCache cache(3 << 20);  // three claim steps of 1 MiB
  RecordLog a(&cache), b(&cache), c(&cache);
  a.Add("a", std::string(100, 'a'));
  b.Add("b", std::string(100, 'b'));
  c.Add("c", std::string(100, 'c'));
  {
    RecordLog d(&cache);  // the budget is spoken for: d stops at once
    d.Add("d", "d");
    CHECK(d.overflowed());
    CHECK(d.bytes() == 0);
  }
  c.Add("c2", std::string(1 << 20, 'c'));  // more than c's step, and none is left
  CHECK(c.overflowed());
  // c gave its step back, but the cache, once full, grants no more.
  b.Add("b2", std::string(600 << 10, 'b'));  // needs a second step
  CHECK(b.overflowed());
  a.Add("a2", std::string(100 << 10, 'a'));  // within its first step
  CHECK_FALSE(a.overflowed());
  cache.Keep(&a);
  cache.Keep(&b);  // overflowed: dropped
  cache.Keep(&c);
  cache.Seal();
  size_t cursor = 0;
  std::string_view v;
  CHECK(cache.Find("a", &cursor, &v));
  CHECK(cache.Find("a2", &cursor, &v));
  CHECK(v.size() == 100 << 10);
  cursor = 0;
  CHECK_FALSE(cache.Find("b", &cursor, &v));
  CHECK_FALSE(cache.Find("c", &cursor, &v));
}

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

// Reads every internal node under `ref` (what a check of a delta that
// changes everything would read).
void ReadAll(NodeReader* reader, const BitString& path, const NodeRef& ref) {
  if (ref.kind != NodeKind::kInternal) return;
  InternalNode node;
  REQUIRE(reader->ReadInternal(path, ref, &node).ok());
  for (const NodeRef* child : {&node.left, &node.right}) {
    if (child->present()) ReadAll(reader, ChildPath(path, *child), *child);
  }
}

TEST_CASE("a commit through a cache of the base's nodes reads none from the store",
          "[unit][state]") {
  const bool fits = GENERATE(true, false);
  std::mt19937_64 rng(fits ? 1 : 2);
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
  // The cache: every node of a's height 2, logged by a reader of a.
  RecordCache cache(64 << 20);
  RecordLog log(&cache);
  {
    PinnedHeight pin = PinHeight(a.db.get(), 2).value();
    NodeReader reader(pin.store, pin.snapshot, NodeReader::Mode::kSparse);
    reader.LogInto(&log);
    BitString path;
    if (pin.root.kind == NodeKind::kInternal) path = pin.root.bits;
    ReadAll(&reader, path, pin.root);
  }
  if (!fits) log.Add("\xff", std::string(64 << 20, 'x'));  // over the budget: dropped
  CHECK(log.overflowed() == !fits);
  cache.Keep(&log);
  cache.Seal();
  a.store->node_iterators = 0;
  REQUIRE(a.db->Commit(3, top).ok());
  CHECK(a.store->node_iterators == 1);
  b.store->node_iterators = 0;
  REQUIRE(CommitThroughCache(b.db.get(), 3, top.Sorted().get(), &cache).ok());
  CHECK(b.store->node_iterators == (fits ? 0 : 1));
  CHECK(a.db->View(3).value()->root() == b.db->View(3).value()->root());
  CHECK(b.Dump(3) == model);
}

}  // namespace
}  // namespace checkpoint
