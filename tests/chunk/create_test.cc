// checkpoint create: determinism, proofs, forgeries and edge cases.
#include "chunk/format.h"
#include "chunk_util.h"
#include "store/node_store.h"

namespace checkpoint {
namespace {

using test::Model;

std::vector<std::string> DirFiles(const std::string& dir) {
  std::vector<std::string> out;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file() && e.path().filename() != kInfoFile) {
      out.push_back(std::filesystem::relative(e.path(), dir).string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Slurp(const std::string& path) {
  std::string s;
  REQUIRE(ReadFileBounded(path, 1ull << 32, &s).ok());
  return s;
}

void RequireSameFiles(const std::string& a, const std::string& b) {
  auto fa = DirFiles(a), fb = DirFiles(b);
  REQUIRE(fa == fb);
  for (const auto& f : fa) REQUIRE(Slurp(a + "/" + f) == Slurp(b + "/" + f));
}

Model RandomState(std::mt19937_64& rng, size_t n) {
  Model m;
  while (m.size() < n) {
    std::string k = test::RandomKey(rng, 6);
    if (rng() % 3 == 0) k += std::string(20, 'x') + std::to_string(rng() % 1000);  // longer keys
    m[k] = test::RandomValue(rng, rng() % 10 == 0 ? 3000 : 60);
  }
  return m;
}

TEST_CASE("a reused chunk file encoder writes what EncodeChunkFile writes", "[unit][create]") {
  std::mt19937_64 rng(7);
  for (int level : {kMinZstdLevel, kDefaultZstdLevel, 3}) {
    ChunkFileEncoder encoder(level);
    AlignedBuffer file;
    // Sizes up and down: a context and a buffer sized by a large chunk then
    // take a small one.
    for (size_t size : {size_t{0}, size_t{1}, size_t{5000}, size_t{1} << 20, size_t{37}}) {
      std::string canonical(size, '\0');  // a quarter zeros: compressible, as chunks are
      for (size_t i = size / 4; i < size; ++i) canonical[i] = static_cast<char>(rng());
      for (uint32_t version : {kChunkFormatVersion, kDeltaChunkFormatVersion}) {
        REQUIRE(encoder.Encode(canonical, version, &file).ok());
        REQUIRE(file.view() == EncodeChunkFile(canonical, level, version));
        REQUIRE(reinterpret_cast<uintptr_t>(file.data()) % AlignedBuffer::kAlign == 0);
        std::string back;
        REQUIRE(DecodeChunkFile(file.view(), size, &back, version).ok());
        REQUIRE(back == canonical);
      }
    }
  }
}

TEST_CASE("thread count never changes a byte", "[integration][create]") {
  test::TempDir dir;
  std::mt19937_64 rng(1);
  auto store = NewMemStore();
  auto db = test::MemDb(store.get());
  Model model = RandomState(rng, 4000);
  test::CommitModel(db.get(), 1, model);
  auto r1 = test::Create(db.get(), 1, dir.Sub("t1"), 16 << 10, 1);
  auto r2 = test::Create(db.get(), 1, dir.Sub("t2"), 16 << 10, 2);
  auto r8 = test::Create(db.get(), 1, dir.Sub("t8"), 16 << 10, 8);
  REQUIRE(r1.chunks > 20);
  REQUIRE(r1.id == r2.id);
  REQUIRE(r1.id == r8.id);
  RequireSameFiles(r1.path, r2.path);
  RequireSameFiles(r1.path, r8.path);
  test::CheckCheckpoint(test::LoadCheckpoint(r1.path), model, db->Heights().back().root);
}

TEST_CASE("the same key set by other histories gives the same chunks", "[integration][create]") {
  test::TempDir dir;
  std::mt19937_64 rng(2);
  Model model = RandomState(rng, 3000);
  auto store_a = NewMemStore();
  auto a = test::MemDb(store_a.get());
  test::CommitModel(a.get(), 1, model);

  // Another order, junk inserted and deleted, other heights.
  auto store_b = NewMemStore();
  auto b = test::MemDb(store_b.get());
  std::vector<std::pair<std::string, std::string>> kv(model.begin(), model.end());
  std::shuffle(kv.begin(), kv.end(), rng);
  uint64_t h = 100;
  for (size_t i = 0; i < kv.size(); i += 500) {
    WriteLog log;
    for (size_t j = i; j < std::min(kv.size(), i + 500); ++j)
      REQUIRE(log.Put(kv[j].first, kv[j].second).ok());
    REQUIRE(log.Put("junk" + std::to_string(i), "x").ok());
    REQUIRE(b->Commit(h++, log).ok());
  }
  WriteLog cleanup;
  for (size_t i = 0; i < kv.size(); i += 500)
    REQUIRE(cleanup.Delete("junk" + std::to_string(i)).ok());
  REQUIRE(b->Commit(h, cleanup).ok());

  auto ra = test::Create(a.get(), 1, dir.Sub("a"), 8 << 10);
  auto rb = test::Create(b.get(), h, dir.Sub("b"), 8 << 10);
  test::Loaded la = test::LoadCheckpoint(ra.path), lb = test::LoadCheckpoint(rb.path);
  REQUIRE(la.files == lb.files);
  REQUIRE(la.manifest.height == 1);
  REQUIRE(lb.manifest.height == h);
  lb.manifest.height = 1;
  REQUIRE(EncodeManifest(lb.manifest) == la.manifest_bytes);
  RequireSameFiles(ra.path + "/chunks", rb.path + "/chunks");
}

TEST_CASE("a chunk checked against another height's root fails", "[integration][create]") {
  test::TempDir dir;
  std::mt19937_64 rng(3);
  auto store = NewMemStore();
  auto db = test::MemDb(store.get());
  Model m1 = RandomState(rng, 2000);
  test::CommitModel(db.get(), 1, m1);
  Model m2 = m1;
  m2.begin()->second = "changed";
  test::CommitModel(db.get(), 2, m2);
  auto r = test::Create(db.get(), 1, dir.Sub("s"), 4 << 10);
  test::Loaded l = test::LoadCheckpoint(r.path);
  test::CheckCheckpoint(l, m1, db->Heights()[0].root);
  for (const std::string& c : l.canonical) {
    REQUIRE(VerifyChunk(c, HashKind::kSha256, db->Heights()[1].root).IsInvalidArgument());
  }
}

// Forged chunks that fold to the true root but hide part of their interval.
TEST_CASE("forged chunks that hide a subtree or a slot leaf are rejected", "[unit][create]") {
  const HashKind kind = HashKind::kSha256;
  // Root label empty; its left child holds \x10a, \x10b (region "0").
  Model model{{"\x10"
               "a",
               "1"},
              {"\x10"
               "b",
               "2"},
              {"\x90"
               "a",
               "3"},
              {"\x90"
               "b",
               "4"}};
  const Hash root = test::ReferenceRoot(kind, model);
  std::vector<std::pair<std::string, std::string>> kv(model.begin(), model.end());
  const Hash left = test::ReferenceNodeHash(kind, kv, 0, 2, 0);

  auto chunk = [&](const std::string& lo, const std::string* hi, const BitString& stub_path) {
    std::string c;
    AppendChunkHeader(&c, lo, hi);
    BitString prev;
    AppendStubItem(&c, ChunkItem::kStub, &prev, stub_path, left);
    AppendLeafItem(&c,
                   "\x90"
                   "a",
                   "3");
    AppendLeafItem(&c,
                   "\x90"
                   "b",
                   "4");
    return c;
  };
  const BitString region0{std::string(1, '\0'), 1};
  // Honest: the interval starts where the left subtree ends.
  REQUIRE(VerifyChunk(chunk("\x80", nullptr, region0), kind, root).ok());
  // The same proof claiming the whole key space hides the left subtree.
  Status s = VerifyChunk(chunk("", nullptr, region0), kind, root);
  REQUIRE(s.IsInvalidArgument());
  REQUIRE(s.message().find("stub covers part of the interval") != std::string::npos);
  // Claiming a narrower region ([0x10, 0x20)) for the stub than its position gives.
  const BitString narrow{std::string(1, '\x10'), 4};
  s = VerifyChunk(chunk("\x20", nullptr, narrow), kind, root);
  REQUIRE(s.IsInvalidArgument());
  // A lone stub for the whole trie.
  std::string lone;
  AppendChunkHeader(&lone, "\x80", nullptr);
  BitString prev;
  AppendStubItem(&lone, ChunkItem::kStub, &prev, BitString{std::string(1, '\0'), 1}, root);
  REQUIRE(VerifyChunk(lone, kind, root).IsInvalidArgument());

  // A slot leaf hashed although its key is inside the interval.
  Model slots{{"a", "1"}, {"ab", "2"}, {"ac", "3"}};
  const Hash slot_root = test::ReferenceRoot(kind, slots);
  auto slot_chunk = [&](const std::string& lo) {
    std::string c;
    AppendChunkHeader(&c, lo, nullptr);
    BitString p;
    AppendStubItem(&c, ChunkItem::kLeafStub, &p, BitString::FromKey("a"), LeafHash(kind, "a", "1"));
    AppendLeafItem(&c, "ab", "2");
    AppendLeafItem(&c, "ac", "3");
    return c;
  };
  REQUIRE(VerifyChunk(slot_chunk("a\x01"), kind, slot_root).ok());
  REQUIRE(VerifyChunk(slot_chunk("a"), kind, slot_root).IsInvalidArgument());
  // Dropping a leaf outright no longer folds to the root.
  std::string dropped;
  AppendChunkHeader(&dropped, "", nullptr);
  AppendLeafItem(&dropped, "ab", "2");
  AppendLeafItem(&dropped, "ac", "3");
  REQUIRE(VerifyChunk(dropped, kind, slot_root).IsInvalidArgument());
}

struct Edge {
  const char* name;
  Model model;
};

std::vector<Edge> Edges() {
  std::vector<Edge> edges;
  edges.push_back({"empty", {}});
  edges.push_back({"one key", {{"k", "v"}}});
  Model prefixes;
  for (const char* k : {"a", "ab", "abc", "abd", "b", "ba", "bb", "c"})
    prefixes[k] = std::string(900, k[0]);
  edges.push_back({"prefix keys and slot boundaries", prefixes});
  Model chain;
  for (int n = 1; n <= 2000; ++n)
    chain[std::string(static_cast<size_t>(n), 'z')] = std::to_string(n);
  edges.push_back({"2000 prefix keys", chain});
  Model big{{"a", "small"}, {"b", std::string(100 << 10, 'B')}, {"c", "small"}};
  edges.push_back({"a value larger than the chunk", big});
  std::mt19937_64 rng(4);
  edges.push_back({"random", RandomState(rng, 3000)});
  return edges;
}

TEST_CASE("edge cases at chunk sizes from 4 KiB to 64 MiB", "[integration][create]") {
  test::TempDir dir;
  int n = 0;
  for (const Edge& e : Edges()) {
    auto store = NewMemStore();
    auto db = test::MemDb(store.get(), n % 2 ? HashKind::kSha512_256 : HashKind::kSha256);
    test::CommitModel(db.get(), 7, e.model);
    for (uint64_t size :
         {uint64_t{4} << 10, uint64_t{64} << 10, uint64_t{1} << 20, uint64_t{64} << 20}) {
      INFO(e.name << ", chunk size " << size);
      auto r = test::Create(db.get(), 7, dir.Sub(std::to_string(n++)), size);
      test::Loaded l = test::LoadCheckpoint(r.path);
      test::CheckCheckpoint(l, e.model, db->Heights().back().root);
      if (e.model.empty()) REQUIRE(r.chunks == 1);
    }
  }
}

TEST_CASE("200k keys in 16 KiB chunks on RocksDB", "[integration][create]") {
  test::TempDir dir;
  std::mt19937_64 rng(5);
  Model model;
  WriteLog log;
  while (model.size() < 200000) {
    std::string k(1 + rng() % 4, '\0');
    for (char& c : k) c = static_cast<char>(rng());
    k += std::to_string(rng());
    model[k] = test::RandomValue(rng, 60);
  }
  for (const auto& [k, v] : model) REQUIRE(log.Put(k, v).ok());
  StateDbOptions o;
  o.create_if_missing = true;
  auto db = StateDb::Open(dir.Sub("db"), o);
  REQUIRE(db.ok());
  REQUIRE((*db)->Commit(1, log).ok());
  auto r = test::Create(db->get(), 1, dir.Sub("store"), 16 << 10);
  REQUIRE(r.chunks >= 1000);
  test::CheckCheckpoint(test::LoadCheckpoint(r.path), model, (*db)->Heights().back().root);
  // Running again finds it: a no-op.
  auto again = test::Create(db->get(), 1, dir.Sub("store"), 16 << 10);
  REQUIRE(again.existed);
  REQUIRE(again.path == r.path);
}

}  // namespace
}  // namespace checkpoint
