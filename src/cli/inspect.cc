// checkpoint inspect CKPT [--chunk I] [--json]: a checkpoint in human form.

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "checkpoint/checkpoint.h"
#include "checkpoint/chunk.h"
#include "checkpoint/limits.h"
#include "checkpoint/manifest.h"
#include "chunk/format.h"
#include "cli/command.h"
#include "cli/json_out.h"
#include "cli/trust.h"
#include "delta/delta_check.h"
#include "ops/chunk_check.h"
#include "ops/files.h"
#include "ops/signatures.h"

namespace po = boost::program_options;

namespace checkpoint::cli {
namespace {

// A delta chunk: what it holds; its proof needs the base (verify --db).
int InspectDeltaChunk(const Manifest& m, size_t index, const std::string& file, bool json) {
  const ChunkCheck check = CheckDeltaChunk(m, index, file, nullptr);
  if (check.cls != ChunkClass::kOk) {
    return Fail(kExitVerifyFailed, "chunk " + std::to_string(index) + ": " + check.message);
  }
  std::string canonical;
  (void)DecodeChunkFile(file, m.chunks[index].raw_size, &canonical, kDeltaChunkFormatVersion);
  ChunkDecoder decoder(canonical, /*delta=*/true);
  ChunkHeader h;
  (void)decoder.Header(&h);
  uint64_t puts = 0, deletes = 0, proof_items = 0;
  DecodedItem d;
  while (decoder.Next(&d)) {
    if (d.tag == ChunkItem::kPut) {
      ++puts;
    } else if (d.tag == ChunkItem::kDelete) {
      ++deletes;
    } else {
      ++proof_items;
    }
  }
  if (json) {
    PrintJson({{"chunk", index},
               {"lo", ToHex(h.lo)},
               {"hi", h.has_hi ? nlohmann::json(ToHex(h.hi)) : nlohmann::json(nullptr)},
               {"puts", puts},
               {"deletes", deletes},
               {"proof_items", proof_items},
               {"raw_bytes", canonical.size()},
               {"bytes", file.size()},
               {"digest_ok", true},
               {"proof", "needs the base state (verify --db)"}});
  } else {
    std::cout << "chunk " << index << " of " << m.chunks.size() << " (delta from height "
              << m.base->height << ")\n"
              << "interval   [" << ToHex(h.lo) << ", " << (h.has_hi ? ToHex(h.hi) : "end") << ")\n"
              << "changes    " << puts << " puts, " << deletes << " deletes\n"
              << "proof      " << proof_items << " items; checking it needs the base state "
              << "(verify --db)\n"
              << "size       " << canonical.size() << " raw, " << file.size() << " in the file\n"
              << "digest     matches the manifest\n";
  }
  return kExitOk;
}

int InspectChunk(const std::string& dir, const Manifest& m, uint64_t index, bool json) {
  if (index >= m.chunks.size()) {
    return Fail(kExitUsage, "--chunk " + std::to_string(index) + ": the checkpoint has " +
                                std::to_string(m.chunks.size()) + " chunks");
  }
  std::string canonical;
  const ManifestChunk& mc = m.chunks[index];
  Result<std::string> read = ReadChunkFile(dir, m, index);
  Status s = read.status();
  if (IsLocalReadError(s))
    return Fail(kExitError, "chunk " + std::to_string(index) + ": " + s.message());
  const std::string file = read.ok() ? std::move(read).value() : std::string();
  if (s.ok() && m.is_delta()) return InspectDeltaChunk(m, index, file, json);
  if (s.ok()) s = DecodeChunkFile(file, mc.raw_size, &canonical);
  if (!s.ok())
    return Fail(kExitVerifyFailed, "chunk " + std::to_string(index) + ": " + s.message());
  ChunkInfo info;
  std::string first, last;
  Status proof =
      VerifyChunk(canonical, m.hash, m.root, &info, [&](std::string_view k, std::string_view) {
        if (first.empty()) first = k;
        last = k;
      });
  const bool digest_ok = HashBytes(HashKind::kSha256, canonical) == mc.digest;
  if (json) {
    nlohmann::json j = {
        {"chunk", index},
        {"lo", ToHex(info.lo)},
        {"hi", info.has_hi ? nlohmann::json(ToHex(info.hi)) : nlohmann::json(nullptr)},
        {"leaves", info.leaves},
        {"stubs", info.stubs},
        {"proof_bytes", info.proof_bytes},
        {"raw_bytes", canonical.size()},
        {"bytes", file.size()},
        {"first_key", ToHex(first)},
        {"last_key", ToHex(last)},
        {"digest_ok", digest_ok},
        {"proof", proof.ok() ? "ok" : proof.message()}};
    PrintJson(j);
  } else {
    std::cout << "chunk " << index << " of " << m.chunks.size() << "\n"
              << "interval   [" << ToHex(info.lo) << ", " << (info.has_hi ? ToHex(info.hi) : "end")
              << ")\n"
              << "leaves     " << info.leaves << " (" << ToHex(first).substr(0, 32) << " .. "
              << ToHex(last).substr(0, 32) << ")\n"
              << "proof      " << info.stubs << " stubs, " << info.proof_bytes << " bytes\n"
              << "size       " << canonical.size() << " raw, " << file.size() << " in the file\n"
              << "digest     " << (digest_ok ? "matches the manifest" : "DIFFERS from the manifest")
              << "\n"
              << "proof      " << (proof.ok() ? "reaches the manifest's root" : proof.message())
              << "\n";
  }
  return digest_ok && proof.ok() ? kExitOk : kExitVerifyFailed;
}

}  // namespace

int RunInspect(const Args& args) {
  po::options_description d("inspect");
  AddJsonOption(&d);
  d.add_options()("checkpoint", po::value<std::string>(), "checkpoint directory")(
      "chunk", po::value<std::string>(), "show one chunk");
  po::positional_options_description pos;
  pos.add("checkpoint", 1);
  po::variables_map vm;
  if (auto code = ParseArgs("inspect", args, d, pos, &vm)) return *code;
  if (!vm.count("checkpoint")) return Fail(kExitUsage, "inspect: which checkpoint?");
  const std::string dir = vm["checkpoint"].as<std::string>();
  std::string bytes;
  Status s = ReadManifestFile(dir, &bytes);
  if (!s.ok()) return Fail(kExitError, s.IsNotFound() ? "no checkpoint at " + dir : s.message());
  Manifest m;
  s = ParseManifest(bytes, &m);
  if (!s.ok()) return Fail(kExitVerifyFailed, "manifest: " + s.message());
  const bool json = vm["json"].as<bool>();
  if (vm.count("chunk")) {
    auto index = ParseU64(vm["chunk"].as<std::string>());
    if (!index) return Fail(kExitUsage, "--chunk takes a chunk index");
    // The verifier's memory limit, not the manifest's word, bounds what is decompressed.
    s = CheckChunkLimit(m, kDefaultMaxChunkSize);
    if (!s.ok()) return Fail(kExitVerifyFailed, "manifest: " + s.message());
    return InspectChunk(dir, m, *index, json);
  }
  uint64_t raw = 0;
  for (const auto& c : m.chunks) raw += c.raw_size;
  if (json) {
    nlohmann::json chunks = nlohmann::json::array();
    for (size_t i = 0; i < m.chunks.size(); ++i) {
      chunks.push_back({{"chunk", i},
                        {"lo", ToHex(m.chunks[i].lo)},
                        {"leaves", m.chunks[i].leaves},
                        {"raw_size", m.chunks[i].raw_size},
                        {"digest", ToHex(m.chunks[i].digest)}});
    }
    nlohmann::json j = {{"id", ToHex(ManifestId(bytes))},
                        {"format_version", m.format_version},
                        {"chunker_version", m.chunker_version},
                        {"hash", HashKindName(m.hash)},
                        {"chunk_size", m.chunk_size},
                        {"height", m.height},
                        {"root", ToHex(m.root)},
                        {"leaves", m.leaves},
                        {"raw_bytes", raw},
                        {"signatures", SignersJson(ReadSignatureClaims(dir))},
                        {"chunks", chunks}};
    if (m.base) {
      j["base"] = {{"height", m.base->height},
                   {"root", ToHex(m.base->root)},
                   {"id", m.base->id ? nlohmann::json(ToHex(*m.base->id)) : nlohmann::json()}};
    }
    PrintJson(j);
    return kExitOk;
  }
  std::cout << "checkpoint " << std::filesystem::absolute(dir).lexically_normal().string() << "\n"
            << "id         " << ToHex(ManifestId(bytes)) << "\n"
            << "height     " << m.height << "\n"
            << "root       " << ToHex(m.root) << " (" << HashKindName(m.hash) << ")\n"
            << "format     " << m.format_version << ", chunker " << m.chunker_version << "\n"
            << (m.base ? "base       height " + std::to_string(m.base->height) + " root " +
                             ToHex(m.base->root) +
                             (m.base->id ? " id " + ToHex(*m.base->id) : std::string()) +
                             " (a delta: leaves count changes)\n"
                       : std::string())
            << "chunk size " << m.chunk_size << "\n"
            << "leaves     " << m.leaves << "\n"
            << "signed     " << DescribeSigners(ReadSignatureClaims(dir)) << " (unverified)\n"
            << "chunks     " << m.chunks.size() << ", " << raw << " raw bytes\n";
  for (size_t i = 0; i < m.chunks.size(); ++i) {
    std::cout << "  " << i << "  lo " << (m.chunks[i].lo.empty() ? "\"\"" : ToHex(m.chunks[i].lo))
              << "  leaves " << m.chunks[i].leaves << "  raw " << m.chunks[i].raw_size << "\n";
  }
  return kExitOk;
}

}  // namespace checkpoint::cli
