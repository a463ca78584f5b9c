// DiffTries against an oracle: the difference of two full dumps.
//
// Random histories on an in-memory store (prefix keys from a tiny alphabet,
// empty values, wipe-outs, no-op heights, both hash kinds); every pair of
// heights is diffed both ways and compared with the oracle. Separate cases
// hold the cost bound (10,000 keys, 10 changes), the iterative walk (a chain
// of prefix keys thousands deep on a 256 KiB thread stack) and emit's status.
#include "delta/diff.h"

#include <pthread.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <tuple>

#include "../test_util.h"
#include "state/meta.h"
#include "state/node_reader.h"
#include "store/node_store.h"
#include "trie/record_key.h"

namespace checkpoint {
namespace {

using test::Model;

struct Out {
  std::string key, value;
  bool is_delete = false;
  bool operator==(const Out& o) const = default;
};
using Changes = std::vector<Out>;

// The oracle: a merge of two sorted dumps.
Changes Oracle(const Model& base, const Model& target) {
  Changes out;
  auto a = base.begin();
  auto b = target.begin();
  while (a != base.end() || b != target.end()) {
    if (b == target.end() || (a != base.end() && a->first < b->first)) {
      out.push_back({a->first, "", true});
      ++a;
    } else if (a == base.end() || b->first < a->first) {
      out.push_back({b->first, b->second, false});
      ++b;
    } else {
      if (a->second != b->second) out.push_back({b->first, b->second, false});
      ++a, ++b;
    }
  }
  return out;
}

// "" when equal, else the first difference (keys abbreviated: chains are kilobytes long).
std::string FirstDifference(const Changes& got, const Changes& want) {
  auto show = [](const Changes& c, size_t i) -> std::string {
    if (i >= c.size()) return "(end)";
    return std::string(c[i].is_delete ? "del " : "put ") + ToHexAbbrev(c[i].key, 24) + "/" +
           std::to_string(c[i].key.size()) +
           (c[i].is_delete ? "" : " = " + ToHexAbbrev(c[i].value));
  };
  for (size_t i = 0; i < std::max(got.size(), want.size()); ++i) {
    if (i >= got.size() || i >= want.size() || !(got[i] == want[i])) {
      return "change " + std::to_string(i) + " of " + std::to_string(want.size()) + ": got " +
             show(got, i) + ", want " + show(want, i);
    }
  }
  return "";
}

size_t Puts(const Changes& c) {
  return std::count_if(c.begin(), c.end(), [](const Out& o) { return !o.is_delete; });
}

// Internal nodes on the longest root-to-leaf path of the canonical trie of
// `model`'s keys (the node for keys[lo, hi) sits at their common prefix).
uint64_t MaxDepth(const Model& model) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : model) keys.push_back(k);
  uint64_t max = 0;
  std::vector<std::tuple<size_t, size_t, uint64_t>> stack;
  if (!keys.empty()) stack.push_back({0, keys.size(), 0});
  while (!stack.empty()) {
    auto [lo, hi, depth] = stack.back();
    stack.pop_back();
    max = std::max(max, depth);
    if (hi - lo == 1) continue;
    const std::string& first = keys[lo];
    const std::string& last = keys[hi - 1];
    const uint32_t lcp = CommonPrefixBits(first, static_cast<uint32_t>(first.size() * 8), last,
                                          static_cast<uint32_t>(last.size() * 8));
    size_t i = lo + (first.size() * 8 == lcp ? 1 : 0);
    size_t split = i;
    while (split < hi && !BitAt(keys[split], lcp)) ++split;
    if (split > i) stack.push_back({i, split, depth + 1});
    if (hi > split) stack.push_back({split, hi, depth + 1});
  }
  return max;
}

std::unique_ptr<StateDb> OpenMem(NodeStore* store, HashKind kind) {
  StateDbOptions options;
  options.create_if_missing = true;
  options.hash = kind;
  auto db = StateDb::OpenOnStore(store, options);
  REQUIRE(db.ok());
  return std::move(db).value();
}

