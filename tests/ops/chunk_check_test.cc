// The verifier's chunk-size bound (CheckChunkLimit, VerifyOptions and
// RestoreOptions::max_chunk_size): a manifest declaring chunks larger than the
// verifier accepts is refused before any chunk is read, an honest one-leaf
// chunk of a 64 MiB value still passes under any bound, and the memory of
// checking a chunk is ~2 x its bounded size, not what a frame declares.
#include "ops/chunk_check.h"

#include <zstd.h>

#include "../chunk/chunk_util.h"
#include "../heap_peak.h"
#include "checkpoint/limits.h"
#include "checkpoint/restore.h"
#include "chunk/format.h"
#include "ops/verify_internal.h"
#include "store/node_store.h"

namespace checkpoint {
namespace {

// A canonical manifest of `n` chunks of `raw` bytes each (digests of nothing).
std::string BombManifest(uint64_t chunk_size, uint64_t raw, size_t n = 1) {
  Manifest m;
  m.chunk_size = chunk_size;
  for (size_t i = 0; i < n; ++i) {
    ManifestChunk c;
    if (i) c.lo = std::string(1, static_cast<char>(i));
    c.raw_size = raw;
    m.chunks.push_back(c);
  }
  return EncodeManifest(m);
}

struct Run {
  VerifyReport report;
  size_t reads = 0;
};

// Verifies `manifest` whose every chunk file is `file` (empty: none).
Run Verify(const std::string& manifest, uint64_t max_chunk_size, const std::string& file = {}) {
  Run r;
  VerifyOptions o;
  o.threads = 1;
  o.max_chunk_size = max_chunk_size;
  r.report = VerifyLoaded(
      manifest,
      [&](const Manifest&, size_t) -> Result<std::string> {
        ++r.reads;
        if (file.empty()) return Status::NotFound("no file");
        return file;
      },
      o);
  return r;
}

void RequireRefused(const Run& r, const std::string& what) {
  REQUIRE_FALSE(r.report.ok());
  REQUIRE(r.reads == 0);
  REQUIRE(r.report.problems.size() == 1);
  const ChunkProblem& p = r.report.problems.front();
  INFO(p.message);
  REQUIRE(p.chunk == -1);
  REQUIRE(p.cls == ChunkClass::kInvalid);
  REQUIRE(p.message.find(what) != std::string::npos);
  REQUIRE(p.message.find("--max-chunk-size") != std::string::npos);
  REQUIRE(p.message.find('\n') == std::string::npos);
}

TEST_CASE("chunk limit: a manifest over the verifier's bound is refused before any chunk is read",
          "[unit]") {
  // The bomb: 4 GiB chunks are within the format's bound for chunk_size 4 GiB.
  const std::string bomb = BombManifest(4ull << 30, 4ull << 30);
  Manifest m;
  REQUIRE(ParseManifest(bomb, &m).ok());
  int64_t peak = test::PeakDuring(
      [&] { RequireRefused(Verify(bomb, kDefaultMaxChunkSize), "chunk_size 4 GiB"); });
  REQUIRE(peak < (1 << 20));
  // The verifier may choose to accept it.
  REQUIRE(Verify(bomb, 4ull << 30).reads == 1);
  // chunk_size within the bound, one chunk over it (the format allows up to
  // 128 MiB for 8 MiB chunks; the verifier max(8 MiB, 72 MiB)).
  const std::string big = BombManifest(8 << 20, 100 << 20);
  RequireRefused(Verify(big, 8 << 20), "chunks[0].raw_size 100 MiB is more than the 72 MiB");
  REQUIRE(Verify(big, kDefaultMaxChunkSize).reads == 1);
  // A one-leaf chunk over chunk_size, up to kMaxLeafChunkBytes, passes any bound.
  REQUIRE(Verify(BombManifest(1024, kMaxLeafChunkBytes), 1024).reads == 1);
  RequireRefused(Verify(BombManifest(1024, kMaxLeafChunkBytes + 1), 1024), "raw_size");
  REQUIRE(CheckChunkLimit(m, 4ull << 30).ok());
  REQUIRE(CheckChunkLimit(m, (4ull << 30) - 1).IsInvalidArgument());
}

TEST_CASE("chunk limit: restore refuses the manifest before touching the database", "[unit]") {
  const std::string bomb = BombManifest(4ull << 30, 4ull << 30);
  auto store = NewMemStore();
  RestoreOptions o;
  o.anchors.id = ManifestId(bomb);
  auto s = RestoreSession::BeginOnStore(store.get(), bomb, o);
  REQUIRE_FALSE(s.ok());
  INFO(s.status().message());
  REQUIRE(s.status().IsInvalidArgument());
  REQUIRE(s.status().message().rfind("manifest chunk_size 4 GiB", 0) == 0);  // the CLI: exit 3
  auto empty = store->NewIterator(Column::kMeta);
  empty->Seek("");
  REQUIRE_FALSE(empty->Valid());
  o.max_chunk_size = 4ull << 30;
  REQUIRE(RestoreSession::BeginOnStore(store.get(), bomb, o).ok());
}

TEST_CASE("chunk limit: a bomb within the bound costs its bounded size, once", "[unit]") {
  // 16 MiB of zeros declared and held; the digest fails after decompression.
  const std::string file = EncodeChunkFile(std::string(16 << 20, '\0'), 1);
  REQUIRE(file.size() < 4096);
  const std::string manifest = BombManifest(16 << 20, 16 << 20, 3);
  Run r;
  const int64_t peak = test::PeakDuring([&] { r = Verify(manifest, 16 << 20, file); });
  REQUIRE(r.reads == 3);
  REQUIRE(r.report.problems.size() == 3);
  for (const ChunkProblem& p : r.report.problems) REQUIRE(p.cls == ChunkClass::kCorrupt);
  INFO("peak " << peak);
  REQUIRE(peak <= (16 << 20) + (1 << 20));  // one thread: one chunk at a time
  // A frame declaring more than the manifest's raw_size is refused before allocating.
  const int64_t peak2 =
      test::PeakDuring([&] { r = Verify(BombManifest(16 << 20, 1 << 20), 16 << 20, file); });
  REQUIRE(r.report.problems.front().cls == ChunkClass::kCorrupt);
  REQUIRE(peak2 < (1 << 20));
}

TEST_CASE("chunk limit: an honest chunk of one 64 MiB value passes a bound below it", "[unit]") {
  test::TempDir dir;
  auto store = NewMemStore();
  auto db = test::MemDb(store.get());
  test::Model model;
  model[std::string(kMaxKeyBytes, 'k')] = std::string(kMaxValueBytes, 'v');
  model["a"] = "b";
  model["z"] = "y";
  test::CommitModel(db.get(), 1, model);
  auto created = test::Create(db.get(), 1, dir.Sub("c"), 1 << 20, 1);
  test::Loaded l = test::LoadCheckpoint(created.path);
  bool oversize = false;
  for (const ManifestChunk& c : l.manifest.chunks) oversize |= c.raw_size > kMaxValueBytes;
  REQUIRE(oversize);
  VerifyOptions o;
  o.anchors.root = created.root;
  o.max_chunk_size = 1 << 20;
  auto r = VerifyCheckpoint(created.path, o);
  REQUIRE(r.ok());
  INFO((r->problems.empty() ? "" : r->problems.front().message));
  REQUIRE(r->ok());
  RestoreOptions ro;
  ro.anchors.root = created.root;
  ro.max_chunk_size = 1 << 20;
  auto dest = NewMemStore();
  auto s = RestoreSession::BeginOnStore(dest.get(), l.manifest_bytes, ro);
  REQUIRE(s.ok());
  for (size_t i = 0; i < l.files.size(); ++i) {
    ChunkCheck check;
    REQUIRE((*s)->Add(i, l.files[i], &check).ok());
    REQUIRE(check.cls == ChunkClass::kOk);
  }
  REQUIRE((*s)->Finish().ok());
}

}  // namespace
}  // namespace checkpoint
