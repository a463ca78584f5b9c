// create at height N while another process commits new heights, prunes N
// away and compacts: the checkpoint is still exactly N's.
#include <cstdlib>

#include "chunk_util.h"

namespace checkpoint {
namespace {

using test::Model;

Model Churn(const Model& base, uint64_t seed, size_t n) {
  std::mt19937_64 rng(seed);
  Model m = base;
  for (size_t i = 0; i < n; ++i) {
    auto it = m.lower_bound(std::to_string(rng()));
    if (it != m.end() && rng() % 2)
      m.erase(it);
    else
      m[std::to_string(rng())] = test::RandomValue(rng, 100);
  }
  return m;
}

// A write log file taking `from` to `to`.
std::string DiffLog(const std::string& file, const Model& from, const Model& to) {
  std::string text;
  for (const auto& [k, v] : from) {
    if (!to.count(k)) text += "del " + ToHex(k) + "\n";
  }
  for (const auto& [k, v] : to) {
    auto it = from.find(k);
    if (it == from.end() || it->second != v) text += FormatPutLine(k, v) + "\n";
  }
  REQUIRE(WriteFileSynced(file, text).ok());
  return file;
}

// The writer is a separate process (the CLI): RocksDB's background threads
// do not survive fork(), so a forked writer could not flush or compact.
TEST_CASE("create is not disturbed by another process's commits, prunes and compactions",
          "[integration][create]") {
  const char* bin = std::getenv("CHECKPOINT_BIN");
  if (!bin) FAIL("set CHECKPOINT_BIN to the checkpoint binary");
  test::TempDir dir;
  const std::string path = dir.Sub("db");
  Model m1;
  std::mt19937_64 rng(1);
  while (m1.size() < 30000) m1[std::to_string(rng())] = test::RandomValue(rng, 100);
  std::vector<Model> next{m1};
  std::string script;
  for (uint64_t h = 2; h <= 4; ++h) {
    next.push_back(Churn(next.back(), h, 20000));
    script += std::string(bin) + " state apply --db " + path + " --height " + std::to_string(h) +
              " " + DiffLog(dir.Sub("h" + std::to_string(h)), next[h - 2], next[h - 1]) +
              " >/dev/null && ";
  }
  script += std::string(bin) + " state prune --db " + path + " --below 4 >/dev/null";
  Hash root1;
  {
    StateDbOptions o;
    o.create_if_missing = true;
    auto db = StateDb::Open(path, o);
    REQUIRE(db.ok());
    test::CommitModel(db->get(), 1, m1);
    root1 = (*db)->Heights().back().root;
  }
  StateDbOptions ro;
  ro.read_only = true;
  auto view = StateDb::Open(path, ro);
  REQUIRE(view.ok());

  CreateOptions options;
  options.chunk_size = 4 << 10;
  options.threads = 2;
  int writer_status = -1;
  options.progress = [&](const CreateProgress&) {
    // Mid-create, once: another process commits 2..4, prunes height 1 away
    // and compacts (state prune does), deleting the files this view reads.
    if (writer_status == -1) writer_status = std::system(script.c_str());
  };
  auto r = CreateCheckpoint(view->get(), 1, dir.Sub("store"), options);
  INFO(r.status().message());
  REQUIRE(r.ok());
  REQUIRE(writer_status == 0);
  REQUIRE(r->chunks > 100);
  test::CheckCheckpoint(test::LoadCheckpoint(r->path), m1, root1);

  // Height 1 is really gone for new readers, and height 4 is there.
  view->reset();
  auto after = StateDb::Open(path, ro);
  REQUIRE(after.ok());
  REQUIRE((*after)->View(1).status().message() == "height 1 was pruned");
  auto v4 = (*after)->View(4);
  REQUIRE(v4.ok());
  REQUIRE(test::ReadAll(v4->get()) == next[3]);
}

}  // namespace
}  // namespace checkpoint