// A StateDb on a MemStore, its heights' roots and full dumps.
class History {
 public:
  explicit History(HashKind kind, NodeReader::Mode mode = NodeReader::Mode::kScan)
      : kind_(kind),
        store_(NewMemStore()),
        db_(OpenMem(store_.get(), kind)),
        reader_(std::shared_ptr<NodeStore>(store_.get(), [](NodeStore*) {}), nullptr, mode) {}

  // Commits `next` at `height`: deletes and puts of what differs, and
  // `rewrites` puts of unchanged keys with their old values.
  void Commit(uint64_t height, const Model& next, std::mt19937_64* rng = nullptr,
              int rewrites = 0) {
    WriteLog log;
    for (const Out& c : Oracle(model_, next)) {
      REQUIRE((c.is_delete ? log.Delete(c.key) : log.Put(c.key, c.value)).ok());
    }
    for (int i = 0; i < rewrites && !model_.empty(); ++i) {
      auto it = model_.begin();
      std::advance(it, (*rng)() % model_.size());
      if (next.count(it->first) && next.at(it->first) == it->second) {
        REQUIRE(log.Put(it->first, it->second).ok());
      }
    }
    REQUIRE(db_->Commit(height, log).ok());
    model_ = next;
    heights_.push_back(height);
    std::string encoded;
    REQUIRE(store_->Get(Column::kMeta, RootKey(height), &encoded).ok());
    NodeRef root;
    REQUIRE(DecodeNodeRef(encoded, &root).ok());
    roots_[height] = root;
    auto view = db_->View(height);
    REQUIRE(view.ok());
    dumps_[height] = test::ReadAll(view->get());
    REQUIRE(dumps_[height] == next);
  }

  // Diffs two roots; checks the output against the oracle of the dumps, and
  // the cost: a read per put, about (changes × depth) internal reads.
  void Check(const NodeRef& base, const Model& base_dump, const NodeRef& target,
             const Model& target_dump, DiffStats* stats_out = nullptr) {
    Changes got;
    DiffStats stats;
    Status s = DiffTries(
        &reader_, kind_, base, target,
        [&](const Change& c) {
          got.push_back({std::string(c.key), std::string(c.value), c.is_delete});
          return Status::OK();
        },
        &stats);
    REQUIRE(s.ok());
    const Changes want = Oracle(base_dump, target_dump);
    REQUIRE(FirstDifference(got, want) == "");
    REQUIRE(stats.leaf_reads == Puts(want));
    if (want.empty()) {
      REQUIRE(stats.internal_reads == 0);  // equal roots: nothing is read
    }
    // A node is opened only on a changed key's path, or as a child of one
    // (its label changed): 3 per changed key per level, on each side.
    const uint64_t depth = MaxDepth(base_dump) + MaxDepth(target_dump);
    REQUIRE(stats.internal_reads <= 3 * want.size() * depth);
    if (stats_out) *stats_out = stats;
    CheckRanges(base, target, want);
    if (rng_() % 8 == 0) CheckParallel(base, target, want);  // threads: a sample of the pairs
  }

  // A diff restricted to a key range gives exactly the changes inside it:
  // ranges cut at the changes' keys, just before and after them, and at
  // random keys (a few per pair: the pairs are many).
  void CheckRanges(const NodeRef& base, const NodeRef& target, const Changes& want) {
    std::vector<std::string> cuts{""};
    for (const Out& c : want) {
      cuts.push_back(c.key);
      cuts.push_back(c.key + std::string(1, '\0'));
      if (!c.key.empty()) cuts.push_back(c.key.substr(0, c.key.size() - 1));
    }
    for (int i = 0; i < 8; ++i) cuts.push_back(test::RandomKey(rng_, 4));
    for (int i = 0; i < 5; ++i) {
      std::string a = cuts[rng_() % cuts.size()], b = cuts[rng_() % cuts.size()];
      if (b < a) std::swap(a, b);
      const DiffRange range{a, rng_() % 4 != 0, b};
      INFO("range [" << ToHex(range.lo) << ", " << (range.has_hi ? ToHex(range.hi) : "end") << ")");
      Changes got, inside;
      REQUIRE(DiffTries(&reader_, kind_, base, target, Collect(&got), nullptr, range).ok());
      for (const Out& c : want) {
        if (c.key >= range.lo && (!range.has_hi || c.key < range.hi)) inside.push_back(c);
      }
      REQUIRE(FirstDifference(got, inside) == "");
    }
  }

