// The mutation suite: a real checkpoint damaged systematically. Every change
// to the manifest's bytes or to a chunk's content must be rejected by verify
// --id with the right class; every change to the state it describes, by verify
// --root alone; restore must leave no visible height. Bulk in-process, a
// sample through restore sessions. Prints the counts.
#include <zstd.h>

#include <iostream>
#include <map>
#include <nlohmann/json.hpp>

#include "../chunk/chunk_util.h"
#include "checkpoint/restore.h"
#include "chunk/format.h"
#include "ops/verify_internal.h"
#include "store/node_store.h"

namespace checkpoint {
namespace {

using test::Model;

struct Ckpt {
  std::string manifest;
  std::vector<std::string> files;
  std::vector<std::string> canonical;
  Hash root{};
};

Ckpt Make(const Model& model, uint64_t height, const std::string& dir) {
  auto store = NewMemStore();
  auto db = test::MemDb(store.get());
  test::CommitModel(db.get(), height, model);
  auto r = test::Create(db.get(), height, dir, 4 << 10, 1);
  test::Loaded l = test::LoadCheckpoint(r.path);
  return {l.manifest_bytes, l.files, l.canonical, r.root};
}

struct Tally {
  std::map<std::string, uint64_t> by_class;
  uint64_t tried = 0, rejected = 0, harmless = 0;
};

// Runs one damaged checkpoint; returns the report.
VerifyReport Check(const std::string& manifest, const std::vector<std::string>& files,
                   const Anchors& anchors) {
  VerifyOptions o;
  o.anchors = anchors;
  o.threads = 1;
  return VerifyLoaded(
      manifest,
      [&](const Manifest& m, size_t i) -> Result<std::string> {
        if (i >= files.size() || files[i] == "\x01missing") return Status::NotFound("no file");
        // The same cap ReadChunkFile applies to a file on disk.
        if (files[i].size() > ZSTD_compressBound(m.chunks[i].raw_size) + kChunkFileHeaderBytes) {
          return Status::Corruption("chunk file larger than its frame can be");
        }
        return files[i];
      },
      o);
}

void Expect(Tally* t, const VerifyReport& r, const std::string& what,
            ChunkClass want = ChunkClass::kOk) {
  ++t->tried;
  INFO(what);
  REQUIRE_FALSE(r.ok());
  ++t->rejected;
  ++t->by_class[ChunkClassName(r.problems.front().cls)];
  if (want != ChunkClass::kOk) {
    bool found = false;
    for (const auto& p : r.problems) found |= p.cls == want;
    INFO("first problem: " << r.problems.front().message);
    REQUIRE(found);
  }
}

Model State(uint64_t seed, size_t n) {
  std::mt19937_64 rng(seed);
  Model m;
  while (m.size() < n)
    m[test::RandomKey(rng, 5) + std::to_string(rng() % 10000)] = test::RandomValue(rng, 120);
  m["a"] = "slot";
  m["ab"] = "slot";
  return m;
}

// Patches a zstd frame's declared content size (single-frame files only).
std::string DeclareSize(std::string file, uint64_t size) {
  const size_t f = kChunkFileHeaderBytes;
  const uint8_t fhd = static_cast<uint8_t>(file[f + 4]);
  const int fcs_flag = fhd >> 6, single = (fhd >> 5) & 1, did = fhd & 3;
  const size_t pos = f + 5 + (single ? 0 : 1) + (did == 0 ? 0 : did == 1 ? 1 : did == 2 ? 2 : 4);
  const int width = fcs_flag == 0 ? (single ? 1 : 0) : fcs_flag == 1 ? 2 : fcs_flag == 2 ? 4 : 8;
  if (width == 0) return file;
  uint64_t v = width == 2 ? size - 256 : size;
  for (int i = 0; i < width; ++i) file[pos + i] = static_cast<char>(v >> (8 * i));
  return file;
}

TEST_CASE("mutation suite", "[integration][mutation]") {
  test::TempDir dir;
  const Model model = State(1, 3000);
  Ckpt c = Make(model, 5, dir.Sub("a"));
  Model changed = model;
  changed.begin()->second = "other height";
  Ckpt other_height = Make(changed, 6, dir.Sub("b"));
  Ckpt other_state = Make(State(2, 3000), 5, dir.Sub("c"));
  const size_t n = c.files.size();
  REQUIRE(n > 20);
  Anchors by_id, by_root;
  by_id.id = ManifestId(c.manifest);
  by_root.root = c.root;
  REQUIRE(Check(c.manifest, c.files, by_id).ok());
  REQUIRE(Check(c.manifest, c.files, by_root).ok());
  Tally t;

  // Bit flips across every chunk file: each either decompresses to the same
  // canonical bytes (transport only: may pass) or is rejected as corrupt.
  for (size_t i = 0; i < n; ++i) {
    for (size_t off = 0; off < c.files[i].size(); off += 1 + c.files[i].size() / 40) {
      auto files = c.files;
      files[i][off] = static_cast<char>(files[i][off] ^ (1 << (off % 8)));
      std::string canonical;
      if (DecodeChunkFile(files[i], c.canonical[i].size(), &canonical).ok() &&
          canonical == c.canonical[i]) {
        ++t.tried, ++t.harmless;
        continue;
      }
      Expect(&t, Check(c.manifest, files, by_id), "flip chunk", ChunkClass::kCorrupt);
      Expect(&t, Check(c.manifest, files, by_root), "flip chunk --root", ChunkClass::kCorrupt);
    }
  }
  // Bit flips across the manifest.
  for (size_t off = 0; off < c.manifest.size(); off += 1 + c.manifest.size() / 300) {
    std::string m = c.manifest;
    m[off] = static_cast<char>(m[off] ^ (1 << (off % 7)));
    Expect(&t, Check(m, c.files, by_id), "flip manifest", ChunkClass::kCorrupt);
  }
  // Truncation and extension of every file.
  for (size_t i = 0; i < n; i += 3) {
    auto files = c.files;
    files[i].resize(files[i].size() / 2);
    Expect(&t, Check(c.manifest, files, by_root), "truncated chunk", ChunkClass::kCorrupt);
    files = c.files;
    files[i] += "trailing";
    Expect(&t, Check(c.manifest, files, by_root), "extended chunk", ChunkClass::kCorrupt);
  }
  for (size_t len : {size_t{0}, size_t{1}, c.manifest.size() / 2, c.manifest.size() - 1}) {
    Expect(&t, Check(c.manifest.substr(0, len), c.files, by_root), "truncated manifest",
           ChunkClass::kCorrupt);
  }
  Expect(&t, Check(c.manifest + " ", c.files, by_root), "extended manifest", ChunkClass::kCorrupt);
  // Chunks swapped with the same index of another height and another state,
  // duplicated under another index, deleted.
  for (size_t i = 0; i < std::min(n, other_height.files.size()); ++i) {
    if (other_height.files[i] == c.files[i]) continue;  // unchanged by the edit: the same chunk
    auto files = c.files;
    files[i] = other_height.files[i];
    Expect(&t, Check(c.manifest, files, by_root), "chunk of another height", ChunkClass::kCorrupt);
  }
  for (size_t i = 0; i < std::min(n, other_state.files.size()); i += 2) {
    auto files = c.files;
    files[i] = other_state.files[i];
    Expect(&t, Check(c.manifest, files, by_root), "chunk of another state", ChunkClass::kCorrupt);
  }
  for (size_t i = 1; i < n; i += 4) {
    auto files = c.files;
    files[i] = files[i - 1];
    Expect(&t, Check(c.manifest, files, by_root), "duplicated chunk", ChunkClass::kCorrupt);
    files = c.files;
    files[i] = "\x01missing";
    Expect(&t, Check(c.manifest, files, by_root), "deleted chunk", ChunkClass::kMissing);
  }
  // zstd bombs: a frame declaring more than the manifest allows; one
  // declaring less than it holds; a second frame appended.
  {
    auto files = c.files;
    files[0] = EncodeChunkFile(std::string(64 << 20, '\0'), 1);
    Expect(&t, Check(c.manifest, files, by_root), "frame declaring 64 MiB", ChunkClass::kCorrupt);
    files = c.files;
    files[1] = DeclareSize(files[1], 300);
    Expect(&t, Check(c.manifest, files, by_root), "frame expanding beyond its declared size",
           ChunkClass::kCorrupt);
    files = c.files;
    files[2] += EncodeChunkFile(std::string(64 << 20, '\0'), 1).substr(kChunkFileHeaderBytes);
    Expect(&t, Check(c.manifest, files, by_root), "a 64 MiB frame appended", ChunkClass::kCorrupt);
  }
  // Every manifest field edited, re-encoded canonically (so only --id, or the
  // chunks' proofs, can catch it).
  Manifest m;
  REQUIRE(ParseManifest(c.manifest, &m).ok());
  std::vector<std::pair<std::string, Manifest>> edits;
  auto edit = [&](const std::string& name, auto fn) {
    Manifest e = m;
    fn(e);
    edits.push_back({name, e});
  };
  edit("root", [](Manifest& e) { e.root[5] ^= 1; });
  edit("height", [](Manifest& e) { e.height += 1; });
  edit("chunk size", [](Manifest& e) { e.chunk_size *= 2; });
  edit("hash function", [](Manifest& e) { e.hash = HashKind::kSha512_256; });
  edit("a range", [](Manifest& e) { e.chunks[3].lo.back() ^= 1; });
  edit("a digest", [](Manifest& e) { e.chunks[4].digest[0] ^= 1; });
  edit("a raw size", [](Manifest& e) { e.chunks[5].raw_size += 1; });
  edit("leaf counts", [](Manifest& e) {
    e.chunks[6].leaves += 1;
    e.leaves += 1;
  });
  edit("a chunk dropped", [](Manifest& e) {
    e.leaves -= e.chunks[7].leaves;
    e.chunks.erase(e.chunks.begin() + 7);
  });
  for (const auto& [name, e] : edits) {
    const std::string bytes = EncodeManifest(e);
    Expect(&t, Check(bytes, c.files, by_id), "manifest field " + name + " with --id",
           ChunkClass::kCorrupt);
    const bool describes_state = name != "height" && name != "chunk size";
    if (describes_state)
      Expect(&t, Check(bytes, c.files, by_root), "manifest field " + name + " with --root");
  }
  // Other spellings of the same content: one id per manifest.
  auto respell = [&](std::string from, std::string to, size_t nth = 0) {
    std::string s = c.manifest;
    size_t pos = s.find(from);
    for (size_t k = 0; k < nth && pos != std::string::npos; ++k) pos = s.find(from, pos + 1);
    REQUIRE(pos != std::string::npos);
    s.replace(pos, from.size(), to);
    Expect(&t, Check(s, c.files, by_root), "respelled " + from + " as " + to, ChunkClass::kCorrupt);
  };
  const std::string root_hex = ToHex(c.root);
  std::string upper = root_hex;
  for (char& ch : upper) ch = static_cast<char>(std::toupper(ch));
  respell(root_hex, upper);
  respell("{\"chunk_size\"", "{ \"chunk_size\"");
  respell("\"height\":5", "\"height\":5.0");
  respell("\"height\":5", "\"height\":05");
  respell("\"height\":5", "\"height\":5e0");
  respell("\"format_version\":1,\"hash\"", "\"hash\"");  // drop a field
  {
    std::string s = c.manifest;  // keys out of order
    auto j = nlohmann::json::parse(s);
    std::string reordered =
        "{\"root\":" + j["root"].dump() + "," + s.substr(1, s.find(",\"root\"") - 1) + "}\n";
    Expect(&t, Check(reordered, c.files, by_root), "keys reordered", ChunkClass::kCorrupt);
  }
  respell("\n", "");
  respell("\n", "\r\n");

  // A sample through restore: none may leave a visible height.
  RestoreOptions ro;
  ro.anchors.root = c.root;
  for (size_t i = 0; i < n; i += 7) {
    auto files = c.files;
    files[i][files[i].size() / 3] ^= 0x40;
    auto store = NewMemStore();
    auto s = RestoreSession::BeginOnStore(store.get(), c.manifest, ro);
    REQUIRE(s.ok());
    for (size_t j = 0; j < n; ++j) {
      ChunkCheck check;
      REQUIRE((*s)->Add(j, files[j], &check).ok());
    }
    REQUIRE_FALSE((*s)->Finish().ok());
    auto db = StateDb::OpenOnStore(store.get(), StateDbOptions{});
    REQUIRE((*db)->Heights().empty());
    ++t.tried, ++t.rejected, ++t.by_class["restore refused"];
  }

  std::cout << "mutation suite: " << t.tried << " cases, " << t.rejected << " rejected, "
            << t.harmless << " harmless (same bytes after decompression);";
  for (const auto& [cls, count] : t.by_class) std::cout << " " << cls << " " << count;
  std::cout << "\n";
  REQUIRE(t.rejected + t.harmless == t.tried);
  REQUIRE(t.rejected > 1000);
}

}  // namespace
}  // namespace checkpoint
