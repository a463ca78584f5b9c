// The store: retention rules, the lock, and create/prune failing at every
// file operation.
#include "checkpoint/store.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "../chunk/chunk_util.h"
#include "checkpoint/source.h"
#include "checkpoint/verify.h"
#include "ops/files.h"
#include "ops/layout.h"
#include "ops/store_index.h"
#include "store/node_store.h"

namespace checkpoint {
namespace {

using test::Model;
namespace fs = std::filesystem;

StoredCheckpoint Entry(uint64_t height, bool pinned = false, double created = 0) {
  StoredCheckpoint c;
  c.name = std::to_string(height) + "-" + std::to_string(static_cast<int>(created));
  c.manifest.height = height;
  c.pinned = pinned;
  c.created_order = created;
  return c;
}

std::vector<std::string> Deleted(const std::vector<StoredCheckpoint>& entries, Retention rule) {
  StoreListing listing;
  listing.checkpoints = entries;  // ascending height, as ListStore gives them
  std::vector<std::string> names;
  for (const auto& c : SelectForDeletion(listing, rule)) names.push_back(c.name);
  return names;
}

TEST_CASE("retention keeps the newest N unpinned, every K-th, pins and the new one",
          "[unit][store]") {
  const std::vector<StoredCheckpoint> s = {Entry(100), Entry(200, true), Entry(300),
                                           Entry(400), Entry(500),       Entry(600)};
  struct Case {
    uint64_t keep_last, keep_every;
    std::string protect;
    std::vector<std::string> deleted;
  };
  const std::vector<Case> cases = {
      {2, 0, "", {"100-0", "300-0", "400-0"}},  // 600, 500 newest; 200 pinned
      {1, 0, "", {"100-0", "300-0", "400-0", "500-0"}},
      {0, 0, "", {"100-0", "300-0", "400-0", "500-0", "600-0"}},
      {10, 0, "", {}},
      {1, 300, "", {"100-0", "400-0", "500-0"}},     // 300 and 600 are multiples of 300
      {1, 200, "", {"100-0", "300-0", "500-0"}},     // 400, 600 multiples; 200 pinned
      {1, 0, "300-0", {"100-0", "400-0", "500-0"}},  // just created: never deleted
      {3, 100, "", {}},
  };
  for (const Case& c : cases) {
    INFO("keep_last " << c.keep_last << " keep_every " << c.keep_every << " protect " << c.protect);
    REQUIRE(Deleted(s, {c.keep_last, c.keep_every, c.protect}) == c.deleted);
  }
  // Ties at one height: the newest created counts as newer.
  const std::vector<StoredCheckpoint> ties = {Entry(5, false, 1), Entry(5, false, 2),
                                              Entry(7, false, 3)};
  REQUIRE(Deleted(ties, {2, 0, ""}) == std::vector<std::string>{"5-1"});
  // Pins do not use up the N.
  const std::vector<StoredCheckpoint> pinned = {Entry(1), Entry(2), Entry(3, true), Entry(4, true)};
  REQUIRE(Deleted(pinned, {1, 0, ""}) == std::vector<std::string>{"1-0"});
}

TEST_CASE("the store lock is exclusive, names its holder, and waits when asked", "[unit][store]") {
  test::TempDir dir;
  const std::string store = dir.Sub("store");
  {
    auto first = StoreLock::Acquire(store, 0);
    REQUIRE(first.ok());
    auto second = StoreLock::Acquire(store, 0);
    REQUIRE(second.status().IsBusy());
    REQUIRE(second.status().message().find("pid " + std::to_string(getpid())) != std::string::npos);
    auto waited = StoreLock::Acquire(store, 0.2);  // gives up after the wait
    REQUIRE(waited.status().IsBusy());
  }
  REQUIRE(StoreLock::Acquire(store, 0).ok());  // released with its holder
}

TEST_CASE("layout names round-trip and reject near misses", "[unit][store]") {
  Hash id{};
  id[0] = 0xab;
  REQUIRE(CheckpointName(42, id) == "42-ab0000000000");
  uint64_t height = 0;
  std::string id12;
  REQUIRE(ParseCheckpointName("42-ab0000000000", &height, &id12));
  REQUIRE((height == 42 && id12 == "ab0000000000"));
  REQUIRE(ParseCheckpointName("0-0123456789ab", &height, &id12));
  for (const char* bad : {"042-ab0000000000", "42-AB0000000000", "42-ab00000000", "-ab0000000000",
                          "42_ab0000000000", "x-ab0000000000", "99999999999999999999-ab0000000000"})
    REQUIRE_FALSE(ParseCheckpointName(bad, &height, &id12));

  REQUIRE(ChunkFileName(42) == "chunks/00000042.chunk");
  REQUIRE(ParseChunkFileName("chunks/00000042.chunk") == 42u);
  for (const char* bad : {"chunks/42.chunk", "chunks/000000042.chunk", "chunks/00000042.chunk.tmp",
                          "chunkz/00000042.chunk", "chunks/0000004x.chunk", "00000042.chunk"})
    REQUIRE_FALSE(ParseChunkFileName(bad));

  REQUIRE(std::string(LeftoverKind(StagingName(7))) == "staging");
  REQUIRE(StagingName(7) != StagingName(7));  // one per run
  REQUIRE(std::string(LeftoverKind(TrashName("7-ab0000000000"))) == "trash");
  REQUIRE(PartialName(id) == std::string(kPartialPrefix) + ToHex(id));
  REQUIRE(std::string(LeftoverKind(PartialName(id))) == "partial");
  REQUIRE(LeftoverKind("7-ab0000000000") == nullptr);
  REQUIRE((IsCrashLeftover(StagingName(7)) && IsCrashLeftover(TrashName("x"))));
  REQUIRE_FALSE(IsCrashLeftover(PartialName(id)));
}

TEST_CASE("uncached writes give back exactly the bytes, on disk and on tmpfs", "[unit][store]") {
  test::TempDir disk;
  std::vector<std::string> dirs = {disk.path()};
  std::error_code ec;
  std::string shm = "/dev/shm/checkpoint-test-XXXXXX";  // tmpfs: O_DIRECT may be refused
  const bool have_shm = fs::is_directory("/dev/shm", ec) && mkdtemp(shm.data()) != nullptr;
  if (have_shm) dirs.push_back(shm);
  std::string data;
  for (size_t i = 0; i < 3 * 4096 + 7; ++i) data.push_back(static_cast<char>(i * 131 + 7));
  for (const std::string& dir : dirs) {
    for (size_t size : {size_t{0}, size_t{1}, size_t{4095}, size_t{4096}, size_t{4097},
                        size_t{3 * 4096 + 7}, size_t{2}}) {
      const std::string path = dir + "/f" + std::to_string(size);
      // Whatever lies in the buffer past its size (here 0xaa, never zeros)
      // stays out of the file.
      AlignedBuffer buf(size);
      std::memset(buf.data(), 0xaa, buf.capacity());
      std::memcpy(buf.data(), data.data(), size);
      buf.set_size(size);
      REQUIRE(WriteFileUncachedSynced(path, &buf).ok());
      REQUIRE(FsyncFile(path).ok());
      std::string back;
      REQUIRE(ReadFileBounded(path, 1 << 20, &back).ok());
      REQUIRE(back == data.substr(0, size));
      // Made exclusively, never through what is already there.
      REQUIRE_FALSE(WriteFileUncachedSynced(path, &buf).ok());
    }
    fs::create_symlink(dir + "/f1", dir + "/link");
    AlignedBuffer x(1);
    x.set_size(1);
    REQUIRE_FALSE(WriteFileUncachedSynced(dir + "/link", &x).ok());
    std::string back;
    REQUIRE(ReadFileBounded(dir + "/f1", 1 << 20, &back).ok());
    REQUIRE(back == data.substr(0, 1));
  }
  if (have_shm) fs::remove_all(shm, ec);
}

TEST_CASE("a partial download is listed as a leftover and survives the lock's clean-up",
          "[unit][store]") {
  test::TempDir dir;
  const std::string store = dir.Sub("store");
  const std::string partial = store + "/" + PartialName(Hash{});
  const std::string staging = store + "/" + StagingName(1);
  REQUIRE(MakeDir(partial).ok());
  REQUIRE(MakeDir(staging).ok());
  auto listing = ListStore(store);
  REQUIRE(listing.ok());
  REQUIRE(listing->leftovers.size() == 2);
  REQUIRE(listing->leftovers[0].kind == "partial");  // sorted by path: ".p" < ".s"
  REQUIRE(listing->leftovers[1].kind == "staging");
  { REQUIRE(StoreLock::Acquire(store, 0).ok()); }
  REQUIRE(fs::is_directory(partial));
  REQUIRE_FALSE(fs::exists(staging));
}

struct StoreFixture {
  test::TempDir dir;
  std::unique_ptr<NodeStore> mem = NewMemStore();
  std::unique_ptr<StateDb> db;
  std::vector<Hash> roots{{}};
  StoreFixture() {
    db = test::MemDb(mem.get());
    std::mt19937_64 rng(1);
    Model m;
    for (uint64_t h = 1; h <= 4; ++h) {
      for (int i = 0; i < 500; ++i)
        m[test::RandomKey(rng, 6) + std::to_string(i)] = test::RandomValue(rng, 200);
      test::CommitModel(db.get(), h, m);
      roots.push_back(db->Heights().back().root);
    }
  }
  std::string store() const { return dir.Sub("store"); }
};

// Nothing incomplete lists as a checkpoint, and every listed one verifies.
void RequireConsistent(const StoreFixture& f) {
  if (!fs::exists(f.store())) return;  // the failure came before the store existed
  auto listing = ListStore(f.store());
  REQUIRE(listing.ok());
  for (const StoredCheckpoint& c : listing->checkpoints) {
    VerifyOptions vo;
    vo.anchors.root = f.roots[c.manifest.height];
    auto report = VerifyCheckpoint(c.path, vo);
    REQUIRE(report.ok());
    REQUIRE(report->ok());
  }
}

TEST_CASE("create and prune failing at every file operation leave a consistent store",
          "[integration][store][crash]") {
  StoreFixture f;
  CreateOptions o;
  o.chunk_size = 4 << 10;
  uint64_t k = 1;
  for (;; ++k) {
    SetFileFaultForTesting(k);
    auto r = CreateCheckpoint(f.db.get(), 2, f.store(), o);
    SetFileFaultForTesting(0);
    RequireConsistent(f);
    if (r.ok()) break;
    REQUIRE(r.status().IsIOError());
  }
  INFO("create survived failures at file operations 1.." << k - 1);
  REQUIRE(k > 10);
  for (uint64_t h : {3, 4}) REQUIRE(CreateCheckpoint(f.db.get(), h, f.store(), o).ok());
  {
    auto lock = StoreLock::Acquire(f.store(), 0);  // cleans what the failures left
    REQUIRE(lock.ok());
    REQUIRE(ListStore(f.store())->leftovers.empty());
  }

  // Prune down to one, failing at every step.
  for (uint64_t j = 1;; ++j) {
    auto lock = StoreLock::Acquire(f.store(), 0);
    REQUIRE(lock.ok());
    auto listing = ListStore(f.store());
    REQUIRE(listing.ok());
    auto doomed = SelectForDeletion(*listing, {1, 0, ""});
    if (doomed.empty()) break;
    SetFileFaultForTesting(j);
    Status s;
    for (const auto& c : doomed) {
      s = DeleteCheckpoint(f.store(), *lock, c);
      if (!s.ok()) break;
    }
    SetFileFaultForTesting(0);
    RequireConsistent(f);
  }
  auto listing = ListStore(f.store());
  REQUIRE(listing->checkpoints.size() == 1);
  REQUIRE(listing->checkpoints[0].manifest.height == 4);
}

// Checkpoints of heights 1..4 in f's store, the first pinned ("serving
// peers"); returns their paths. REQUIRES: `lock` holds f's store lock.
std::vector<std::string> FourWithFirstPinned(StoreFixture& f, const StoreLock& lock) {
  CreateOptions o;
  o.chunk_size = 4 << 10;
  std::vector<std::string> paths;
  for (uint64_t h = 1; h <= 4; ++h) {
    paths.push_back(CreateCheckpoint(f.db.get(), h, f.store(), lock, o)->path);
  }
  REQUIRE(Pin(paths[0], lock, "serving peers").ok());
  return paths;
}

TEST_CASE("pins survive pruning", "[integration][store]") {
  StoreFixture f;
  auto lock = StoreLock::Acquire(f.store(), 0);
  REQUIRE(lock.ok());
  const std::vector<std::string> paths = FourWithFirstPinned(f, *lock);
  auto listing = ListStore(f.store());
  REQUIRE(listing->checkpoints[0].pinned);
  REQUIRE(listing->checkpoints[0].pin_reason == "serving peers");
  for (const auto& c : SelectForDeletion(*listing, {1, 0, ""}))
    REQUIRE(DeleteCheckpoint(f.store(), *lock, c).ok());
  listing = ListStore(f.store());
  REQUIRE(listing->checkpoints.size() == 2);  // the pinned 1 and the newest 4
  REQUIRE(Unpin(paths[0], *lock).ok());
  for (const auto& c : SelectForDeletion(*ListStore(f.store()), {1, 0, ""})) {
    REQUIRE(DeleteCheckpoint(f.store(), *lock, c).ok());
  }
  REQUIRE(ListStore(f.store())->checkpoints.size() == 1);
}

TEST_CASE("index.json follows the store and reads back; hostile indexes are refused",
          "[integration][store]") {
  StoreFixture f;
  auto lock = StoreLock::Acquire(f.store(), 0);
  REQUIRE(lock.ok());
  const std::vector<std::string> paths = FourWithFirstPinned(f, *lock);
  std::string bytes;
  REQUIRE(ReadFileBounded(f.store() + "/" + kIndexFile, kMaxIndexBytes, &bytes).ok());
  auto listing = ListStore(f.store());
  REQUIRE(bytes == EncodeStoreIndex(*listing));  // rewritten by the last pin
  REQUIRE(bytes.back() == '\n');
  REQUIRE(bytes.find(' ') == std::string::npos);
  auto entries = ParseStoreIndex(bytes);
  REQUIRE(entries.ok());
  REQUIRE(entries->size() == 4);
  for (size_t i = 0; i < 4; ++i) {
    const StoredCheckpoint& c = listing->checkpoints[i];
    REQUIRE((*entries)[i].name() == c.name);
    REQUIRE((*entries)[i].root == ToHex(c.manifest.root));
    REQUIRE((*entries)[i].pinned == c.pinned);
  }
  RetentionReport report;
  REQUIRE(ApplyRetention(f.store(), *lock, {1, 0, ""}, false, &report).ok());
  REQUIRE(ReadFileBounded(f.store() + "/" + kIndexFile, kMaxIndexBytes, &bytes).ok());
  REQUIRE(ParseStoreIndex(bytes)->size() == 2);  // the pinned first and the newest

  const std::string hash(64, 'a');
  for (const std::string& bad :
       {std::string("[]"), std::string("{}"), std::string("not json"),
        std::string(R"({"format_version":2,"checkpoints":[]})"),
        std::string(R"({"format_version":1,"checkpoints":[{"height":-1,"id":")") + hash +
            R"(","root":")" + hash + R"("}]})",
        std::string(R"({"format_version":1,"checkpoints":[{"height":1,"id":"../x","root":")") +
            hash + R"("}]})",
        std::string(R"({"format_version":1,"checkpoints":[)") + std::string(100, '[') +
            std::string(100, ']') + "]}",
        std::string(kMaxIndexBytes + 1, ' ')}) {
    REQUIRE(ParseStoreIndex(bad).status().IsCorruption());
  }
  // Unknown fields are ignored: later versions of the writer add some.
  auto extra =
      ParseStoreIndex(R"({"format_version":1,"mirrors":["x"],"checkpoints":[{"height":7,"id":")" +
                      hash + R"(","root":")" + hash + R"(","base":{"height":3}}]})");
  REQUIRE(extra.ok());
  REQUIRE((*extra)[0].name() == "7-aaaaaaaaaaaa");
}