  // DiffTriesParallel, cut into ranges down to single keys, with tiny
  // buffers (workers wait on the emitter): the same changes in order.
  void CheckParallel(const NodeRef& base, const NodeRef& target, const Changes& want) {
    {
      const unsigned threads = 2 + rng_() % 2;
      Changes got;
      auto new_reader = [&] {
        return std::make_unique<NodeReader>(
            std::shared_ptr<NodeStore>(store_.get(), [](NodeStore*) {}), nullptr,
            NodeReader::Mode::kSparse);
      };
      REQUIRE(DiffTriesParallel(new_reader, kind_, base, target, threads, Collect(&got),
                                /*buffer_bytes=*/rng_() % 4 ? 1 << 20 : 1 + rng_() % 200,
                                /*min_split_leaves=*/1)
                  .ok());
      REQUIRE(FirstDifference(got, want) == "");
    }
  }

  static std::function<Status(const Change&)> Collect(Changes* got) {
    return [got](const Change& c) {
      got->push_back({std::string(c.key), std::string(c.value), c.is_delete});
      return Status::OK();
    };
  }

  void CheckPair(uint64_t from, uint64_t to) {
    INFO("diff " << from << " -> " << to);
    Check(roots_.at(from), dumps_.at(from), roots_.at(to), dumps_.at(to));
  }

  // Every ordered pair of heights, and each height against the empty trie.
  void CheckAllPairs() {
    for (uint64_t f : heights_) {
      for (uint64_t h : heights_) CheckPair(f, h);
      INFO("empty <-> " << f);
      Check({}, {}, roots_.at(f), dumps_.at(f));
      Check(roots_.at(f), dumps_.at(f), {}, {});
    }
  }

  const Model& model() const { return model_; }
  const std::vector<uint64_t>& heights() const { return heights_; }
  const NodeRef& root(uint64_t h) const { return roots_.at(h); }
  const Model& dump(uint64_t h) const { return dumps_.at(h); }
  NodeReader* reader() { return &reader_; }
  NodeStore* store() { return store_.get(); }
  HashKind kind() const { return kind_; }

 private:
  HashKind kind_;
  std::unique_ptr<NodeStore> store_;
  std::unique_ptr<StateDb> db_;
  NodeReader reader_;
  std::mt19937_64 rng_{7};
  Model model_;
  std::vector<uint64_t> heights_;
  std::map<uint64_t, NodeRef> roots_;
  std::map<uint64_t, Model> dumps_;
};

std::string Value(std::mt19937_64& rng) {
  return rng() % 4 == 0 ? std::string() : test::RandomValue(rng, 8);
}

