// The delta fuzzer's world, shared with make_seeds: a small deterministic
// history (prefix-heavy keys, deletes, a height holding one key) in memory,
// and the oracle's differences between two of its heights.
#pragma once

#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "checkpoint/state_db.h"
#include "checkpoint/write_log.h"
#include "delta/delta_create.h"
#include "state/state_db_impl.h"
#include "store/node_store.h"

namespace checkpoint::delta_fuzz {

using Model = std::map<std::string, std::string>;

struct World {
  std::unique_ptr<NodeStore> store = NewMemStore();
  std::unique_ptr<StateDb> db;
  std::vector<Model> models;  // models[h - 1]: height h

  World() {
    StateDbOptions o;
    o.create_if_missing = true;
    db = std::move(StateDb::OpenOnStore(store.get(), o).value());
    std::mt19937_64 rng(3);
    auto key = [&] {
      std::string k(1 + rng() % 4, 'a');
      for (char& c : k) c = "a\x00\x80\xff"[rng() % 4];
      return k;
    };
    Model m;
    for (int i = 0; i < 120; ++i) m[key()] = std::string(rng() % 12, 'v');
    Commit(m);
    for (int h = 0; h < 2; ++h) {
      for (auto it = m.begin(); it != m.end();) {
        const int r = static_cast<int>(rng() % 10);
        if (r == 0) {
          it = m.erase(it);
          continue;
        }
        if (r == 1) it->second += "x";
        ++it;
      }
      for (int i = 0; i < 10; ++i) m[key()] = "new";
      Commit(m);
    }
    Commit({{"a", "one"}});
  }

  void Commit(const Model& next) {
    WriteLog log;
    const Model prev = models.empty() ? Model{} : models.back();
    for (const auto& [k, v] : prev) {
      if (!next.count(k)) (void)log.Delete(k);
    }
    for (const auto& [k, v] : next) {
      if (!prev.count(k) || prev.at(k) != v) (void)log.Put(k, v);
    }
    (void)db->Commit(models.size() + 1, log);
    models.push_back(next);
  }
  uint64_t heights() const { return models.size(); }
  NodeRef Root(uint64_t h) { return static_cast<StateDbImpl*>(db.get())->RootOf(h).value(); }
  Hash RootHash(uint64_t h) {
    const NodeRef r = Root(h);
    return r.present() ? r.hash : EmptyHash(db->hash_kind());
  }
  NodeReader Reader() {
    return NodeReader(static_cast<StateDbImpl*>(db.get())->shared_store(), store->GetSnapshot(),
                      NodeReader::Mode::kScan);
  }
};

struct Change {
  std::string key, value;
  bool is_delete;
  bool operator==(const Change&) const = default;
};

// The differences from height `from` to `to` inside `iv`, in key order.
inline std::vector<Change> Truth(const World& w, uint64_t from, uint64_t to,
                                 const KeyInterval& iv) {
  const Model& a = w.models[from - 1];
  const Model& b = w.models[to - 1];
  std::vector<Change> out;
  std::map<std::string, int> keys;
  for (const auto& kv : a) keys[kv.first];
  for (const auto& kv : b) keys[kv.first];
  for (const auto& [k, unused] : keys) {
    if (!iv.Contains(k)) continue;
    const bool in_a = a.count(k), in_b = b.count(k);
    if (in_a && !in_b) out.push_back({k, "", true});
    if (in_b && (!in_a || a.at(k) != b.at(k))) out.push_back({k, b.at(k), false});
  }
  return out;
}

// Byte 0 of an input: which pair of heights.
inline std::pair<uint64_t, uint64_t> Heights(const World& w, uint8_t b) {
  const uint64_t n = w.heights();
  return {1 + b % n, 1 + (b / n) % n};
}

}  // namespace checkpoint::delta_fuzz
