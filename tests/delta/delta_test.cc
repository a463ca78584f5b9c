// Delta chunks against an oracle: random histories (prefix keys, both hash
// functions, delete-everything, insert-into-empty, F = H). Honest deltas are
// accepted and carry exactly the differences; for random intervals with
// honest proofs (what any attacker can compute) and mutated change lists or
// proofs, accepted ⇒ the changes are exactly the truth in that interval.
#include <algorithm>
#include <catch2/catch.hpp>

#include "../test_util.h"
#include "chunk/format.h"
#include "delta/delta_create.h"
#include "state/state_db_impl.h"
#include "store/node_store.h"

namespace checkpoint {
namespace {

using test::Model;

struct Change {
  std::string key, value;
  bool is_delete;
  bool operator==(const Change&) const = default;
};

// The differences from `from` to `to`, in key order, inside `iv`.
std::vector<Change> Diff(const Model& from, const Model& to, const KeyInterval& iv) {
  std::vector<Change> out;
  auto a = from.begin();
  auto b = to.begin();
  while (a != from.end() || b != to.end()) {
    if (b == to.end() || (a != from.end() && a->first < b->first)) {
      if (iv.Contains(a->first)) out.push_back({a->first, "", true});
      ++a;
    } else if (a == from.end() || b->first < a->first) {
      if (iv.Contains(b->first)) out.push_back({b->first, b->second, false});
      ++b;
    } else {
      if (a->second != b->second && iv.Contains(a->first))
        out.push_back({b->first, b->second, false});
      ++a;
      ++b;
    }
  }
  return out;
}

struct Fixture {
  std::unique_ptr<NodeStore> store = NewMemStore();
  std::unique_ptr<StateDb> db;
  std::vector<Model> models;  // models[h - 1] = state at height h