TEST_CASE("small hand-picked pairs, both ways", "[unit][diff]") {
  const std::vector<std::pair<Model, Model>> cases = {
      {{}, {}},
      {{}, {{"a", "1"}}},
      {{{"a", "1"}}, {{"a", "2"}}},
      {{{"a", ""}}, {{"a", "x"}}},
      {{{"a", ""}}, {{"b", ""}}},
      {{{"a", "1"}}, {{"a", "1"}, {"ab", "2"}}},
      {{{"ab", "2"}}, {{"a", "1"}, {"ab", "2"}}},
      {{{"a", "1"}, {"ab", "2"}, {"abc", "3"}}, {{"ab", "2"}}},
      {{{"a", "1"}, {"ab", "2"}, {"abc", "3"}}, {{"a", "1"}, {"abc", "3"}}},
      {{{"aa", "1"}, {"ab", "2"}}, {{"aa", "1"}, {"ab", "2"}, {"b", "3"}}},
      {{{"aa", "1"}, {"ab", "2"}}, {{"aa", "1"}, {"ab", "2"}, {"a", "3"}}},
      {{{std::string("\0", 1), "1"}, {std::string("\0\0", 2), "2"}, {"\x80", "3"}},
       {{std::string("\0\0", 2), "2"}, {"\x80", "x"}, {"\xff", "4"}}},
      {{{"b", "1"}, {"c", "2"}}, {{"a", "1"}, {"d", "2"}}},
  };
  for (HashKind kind : {HashKind::kSha256, HashKind::kSha512_256}) {
    for (size_t i = 0; i < cases.size(); ++i) {
      INFO("case " << i);
      History h(kind);
      h.Commit(1, cases[i].first);
      h.Commit(2, cases[i].second);
      h.CheckAllPairs();
    }
  }
}

TEST_CASE("random histories of prefix keys: every pair of heights", "[unit][diff]") {
  for (HashKind kind : {HashKind::kSha256, HashKind::kSha512_256}) {
    for (uint64_t seed = 1; seed <= 8; ++seed) {
      INFO("seed " << seed << " kind " << HashKindName(kind));
      std::mt19937_64 rng(seed * 1000 + static_cast<int>(kind));
      History h(kind, seed % 2 ? NodeReader::Mode::kScan : NodeReader::Mode::kPointLookup);
      uint64_t height = 1 + rng() % 3;
      for (int step = 0; step < 24; ++step) {
        Model next = h.model();
        const int what = static_cast<int>(rng() % 10);
        if (what == 0) {
          next.clear();  // delete everything
        } else if (what == 1) {
          // nothing changes (rewrites only)
        } else if (what == 2 && !next.empty()) {
          next.erase(next.begin()->first);  // one key
        } else {
          const int ops = 1 + static_cast<int>(rng() % (what == 3 ? 3 : 30));
          for (int i = 0; i < ops; ++i) {
            std::string k = test::RandomKey(rng, 6);
            if (rng() % 3 == 0) {
              next.erase(k);
            } else {
              next[k] = Value(rng);
            }
          }
        }
        h.Commit(height, next, &rng, static_cast<int>(rng() % 4));
        height += 1 + rng() % 3;
      }
      h.CheckAllPairs();
    }
  }
}

TEST_CASE("a single key through its lifetime", "[unit][diff]") {
  for (HashKind kind : {HashKind::kSha256, HashKind::kSha512_256}) {
    History h(kind);
    h.Commit(1, {{"k", "v"}});
    h.Commit(2, {{"k", ""}});
    h.Commit(3, {});
    h.Commit(4, {{"k", ""}});
    h.Commit(5, {{"kk", "v"}});
    h.Commit(6, {{"k", "v"}});
    h.Commit(7, {{std::string(1, '\0'), ""}});
    h.CheckAllPairs();
  }
}

TEST_CASE("2,000 keys with 1% churn per height", "[unit][diff]") {
  for (HashKind kind : {HashKind::kSha256, HashKind::kSha512_256}) {
    INFO("kind " << HashKindName(kind));
    std::mt19937_64 rng(77 + static_cast<int>(kind));
    History h(kind);
    Model m;
    while (m.size() < 2000) m[test::RandomKey(rng, 8)] = Value(rng);
    h.Commit(1, m);
    for (uint64_t height = 2; height <= 9; ++height) {
      for (int i = 0; i < 20; ++i) {
        const int op = static_cast<int>(rng() % 3);
        auto it = m.begin();
        std::advance(it, rng() % m.size());
        if (op == 0) {
          m.erase(it);
        } else if (op == 1) {
          it->second = Value(rng);
        } else {
          m[test::RandomKey(rng, 8)] = Value(rng);
        }
      }
      h.Commit(height, m, &rng, 5);
    }
    for (uint64_t f : h.heights()) {
      for (uint64_t t : h.heights()) h.CheckPair(f, t);
    }
  }
}

