// restore --force's clearing (issue 10, items 6-8): only a database of ours,
// only under its lock, and nothing touched when the lock is held elsewhere.
#include "ops/clear_db.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "../test_util.h"
#include "checkpoint/state_db.h"
#include "state/meta.h"
#include "store/node_store.h"

namespace checkpoint {
namespace {

namespace fs = std::filesystem;

void CommitOne(StateDb* db, uint64_t height) {
  WriteLog log;
  REQUIRE(log.Put("k", "v").ok());
  REQUIRE(db->Commit(height, log).ok());
}

TEST_CASE("OpenClearing refuses a database another open holds, touching nothing", "[integration]") {
  test::TempDir tmp;
  const std::string dir = tmp.path() + "/db";
  StateDbOptions o;
  o.create_if_missing = true;
  auto held = StateDb::Open(dir, o);
  REQUIRE(held.ok());
  CommitOne(held->get(), 7);
  fs::create_directories(dir + "/ingest-tmp");
  std::ofstream(dir + "/ingest-tmp/1-0.sst") << "restore in progress";

  auto cleared = OpenClearing(dir, o);
  REQUIRE_FALSE(cleared.ok());
  CHECK(cleared.status().message().find("in use") != std::string::npos);
  // A plain second read-write open must not touch ingest-tmp either.
  CHECK_FALSE(StateDb::Open(dir, o).ok());
  CHECK(fs::exists(dir + "/ingest-tmp/1-0.sst"));
  CHECK((*held)->LatestHeight() == 7u);
  held->reset();

  o.hash = HashKind::kSha512_256;
  cleared = OpenClearing(dir, o);  // free now: emptied and made anew with the new hash
  REQUIRE(cleared.ok());
  CHECK_FALSE((*cleared)->LatestHeight());
  CHECK((*cleared)->hash_kind() == HashKind::kSha512_256);
}

TEST_CASE("OpenClearing refuses what is not a state database of ours", "[integration]") {
  test::TempDir tmp;
  const std::string rocks = tmp.path() + "/rocks";
  {
    RocksStoreOptions ro;
    ro.create_if_missing = true;
    auto store = OpenRocksStore(rocks, ro);
    REQUIRE(store.ok());
    WriteBatch b;
    b.Put(Column::kMeta, "someone-else", "x");
    REQUIRE((*store)->Write(b, true).ok());
  }
  StateDbOptions o;
  o.create_if_missing = true;
  auto r = OpenClearing(rocks, o);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message().find("no schema record") != std::string::npos);
  {
    auto store = OpenRocksStore(rocks, {});
    REQUIRE(store.ok());
    std::string v;
    CHECK((*store)->Get(Column::kMeta, "someone-else", &v).ok());
  }
  const std::string user = tmp.path() + "/user";
  fs::create_directories(user);
  std::ofstream(user + "/notes.txt") << "precious";
  CHECK_FALSE(OpenClearing(user, o).ok());
  CHECK(fs::exists(user + "/notes.txt"));
}

}  // namespace
}  // namespace checkpoint
