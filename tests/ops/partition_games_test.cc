// Attack harness: manifest-level games against verify and restore.
//
// For random adversarial states (oracle::RandomModel) and both hash kinds,
// build checkpoints whose partition is NOT the honest one: arbitrary `lo`
// values (keys, key+"\0", prefixes, random strings, gap strings), many
// empty-interval chunks, a chunk per leaf, one chunk for everything. Every
// chunk is the honest encoding of its (dishonest) interval, so each proves
// its interval; the question is whether verify/restore accept a checkpoint
// whose content differs from the truth, or whether restore's Finish (built
// from the per-chunk boundary subtrees) can be steered. Restore also sees
// forged chunks (oracle mutations) raced against the good bytes on the same
// index from several threads, and a resume from a second session.
//
// Expected on a correct implementation: verify ok, restore ok, and the
// restored dump equals the model exactly; forged chunks refused.
#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <set>
#include <thread>

#include "../chunk/oracle.h"
#include "checkpoint/checkpoint.h"
#include "checkpoint/chunk.h"
#include "checkpoint/manifest.h"
#include "checkpoint/restore.h"
#include "checkpoint/state_db.h"
#include "checkpoint/verify.h"
#include "ops/verify_internal.h"
#include "store/node_store.h"

namespace checkpoint {
namespace {

using oracle::Chunk;
using oracle::Model;
using oracle::TrueTrie;

struct Built {
  std::string manifest;
  std::vector<std::string> files;
  std::vector<Chunk> chunks;
};

std::optional<Built> BuildCheckpoint(const TrueTrie& t, const std::vector<std::string>& los,
                                     uint64_t height) {
  Manifest m;
  m.hash = t.kind();
  m.chunk_size = 1024;
  m.height = height;
  m.root = t.root();
  Built b;
  for (size_t i = 0; i < los.size(); ++i) {
    const bool has_hi = i + 1 < los.size();
    auto c = t.Honest(los[i], has_hi, has_hi ? los[i + 1] : std::string());
    if (!c) return std::nullopt;
    std::string canon = oracle::Encode(*c);
    ManifestChunk mc;
    mc.lo = los[i];
    mc.digest = HashBytes(HashKind::kSha256, canon);
    mc.raw_size = canon.size();
    for (const auto& it : c->items) mc.leaves += it.kind == oracle::Item::kLeaf;
    m.leaves += mc.leaves;
    m.chunks.push_back(mc);
    b.files.push_back(EncodeChunkFile(canon, 1));
    b.chunks.push_back(*c);
  }
  b.manifest = EncodeManifest(m);
  return b;
}

std::vector<std::string> Candidates(const Model& model, std::mt19937_64& rng) {
  std::vector<std::string> out;
  std::string prev;
  bool first = true;
  for (const auto& [k, v] : model) {
    out.push_back(k);
    out.push_back(k + std::string(1, '\0'));
    out.push_back(k + std::string(1, '\xff'));
    for (size_t n = 1; n < k.size(); ++n) out.push_back(k.substr(0, n));
    if (!first) {
      const uint32_t lcp = CommonPrefixBits(prev, prev.size() * 8, k, k.size() * 8);
      out.push_back(BitPrefix(k, lcp + 1).bytes);
      out.push_back(BitPrefix(k, lcp + 2).bytes);
    }
    prev = k;
    first = false;
  }
  static const char kBytes[] = {'\x00', '\x01', '\x40', '\x7f', '\x80', '\xff', 'a', 'b'};
  for (int i = 0; i < 12; ++i) {
    std::string s(1 + rng() % 3, '\0');
    for (char& c : s) c = kBytes[rng() % sizeof(kBytes)];
    out.push_back(s);
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  out.erase(std::remove(out.begin(), out.end(), std::string()), out.end());
  return out;
}

Model Dump(NodeStore* store, HashKind kind, uint64_t height) {
  StateDbOptions o;
  o.hash = kind;
  auto db = StateDb::OpenOnStore(store, o);
  REQUIRE(db.ok());
  auto view = (*db)->View(height);
  REQUIRE(view.ok());
  Model out;
  auto it = (*view)->NewIterator();
  for (it->SeekToFirst(); it->Valid(); it->Next())
    out[std::string(it->key())] = std::string(it->value());
  REQUIRE(it->status().ok());
  return out;
}

struct Stats {
  int false_ok = 0, checkpoints = 0, chunks = 0, empty_chunks = 0, forged_refused = 0,
      unencodable = 0;
};

void RunOne(const TrueTrie& t, const std::vector<std::string>& los, std::mt19937_64& rng,
            Stats* st) {
  auto b = BuildCheckpoint(t, los, 7);
  if (!b) {
    ++st->unencodable;
    return;
  }
  ++st->checkpoints;
  st->chunks += static_cast<int>(b->files.size());
  VerifyOptions vo;
  vo.anchors.root = t.root();
  vo.threads = 1;
  auto rep = VerifyLoaded(
      b->manifest, [&](const Manifest&, size_t i) -> Result<std::string> { return b->files[i]; },
      vo);
  INFO("chunks " << b->files.size());
  REQUIRE(rep.ok());
  for (const auto& mc : rep.manifest.chunks) st->empty_chunks += mc.leaves == 0;

  auto store = NewMemStore();
  RestoreOptions ro;
  ro.anchors.root = t.root();
  std::vector<size_t> order(b->files.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::shuffle(order.begin(), order.end(), rng);
  const size_t half = order.size() / 2;
  {
    // Session 1: half the chunks, with forged bytes raced on the same index.
    auto s = RestoreSession::BeginOnStore(store.get(), b->manifest, ro);
    REQUIRE(s.ok());
    for (size_t j = 0; j < half; ++j) {
      const size_t i = order[j];
      Chunk forged = b->chunks[i];
      oracle::Choices c(rng());
      oracle::Mutate(t, &c, &forged);
      const std::string bad = EncodeChunkFile(oracle::Encode(forged), 1);
      ChunkCheck c1, c2, c3;
      Status s1, s2, s3;
      std::thread a([&] { s1 = (*s)->Add(i, bad, &c1); });
      std::thread g([&] { s2 = (*s)->Add(i, b->files[i], &c2); });
      std::thread d([&] { s3 = (*s)->Add(i, bad, &c3); });
      a.join(), g.join(), d.join();
      REQUIRE((s1.ok() && s2.ok() && s3.ok()));
      if (c1.cls != ChunkClass::kOk) ++st->forged_refused;
      // Add said kOk for the good bytes, yet the chunk is not in: it was in
      // flight with forged bytes, which then failed.
      const auto rem = (*s)->Remaining();
      if (c2.cls == ChunkClass::kOk && std::find(rem.begin(), rem.end(), i) != rem.end())
        ++st->false_ok;
      // The good bytes again: either already in, or in now.
      ChunkCheck c4;
      REQUIRE((*s)->Add(i, b->files[i], &c4).ok());
      REQUIRE(c4.cls == ChunkClass::kOk);
    }
  }
  {
    // Session 2 resumes on the same store.
    auto s = RestoreSession::BeginOnStore(store.get(), b->manifest, ro);
    REQUIRE(s.ok());
    REQUIRE((*s)->Remaining().size() == order.size() - half);
    for (size_t j = half; j < order.size(); ++j) {
      ChunkCheck c;
      REQUIRE((*s)->Add(order[j], b->files[order[j]], &c).ok());
      REQUIRE(c.cls == ChunkClass::kOk);
    }
    Status f = (*s)->Finish();
    INFO(f.ToString());
    REQUIRE(f.ok());
  }
  REQUIRE(Dump(store.get(), t.kind(), 7) == t.model());
}

constexpr uint64_t kSeeds = 250;

TEST_CASE("partition games: dishonest lo values, empty intervals, races, resume") {
  Stats st;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    std::mt19937_64 rng(seed);
    oracle::Choices ch(seed);
    const Model model = oracle::RandomModel(&ch);
    for (HashKind kind : {HashKind::kSha256, HashKind::kSha512_256}) {
      const TrueTrie t(kind, model);
      const auto cand = Candidates(model, rng);
      // Random subsets of the candidates as boundaries.
      for (int trial = 0; trial < 20; ++trial) {
        std::vector<std::string> los{""};
        for (const auto& c : cand) {
          if (rng() % 3 == 0) los.push_back(c);
        }
        RunOne(t, los, rng, &st);
      }
      // Every candidate a boundary (many empty intervals), and one chunk for all.
      std::vector<std::string> all{""};
      all.insert(all.end(), cand.begin(), cand.end());
      RunOne(t, all, rng, &st);
      RunOne(t, {""}, rng, &st);
    }
  }
  WARN("checkpoints " << st.checkpoints << " chunks " << st.chunks << " empty-interval chunks "
                      << st.empty_chunks << " forged refused " << st.forged_refused
                      << " unencodable partitions " << st.unencodable
                      << " good Adds answered kOk but not in " << st.false_ok);
  REQUIRE(st.false_ok == 0);
}

// RestoreSession::Add answers kOk only once the chunk is in: a forged copy of
// the same index in flight on another thread (which fails only at the root
// check, late) must not shadow the good bytes. Whatever the interleaving, the
// property holds; 20 rounds make the overlap likely.
TEST_CASE("Add answers kOk only for a chunk that is in", "[unit]") {
  oracle::Model model;
  for (int i = 0; i < 20000; ++i) model["k" + std::to_string(i)] = std::string(200, 'v');
  const TrueTrie t(HashKind::kSha256, model);
  auto b = BuildCheckpoint(t, {"", "k3"}, 7);
  REQUIRE(b);
  Chunk forged = b->chunks[0];
  // The last leaf changed: the forgery fails only at the root check, late.
  for (auto it = forged.items.rbegin(); it != forged.items.rend(); ++it) {
    if (it->kind == oracle::Item::kLeaf) {
      it->value = "changed";
      break;
    }
  }
  const std::string bad = EncodeChunkFile(oracle::Encode(forged), 1);
  int false_ok = 0;
  for (int round = 0; round < 20; ++round) {
    auto store = NewMemStore();
    RestoreOptions ro;
    ro.anchors.root = t.root();
    auto s = RestoreSession::BeginOnStore(store.get(), b->manifest, ro);
    REQUIRE(s.ok());
    ChunkCheck cb, cg;
    Status sb, sg;
    std::thread a([&] { sb = (*s)->Add(0, bad, &cb); });
    std::thread g([&] { sg = (*s)->Add(0, b->files[0], &cg); });
    a.join(), g.join();
    const auto rem = (*s)->Remaining();
    if (cg.cls == ChunkClass::kOk && !rem.empty() && rem.front() == 0) ++false_ok;
  }
  CHECK(false_ok == 0);
}

}  // namespace
}  // namespace checkpoint
