// Read-only views opened while another process keeps committing, flushing
// and pruning: every view must be a consistent state — each retained height
// whose root record it sees reads completely.
//
// Before all columns flushed together, about one view in 250 saw the newest
// root record without that commit's node records ("missing node record"): it
// read the MANIFEST between two columns' flushes, then found their WAL gone.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "../test_util.h"
#include "delta/delta_restore.h"
#include "store/node_store.h"

namespace checkpoint {
namespace {

// Runs `script` with /bin/sh in another thread; a separate process, since
// RocksDB's background threads do not survive fork().
class Background {
 public:
  explicit Background(std::string script)
      : thread_([this, script] { status_ = std::system(script.c_str()); }) {}
  int Join() {
    thread_.join();
    return status_;
  }

 private:
  std::atomic<int> status_{-1};
  std::thread thread_;
};

TEST_CASE("read-only views of a database another process is writing are consistent",
          "[integration][state]") {
  const char* bin = std::getenv("CHECKPOINT_BIN");
  if (!bin) FAIL("set CHECKPOINT_BIN to the checkpoint binary");
  const char* seconds_env = std::getenv("SECONDARY_TEST_SECONDS");
  const double seconds = seconds_env ? std::atof(seconds_env) : 25;
  test::TempDir dir;
  const std::string path = dir.Sub("db");
  {
    StateDbOptions o;
    o.create_if_missing = true;
    auto db = StateDb::Open(path, o);
    REQUIRE(db.ok());
    std::mt19937_64 rng(5);
    for (uint64_t h = 1; h <= 3; ++h) {
      WriteLog log;
      for (int i = 0; i < 700; ++i)
        REQUIRE(log.Put(test::RandomKey(rng, 32), test::RandomValue(rng, 40)).ok());
      REQUIRE((*db)->Commit(h, log).ok());
    }
  }
  // The writer: one process per commit (each flushes as it closes), a prune
  // below the latest height every 20 heights, until the stop file appears.
  const std::string stop = dir.Sub("stop");
  const std::string script =
      "h=4; while [ ! -e " + stop +
      " ]; do "
      "i=0; while [ $i -lt 50 ]; do printf 'put %016x%016x %08x\\n' $h $i $i; i=$((i+1)); done | " +
      bin + " state apply --db " + path +
      " --height $h >/dev/null || exit 1; "
      "if [ $((h % 20)) = 0 ]; then " +
      bin + " state prune --db " + path + " --below $h >/dev/null || exit 1; fi; h=$((h+1)); done";
  Background writer(script);

  std::map<std::string, int> failures;
  int views = 0;
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < end) {
    StateDbOptions o;
    o.read_only = true;
    auto db = StateDb::Open(path, o);
    ++views;
    if (!db.ok()) {
      failures["open: " + db.status().message()]++;
      continue;
    }
    auto latest = (*db)->LatestHeight();
    if (!latest) {
      failures["no heights"]++;
      continue;
    }
    auto view = (*db)->View(*latest);
    if (!view.ok()) {
      failures["view: " + view.status().message()]++;
      continue;
    }
    auto it = (*view)->NewIterator();
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
    }
    if (!it->status().ok())
      failures["height " + std::to_string(*latest) + ": " + it->status().message()]++;
  }
  std::ofstream(stop).put('\n');
  REQUIRE(writer.Join() == 0);

  std::string report;
  for (const auto& [what, n] : failures) report += std::to_string(n) + " x " + what + "\n";
  std::printf("%d read-only views, %zu kinds of failure\n%s", views, failures.size(),
              report.c_str());
  INFO(views << " views, failures:\n" << report);
  CHECK(views > 100);
  CHECK(failures.empty());
}

