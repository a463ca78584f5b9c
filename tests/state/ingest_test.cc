// Staged ingestion: RocksStore's unsynced table files, and the Ingester that
// adds them on a thread of its own — batching, a sticky first error, nothing
// lost when it stops.
#include <catch2/catch.hpp>
#include <condition_variable>
#include <filesystem>
#include <mutex>

#include "../test_util.h"
#include "store/ingester.h"

namespace checkpoint {
namespace {

// One chunk's worth: a node and its progress record. The views point into
// `keep`, reserved by the caller so that its strings stay put.
std::vector<SortedRun> Runs(const std::string& tag, std::vector<std::string>* keep) {
  for (const char* part : {"k-", "v-", "progress-", "p-"}) keep->push_back(part + tag);
  const std::string* s = &(*keep)[keep->size() - 4];
  std::vector<SortedRun> runs(2);
  runs[0].column = Column::kNodes;
  runs[0].entries.emplace_back(s[0], s[1]);
  runs[1].column = Column::kMeta;
  runs[1].entries.emplace_back(s[2], s[3]);
  return runs;
}

// Room for every test's strings: Runs' views must not move.
std::vector<std::string> Keep() {
  std::vector<std::string> keep;
  keep.reserve(64);
  return keep;
}

std::unique_ptr<StagedRuns> Staged(NodeStore* store, const std::string& tag,
                                   std::vector<std::string>* keep) {
  auto staged = store->Stage(Runs(tag, keep));
  REQUIRE(staged.ok());
  return std::move(staged).value();
}

bool Has(NodeStore* store, Column c, const std::string& key) {
  std::string v;
  return store->Get(c, key, &v).ok();
}

size_t FilesIn(const std::string& dir) {
  std::error_code ec;
  size_t n = 0;
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); ++it)
    ++n;
  return n;
}

std::unique_ptr<NodeStore> OpenStore(const std::string& path, bool create) {
  RocksStoreOptions o;
  o.create_if_missing = create;
  auto store = OpenRocksStore(path, o);
  REQUIRE(store.ok());
  return std::move(store).value();
}

// Holds every IngestStaged until released, and counts calls and sets.
class GatedStore : public StoreWrapper {
 public:
  using StoreWrapper::StoreWrapper;
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    changed_.notify_all();
  }
  void WaitForCalls(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    changed_.wait(lock, [&] { return calls_ >= n; });
  }
  std::vector<size_t> batch_sizes() {
    std::lock_guard<std::mutex> lock(mu_);
    return sizes_;
  }
  Status fail_with;

  Status IngestStaged(std::vector<std::unique_ptr<StagedRuns>> sets) override {
    std::unique_lock<std::mutex> lock(mu_);
    ++calls_;
    sizes_.push_back(sets.size());
    changed_.notify_all();
    changed_.wait(lock, [&] { return open_; });
    if (!fail_with.ok()) return fail_with;
    return base_->IngestStaged(std::move(sets));
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  bool open_ = false;
  size_t calls_ = 0;
  std::vector<size_t> sizes_;
};

TEST_CASE("the ingester batches what queues while an ingestion waits", "[unit][ingest]") {
  auto mem = NewMemStore();
  GatedStore gated(mem.get());
  std::vector<std::string> keep = Keep();
  {
    Ingester ingester(&gated, 8);
    REQUIRE(ingester.Add(Staged(&gated, "a", &keep)).ok());
    gated.WaitForCalls(1);  // "a" is being ingested, held at the gate
    for (const char* t : {"b", "c", "d"}) REQUIRE(ingester.Add(Staged(&gated, t, &keep)).ok());
    REQUIRE_FALSE(Has(mem.get(), Column::kNodes, "k-b"));  // queued, not in
    gated.Release();
    REQUIRE(ingester.Drain().ok());
    for (const char* t : {"a", "b", "c", "d"}) {
      REQUIRE(Has(mem.get(), Column::kNodes, std::string("k-") + t));
      REQUIRE(Has(mem.get(), Column::kMeta, std::string("progress-") + t));
    }
    REQUIRE(gated.batch_sizes() == std::vector<size_t>{1, 3});
    // Stopping ingests what is still queued.
    REQUIRE(ingester.Add(Staged(&gated, "e", &keep)).ok());
  }
  REQUIRE(Has(mem.get(), Column::kNodes, "k-e"));
}

