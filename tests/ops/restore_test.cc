// verify and restore: round trips, any order, every fault class, crashes.
#include "checkpoint/restore.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../chunk/chunk_util.h"
#include "checkpoint/verify.h"
#include "store/node_store.h"

namespace checkpoint {
namespace {

using test::Model;
namespace fs = std::filesystem;

Model BigState(std::mt19937_64& rng, size_t n) {
  Model m;
  while (m.size() < n) {
    std::string k(1 + rng() % 3, '\0');
    for (char& c : k) c = static_cast<char>(rng() % 4);  // shared prefixes, zero bytes
    k += std::to_string(rng() % (n * 8));
    m[k] = test::RandomValue(rng, rng() % 50 == 0 ? 2000 : 80);
  }
  m[std::string(1, '\x02')] = "a prefix key";
  return m;
}

struct Fixture {
  test::TempDir dir;
  Model model;
  Hash root{};
  std::string ckpt;  // checkpoint directory
  std::string manifest;
};

void MakeFixture(Fixture* f, size_t keys, uint64_t chunk_size, uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  f->model = BigState(rng, keys);
  StateDbOptions o;
  o.create_if_missing = true;
  auto db = StateDb::Open(f->dir.Sub("src"), o);
  REQUIRE(db.ok());
  test::CommitModel(db->get(), 9, f->model);
  f->root = (*db)->Heights().back().root;
  f->ckpt = test::Create(db->get(), 9, f->dir.Sub("store"), chunk_size).path;
  REQUIRE(ReadFileBounded(f->ckpt + "/" + kManifestFile, 1 << 30, &f->manifest).ok());
}

Model Dump(const std::string& db_dir, uint64_t height) {
  auto db = StateDb::Open(db_dir, StateDbOptions{});
  REQUIRE(db.ok());
  auto view = (*db)->View(height);
  REQUIRE(view.ok());
  return test::ReadAll(view->get());
}

std::string ChunkFile(const std::string& ckpt, size_t i) {
  std::string s;
  REQUIRE(ReadFileBounded(ckpt + "/" + ChunkFileName(i), 1ull << 32, &s).ok());
  return s;
}

// Restores through a session, adding chunks in `order`.
void RestoreInOrder(const Fixture& f, const std::string& db_dir, const std::vector<size_t>& order) {
  RestoreOptions o;
  o.anchors.root = f.root;
  auto s = RestoreSession::Begin(db_dir, f.manifest, o);
  INFO(s.status().message());
  REQUIRE(s.ok());
  for (size_t i : order) {
    ChunkCheck check;
    REQUIRE((*s)->Add(i, ChunkFile(f.ckpt, i), &check).ok());
    INFO(check.message);
    REQUIRE(check.cls == ChunkClass::kOk);
  }
  REQUIRE((*s)->Finish().ok());
}

TEST_CASE("create, verify, restore and create again round-trip", "[integration][restore]") {
  Fixture f;
  MakeFixture(&f, 200000, 64 << 10);
  VerifyOptions vo;
  vo.anchors.root = f.root;
  auto report = VerifyCheckpoint(f.ckpt, vo);
  REQUIRE(report.ok());
  REQUIRE(report->ok());
  REQUIRE(report->manifest.chunks.size() > 100);

  std::vector<size_t> order(report->manifest.chunks.size());
  std::iota(order.begin(), order.end(), 0);
  RestoreInOrder(f, f.dir.Sub("restored"), order);
  REQUIRE(Dump(f.dir.Sub("restored"), 9) == f.model);
  // A table file a chunk, not two: the ingestions' small files of progress
  // records are merged once the root is in (every later open opens them all).
  size_t tables = 0;
  for (const auto& e : fs::directory_iterator(f.dir.Sub("restored")))
    tables += e.path().extension() == ".sst";
  REQUIRE(tables <= order.size() + 4);
  {
    auto db = StateDb::Open(f.dir.Sub("restored"), StateDbOptions{});
    REQUIRE(db.ok());
    REQUIRE((*db)->Heights().size() == 1);
    REQUIRE((*db)->Heights().back().root == f.root);
    // Byte-identical when checkpointed again.
    auto again = test::Create(db->get(), 9, f.dir.Sub("store2"), 64 << 10);
    REQUIRE(fs::path(again.path).filename() == fs::path(f.ckpt).filename());
    REQUIRE(test::LoadCheckpoint(again.path).files == test::LoadCheckpoint(f.ckpt).files);
    // An ordinary database: new heights commit on top.
    WriteLog log;
    REQUIRE(log.Put("new key", "v").ok());
    REQUIRE(log.Delete(f.model.begin()->first).ok());
    REQUIRE((*db)->Commit(10, log).ok());
    Model next = f.model;
    next.erase(next.begin());
    next["new key"] = "v";
    REQUIRE((*db)->Heights().back().root == test::ReferenceRoot(HashKind::kSha256, next));
  }
}

TEST_CASE("chunks in shuffled and reversed order give the same result", "[integration][restore]") {
  Fixture f;
  MakeFixture(&f, 20000, 8 << 10, 2);
  const size_t n = test::LoadCheckpoint(f.ckpt).manifest.chunks.size();
  std::vector<size_t> forward(n), reversed(n), shuffled(n);
  std::iota(forward.begin(), forward.end(), 0);
  reversed.assign(forward.rbegin(), forward.rend());
  shuffled = forward;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937_64(3));
  for (const auto& order : {reversed, shuffled}) {
    VerifyOptions vo;
    vo.anchors.root = f.root;
    vo.order = order;
    vo.threads = 1;
    auto report = VerifyCheckpoint(f.ckpt, vo);
    REQUIRE(report.ok());
    REQUIRE(report->ok());
  }
  RestoreInOrder(f, f.dir.Sub("rev"), reversed);
  RestoreInOrder(f, f.dir.Sub("shuf"), shuffled);
  REQUIRE(Dump(f.dir.Sub("rev"), 9) == f.model);
  REQUIRE(Dump(f.dir.Sub("shuf"), 9) == f.model);
}

// A copy of the checkpoint to damage.
std::string CopyCheckpoint(const Fixture& f, const std::string& name) {
  const std::string dst = f.dir.Sub(name);
  fs::copy(f.ckpt, dst, fs::copy_options::recursive);
  return dst;
}

struct Expect {
  int64_t chunk;
  ChunkClass cls;
};

void RequireReport(const std::string& ckpt, const Anchors& anchors,
                   const std::vector<Expect>& want) {
  VerifyOptions vo;
  vo.anchors = anchors;
  auto report = VerifyCheckpoint(ckpt, vo);
  REQUIRE(report.ok());
  REQUIRE_FALSE(report->ok());
  REQUIRE(report->problems.size() == want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    INFO(report->problems[i].message);
    REQUIRE(report->problems[i].chunk == want[i].chunk);
    REQUIRE(report->problems[i].cls == want[i].cls);
  }
}

// A restore of a damaged checkpoint must leave no visible height.
void RequireRestoreFails(const Fixture& f, const std::string& ckpt, const std::string& manifest) {
  const std::string db_dir = f.dir.Sub("bad-" + std::to_string(std::hash<std::string>{}(ckpt)));
  RestoreOptions o;
  o.anchors.root = f.root;
  {
    auto s = RestoreSession::Begin(db_dir, manifest, o);
    if (s.ok()) {
      bool any_bad = false;
      for (size_t i = 0; i < (*s)->manifest().chunks.size(); ++i) {
        std::string file;
        if (!ReadFileBounded(ckpt + "/" + ChunkFileName(i), 1ull << 32, &file).ok()) {
          any_bad = true;
          continue;
        }
        ChunkCheck check;
        REQUIRE((*s)->Add(i, file, &check).ok());
        any_bad |= check.cls != ChunkClass::kOk;
      }
      REQUIRE(any_bad);
      REQUIRE_FALSE((*s)->Finish().ok());
    }
  }
  if (fs::exists(db_dir)) {
    auto db = StateDb::Open(db_dir, StateDbOptions{});
    REQUIRE(db.ok());
    REQUIRE((*db)->Heights().empty());
  }
}

TEST_CASE("every fault is reported with its class, and restore shows nothing",
          "[integration][restore]") {
  Fixture f;
  MakeFixture(&f, 20000, 8 << 10, 4);
  Anchors by_root;
  by_root.root = f.root;
  const Manifest m = test::LoadCheckpoint(f.ckpt).manifest;
  const size_t n = m.chunks.size();
  REQUIRE(n > 10);

  SECTION("a flipped byte in a chunk") {
    auto c = CopyCheckpoint(f, "flip");
    std::string file = ChunkFile(c, 3);
    file[file.size() / 2] ^= 0x10;
    REQUIRE(WriteFileSynced(c + "/" + ChunkFileName(3), file).ok());
    RequireReport(c, by_root, {{3, ChunkClass::kCorrupt}});
    RequireRestoreFails(f, c, f.manifest);
  }
  SECTION("a chunk of another height's checkpoint, and a manifest that names it") {
    // Another height: the first key's value changed.
    Model other = f.model;
    other.begin()->second = "changed";
    auto store = NewMemStore();
    auto db = test::MemDb(store.get());
    test::CommitModel(db.get(), 10, other);
    auto r = test::Create(db.get(), 10, f.dir.Sub("other"), 8 << 10);
    auto c = CopyCheckpoint(f, "swap");
    REQUIRE(WriteFileSynced(c + "/" + ChunkFileName(0), ChunkFile(r.path, 0)).ok());
    RequireReport(c, by_root, {{0, ChunkClass::kCorrupt}});
    // The manifest forged to name the swapped chunk: the bytes match, the proof fails.
    Manifest forged = m;
    forged.chunks[0] = test::LoadCheckpoint(r.path).manifest.chunks[0];
    REQUIRE(WriteFileSynced(c + "/" + kManifestFile, EncodeManifest(forged)).ok());
    RequireReport(c, by_root, {{0, ChunkClass::kInvalid}});
    RequireRestoreFails(f, c, EncodeManifest(forged));
  }
  SECTION("a missing chunk file") {
    auto c = CopyCheckpoint(f, "missing");
    fs::remove(c + "/" + ChunkFileName(n - 1));
    RequireReport(c, by_root, {{static_cast<int64_t>(n - 1), ChunkClass::kMissing}});
    RequireRestoreFails(f, c, f.manifest);
  }
  SECTION("a truncated manifest") {
    auto c = CopyCheckpoint(f, "trunc");
    REQUIRE(
        WriteFileSynced(c + "/" + kManifestFile, f.manifest.substr(0, f.manifest.size() / 2)).ok());
    RequireReport(c, by_root, {{-1, ChunkClass::kCorrupt}});
    RestoreOptions o;
    o.anchors.root = f.root;
    REQUIRE(RestoreSession::Begin(f.dir.Sub("t"), f.manifest.substr(0, 100), o)
                .status()
                .IsCorruption());
  }
  SECTION("a manifest with a forged root") {
    auto c = CopyCheckpoint(f, "root");
    Manifest forged = m;
    forged.root[0] ^= 1;
    REQUIRE(WriteFileSynced(c + "/" + kManifestFile, EncodeManifest(forged)).ok());
    RequireReport(c, by_root, {{-1, ChunkClass::kInvalid}});
    // Without --root the forged root fails every chunk's proof.
    std::vector<Expect> all;
    for (size_t i = 0; i < n; ++i) all.push_back({static_cast<int64_t>(i), ChunkClass::kInvalid});
    RequireReport(c, Anchors{}, all);
    // With --id the manifest fails before any chunk is read.
    Anchors by_id;
    by_id.id = ManifestId(f.manifest);
    RequireReport(c, by_id, {{-1, ChunkClass::kCorrupt}});
  }
  SECTION("a manifest whose chunk list skips an interval") {
    auto c = CopyCheckpoint(f, "skip");
    Manifest forged = m;
    forged.leaves -= forged.chunks[5].leaves;
    forged.chunks.erase(forged.chunks.begin() + 5);
    REQUIRE(WriteFileSynced(c + "/" + kManifestFile, EncodeManifest(forged)).ok());
    for (size_t i = 5; i + 1 < n; ++i) {  // shift the files to match the forged list
      REQUIRE(WriteFileSynced(c + "/" + ChunkFileName(i), ChunkFile(f.ckpt, i + 1)).ok());
    }
    fs::remove(c + "/" + ChunkFileName(n - 1));
    RequireReport(c, by_root, {{4, ChunkClass::kIncomplete}});
    RequireRestoreFails(f, c, EncodeManifest(forged));
  }
  SECTION("extra files are reported, not fatal") {
    auto c = CopyCheckpoint(f, "extra");
    REQUIRE(WriteFileSynced(c + "/notes.txt", "hi").ok());
    REQUIRE(WriteFileSynced(c + "/" + ChunkFileName(n), "junk").ok());
    VerifyOptions vo;
    vo.anchors = by_root;
    auto report = VerifyCheckpoint(c, vo);
    REQUIRE(report.ok());
    REQUIRE(report->ok());
    REQUIRE(report->extra == std::vector<std::string>{ChunkFileName(n), "notes.txt"});
  }
}

TEST_CASE("a restore interrupted at any write or ingest resumes to the same state",
          "[integration][restore][crash]") {
  Fixture f;
  MakeFixture(&f, 5000, 4 << 10, 5);
  const size_t n = test::LoadCheckpoint(f.ckpt).manifest.chunks.size();
  std::vector<std::string> files;
  for (size_t i = 0; i < n; ++i) files.push_back(ChunkFile(f.ckpt, i));
  RestoreOptions o;
  o.anchors.root = f.root;
  // With a queue, a failed ingestion surfaces at a later Add or at Finish,
  // and several chunks may go in as one ingestion.
  o.ingest_queue = GENERATE(0, 4);
  size_t k = 1;
  for (;; ++k) {
    auto base = NewMemStore();
    bool finished = false;
    {
      FaultStore faulty(base.get());
      faulty.FailAtWrite(k);
      auto s = RestoreSession::BeginOnStore(&faulty, f.manifest, o);
      if (s.ok()) {
        bool failed = false;
        for (size_t i = 0; i < n && !failed; ++i) {
          ChunkCheck check;
          failed = !(*s)->Add(i, files[i], &check).ok();
        }
        finished = !failed && (*s)->Finish().ok();
      }
    }
    if (finished) break;  // k passed the last write
    // The rerun, on the same store, must finish with the same state.
    auto s = RestoreSession::BeginOnStore(base.get(), f.manifest, o);
    INFO("k = " << k << ": " << s.status().message());
    REQUIRE(s.ok());
    REQUIRE((*s)->Remaining().size() <= n);
    for (size_t i : (*s)->Remaining()) {
      ChunkCheck check;
      REQUIRE((*s)->Add(i, files[i], &check).ok());
      REQUIRE(check.cls == ChunkClass::kOk);
    }
    REQUIRE((*s)->Finish().ok());
    StateDbOptions so;
    auto db = StateDb::OpenOnStore(base.get(), so);
    REQUIRE(db.ok());
    REQUIRE((*db)->Heights().size() == 1);
    REQUIRE((*db)->Heights()[0].root == f.root);
    auto view = (*db)->View(9);
    REQUIRE(test::ReadAll(view->get()) == f.model);
  }
  // Without a queue, failures were injected at every chunk's ingestion and at Finish.
  if (o.ingest_queue == 0) REQUIRE(k > n);
}

TEST_CASE("restore refuses a destination holding other state", "[integration][restore]") {
  Fixture f;
  MakeFixture(&f, 2000, 4 << 10, 6);
  RestoreOptions o;
  REQUIRE(RestoreSession::Begin(f.dir.Sub("x"), f.manifest, o)
              .status()
              .IsInvalidArgument());  // no anchor
  o.anchors.root = f.root;
  auto wrong = o;
  wrong.anchors.height = 8;
  REQUIRE(RestoreSession::Begin(f.dir.Sub("x"), f.manifest, wrong).status().IsInvalidArgument());
  // The source database holds heights: refused, then cleared with force.
  REQUIRE(RestoreSession::Begin(f.dir.Sub("src"), f.manifest, o).status().IsInvalidArgument());
  auto forced = o;
  forced.force = true;
  const size_t n = test::LoadCheckpoint(f.ckpt).manifest.chunks.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  {
    auto s = RestoreSession::Begin(f.dir.Sub("src"), f.manifest, forced);
    REQUIRE(s.ok());
  }
  RestoreInOrder(f, f.dir.Sub("src"), order);
  REQUIRE(Dump(f.dir.Sub("src"), 9) == f.model);
}

// The problems of a RestoreCheckpoint report, as (chunk, class) pairs.
std::vector<std::pair<int64_t, ChunkClass>> Problems(const RestoreReport& r) {
  std::vector<std::pair<int64_t, ChunkClass>> out;
  for (const ChunkProblem& p : r.problems) out.emplace_back(p.chunk, p.cls);
  return out;
}

TEST_CASE("RestoreCheckpoint reports the checkpoint's problems with their classes",
          "[integration][restore]") {
  Fixture f;
  MakeFixture(&f, 6000, 4 << 10, 7);
  const Manifest m = test::LoadCheckpoint(f.ckpt).manifest;
  const size_t n = m.chunks.size();
  REQUIRE(n > 4);
  RestoreOptions o;
  o.anchors.root = f.root;
  o.threads = 3;

  SECTION("a good checkpoint, resumed after a partial session") {
    {
      auto s = RestoreSession::Begin(f.dir.Sub("db"), f.manifest, o);
      REQUIRE(s.ok());
      for (size_t i : {1, 3}) {
        ChunkCheck check;
        REQUIRE((*s)->Add(i, ChunkFile(f.ckpt, i), &check).ok());
      }
    }
    auto r = RestoreCheckpoint(f.ckpt, f.dir.Sub("db"), o);
    INFO(r.status().message());
    REQUIRE(r.ok());
    REQUIRE(r->ok());
    REQUIRE(r->stage == RestoreStage::kDone);
    REQUIRE(r->resumed == 2);
    REQUIRE(r->id == ManifestId(f.manifest));
    REQUIRE(r->manifest.root == f.root);
    REQUIRE(r->bytes > 0);
    REQUIRE(Dump(f.dir.Sub("db"), 9) == f.model);
  }
  SECTION("a forged chunk and a missing one: every bad chunk, by index, and nothing visible") {
    auto c = CopyCheckpoint(f, "forged");
    std::string file = ChunkFile(c, 2);
    file[file.size() / 2] ^= 0x10;
    REQUIRE(WriteFileSynced(c + "/" + ChunkFileName(2), file).ok());
    fs::remove(c + "/" + ChunkFileName(n - 1));
    auto r = RestoreCheckpoint(c, f.dir.Sub("db"), o);
    REQUIRE(r.ok());
    REQUIRE_FALSE(r->ok());
    REQUIRE(r->stage == RestoreStage::kChunks);
    REQUIRE(Problems(*r) ==
            std::vector<std::pair<int64_t, ChunkClass>>{
                {2, ChunkClass::kCorrupt}, {static_cast<int64_t>(n - 1), ChunkClass::kMissing}});
    auto db = StateDb::Open(f.dir.Sub("db"), StateDbOptions{});
    REQUIRE(db.ok());
    REQUIRE((*db)->Heights().empty());
  }
  SECTION(
      "a manifest contradicting an anchor is a manifest problem with its class; nothing is "
      "opened") {
    auto wrong = o;
    wrong.anchors.root->at(0) ^= 1;
    auto r = RestoreCheckpoint(f.ckpt, f.dir.Sub("db"), wrong);
    REQUIRE(r.ok());
    REQUIRE(r->stage == RestoreStage::kManifest);
    REQUIRE(Problems(*r) ==
            std::vector<std::pair<int64_t, ChunkClass>>{{-1, ChunkClass::kInvalid}});
    wrong = o;
    wrong.anchors.id = Hash{};
    r = RestoreCheckpoint(f.ckpt, f.dir.Sub("db"), wrong);
    REQUIRE(r.ok());
    REQUIRE(Problems(*r) ==
            std::vector<std::pair<int64_t, ChunkClass>>{{-1, ChunkClass::kCorrupt}});
    REQUIRE_FALSE(fs::exists(f.dir.Sub("db")));
  }
  SECTION("with force, a bad checkpoint is verified whole before the destination is cleared") {
    auto c = CopyCheckpoint(f, "forced");
    std::string file = ChunkFile(c, 1);
    file[file.size() / 2] ^= 0x10;
    REQUIRE(WriteFileSynced(c + "/" + ChunkFileName(1), file).ok());
    auto forced = o;
    forced.force = true;
    auto r = RestoreCheckpoint(c, f.dir.Sub("src"), forced);
    REQUIRE(r.ok());
    REQUIRE(r->stage == RestoreStage::kVerifyFirst);
    REQUIRE(Problems(*r) == std::vector<std::pair<int64_t, ChunkClass>>{{1, ChunkClass::kCorrupt}});
    REQUIRE(Dump(f.dir.Sub("src"), 9) == f.model);  // untouched
    // A good one is restored over it.
    r = RestoreCheckpoint(f.ckpt, f.dir.Sub("src"), forced);
    REQUIRE(r.ok());
    REQUIRE(r->ok());
  }
  SECTION("what is not the checkpoint's fault is a status") {
    REQUIRE(RestoreCheckpoint(f.dir.Sub("nothing"), f.dir.Sub("db"), o).status().IsNotFound());
    REQUIRE(
        RestoreCheckpoint(f.ckpt, f.dir.Sub("db"), RestoreOptions{}).status().IsInvalidArgument());
    REQUIRE(RestoreCheckpoint(f.ckpt, f.dir.Sub("src"), o)
                .status()
                .IsInvalidArgument());  // other state
  }
}

}  // namespace
}  // namespace checkpoint