TEST_CASE("ApplyRetention deletes what the rule does not keep, under the store's own lock",
          "[unit][store]") {
  StoreFixture f;
  auto lock = StoreLock::Acquire(f.store(), 0);
  REQUIRE(lock.ok());
  const std::vector<std::string> paths = FourWithFirstPinned(f, *lock);
  auto names = [](const RetentionReport& r) {
    std::vector<std::string> out;
    for (const StoredCheckpoint& c : r.deleted) out.push_back(c.path);
    return out;
  };
  RetentionReport dry;
  REQUIRE(ApplyRetention(f.store(), *lock, {1, 0, ""}, /*dry_run=*/true, &dry).ok());
  REQUIRE(names(dry) == std::vector<std::string>{paths[1], paths[2]});  // 1 pinned, 4 the newest
  REQUIRE(ListStore(f.store())->checkpoints.size() == 4);               // nothing deleted
  RetentionReport done;
  REQUIRE(ApplyRetention(f.store(), *lock, {1, 0, ""}, /*dry_run=*/false, &done).ok());
  REQUIRE(names(done) == names(dry));
  auto listing = ListStore(f.store());
  REQUIRE(listing->checkpoints.size() == 2);
  REQUIRE(listing->checkpoints[0].path == paths[0]);
  REQUIRE(listing->checkpoints[1].path == paths[3]);
  // Another store's lock is not this one's.
  auto other = StoreLock::Acquire(f.dir.Sub("other"), 0);
  REQUIRE(other.ok());
  RetentionReport wrong;
  REQUIRE(ApplyRetention(f.store(), *other, {0, 0, ""}, false, &wrong).IsInvalidArgument());
  REQUIRE(Unpin(paths[0], *other).IsInvalidArgument());
  REQUIRE(DeleteCheckpoint(f.store(), *other, listing->checkpoints[0]).IsInvalidArgument());
  REQUIRE(ListStore(f.store())->checkpoints.size() == 2);
}