TEST_CASE("10,000 keys and 10 changes cost about 10 × depth reads", "[unit][diff]") {
  for (HashKind kind : {HashKind::kSha256, HashKind::kSha512_256}) {
    INFO("kind " << HashKindName(kind));
    std::mt19937_64 rng(10000 + static_cast<int>(kind));
    History h(kind);
    Model m;
    while (m.size() < 10000) {
      std::string k(4 + rng() % 9, '\0');
      for (char& c : k) c = static_cast<char>(rng());
      m[k] = test::RandomValue(rng, 16);
    }
    h.Commit(1, m);
    // 10 changes: 4 new values, 3 deletes, 3 new keys (one a prefix of an old key).
    for (int i = 0; i < 4; ++i) {
      auto it = m.begin();
      std::advance(it, rng() % m.size());
      it->second += "changed";
    }
    for (int i = 0; i < 3; ++i) {
      auto it = m.begin();
      std::advance(it, rng() % m.size());
      m.erase(it);
    }
    m[m.rbegin()->first.substr(0, 2)] = "prefix";
    for (int i = 0; i < 2; ++i) m["new" + std::to_string(i)] = "v";
    h.Commit(2, m);
    REQUIRE(Oracle(h.dump(1), h.dump(2)).size() == 10);

    const double depth = 2 * std::log2(10000.0) + 8;  // ≈ 34.6
    for (auto [f, t] : {std::pair{1, 2}, std::pair{2, 1}}) {
      DiffStats stats;
      h.Check(h.root(f), h.dump(f), h.root(t), h.dump(t), &stats);
      const uint64_t reads = stats.internal_reads + stats.leaf_reads;
      INFO("internal reads " << stats.internal_reads << ", leaf reads " << stats.leaf_reads
                             << ", bound " << 2 * 10 * depth);
      CHECK(reads <= 2 * 10 * depth);  // measured: about 200
    }
  }
}

// Runs `f` on a thread with a `bytes` stack: a recursive walk overflows it.
void RunOnSmallStack(size_t bytes, const std::function<void()>& f) {
  pthread_attr_t attr;
  REQUIRE(pthread_attr_init(&attr) == 0);
  REQUIRE(pthread_attr_setstacksize(&attr, bytes) == 0);
  pthread_t thread;
  auto run = [](void* p) -> void* {
    (*static_cast<const std::function<void()>*>(p))();
    return nullptr;
  };
  REQUIRE(pthread_create(&thread, &attr, run, const_cast<std::function<void()>*>(&f)) == 0);
  REQUIRE(pthread_join(thread, nullptr) == 0);
  pthread_attr_destroy(&attr);
}

TEST_CASE("a chain of 4,000 prefix keys diffs on a 256 KiB stack", "[unit][diff]") {
  History h(HashKind::kSha256);
  Model m;
  for (size_t n = 1; n <= 4000; ++n) m[std::string(n, 'a')] = std::to_string(n);
  h.Commit(1, m);
  for (size_t n = 2; n <= 4000; n += 2) m.erase(std::string(n, 'a'));
  h.Commit(2, m);
  m[std::string(3999, 'a')] = "deepest";
  m["b"] = "";
  h.Commit(3, m);
  for (const auto& pair : {std::pair{1, 2}, std::pair{2, 1}, std::pair{1, 3}, std::pair{3, 2}}) {
    // Named copies: clang 14 cannot capture structured bindings in a lambda.
    const int f = pair.first, t = pair.second;
    INFO("diff " << f << " -> " << t);
    Changes got;
    DiffStats stats;
    Status s;
    RunOnSmallStack(256 << 10, [&] {
      s = DiffTries(
          h.reader(), h.kind(), h.root(f), h.root(t),
          [&](const Change& c) {
            got.push_back({std::string(c.key), std::string(c.value), c.is_delete});
            return Status::OK();
          },
          &stats);
    });
    REQUIRE(s.ok());
    const Changes want = Oracle(h.dump(f), h.dump(t));
    REQUIRE(FirstDifference(got, want) == "");
    REQUIRE(stats.leaf_reads == Puts(want));
  }
  // 2 -> 3 changes one value at the bottom: only the path down is read.
  DiffStats stats;
  h.Check(h.root(2), h.dump(2), h.root(3), h.dump(3), &stats);
  CHECK(stats.internal_reads <= 2 * (MaxDepth(h.dump(3)) + 2));
}

