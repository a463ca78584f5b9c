// Writes the seed corpora of every fuzz target from a real (small,
// deterministic) state and checkpoint: make_seeds OUT_DIR. Prints the seed
// state's root, which chunk_proof_fuzzer.cc pins.
#include <cstdio>
#include <filesystem>
#include <random>

#include "checkpoint/checkpoint.h"
#include "checkpoint/chunk.h"
#include "delta_fixture.h"
#include "ops/files.h"
#include "state/meta.h"
#include "store/node_store.h"

using namespace checkpoint;
namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_seeds OUT_DIR\n");
    return 2;
  }
  const std::string out = argv[1];
  for (const char* t :
       {"chunk_file", "chunk_proof", "manifest", "write_log", "node_record", "delta_chunk"}) {
    fs::create_directories(out + "/" + t);
  }
  auto put = [&](const std::string& target, const std::string& name, const std::string& bytes) {
    if (!WriteFileSynced(out + "/" + target + "/" + name, bytes).ok()) std::exit(1);
  };
  auto store = NewMemStore();
  StateDbOptions o;
  o.create_if_missing = true;
  auto db = StateDb::OpenOnStore(store.get(), o);
  std::mt19937_64 rng(1);
  WriteLog log;
  std::string text;
  for (int i = 0; i < 600; ++i) {
    std::string k(1 + rng() % 3, 'a');
    for (char& c : k) c = "ab\x00\xff"[rng() % 4];
    k += std::to_string(i % 50);
    std::string v(rng() % 40, 'v');
    (void)log.Put(k, v);
    if (i < 20) text += FormatPutLine(k, v) + "\n";
  }
  (void)log.Put("a", "slot");  // prefix keys: slot leaves and slot stubs
  (void)log.Put("ab", "slot");
  if (!(*db)->Commit(1, log).ok()) return 1;
  const Hash root = (*db)->Heights().back().root;
  put("write_log", "puts", text);
  put("write_log", "mixed", "# comment\r\nput 00ff AB\ndel 61\n\nput 6162\n");

  CreateOptions co;
  co.chunk_size = 1024;
  co.threads = 1;
  auto r = CreateCheckpoint(db->get(), 1, out + "/.tmp-store", co);
  if (!r.ok()) return 1;
  std::string manifest;
  (void)ReadFileBounded(r->path + "/manifest.json", 1 << 20, &manifest);
  put("manifest", "real", manifest);
  for (size_t i = 0; i < r->chunks && i < 12; ++i) {
    std::string file, canonical;
    (void)ReadFileBounded(r->path + "/" + ChunkFileName(i), 1 << 20, &file);
    (void)DecodeChunkFile(file, 1 << 20, &canonical);
    put("chunk_file", std::to_string(i), file);
    put("chunk_proof", std::to_string(i), std::string(1, '\0') + canonical);
  }
  RemoveTree(out + "/.tmp-store");

  auto it = store->NewIterator(Column::kNodes);
  int n = 0;
  for (it->Seek({}); it->Valid() && n < 16; it->Next(), ++n) {
    const std::string key(it->key());
    if (key.size() > 255) continue;
    put("node_record", std::to_string(n),
        std::string(1, static_cast<char>(key.size())) + key + std::string(it->value()));
  }
  std::string root_record;
  (void)store->Get(Column::kMeta, RootKey(1), &root_record);
  put("node_record", "root", std::string(1, '\0') + root_record);
  std::printf("%s\n", ToHex(root).c_str());
  // delta_chunk: every honest chunk of every pair of heights of the delta world.
  {
    delta_fuzz::World w;
    const uint64_t n = w.heights();
    for (uint64_t b = 0; b < n * n; ++b) {
      const auto [from, to] = delta_fuzz::Heights(w, static_cast<uint8_t>(b));
      NodeReader reader = w.Reader();
      int i = 0;
      DeltaChunker chunker(
          &reader, w.Root(to), 1024, [&](std::string c, const KeyInterval&, uint64_t) {
            put("delta_chunk", "seed" + std::to_string(b) + "-" + std::to_string(i++),
                std::string(1, static_cast<char>(b)) + c);
            return Status::OK();
          });
      for (const auto& c : delta_fuzz::Truth(w, from, to, KeyInterval{})) {
        if (!chunker.Add(c.key, c.value, c.is_delete).ok()) return 1;
      }
      if (!chunker.Finish().ok()) return 1;
    }
  }
  return 0;
}
