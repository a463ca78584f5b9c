// Soundness: "accepted against root R ⇒ exactly the state's leaves of the
// interval at R". The forgeries found by hand (issue: slot-leaf stubs out of
// their slot), then the oracle over adversarial structure.
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "checkpoint/restore.h"
#include "checkpoint/verify.h"
#include "chunk_util.h"
#include "oracle.h"
#include "store/node_store.h"

namespace checkpoint {
namespace {

using oracle::Chunk;
using oracle::Item;
using oracle::Model;

const HashKind kKind = HashKind::kSha256;

Item SlotStub(const std::string& key, const Hash& h) {
  return {Item::kSlotStub, BitString::FromKey(key), {}, h};
}
Item Leaf(const std::string& key, const std::string& v) {
  return {Item::kLeaf, BitString::FromKey(key), v, {}};
}

// Writes a checkpoint directory of these chunks whose manifest claims `root`.
void WriteForged(const std::string& dir, const Hash& root, const std::vector<Chunk>& chunks) {
  std::filesystem::create_directories(dir + "/chunks");
  Manifest m;
  m.chunk_size = 1024;
  m.height = 1;
  m.root = root;
  for (size_t i = 0; i < chunks.size(); ++i) {
    const std::string canonical = oracle::Encode(chunks[i]);
    uint64_t leaves = 0;
    for (const Item& it : chunks[i].items) leaves += it.kind == Item::kLeaf;
    m.chunks.push_back(
        {chunks[i].lo, HashBytes(HashKind::kSha256, canonical), canonical.size(), leaves});
    m.leaves += leaves;
    std::ofstream(dir + "/" + ChunkFileName(i), std::ios::binary) << EncodeChunkFile(canonical, 1);
  }
  std::ofstream(dir + "/" + kManifestFile, std::ios::binary) << EncodeManifest(m);
}

void RequireRejectedEverywhere(const std::string& dir, const Hash& root) {
  VerifyOptions vo;
  vo.anchors.root = root;
  vo.threads = 1;
  auto report = VerifyCheckpoint(dir, vo);
  REQUIRE(report.ok());
  REQUIRE_FALSE(report->ok());
  // The session rejects the chunk itself, in Add, not later in Finish.
  std::string manifest;
  REQUIRE(ReadFileBounded(dir + "/" + kManifestFile, 1 << 20, &manifest).ok());
  auto store = NewMemStore();
  RestoreOptions ro;
  ro.anchors.root = root;
  auto session = RestoreSession::BeginOnStore(store.get(), manifest, ro);
  REQUIRE(session.ok());
  bool any_rejected = false;
  for (size_t i = 0; i < report->manifest.chunks.size(); ++i) {
    std::string file;
    REQUIRE(ReadFileBounded(dir + "/" + ChunkFileName(i), 1 << 20, &file).ok());
    ChunkCheck check;
    REQUIRE((*session)->Add(i, file, &check).ok());
    any_rejected = any_rejected || check.cls != ChunkClass::kOk;
  }
  REQUIRE(any_rejected);
  // And through the command line: verify, inspect and restore all say exit 3.
  const char* bin = std::getenv("CHECKPOINT_BIN");
  if (!bin) return;
  const std::string quiet = " >/dev/null 2>&1";
  auto run = [&](const std::string& args) {
    const int rc = std::system((std::string(bin) + " " + args + quiet).c_str());
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
  };
  const std::string r = " --root " + ToHex(root);
  REQUIRE(run("verify " + dir + r) == 3);
  REQUIRE(run("restore " + dir + " --db " + dir + ".db" + r) == 3);
  REQUIRE(run("state info --db " + dir + ".db") == 0);  // a database, but no height
  std::string heights;
  {
    FILE* p = popen((std::string(bin) + " state info --json --db " + dir + ".db").c_str(), "r");
    char buf[4096];
    while (p && fgets(buf, sizeof(buf), p)) heights += buf;
    if (p) pclose(p);
  }
  REQUIRE(heights.find("\"heights\":[]") != std::string::npos);
}

TEST_CASE("slot-leaf stubs hang only in their slot", "[unit][soundness]") {
  test::TempDir tmp;
  const Model ab{{"a", "1"}, {"b", "2"}};
  const oracle::TrueTrie t(kKind, ab);
  const Hash leaf_b = LeafHash(kKind, "b", "2");

  // A chunk of one slot-leaf stub whose hash is the root, its key outside the
  // interval, folds to any root: two of them made a checkpoint of 0 leaves.
  const Chunk lone1{"", true, "\x80", {SlotStub("\xff", t.root())}};
  const Chunk lone2{"\x80", false, "", {SlotStub(std::string(1, '\0'), t.root())}};
  REQUIRE(VerifyChunk(oracle::Encode(lone1), kKind, t.root()).IsInvalidArgument());
  REQUIRE(VerifyChunk(oracle::Encode(lone2), kKind, t.root()).IsInvalidArgument());
  WriteForged(tmp.Sub("empty"), t.root(), {lone1, lone2});
  RequireRejectedEverywhere(tmp.Sub("empty"), t.root());

  // ["", 0x63) holding leaf a and a slot-leaf stub at key 'c' carrying
  // leaf(b)'s hash as the root's right child: b hidden.
  const Chunk hide_b{"", true, "c", {Leaf("a", "1"), SlotStub("c", leaf_b)}};
  Status s = VerifyChunk(oracle::Encode(hide_b), kKind, t.root());
  INFO(s.message());
  REQUIRE(s.IsInvalidArgument());
  WriteForged(tmp.Sub("hide"), t.root(), {hide_b, Chunk{"c", false, "", {}}});
  RequireRejectedEverywhere(tmp.Sub("hide"), t.root());

  // A whole subtree {b, b01, b02} behind one slot-leaf stub.
  const Model sub{{"a", "1"}, {"b", "2"}, {"b\x01", "3"}, {"b\x02", "4"}};
  const oracle::TrueTrie ts(kKind, sub);
  const int right = ts.nodes()[ts.root_index()].right;
  const Chunk hide_sub{"", true, "c", {Leaf("a", "1"), SlotStub("c", ts.nodes()[right].hash)}};
  REQUIRE(VerifyChunk(oracle::Encode(hide_sub), kKind, ts.root()).IsInvalidArgument());

  // The honest chunks of the same states still pass.
  for (const oracle::TrueTrie* tt : {&t, &ts}) {
    auto honest = tt->Honest("", true, "b");
    REQUIRE(honest);
    INFO(VerifyChunk(oracle::Encode(*honest), kKind, tt->root()).message());
    REQUIRE(VerifyChunk(oracle::Encode(*honest), kKind, tt->root()).ok());
  }
}

TEST_CASE("one honest chunk, then a forged one standing for the rest", "[unit][soundness]") {
  test::TempDir tmp;
  Model m;
  for (int i = 0; i < 40; ++i)
    m["k" + std::to_string(i)] = std::string(100, static_cast<char>('a' + i % 26));
  const oracle::TrueTrie t(kKind, m);
  auto first = t.Honest("", true, "k2");
  REQUIRE(first);
  // Everything from "k2" on behind one slot-leaf stub of the root's hash.
  const Chunk rest{"k2", false, "", {SlotStub("a", t.root())}};
  REQUIRE(VerifyChunk(oracle::Encode(rest), kKind, t.root()).IsInvalidArgument());
  WriteForged(tmp.Sub("c"), t.root(), {*first, rest});
  RequireRejectedEverywhere(tmp.Sub("c"), t.root());
}

TEST_CASE("canonical encodings only: no empty or non-maximal stubs", "[unit][soundness]") {
  const Model m{{"a0", "1"}, {"a1", "2"}, {"b", "3"}, {"c", "4"}};
  const oracle::TrueTrie t(kKind, m);
  auto honest = t.Honest("b", false, "");
  REQUIRE(honest);
  REQUIRE(VerifyChunk(oracle::Encode(*honest), kKind, t.root()).ok());
  // A stub of H("") where the trie has nothing: folds to the root, but is a second spelling.
  Chunk with_empty = *honest;
  with_empty.items.push_back(
      {Item::kStub, BitString{std::string(1, '\xff'), 8}, {}, EmptyHash(kKind)});
  Status s = VerifyChunk(oracle::Encode(with_empty), kKind, t.root());
  INFO(s.message());
  REQUIRE_FALSE(s.ok());
  // The stub for {a0, a1} split into its node's two children: finer than
  // maximal, folds to the root all the same.
  REQUIRE(honest->items[0].kind == Item::kStub);
  const int idx = t.Find(honest->items[0].hash);
  REQUIRE(idx >= 0);
  const oracle::TrueTrie::Node& node = t.nodes()[idx];
  REQUIRE_FALSE(node.leaf);
  Chunk finer = *honest;
  finer.items.erase(finer.items.begin());
  finer.items.insert(finer.items.begin(),
                     {{Item::kStub, Extended(node.path, false), {}, t.nodes()[node.left].hash},
                      {Item::kStub, Extended(node.path, true), {}, t.nodes()[node.right].hash}});
  s = VerifyChunk(oracle::Encode(finer), kKind, t.root());
  INFO(s.message());
  REQUIRE(s.IsInvalidArgument());
  REQUIRE(s.message().find("below a node outside the interval") != std::string::npos);
}

TEST_CASE("oracle: whatever the verifier accepts is exactly the truth",
          "[unit][soundness][oracle]") {
  const char* env = std::getenv("ORACLE_ROUNDS");
  const uint64_t rounds = env ? std::strtoull(env, nullptr, 10) : 4000;
  oracle::Stats stats;
  for (uint64_t seed = 1; seed <= rounds; ++seed) {
    oracle::Choices c(seed);
    const std::string failure =
        oracle::RunRound(&c, {oracle::ProductionVerifier, oracle::ReferenceVerifier}, 25, &stats);
    INFO("seed " << seed);
    REQUIRE(failure == "");
  }
  WARN("oracle: " << stats.runs << " chunks (" << stats.honest << " honest, " << stats.forged
                  << " forged, " << stats.unencodable << " over intervals with no valid encoding); "
                  << stats.accepted_forgeries << " forgeries accepted, each the canonical bytes");
  REQUIRE(stats.honest > rounds);
}

}  // namespace
}  // namespace checkpoint
