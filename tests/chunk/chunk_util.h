// Test helpers for checkpoints: make one, load it, check every property a
// verifier relies on.
#pragma once

#include <catch2/catch.hpp>
#include <filesystem>

#include "../ref/ref_verifier.h"
#include "../test_util.h"
#include "checkpoint/checkpoint.h"
#include "checkpoint/chunk.h"
#include "checkpoint/manifest.h"
#include "ops/files.h"

namespace checkpoint::test {

struct Loaded {
  std::string manifest_bytes;
  Manifest manifest;
  std::vector<std::string> files;      // chunk files as on disk
  std::vector<std::string> canonical;  // decompressed
};

inline Loaded LoadCheckpoint(const std::string& dir) {
  Loaded l;
  REQUIRE(ReadFileBounded(dir + "/" + kManifestFile, 1 << 30, &l.manifest_bytes).ok());
  Status s = ParseManifest(l.manifest_bytes, &l.manifest);
  INFO(s.message());
  REQUIRE(s.ok());
  for (size_t i = 0; i < l.manifest.chunks.size(); ++i) {
    std::string file, canonical;
    REQUIRE(ReadFileBounded(dir + "/" + ChunkFileName(i), 1ull << 32, &file).ok());
    REQUIRE(DecodeChunkFile(file, l.manifest.chunks[i].raw_size, &canonical).ok());
    REQUIRE(HashBytes(HashKind::kSha256, canonical) == l.manifest.chunks[i].digest);
    l.files.push_back(std::move(file));
    l.canonical.push_back(std::move(canonical));
  }
  return l;
}

// Every chunk verifies alone, intervals chain from "" to the end, sizes keep
// their bounds, and the leaves are exactly `model`.
inline void CheckCheckpoint(const Loaded& l, const Model& model, const Hash& root) {
  const Manifest& m = l.manifest;
  REQUIRE(m.root == root);
  Model seen;
  uint64_t total = 0;
  for (size_t i = 0; i < l.canonical.size(); ++i) {
    ChunkInfo info;
    Model leaves;
    Status s = VerifyChunk(
        l.canonical[i], m.hash, m.root, &info,
        [&](std::string_view k, std::string_view v) { leaves[std::string(k)] = std::string(v); });
    INFO("chunk " << i << ": " << s.message());
    REQUIRE(s.ok());
    // The independent reference verifier agrees, leaf for leaf.
    const refv::RefResult ref = refv::RefVerifyChunk(
        l.canonical[i], m.hash == HashKind::kSha256 ? "sha256" : "sha512_256",
        std::string_view(reinterpret_cast<const char*>(m.root.data()), m.root.size()));
    INFO("reference: " << ref.reason);
    REQUIRE(ref.ok);
    REQUIRE(Model(ref.leaves.begin(), ref.leaves.end()) == leaves);
    REQUIRE(info.lo == m.chunks[i].lo);
    REQUIRE(info.has_hi == (i + 1 < m.chunks.size()));
    if (info.has_hi) REQUIRE(info.hi == m.chunks[i + 1].lo);
    REQUIRE(info.leaves == m.chunks[i].leaves);
    REQUIRE(l.canonical[i].size() == m.chunks[i].raw_size);
    if (l.canonical[i].size() > m.chunk_size) REQUIRE(info.leaves == 1);  // one oversize leaf
    total += l.canonical[i].size();
    for (auto& kv : leaves) REQUIRE(seen.emplace(kv).second);
  }
  REQUIRE(seen == model);
  REQUIRE(m.leaves == model.size());
  REQUIRE(m.chunks.size() <= 2 * total / m.chunk_size + 1);
}

inline std::unique_ptr<StateDb> MemDb(NodeStore* store, HashKind kind = HashKind::kSha256) {
  StateDbOptions o;
  o.create_if_missing = true;
  o.hash = kind;
  auto db = StateDb::OpenOnStore(store, o);
  REQUIRE(db.ok());
  return std::move(db).value();
}

inline void CommitModel(StateDb* db, uint64_t height, const Model& m) {
  WriteLog log;
  for (const auto& [k, v] : m) REQUIRE(log.Put(k, v).ok());
  REQUIRE(db->Commit(height, log).ok());
}

inline CreateResult Create(StateDb* db, uint64_t height, const std::string& store,
                           uint64_t chunk_size, unsigned threads = 2) {
  CreateOptions o;
  o.chunk_size = chunk_size;
  o.threads = threads;
  auto r = CreateCheckpoint(db, height, store, o);
  INFO(r.status().message());
  REQUIRE(r.ok());
  return std::move(r).value();
}

}  // namespace checkpoint::test