TEST_CASE("emit's first error stops the diff and is returned", "[unit][diff]") {
  History h(HashKind::kSha256);
  Model a, b;
  for (int i = 0; i < 50; ++i) a["k" + std::to_string(i)] = "a";
  for (int i = 0; i < 50; i += 2) b["k" + std::to_string(i)] = "b";
  h.Commit(1, a);
  h.Commit(2, b);
  const Changes want = Oracle(a, b);
  REQUIRE(want.size() == 50);
  for (size_t stop : {size_t{0}, size_t{1}, size_t{17}, size_t{49}}) {
    Changes got;
    Status s = DiffTries(h.reader(), h.kind(), h.root(1), h.root(2), [&](const Change& c) {
      got.push_back({std::string(c.key), std::string(c.value), c.is_delete});
      return got.size() > stop ? Status::Cancelled("stop") : Status::OK();
    });
    REQUIRE(s.IsCancelled());
    REQUIRE(got.size() == stop + 1);
    REQUIRE(Changes(want.begin(), want.begin() + static_cast<long>(stop + 1)) == got);
    // The parallel diff too, with its workers blocked on full buffers.
    got.clear();
    s = DiffTriesParallel(
        [&] {
          return std::make_unique<NodeReader>(
              std::shared_ptr<NodeStore>(h.store(), [](NodeStore*) {}), nullptr,
              NodeReader::Mode::kSparse);
        },
        h.kind(), h.root(1), h.root(2), 2,
        [&](const Change& c) {
          got.push_back({std::string(c.key), std::string(c.value), c.is_delete});
          return got.size() > stop ? Status::Cancelled("stop") : Status::OK();
        },
        /*buffer_bytes=*/1, /*min_split_leaves=*/1);
    REQUIRE(s.IsCancelled());
    REQUIRE(Changes(want.begin(), want.begin() + static_cast<long>(stop + 1)) == got);
  }
}

TEST_CASE("a put whose value does not match its leaf hash is corruption", "[unit][diff]") {
  History h(HashKind::kSha256);
  h.Commit(1, {{"a", "1"}, {"b", "2"}, {"c", "3"}});
  h.Commit(2, {{"a", "1"}, {"b", "two"}, {"c", "3"}});
  auto collect = [](Changes* out) {
    return [out](const Change& c) {
      out->push_back({std::string(c.key), std::string(c.value), c.is_delete});
      return Status::OK();
    };
  };
  // The other hash kind: no value matches.
  Changes got;
  REQUIRE(DiffTries(h.reader(), HashKind::kSha512_256, h.root(1), h.root(2), collect(&got))
              .IsCorruption());
  REQUIRE(got.empty());
  // A damaged value record: found when (and only when) it is emitted.
  WriteBatch b;
  b.Put(Column::kNodes, LeafRecordKey("b", 2), "tw0");
  REQUIRE(h.store()->Write(b, true).ok());
  // A new reader: h's scan iterator still reads the store as it was.
  NodeReader reader(std::shared_ptr<NodeStore>(h.store(), [](NodeStore*) {}), nullptr,
                    NodeReader::Mode::kScan);
  Status s = DiffTries(&reader, h.kind(), h.root(1), h.root(2), collect(&got));
  REQUIRE(s.IsCorruption());
  REQUIRE(got.empty());
  REQUIRE(DiffTries(&reader, h.kind(), h.root(2), h.root(1), collect(&got)).ok());
  REQUIRE(FirstDifference(got, {{"b", "2", false}}) == "");
}

}  // namespace
}  // namespace checkpoint
