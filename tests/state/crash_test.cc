// Crash safety of commit and prune: deterministic fault injection at the k-th
// store write for every k, and real SIGKILLs of a child process mid-commit.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>

#include "../test_util.h"
#include "state/meta.h"
#include "store/node_store.h"
#include "trie/record_key.h"

namespace checkpoint {
namespace {

using test::Model;

// Height h's write log: puts of random keys, overwrites and deletes of older ones.
WriteLog LogFor(uint64_t h, size_t puts, Model* model) {
  std::mt19937_64 rng(h * 7919);
  WriteLog log;
  for (size_t i = 0; i < puts; ++i) {
    std::string k = test::RandomKey(rng, 3) + std::to_string(rng() % (puts * 4));
    std::string v = test::RandomValue(rng, 40);
    REQUIRE(log.Put(k, v).ok());
    (*model)[k] = v;
  }
  for (size_t i = 0; i < puts / 4 && !model->empty(); ++i) {
    auto it = model->lower_bound(test::RandomKey(rng, 3));
    if (it == model->end()) continue;
    REQUIRE(log.Delete(it->first).ok());
    model->erase(it);
  }
  return log;
}

constexpr size_t kSigkillPuts = 20000;

std::unique_ptr<StateDb> OpenOn(NodeStore* store, size_t batch_bytes) {
  StateDbOptions options;
  options.create_if_missing = true;
  options.batch_bytes = batch_bytes;
  auto db = StateDb::OpenOnStore(store, options);
  REQUIRE(db.ok());
  return std::move(db).value();
}

// No record, stale entry or journal of `height` remains.
void RequireNoTrace(NodeStore* store, uint64_t height) {
  auto it = store->NewIterator(Column::kNodes);
  for (it->Seek({}); it->Valid(); it->Next()) {
    RecordKey rk;
    REQUIRE(DecodeRecordKey(it->key(), &rk).ok());
    REQUIRE(rk.height != height);
  }
  auto stale = store->NewIterator(Column::kStale);
  stale->Seek(HeightPrefix(height));
  if (stale->Valid()) REQUIRE(stale->key().substr(0, 8) != HeightPrefix(height));
  std::string v;
  REQUIRE(store->Get(Column::kMeta, kJournalKey, &v).IsNotFound());
  auto meta = store->NewIterator(Column::kMeta);
  meta->Seek(std::string(1, kJournalPrefix));
  if (meta->Valid()) REQUIRE(meta->key()[0] != kJournalPrefix);
}

void RequireHeights(StateDb* db, const std::vector<Model>& models, uint64_t latest) {
  auto heights = db->Heights();
  REQUIRE(heights.size() == latest);
  for (const HeightInfo& info : heights) {
    REQUIRE(info.root == test::ReferenceRoot(db->hash_kind(), models[info.height]));
  }
  auto view = db->View(latest);
  REQUIRE(view.ok());
  REQUIRE(test::ReadAll(view->get()) == models[latest]);
}

void FaultSweep(NodeStore* base, const std::string& label) {
  const size_t kBatch = 2048;  // many batches per commit: the journaled path
  std::vector<Model> models{{}};
  {
    auto db = OpenOn(base, kBatch);
    for (uint64_t h = 1; h <= 3; ++h) {
      Model m = models.back();
      WriteLog log = LogFor(h, 400, &m);
      REQUIRE(db->Commit(h, log).ok());
      models.push_back(m);
    }
  }
  Model m4 = models.back();
  WriteLog log4 = LogFor(4, 1500, &m4);
  uint64_t k = 1;
  for (;; ++k) {
    FaultStore faulty(base);
    {
      auto db = OpenOn(&faulty, kBatch);
      faulty.FailAtWrite(faulty.writes() + k);
      if (db->Commit(4, log4).ok()) break;  // k passed the last write
    }
    auto db = OpenOn(base, kBatch);  // "restart": rolls the partial commit back
    RequireNoTrace(base, 4);
    RequireHeights(db.get(), models, 3);
  }
  INFO(label << ": commit survived failures at writes 1.." << k - 1);
  REQUIRE(k > 5);  // the sweep really crossed several batches
  models.push_back(m4);
  auto db = OpenOn(base, kBatch);
  RequireHeights(db.get(), models, 4);

  // Prune interrupted at every write: heights stay readable, and the next
  // open finishes the job.
  for (uint64_t j = 1;; ++j) {
    FaultStore faulty(base);
    {
      auto fdb = OpenOn(&faulty, 256);
      faulty.FailAtWrite(faulty.writes() + j);
      if (fdb->Prune(3).ok()) break;
    }
    auto reopened = OpenOn(base, 256);
    for (const HeightInfo& info : reopened->Heights()) {
      auto view = reopened->View(info.height);
      REQUIRE(view.ok());
      REQUIRE(test::ReadAll(view->get()) == models[info.height]);
    }
  }
  auto after = OpenOn(base, kBatch);
  REQUIRE(after->Heights().front().height == 3);
}

TEST_CASE("a failed commit whose undo failed too is undone before the next write",
          "[unit][crash]") {
  for (uint64_t k = 2; k <= 6; ++k) {
    auto base = NewMemStore();
    FaultStore faulty(base.get());
    auto db = OpenOn(&faulty, 1024);
    std::vector<Model> models{{}};
    Model m1;
    WriteLog log1 = LogFor(1, 300, &m1);
    REQUIRE(db->Commit(1, log1).ok());
    models.push_back(m1);
    Model junk = m1;
    WriteLog log2 = LogFor(2, 1000, &junk);
    faulty.FailAtWrite(faulty.writes() + k);  // this and every later write fail: no undo
    REQUIRE_FALSE(db->Commit(2, log2).ok());
    faulty.Disarm();
    // The same height again with other contents, then prune under it.
    Model m2 = m1;
    WriteLog other = LogFor(20, 200, &m2);
    REQUIRE(db->Commit(2, other).ok());
    models.push_back(m2);
    REQUIRE(db->Prune(2).ok());
    db.reset();
    auto reopened = OpenOn(base.get(), 1024);
    auto view = reopened->View(2);
    REQUIRE(view.ok());
    REQUIRE(test::ReadAll(view->get()) == m2);
    REQUIRE((*view)->root() == test::ReferenceRoot(HashKind::kSha256, m2));
  }
}

TEST_CASE("a commit or prune failing at any write leaves no trace (memory)", "[unit][crash]") {
  auto base = NewMemStore();
  FaultSweep(base.get(), "memory");
}

TEST_CASE("a commit or prune failing at any write leaves no trace (RocksDB)",
          "[integration][crash]") {
  test::TempDir dir;
  RocksStoreOptions ro;
  ro.create_if_missing = true;
  auto store = OpenRocksStore(dir.Sub("db"), ro);
  REQUIRE(store.ok());
  FaultSweep(store->get(), "rocksdb");
}

// The child of the SIGKILL test: commits heights until killed, writing each
// committed height's number to the pipe. Hidden: runs only when exec'd.
TEST_CASE("sigkill child", "[.sigkill-child]") {
  const char* path = std::getenv("CRASH_CHILD_DB");
  const char* fd = std::getenv("CRASH_CHILD_FD");
  REQUIRE(path);
  REQUIRE(fd);
  const int out = std::atoi(fd);
  StateDbOptions options;
  options.create_if_missing = true;
  options.batch_bytes = 64 << 10;
  auto db = StateDb::Open(path, options);
  REQUIRE(db.ok());
  Model m;  // rebuilt from the database's own latest height
  auto latest = (*db)->LatestHeight();
  if (latest) m = test::ReadAll((*db)->View(*latest)->get());
  for (uint64_t h = latest.value_or(0) + 1;; ++h) {
    WriteLog log = LogFor(h, kSigkillPuts, &m);
    REQUIRE((*db)->Commit(h, log).ok());
    char byte = static_cast<char>(h);
    REQUIRE(write(out, &byte, 1) == 1);
  }
}

TEST_CASE("SIGKILL in the middle of large commits loses no committed height",
          "[integration][crash]") {
  test::TempDir dir;
  const std::string path = dir.Sub("db");
  const size_t kPuts = kSigkillPuts;
  std::mt19937_64 rng(std::random_device{}());
  std::vector<Model> models{{}};
  uint64_t reported = 0;
  for (int round = 0; round < 3; ++round) {
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
      // A fresh process image: RocksDB's background threads do not survive fork().
      close(fds[0]);
      setenv("CRASH_CHILD_DB", path.c_str(), 1);
      setenv("CRASH_CHILD_FD", std::to_string(fds[1]).c_str(), 1);
      execl("/proc/self/exe", "crash_test", "[.sigkill-child]", static_cast<char*>(nullptr));
      _exit(127);
    }
    close(fds[1]);
    char byte;
    REQUIRE(read(fds[0], &byte, 1) == 1);  // one more height committed in this round
    reported = static_cast<uint8_t>(byte);
    // A random moment inside the next commits: fault injection, not synchronisation.
    usleep(static_cast<useconds_t>(rng() % 400000));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    while (read(fds[0], &byte, 1) == 1) reported = static_cast<uint8_t>(byte);
    close(fds[0]);
    REQUIRE(WIFSIGNALED(status));

    uint64_t latest = 0;
    {
      auto db = StateDb::Open(path, StateDbOptions{});  // rolls back the killed commit
      REQUIRE(db.ok());
      latest = (*db)->LatestHeight().value();
      REQUIRE(latest >= reported);
      while (models.size() <= latest) {
        Model m = models.back();
        (void)LogFor(models.size(), kPuts, &m);
        models.push_back(m);
      }
      RequireHeights(db->get(), models, latest);
    }
    auto store = OpenRocksStore(path, RocksStoreOptions{});
    REQUIRE(store.ok());
    RequireNoTrace(store->get(), latest + 1);
  }
}

}  // namespace
}  // namespace checkpoint