TEST_CASE("after a failed ingestion nothing more goes in", "[unit][ingest]") {
  auto mem = NewMemStore();
  GatedStore gated(mem.get());
  gated.fail_with = Status::IOError("disk full");
  std::vector<std::string> keep = Keep();
  Ingester ingester(&gated, 2);
  REQUIRE(ingester.Add(Staged(&gated, "a", &keep)).ok());
  gated.WaitForCalls(1);
  REQUIRE(ingester.Add(Staged(&gated, "b", &keep)).ok());  // queued behind the failure
  gated.Release();
  Status s = ingester.Drain();
  REQUIRE(s.IsIOError());
  REQUIRE(s.message() == "disk full");
  gated.fail_with = Status::OK();  // even if the store recovers: the first error stays
  REQUIRE(ingester.Add(Staged(&gated, "c", &keep)).message() == "disk full");
  REQUIRE(ingester.Drain().message() == "disk full");
  for (const char* t : {"a", "b", "c"})
    REQUIRE_FALSE(Has(mem.get(), Column::kNodes, std::string("k-") + t));
  REQUIRE(gated.batch_sizes() == std::vector<size_t>{1});  // "b" was dropped, not tried
}

TEST_CASE("without a queue, Add ingests before it returns", "[unit][ingest]") {
  auto mem = NewMemStore();
  FaultStore faulty(mem.get());
  std::vector<std::string> keep = Keep();
  Ingester ingester(&faulty, 0);
  REQUIRE(ingester.Add(Staged(&faulty, "a", &keep)).ok());
  REQUIRE(Has(mem.get(), Column::kNodes, "k-a"));
  faulty.FailAtWrite(faulty.writes() + 1);
  REQUIRE(ingester.Add(Staged(&faulty, "b", &keep)).IsIOError());
  faulty.Disarm();
  REQUIRE(ingester.Add(Staged(&faulty, "c", &keep)).IsIOError());
  REQUIRE_FALSE(Has(mem.get(), Column::kNodes, "k-c"));
}

TEST_CASE("RocksDB: staged table files go in together, or go away", "[unit][ingest][rocksdb]") {
  test::TempDir dir;
  std::unique_ptr<NodeStore> store = OpenStore(dir.Sub("db"), true);
  NodeStore* s = store.get();
  const std::string tmp = dir.Sub("db") + "/ingest-tmp";
  std::vector<std::string> keep = Keep();
  {
    auto dropped = s->Stage(Runs("x", &keep));
    REQUIRE(dropped.ok());
    REQUIRE(FilesIn(tmp) == 2);  // one table file per column
  }
  REQUIRE(FilesIn(tmp) == 0);  // dropped uningested: its files are gone
  std::vector<std::unique_ptr<StagedRuns>> sets;
  for (const char* t : {"a", "b", "c"}) sets.push_back(Staged(s, t, &keep));
  REQUIRE(FilesIn(tmp) == 6);
  REQUIRE(s->IngestStaged(std::move(sets)).ok());
  REQUIRE(FilesIn(tmp) == 0);  // moved in
  for (const char* t : {"a", "b", "c"}) {
    REQUIRE(Has(s, Column::kNodes, std::string("k-") + t));
    REQUIRE(Has(s, Column::kMeta, std::string("progress-") + t));
  }
  REQUIRE_FALSE(Has(s, Column::kNodes, "k-x"));
  // And they survive a reopen (ingestion synced what staging did not).
  store.reset();
  store = OpenStore(dir.Sub("db"), false);
  REQUIRE(Has(store.get(), Column::kNodes, "k-b"));
}

TEST_CASE("RocksDB: staging refuses a staging directory that is a link or open to others",
          "[unit][ingest][rocksdb]") {
  test::TempDir dir;
  std::unique_ptr<NodeStore> store = OpenStore(dir.Sub("db"), true);
  NodeStore* s = store.get();
  const std::string tmp = dir.Sub("db") + "/ingest-tmp";
  const std::string elsewhere = dir.Sub("elsewhere");
  std::filesystem::create_directory(elsewhere);
  std::vector<std::string> keep = Keep();
  // Swapped in after the open removed what stood there: refused, nothing written through it.
  std::filesystem::create_directory_symlink(elsewhere, tmp);
  auto through_link = s->Stage(Runs("a", &keep));
  REQUIRE(through_link.status().IsIOError());
  REQUIRE(through_link.status().message().find("not this database's staging directory") !=
          std::string::npos);
  REQUIRE(FilesIn(elsewhere) == 0);
  std::filesystem::remove(tmp);
  std::filesystem::create_directory(tmp);
  std::filesystem::permissions(tmp, std::filesystem::perms::all);
  REQUIRE(s->Stage(Runs("b", &keep)).status().IsIOError());
  std::filesystem::remove(tmp);
  REQUIRE(s->Stage(Runs("c", &keep)).ok());  // made again, private
  REQUIRE((std::filesystem::status(tmp).permissions() & std::filesystem::perms::group_all) ==
          std::filesystem::perms::none);
}

}  // namespace
}  // namespace checkpoint