  explicit Fixture(HashKind kind) {
    StateDbOptions options;
    options.create_if_missing = true;
    options.hash = kind;
    auto opened = StateDb::OpenOnStore(store.get(), options);
    REQUIRE(opened.ok());
    db = std::move(opened).value();
  }
  StateDbImpl* impl() { return static_cast<StateDbImpl*>(db.get()); }
  void Commit(const Model& next) {
    const Model prev = models.empty() ? Model{} : models.back();
    WriteLog log;
    for (const Change& c : Diff(prev, next, KeyInterval{})) {
      if (c.is_delete) {
        REQUIRE(log.Delete(c.key).ok());
      } else {
        REQUIRE(log.Put(c.key, c.value).ok());
      }
    }
    REQUIRE(db->Commit(models.size() + 1, log).ok());
    models.push_back(next);
  }
  NodeRef Root(uint64_t h) {
    auto r = impl()->RootOf(h);
    REQUIRE(r.ok());
    return *r;
  }
  Hash RootHash(uint64_t h) {
    const NodeRef r = Root(h);
    return r.present() ? r.hash : EmptyHash(db->hash_kind());
  }
  NodeReader Reader() {
    return NodeReader(impl()->shared_store(), store->GetSnapshot(), NodeReader::Mode::kScan);
  }
};

struct Made {
  std::string canonical;
  KeyInterval iv;
  uint64_t changes;
};

std::vector<Made> MakeDelta(Fixture* fx, uint64_t from, uint64_t to, uint64_t chunk_size) {
  NodeReader reader = fx->Reader();
  std::vector<Made> out;
  DeltaChunker chunker(&reader, fx->Root(to), chunk_size,
                       [&](std::string c, const KeyInterval& iv, uint64_t n) {
                         out.push_back({std::move(c), iv, n});
                         return Status::OK();
                       });
  for (const Change& c : Diff(fx->models[from - 1], fx->models[to - 1], KeyInterval{})) {
    REQUIRE(chunker.Add(c.key, c.value, c.is_delete).ok());
  }
  REQUIRE(chunker.Finish().ok());
  return out;
}

// Verifies; on success returns the changes it saw.
Status Check(Fixture* fx, std::string_view canonical, uint64_t from, uint64_t to,
             std::vector<Change>* seen, KeyInterval* iv = nullptr) {
  NodeReader reader = fx->Reader();
  seen->clear();
  DeltaChunkInfo info;
  Status s =
      VerifyDeltaChunk(canonical, fx->db->hash_kind(), fx->RootHash(to), &reader, fx->Root(from),
                       &info, [&](std::string_view k, std::string_view v, bool del) {
                         seen->push_back({std::string(k), std::string(v), del});
                       });
  if (s.ok() && iv) *iv = info.interval;
  return s;
}

Model RandomModel(std::mt19937_64& rng, const Model& base, double churn, size_t inserts) {
  Model m;
  for (const auto& [k, v] : base) {
    const double x = static_cast<double>(rng() % 10000) / 10000;
    if (x < churn / 2) continue;                    // delete
    m[k] = x < churn ? test::RandomValue(rng) : v;  // change or keep
  }
  for (size_t i = 0; i < inserts; ++i) m[test::RandomKey(rng, 5)] = test::RandomValue(rng);
  return m;
}

void CheckHonest(Fixture* fx, uint64_t from, uint64_t to, uint64_t chunk_size) {
  const std::vector<Made> chunks = MakeDelta(fx, from, to, chunk_size);
  REQUIRE(!chunks.empty());
  std::vector<Change> all, seen;
  std::string lo;
  for (size_t i = 0; i < chunks.size(); ++i) {
    const Made& c = chunks[i];
    INFO("chunk " << i << " of " << chunks.size() << ", heights " << from << "->" << to);
    REQUIRE(c.iv.lo == lo);
    REQUIRE(c.iv.has_hi == (i + 1 < chunks.size()));
    lo = c.iv.hi;
    if (c.changes > 1) REQUIRE(c.canonical.size() <= chunk_size);
    REQUIRE((c.changes > 0 || chunks.size() == 1));
    Status s = Check(fx, c.canonical, from, to, &seen);
    REQUIRE(s.ToString() == "OK");
    REQUIRE(seen.size() == c.changes);
    all.insert(all.end(), seen.begin(), seen.end());
  }
  REQUIRE(all == Diff(fx->models[from - 1], fx->models[to - 1], KeyInterval{}));
}

TEST_CASE("honest deltas are accepted and carry exactly the differences", "[unit][delta]") {
  for (HashKind kind : {HashKind::kSha256, HashKind::kSha512_256}) {
    std::mt19937_64 rng(7 + static_cast<int>(kind));
    Fixture fx(kind);
    fx.Commit({});                                       // 1: empty
    fx.Commit(RandomModel(rng, {}, 0, 300));             // 2: insert into empty
    fx.Commit(RandomModel(rng, fx.models[1], 0.05, 5));  // 3
    fx.Commit(RandomModel(rng, fx.models[2], 0.5, 50));  // 4
    fx.Commit({{"a", "only"}});                          // 5: one key
    fx.Commit(RandomModel(rng, fx.models[3], 0.02, 1));  // 6
    fx.Commit({});                                       // 7: delete everything
    const uint64_t n = fx.models.size();
    for (uint64_t chunk_size : {uint64_t{1024}, uint64_t{4096}, uint64_t{1} << 20}) {
      for (uint64_t f = 1; f <= n; ++f) {
        for (uint64_t h = 1; h <= n; ++h) CheckHonest(&fx, f, h, chunk_size);
      }
    }
  }
}

// A random byte string near the keys (prefix-heavy alphabet), or empty.
std::string RandomBound(std::mt19937_64& rng) { return test::RandomKey(rng, 5); }

TEST_CASE("accepted delta chunks hold exactly the truth, whatever an attacker builds",
          "[unit][delta][soundness]") {
  for (HashKind kind : {HashKind::kSha256, HashKind::kSha512_256}) {
    std::mt19937_64 rng(99 + static_cast<int>(kind));
    Fixture fx(kind);
    fx.Commit(RandomModel(rng, {}, 0, 120));
    fx.Commit(RandomModel(rng, fx.models[0], 0.3, 40));
    fx.Commit(RandomModel(rng, fx.models[1], 0.3, 40));
    fx.Commit({{std::string("\x80", 1), "x"}});
    const uint64_t n = fx.models.size();
    uint64_t accepted = 0, rejected = 0, noops = 0;
    std::vector<Change> seen;
    for (int round = 0; round < 3000; ++round) {
      const uint64_t from = 1 + rng() % n, to = 1 + rng() % n;
      KeyInterval iv;
      iv.lo = rng() % 4 == 0 ? "" : RandomBound(rng);
      iv.has_hi = rng() % 3 != 0;
      if (iv.has_hi) {
        iv.hi = RandomBound(rng);
        if (!(iv.lo < iv.hi)) std::swap(iv.lo, iv.hi);
        if (!(iv.lo < iv.hi)) continue;
      }
      const std::vector<Change> truth = Diff(fx.models[from - 1], fx.models[to - 1], iv);
      std::vector<Change> changes = truth;
      // Mutations of the change list: drop, add, alter, no-ops.
      const int mutation = static_cast<int>(rng() % 9);
      if (mutation == 1 && !changes.empty())
        changes.erase(changes.begin() + rng() % changes.size());
      if (mutation == 2) {
        std::string k = RandomBound(rng);
        if (!k.empty() && iv.Contains(k)) {
          Change c{k, test::RandomValue(rng), rng() % 2 == 0};
          if (c.is_delete) c.value.clear();
          auto at =
              std::lower_bound(changes.begin(), changes.end(), c,
                               [](const Change& a, const Change& b) { return a.key < b.key; });
          if (at != changes.end() && at->key == k)
            *at = c;
          else
            changes.insert(at, c);
        }
      }
      if (mutation == 3 && !changes.empty()) {
        Change& c = changes[rng() % changes.size()];
        c.is_delete = !c.is_delete;
        c.value = c.is_delete                        ? ""
                  : fx.models[from - 1].count(c.key) ? fx.models[from - 1].at(c.key)
                                                     : "v";
      }
      if (mutation == 4 && !changes.empty()) {
        Change& c = changes[rng() % changes.size()];
        if (!c.is_delete) c.value += "!";
      }
      // No-op changes: a put of the value both heights have, a delete of a key neither has.
      if (mutation == 7 || mutation == 8) {
        const Model& a = fx.models[from - 1];
        const Model& b = fx.models[to - 1];
        Change c{RandomBound(rng), "", mutation == 8};
        if (mutation == 7) {
          auto it = a.lower_bound(c.key);
          if (it == a.end()) continue;
          c.key = it->first;
          c.value = it->second;
          if (!b.count(c.key) || b.at(c.key) != c.value) continue;
        } else if (c.key.empty() || a.count(c.key) || b.count(c.key)) {
          continue;
        }
        if (!iv.Contains(c.key)) continue;
        auto at = std::lower_bound(changes.begin(), changes.end(), c,
                                   [](const Change& x, const Change& y) { return x.key < y.key; });
        changes.insert(at, c);
      }
      NodeReader reader = fx.Reader();
      std::vector<ProofItem> proof;
      REQUIRE(DeltaProof(&reader, fx.Root(to), iv, &proof).ok());
      // Mutations of the proof: drop an item, or a proof for another height.
      if (mutation == 5 && !proof.empty()) proof.erase(proof.begin() + rng() % proof.size());
      if (mutation == 6) {
        REQUIRE(DeltaProof(&reader, fx.Root(1 + rng() % n), iv, &proof).ok());
      }
      std::vector<DeltaChange> encoded;
      for (const Change& c : changes) encoded.push_back({c.key, c.value, c.is_delete});
      std::string canonical;
      EncodeDeltaChunk(iv, proof, encoded, &canonical);
      Status s = Check(&fx, canonical, from, to, &seen);
      if (s.ok()) {
        ++accepted;
        INFO("round " << round << " mutation " << mutation);
        REQUIRE(changes == truth);
        REQUIRE(seen == truth);
      } else {
        ++rejected;
        noops += mutation >= 7;
        if (mutation == 0) FAIL("an honest chunk was refused: " << s.ToString());
      }
    }
    CHECK(accepted > 300);
    CHECK(rejected > 300);
    CHECK(noops > 100);
  }
}

TEST_CASE("a delta chunk is refused on another base where the base differs", "[unit][delta]") {
  std::mt19937_64 rng(5);
  Fixture fx(HashKind::kSha256);
  fx.Commit(RandomModel(rng, {}, 0, 200));
  fx.Commit(RandomModel(rng, fx.models[0], 0.1, 20));
  fx.Commit(RandomModel(rng, fx.models[1], 0.1, 20));
  std::vector<Change> seen;
  bool refused = false;
  for (const Made& c : MakeDelta(&fx, 1, 3, 1024)) {
    Status s = Check(&fx, c.canonical, 2, 3, &seen);
    if (s.ok()) {
      // Accepted on base 2: then bases 1 and 2 agree in this interval.
      REQUIRE(Diff(fx.models[0], fx.models[1], c.iv).empty());
    } else {
      refused = true;
    }
  }
  REQUIRE(refused);
}

}  // namespace
}  // namespace checkpoint

