// Model-based tests: random histories against a std::map and the reference root.
#include <catch2/catch.hpp>
#include <set>

#include "../test_util.h"
#include "state/meta.h"
#include "state/node_reader.h"
#include "store/node_store.h"
#include "trie/record_key.h"

namespace checkpoint {
namespace {

using test::Model;

std::unique_ptr<StateDb> OpenMem(NodeStore* store, HashKind kind = HashKind::kSha256,
                                 size_t batch_bytes = 32 << 20) {
  StateDbOptions options;
  options.create_if_missing = true;
  options.hash = kind;
  options.batch_bytes = batch_bytes;
  auto db = StateDb::OpenOnStore(store, options);
  REQUIRE(db.ok());
  return std::move(db).value();
}

void CheckHeight(StateDb* db, uint64_t height, const Model& model, std::mt19937_64& rng) {
  auto view = db->View(height);
  REQUIRE(view.ok());
  REQUIRE((*view)->root() == test::ReferenceRoot(db->hash_kind(), model));
  REQUIRE(test::ReadAll(view->get()) == model);
  std::string v;
  for (const auto& [k, want] : model) {
    REQUIRE((*view)->Get(k, &v).ok());
    REQUIRE(v == want);
  }
  auto it = (*view)->NewIterator();
  for (int i = 0; i < 20; ++i) {
    std::string target = test::RandomKey(rng, 5);
    if (model.count(target) == 0) REQUIRE((*view)->Get(target, &v).IsNotFound());
    it->Seek(target);
    auto want = model.lower_bound(target);
    if (want == model.end()) {
      REQUIRE_FALSE(it->Valid());
      REQUIRE(it->status().ok());
    } else {
      REQUIRE(it->Valid());
      REQUIRE(it->key() == want->first);
      REQUIRE(it->value() == want->second);
    }
  }
}

TEST_CASE("random histories match a map model and the reference root", "[unit][state]") {
  for (HashKind kind : {HashKind::kSha256, HashKind::kSha512_256}) {
    // Tiny batches force the multi-batch (journaled) commit path.
    for (size_t batch_bytes : {size_t{32} << 20, size_t{300}}) {
      std::mt19937_64 rng(batch_bytes + static_cast<int>(kind));
      auto store = NewMemStore();
      auto db = OpenMem(store.get(), kind, batch_bytes);
      Model model;
      std::vector<Model> history{{}};
      for (uint64_t h = 1; h <= 40; ++h) {
        WriteLog log;
        Model next = model;
        const int ops = static_cast<int>(rng() % 40);
        for (int i = 0; i < ops; ++i) {
          std::string k = test::RandomKey(rng);
          if (rng() % 3 == 0) {
            REQUIRE(log.Delete(k).ok());
            next.erase(k);
          } else {
            std::string v = test::RandomValue(rng);
            REQUIRE(log.Put(k, v).ok());
            next[k] = v;
          }
        }
        REQUIRE((*db).Commit(h, log).ok());
        model = next;
        history.push_back(model);
        CheckHeight(db.get(), h, model, rng);
      }
      // Every retained height still reads as it was.
      for (uint64_t h = 1; h <= 40; h += 7) CheckHeight(db.get(), h, history[h], rng);
    }
  }
}

TEST_CASE("the root depends only on the key/value set", "[unit][state]") {
  std::mt19937_64 rng(5);
  Model target;
  for (int i = 0; i < 300; ++i) target[test::RandomKey(rng, 6)] = test::RandomValue(rng);

  auto store_a = NewMemStore();
  auto a = OpenMem(store_a.get());
  WriteLog all;
  for (const auto& [k, v] : target) REQUIRE(all.Put(k, v).ok());
  REQUIRE(a->Commit(1, all).ok());

  // Another history: junk first, then shuffled inserts in small heights, with
  // intermediate deletes and overwrites.
  auto store_b = NewMemStore();
  auto b = OpenMem(store_b.get(), HashKind::kSha256, 200);
  std::vector<std::pair<std::string, std::string>> kv(target.begin(), target.end());
  std::shuffle(kv.begin(), kv.end(), rng);
  uint64_t h = 10;
  WriteLog junk;
  for (int i = 0; i < 50; ++i) REQUIRE(junk.Put(test::RandomKey(rng, 6) + "junk", "x").ok());
  REQUIRE(b->Commit(h++, junk).ok());
  for (size_t i = 0; i < kv.size(); i += 37) {
    WriteLog log;
    for (size_t j = i; j < std::min(kv.size(), i + 37); ++j) {
      REQUIRE(log.Put(kv[j].first, "overwritten").ok());
      REQUIRE(log.Put(kv[j].first, kv[j].second).ok());
    }
    REQUIRE(b->Commit(h++, log).ok());
  }
  WriteLog cleanup;
  auto view = b->View(h - 1);
  REQUIRE(view.ok());
  for (const auto& [k, v] : test::ReadAll(view->get())) {
    if (!target.count(k)) REQUIRE(cleanup.Delete(k).ok());
  }
  REQUIRE(b->Commit(h, cleanup).ok());
  REQUIRE(a->Heights().back().root == b->Heights().back().root);

  // Deleting everything gives H("").
  WriteLog wipe;
  for (const auto& [k, v] : target) REQUIRE(wipe.Delete(k).ok());
  REQUIRE(a->Commit(2, wipe).ok());
  REQUIRE(a->Heights().back().root == EmptyHash(HashKind::kSha256));
  REQUIRE(a->Heights().back().leaves == 0);
  auto empty = a->View(2);
  REQUIRE(empty.ok());
  REQUIRE(test::ReadAll(empty->get()).empty());
}

TEST_CASE("a chain of thousands of prefix keys", "[unit][state]") {
  auto store = NewMemStore();
  auto db = OpenMem(store.get(), HashKind::kSha256, 1 << 16);
  Model model;
  WriteLog log;
  for (int n = 1; n <= 3000; ++n) {
    std::string k(static_cast<size_t>(n), 'a');
    model[k] = std::to_string(n);
    REQUIRE(log.Put(k, std::to_string(n)).ok());
  }
  REQUIRE(db->Commit(1, log).ok());
  std::mt19937_64 rng(1);
  CheckHeight(db.get(), 1, model, rng);
  // Delete every other key: collapses thousands of nodes, relabels the rest.
  WriteLog del;
  for (int n = 2; n <= 3000; n += 2) {
    std::string k(static_cast<size_t>(n), 'a');
    model.erase(k);
    REQUIRE(del.Delete(k).ok());
  }
  REQUIRE(db->Commit(2, del).ok());
  CheckHeight(db.get(), 2, model, rng);
}

// Every record key reachable from the retained heights' roots.
std::set<std::string> Reachable(NodeStore* store, StateDb* db) {
  std::set<std::string> out;
  NodeReader reader(std::shared_ptr<NodeStore>(store, [](NodeStore*) {}), nullptr,
                    NodeReader::Mode::kPointLookup);
  for (const HeightInfo& info : db->Heights()) {
    std::string encoded;
    REQUIRE(store->Get(Column::kMeta, RootKey(info.height), &encoded).ok());
    NodeRef root;
    REQUIRE(DecodeNodeRef(encoded, &root).ok());
    std::vector<std::pair<NodeRef, BitString>> stack;
    if (root.present())
      stack.push_back({root, root.kind == NodeKind::kLeaf ? root.bits : root.bits});
    while (!stack.empty()) {
      auto [ref, path] = stack.back();
      stack.pop_back();
      if (ref.kind == NodeKind::kLeaf) {
        out.insert(LeafRecordKey(ref.leaf_key(), ref.height));
        continue;
      }
      out.insert(EncodeRecordKey(path.bytes, path.bits, RecordTag::kInternal, ref.height));
      InternalNode node;
      REQUIRE(reader.ReadInternal(path, ref, &node).ok());
      if (node.slot.present()) stack.push_back({node.slot, node.slot.bits});
      for (const NodeRef* c : {&node.left, &node.right}) {
        if (!c->present()) continue;
        BitString p = c->bits;
        if (c->kind == NodeKind::kInternal) {
          p = path;
          AppendBits(&p, c->bits);
        }
        stack.push_back({*c, p});
      }
    }
  }
  return out;
}

std::set<std::string> Stored(NodeStore* store) {
  std::set<std::string> out;
  auto it = store->NewIterator(Column::kNodes);
  for (it->Seek({}); it->Valid(); it->Next()) out.insert(std::string(it->key()));
  return out;
}

TEST_CASE("prune across a gap in heights keeps exactly what is reachable", "[unit][state][prune]") {
  std::mt19937_64 rng(10);
  auto store = NewMemStore();
  auto db = OpenMem(store.get());
  Model m;
  for (uint64_t h : {5, 10, 15}) {
    WriteLog log;
    for (int i = 0; i < 40; ++i) {
      std::string k = test::RandomKey(rng, 4);
      std::string v = test::RandomValue(rng);
      REQUIRE(log.Put(k, v).ok());
      m[k] = v;
    }
    REQUIRE(db->Commit(h, log).ok());
  }
  REQUIRE(db->Prune(7).ok());  // retains 10 and 15
  REQUIRE(Stored(store.get()) == Reachable(store.get(), db.get()));
}

TEST_CASE("damaged meta records and reserved heights are errors, not crashes", "[unit][state]") {
  {
    auto store = NewMemStore();
    { OpenMem(store.get()); }
    WriteBatch b;
    b.Put(Column::kMeta, kSchemaKey, "");
    REQUIRE(store->Write(b, true).ok());
    StateDbOptions o;
    REQUIRE(StateDb::OpenOnStore(store.get(), o).status().IsCorruption());
  }
  {
    auto store = NewMemStore();
    auto db = OpenMem(store.get());
    WriteLog log;
    REQUIRE(log.Put("k", "v").ok());
    REQUIRE(db->Commit(UINT64_MAX, log).IsInvalidArgument());
    REQUIRE(db->Commit(1, log).ok());
    db.reset();
    WriteBatch b;
    b.Put(Column::kStale, std::string(1, '\0'), "");  // shorter than a height
    REQUIRE(store->Write(b, true).ok());
    StateDbOptions o;
    REQUIRE(StateDb::OpenOnStore(store.get(), o).status().IsCorruption());
  }
}

TEST_CASE("prune keeps exactly the records retained heights reach", "[unit][state][prune]") {
  std::mt19937_64 rng(9);
  auto store = NewMemStore();
  auto db = OpenMem(store.get());
  std::vector<Model> history{{}};
  Model model;
  for (uint64_t h = 1; h <= 30; ++h) {
    WriteLog log;
    for (int i = 0; i < 30; ++i) {
      std::string k = test::RandomKey(rng, 5);
      if (rng() % 4 == 0) {
        REQUIRE(log.Delete(k).ok());
        model.erase(k);
      } else {
        std::string v = test::RandomValue(rng);
        REQUIRE(log.Put(k, v).ok());
        model[k] = v;
      }
    }
    REQUIRE(db->Commit(h, log).ok());
    history.push_back(model);
  }
  auto count_nodes = [&] {
    size_t n = 0;
    auto it = store->NewIterator(Column::kNodes);
    for (it->Seek({}); it->Valid(); it->Next()) ++n;
    return n;
  };
  const size_t before = count_nodes();
  auto old_view = db->View(5);  // a reader that must survive the prune
  REQUIRE(old_view.ok());
  REQUIRE(db->Prune(21).ok());
  REQUIRE(count_nodes() < before);
  REQUIRE(test::ReadAll(old_view->get()) == history[5]);
  auto pruned = db->View(20);
  REQUIRE(pruned.status().IsNotFound());
  REQUIRE(pruned.status().message() == "height 20 was pruned");
  REQUIRE(db->View(31).status().message() == "no height 31");
  for (uint64_t h = 21; h <= 30; ++h) CheckHeight(db.get(), h, history[h], rng);
  REQUIRE(db->Prune(31).IsInvalidArgument());

  // No leak and no loss: the store holds exactly what retained heights reach.
  REQUIRE(Stored(store.get()) == Reachable(store.get(), db.get()));
  REQUIRE(db->Prune(30).ok());
  REQUIRE(Stored(store.get()) == Reachable(store.get(), db.get()));
  auto stale = store->NewIterator(Column::kStale);
  stale->Seek({});
  REQUIRE_FALSE(stale->Valid());
  CheckHeight(db.get(), 30, history[30], rng);
}

}  // namespace
}  // namespace checkpoint
