// StateDb on RocksDB: persistence, refusing what is not ours, snapshot
// isolation across instances, and prune returning space.
#include <rocksdb/perf_context.h>
#include <rocksdb/perf_level.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "../test_util.h"
#include "state/meta.h"
#include "store/node_store.h"

namespace checkpoint {
namespace {

using test::Model;

std::unique_ptr<StateDb> Open(const std::string& path, bool create = false,
                              bool read_only = false) {
  StateDbOptions options;
  options.create_if_missing = create;
  options.read_only = read_only;
  auto db = StateDb::Open(path, options);
  REQUIRE(db.ok());
  return std::move(db).value();
}

Model CommitRandom(StateDb* db, uint64_t height, Model model, std::mt19937_64& rng, int ops,
                   size_t value_len = 24) {
  WriteLog log;
  for (int i = 0; i < ops; ++i) {
    std::string k = test::RandomKey(rng, 3) + std::to_string(rng() % 5000);
    if (rng() % 5 == 0) {
      REQUIRE(log.Delete(k).ok());
      model.erase(k);
    } else {
      std::string v = test::RandomValue(rng, value_len);
      REQUIRE(log.Put(k, v).ok());
      model[k] = v;
    }
  }
  REQUIRE(db->Commit(height, log).ok());
  return model;
}

uint64_t DirBytes(const std::string& dir) {
  uint64_t n = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (e.is_regular_file()) n += e.file_size();
  }
  return n;
}

TEST_CASE("heights, roots and values survive a reopen", "[integration][rocksdb]") {
  test::TempDir dir;
  std::mt19937_64 rng(3);
  std::vector<Model> models{{}};
  std::vector<HeightInfo> before;
  {
    auto db = Open(dir.Sub("db"), /*create=*/true);
    for (uint64_t h = 1; h <= 5; ++h)
      models.push_back(CommitRandom(db.get(), h, models.back(), rng, 500));
    before = db->Heights();
    // Heights must increase; a refused commit writes nothing.
    WriteLog log;
    REQUIRE(log.Put("k", "v").ok());
    Status s = db->Commit(5, log);
    REQUIRE(s.IsInvalidArgument());
    REQUIRE(s.message().find("not above the latest height 5") != std::string::npos);
  }
  auto db = Open(dir.Sub("db"));
  auto after = db->Heights();
  REQUIRE(after.size() == before.size());
  for (size_t i = 0; i < after.size(); ++i) {
    REQUIRE(after[i].height == before[i].height);
    REQUIRE(after[i].root == before[i].root);
    REQUIRE(after[i].root == test::ReferenceRoot(HashKind::kSha256, models[after[i].height]));
    auto view = db->View(after[i].height);
    REQUIRE(view.ok());
    REQUIRE(test::ReadAll(view->get()) == models[after[i].height]);
  }
}

// Reads do not pay for RocksDB's perf counting (DECISIONS), yet an embedding
// program that counts its own reads on the same thread keeps its level.
TEST_CASE("reads are not counted into the thread's perf context, whose level stays",
          "[integration][rocksdb]") {
  test::TempDir dir;
  std::mt19937_64 rng(5);
  auto db = Open(dir.Sub("db"), /*create=*/true);
  const Model model = CommitRandom(db.get(), 1, {}, rng, 2000);
  rocksdb::SetPerfLevel(rocksdb::PerfLevel::kEnableCount);
  rocksdb::get_perf_context()->Reset();
  auto view = db->View(1);
  REQUIRE(view.ok());
  REQUIRE(test::ReadAll(view->get()) == model);
  std::string value;
  REQUIRE((*view)->Get(model.begin()->first, &value).ok());
  CHECK(rocksdb::get_perf_context()->user_key_comparison_count == 0);
  CHECK(rocksdb::get_perf_context()->get_read_bytes == 0);
  CHECK(rocksdb::GetPerfLevel() == rocksdb::PerfLevel::kEnableCount);
}

TEST_CASE("opening what is not a state database fails clearly", "[integration][rocksdb]") {
  test::TempDir dir;
  StateDbOptions plain;
  auto missing = StateDb::Open(dir.Sub("nothing"), plain);
  REQUIRE(missing.status().IsNotFound());
  REQUIRE_FALSE(std::filesystem::exists(dir.Sub("nothing")));  // never created

  std::filesystem::create_directory(dir.Sub("junk"));
  std::ofstream(dir.Sub("junk") + "/file") << "hello";
  auto junk = StateDb::Open(dir.Sub("junk"), plain);
  REQUIRE(junk.status().IsInvalidArgument());
  StateDbOptions create;
  create.create_if_missing = true;
  REQUIRE(StateDb::Open(dir.Sub("junk"), create).status().IsInvalidArgument());

  // A RocksDB database that is not ours.
  RocksStoreOptions ro;
  ro.create_if_missing = true;
  {
    auto store = OpenRocksStore(dir.Sub("other"), ro);
    REQUIRE(store.ok());
    WriteBatch b;
    b.Put(Column::kMeta, "unrelated", "x");
    REQUIRE((*store)->Write(b, true).ok());
  }
  auto other = StateDb::Open(dir.Sub("other"), create);
  REQUIRE(other.status().IsInvalidArgument());
  REQUIRE(other.status().message().find("not a state database") != std::string::npos);

  // A database another process (here: another instance) holds open.
  {
    auto first = Open(dir.Sub("busy"), /*create=*/true);
    auto second = StateDb::Open(dir.Sub("busy"), plain);
    REQUIRE_FALSE(second.ok());
    REQUIRE(second.status().message().find("in use by another process") != std::string::npos);
  }

  // A newer schema is refused with the versions named.
  { Open(dir.Sub("newer"), /*create=*/true); }
  {
    auto store = OpenRocksStore(dir.Sub("newer"), RocksStoreOptions{});
    REQUIRE(store.ok());
    WriteBatch b;
    b.Put(Column::kMeta, kSchemaKey, "2");
    REQUIRE((*store)->Write(b, true).ok());
  }
  auto newer = StateDb::Open(dir.Sub("newer"), plain);
  REQUIRE(newer.status().code() == Status::Code::kNotSupported);
  REQUIRE(newer.status().message().find("schema 2 is newer than this build supports (1)") !=
          std::string::npos);
}

TEST_CASE("a read-only view is not disturbed by another instance's commits and prunes",
          "[integration][rocksdb]") {
  test::TempDir dir;
  std::mt19937_64 rng(11);
  auto writer = Open(dir.Sub("db"), /*create=*/true);
  Model m1 = CommitRandom(writer.get(), 1, {}, rng, 2000);
  Model m2 = CommitRandom(writer.get(), 2, m1, rng, 2000);
  auto reader = Open(dir.Sub("db"), false, /*read_only=*/true);
  REQUIRE(reader->Heights().size() == 2);
  auto view1 = reader->View(1);
  REQUIRE(view1.ok());

  Model m3 = m2;
  for (uint64_t h = 3; h <= 6; ++h) m3 = CommitRandom(writer.get(), h, m3, rng, 2000);
  REQUIRE(writer->Prune(6).ok());
  REQUIRE(writer->Compact().ok());  // deletes the files the reader still uses

  REQUIRE(test::ReadAll(view1->get()) == m1);
  auto view2 = reader->View(2);
  REQUIRE(view2.ok());
  REQUIRE(test::ReadAll(view2->get()) == m2);
  REQUIRE(reader->View(6).status().IsNotFound());  // committed after the reader opened
  WriteLog log;
  REQUIRE(log.Put("x", "y").ok());
  REQUIRE(reader->Commit(7, log).code() == Status::Code::kNotSupported);
}

TEST_CASE("read-only opens remove the scratch directories of killed readers",
          "[integration][rocksdb]") {
  test::TempDir dir;
  { Open(dir.Sub("db"), /*create=*/true); }
  pid_t dead = fork();
  if (dead == 0) _exit(0);
  REQUIRE(dead > 0);
  waitpid(dead, nullptr, 0);  // its pid now names no process
  const auto tmp = std::filesystem::temp_directory_path();
  const auto leftover = tmp / ("checkpoint-secondary-" + std::to_string(dead) + "-XXXXXX");
  const auto live = tmp / ("checkpoint-secondary-" + std::to_string(getpid()) + "-keepme");
  std::filesystem::create_directories(leftover);
  std::filesystem::create_directories(live);
  { Open(dir.Sub("db"), false, /*read_only=*/true); }
  REQUIRE_FALSE(std::filesystem::exists(leftover));
  REQUIRE(std::filesystem::exists(live));  // a running process's stays
  std::filesystem::remove_all(live);
}

TEST_CASE("prune and compaction return space", "[integration][rocksdb][prune]") {
  test::TempDir dir;
  std::mt19937_64 rng(13);
  auto db = Open(dir.Sub("db"), /*create=*/true);
  Model m;
  std::vector<Model> models{{}};
  for (uint64_t h = 1; h <= 12; ++h) {
    m = CommitRandom(db.get(), h, m, rng, 3000, 400);
    models.push_back(m);
  }
  REQUIRE(db->Compact().ok());
  const uint64_t before = DirBytes(dir.Sub("db"));
  REQUIRE(db->Prune(12).ok());
  REQUIRE(db->Compact().ok());
  const uint64_t after = DirBytes(dir.Sub("db"));
  INFO("before " << before << " after " << after);
  REQUIRE(after < before * 4 / 5);
  REQUIRE(db->View(11).status().message() == "height 11 was pruned");
  auto view = db->View(12);
  REQUIRE(view.ok());
  REQUIRE(test::ReadAll(view->get()) == models[12]);
  // A view keeps the store open past its StateDb; release both, then reopen.
  db.reset();
  REQUIRE(test::ReadAll(view->get()) == models[12]);
  view->reset();
  auto again = Open(dir.Sub("db"));
  REQUIRE(again->Heights().size() == 1);
  REQUIRE(again->View(3).status().message() == "height 3 was pruned");
}

}  // namespace
}  // namespace checkpoint