namespace checkpoint {
namespace {

// Byte-level mutations of honest delta chunks (each byte flipped, truncations,
// a byte appended): every one is refused, or — when it decodes to another
// valid statement — holds exactly the truth of the interval it proves.
TEST_CASE("mutated delta chunk bytes are refused or exactly the truth", "[unit][delta]") {
  std::mt19937_64 rng(11);
  Fixture fx(HashKind::kSha256);
  fx.Commit(RandomModel(rng, {}, 0, 150));
  fx.Commit(RandomModel(rng, fx.models[0], 0.2, 20));
  uint64_t tried = 0, accepted = 0;
  std::vector<Change> seen;
  for (const Made& c : MakeDelta(&fx, 1, 2, 2048)) {
    std::vector<std::string> variants;
    for (size_t i = 0; i < c.canonical.size(); ++i) {
      std::string v = c.canonical;
      v[i] = static_cast<char>(v[i] ^ (1 << (rng() % 8)));
      variants.push_back(std::move(v));
    }
    for (size_t n : {size_t{0}, c.canonical.size() / 2, c.canonical.size() - 1}) {
      variants.push_back(c.canonical.substr(0, n));
    }
    variants.push_back(c.canonical + '\x01');
    for (const std::string& v : variants) {
      ++tried;
      KeyInterval iv;
      if (!Check(&fx, v, 1, 2, &seen, &iv).ok()) continue;
      ++accepted;
      REQUIRE(seen == Diff(fx.models[0], fx.models[1], iv));
    }
  }
  CHECK(tried > 500);
  CHECK(accepted < tried / 10);
}

}  // namespace
}  // namespace checkpoint