TEST_CASE("the library's CreateCheckpoint takes the store lock: busy names the holder, or waits",
          "[unit][store]") {
  StoreFixture f;
  CreateOptions o;
  o.chunk_size = 4 << 10;
  REQUIRE(StoreLock::Acquire(f.store(), 0).ok());  // makes the store
  // Another process holds the lock (as a prune would) until told to let go.
  int ready[2], release[2];
  REQUIRE(pipe(ready) == 0);
  REQUIRE(pipe(release) == 0);
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    auto lock = StoreLock::Acquire(f.store(), 0);
    char c = lock.ok() ? 'y' : 'n';
    if (write(ready[1], &c, 1) != 1) _exit(2);
    if (read(release[0], &c, 1) < 0) _exit(2);
    _exit(0);
  }
  char c = 0;
  REQUIRE(read(ready[0], &c, 1) == 1);
  REQUIRE(c == 'y');
  auto busy = CreateCheckpoint(f.db.get(), 2, f.store(), o);
  REQUIRE(busy.status().IsBusy());
  REQUIRE(busy.status().message().find("pid " + std::to_string(child)) != std::string::npos);
  REQUIRE(ListStore(f.store())->checkpoints.empty());
  REQUIRE(ListStore(f.store())->leftovers.empty());  // not even a staging directory
  // With a wait, it proceeds once the holder lets go.
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    char go = 'g';
    if (write(release[1], &go, 1) != 1) std::abort();  // no REQUIRE off the test's thread
  });
  o.lock_wait_seconds = 30;
  auto waited = CreateCheckpoint(f.db.get(), 2, f.store(), o);
  releaser.join();
  int status = 0;
  REQUIRE(waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  INFO(waited.status().message());
  REQUIRE(waited.ok());
  REQUIRE(ListStore(f.store())->checkpoints.size() == 1);
  for (int fd : {ready[0], ready[1], release[0], release[1]}) close(fd);
  // Under a lock the caller holds: that store's lock, not another's.
  auto lock = StoreLock::Acquire(f.store(), 0);
  REQUIRE(lock.ok());
  REQUIRE(CreateCheckpoint(f.db.get(), 3, f.store(), *lock, o).ok());
  REQUIRE(CreateCheckpoint(f.db.get(), 4, f.store(), o).status().IsBusy());  // held by this caller
  auto other = StoreLock::Acquire(f.dir.Sub("other"), 0);
  REQUIRE(CreateCheckpoint(f.db.get(), 4, f.store(), *other, o).status().IsInvalidArgument());
}