// A view that stays incomplete (here: the database lost its node records) is
// refused with the reason, after the retries, rather than read.
TEST_CASE("a read-only open refuses a view whose root records lack their nodes",
          "[integration][state]") {
  test::TempDir dir;
  const std::string path = dir.Sub("db");
  {
    StateDbOptions o;
    o.create_if_missing = true;
    auto db = StateDb::Open(path, o);
    REQUIRE(db.ok());
    WriteLog log;
    REQUIRE(log.Put("a", "1").ok());
    REQUIRE(log.Put("b", "2").ok());
    REQUIRE((*db)->Commit(1, log).ok());
  }
  {
    RocksStoreOptions o;
    auto store = OpenRocksStore(path, o);
    REQUIRE(store.ok());
    WriteBatch b;
    b.DeleteRange(Column::kNodes, "", "\xff");
    REQUIRE((*store)->Write(b, true).ok());
  }
  StateDbOptions ro;
  ro.read_only = true;
  auto db = StateDb::Open(path, ro);
  REQUIRE_FALSE(db.ok());
  INFO(db.status().message());
  CHECK(db.status().IsCorruption());
  CHECK(db.status().message().find("no consistent read-only view in 4 tries") != std::string::npos);
  CHECK(db.status().message().find("height 1: internal node at path") != std::string::npos);
  CHECK(db.status().message().find("missing node record") != std::string::npos);
}

// Table files this process holds open under `dir`.
int OpenTableFiles(const std::string& dir) {
  int n = 0;
  for (const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    const std::string target = std::filesystem::read_symlink(e.path(), ec).string();
    if (!ec && target.rfind(dir, 0) == 0 && target.size() > 4 &&
        target.compare(target.size() - 4, 4, ".sst") == 0)
      ++n;
  }
  return n;
}

// What a restore asks before it starts (the database's newest height) costs
// the meta column's files, not every node table file: a delta apply's cost
// must not grow with the database.
TEST_CASE("a meta-only view reads root records and opens no node table file",
          "[integration][state]") {
  test::TempDir dir;
  const std::string path = std::filesystem::canonical(dir.path()).string() + "/db";
  Hash newest{};
  std::mt19937_64 rng(9);
  for (uint64_t h = 1; h <= 3; ++h) {  // each close flushes: table files in every column
    StateDbOptions o;
    o.create_if_missing = true;
    auto db = StateDb::Open(path, o);
    REQUIRE(db.ok());
    WriteLog log;
    for (int i = 0; i < 3000; ++i)
      REQUIRE(log.Put(test::RandomKey(rng, 32), test::RandomValue(rng, 100)).ok());
    REQUIRE((*db)->Commit(h, log).ok());
    newest = (*(*db)->View(h))->root();
  }
  CHECK(NewestState(path) == std::make_pair(uint64_t{3}, newest));
  CHECK(NewestState(path + "-absent") == std::nullopt);

  RocksStoreOptions all;
  all.read_only = true;
  auto full = OpenRocksStore(path, all);
  REQUIRE(full.ok());
  const int every_table = OpenTableFiles(path);
  full->reset();
  RocksStoreOptions meta = all;
  meta.meta_only = true;
  auto view = OpenRocksStore(path, meta);
  REQUIRE(view.ok());
  const int meta_tables = OpenTableFiles(path);
  INFO(every_table << " table files open for a full view, " << meta_tables << " for meta only");
  CHECK(meta_tables < every_table);
  std::string v;
  CHECK((*view)->Get(Column::kMeta, std::string(1, '\x01'), &v, nullptr).IsNotFound());
  CHECK((*view)->Get(Column::kNodes, "a", &v, nullptr).code() == Status::Code::kNotSupported);
  auto it = (*view)->NewIterator(Column::kStale);
  it->Seek("");
  CHECK_FALSE(it->Valid());
  CHECK(it->status().code() == Status::Code::kNotSupported);

  RocksStoreOptions writer;
  writer.meta_only = true;
  CHECK(OpenRocksStore(path, writer).status().IsInvalidArgument());
}

}  // namespace
}  // namespace checkpoint