// Reading the destination's newest state opens its database, so only a store
// whose matching entries differ in base, which must choose, asks.
TEST_CASE("a store asks the destination's state to choose between bases; a directory never",
          "[unit][store]") {
  StoreFixture f;
  CreateOptions o;
  o.format_version = 2;
  auto full = CreateCheckpoint(f.db.get(), 4, f.store(), o);
  REQUIRE(full.ok());
  o.base_height = 2;
  auto delta = CreateCheckpoint(f.db.get(), 4, f.store(), o);
  REQUIRE(delta.ok());
  int asked = 0;
  std::optional<std::pair<uint64_t, std::string>> held;
  CheckpointPick pick;
  pick.latest = true;
  pick.destination_state = [&] {
    ++asked;
    return held;
  };
  std::string dir;
  REQUIRE(OpenSources({full->path}, pick, HttpOptions{}, &dir).ok());
  REQUIRE(dir == full->path);
  REQUIRE(asked == 0);
  REQUIRE(OpenSources({f.store()}, pick, HttpOptions{}, &dir).ok());
  REQUIRE(asked == 1);
  REQUIRE(dir == full->path);  // an empty destination takes the full checkpoint
  held.emplace(2, ToHex(f.roots[2]));
  REQUIRE(OpenSources({f.store()}, pick, HttpOptions{}, &dir).ok());
  REQUIRE(asked == 2);
  REQUIRE(dir == delta->path);  // one at the base, the delta
  pick.anchors.id = full->id;   // one match: nothing to choose
  REQUIRE(OpenSources({f.store()}, pick, HttpOptions{}, &dir).ok());
  REQUIRE(asked == 2);
  REQUIRE(dir == full->path);
}

}  // namespace
}  // namespace checkpoint
