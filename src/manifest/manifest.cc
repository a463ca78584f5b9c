#include "checkpoint/manifest.h"

#include <nlohmann/json.hpp>

#include "checkpoint/limits.h"

namespace checkpoint {
namespace {

using json = nlohmann::json;

constexpr uint64_t kMaxManifestBytes = 256ull << 20;
constexpr uint64_t kMaxChunks = 50'000'000;
constexpr uint64_t kMinChunkSize = 1024;
constexpr uint64_t kMaxChunkSize = 1ull << 32;

bool IsHash(const json& j, Hash* out) {
  if (!j.is_string()) return false;
  const std::string& s = j.get_ref<const std::string&>();
  auto bytes = ParseHex(s);
  if (!bytes || bytes->size() != 32 || s != ToHex(*bytes)) return false;
  std::copy(bytes->begin(), bytes->end(), out->begin());
  return true;
}

bool IsU64(const json& j, uint64_t* out) {
  if (!j.is_number_unsigned()) return false;
  *out = j.get<uint64_t>();
  return true;
}

}  // namespace

std::string EncodeManifest(const Manifest& m) {
  json chunks = json::array();
  for (const ManifestChunk& c : m.chunks) {
    chunks.push_back({{"digest", ToHex(c.digest)},
                      {"leaves", c.leaves},
                      {"lo", ToHex(c.lo)},
                      {"raw_size", c.raw_size}});
  }
  json j = {{"format", "checkpoint-manifest"},
            {"format_version", m.format_version},
            {"chunker_version", m.chunker_version},
            {"hash", HashKindName(m.hash)},
            {"chunk_size", m.chunk_size},
            {"height", m.height},
            {"root", ToHex(m.root)},
            {"leaves", m.leaves},
            {"chunks", std::move(chunks)}};
  return j.dump() + "\n";  // keys sorted, no spaces: the one spelling
}

Status ParseManifest(std::string_view bytes, Manifest* out) {
  if (bytes.size() > kMaxManifestBytes) return Status::Corruption("manifest is too large");
  json j = json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status::Corruption("manifest is not a JSON object");
  auto bad = [](const std::string& field) { return Status::Corruption("manifest: bad or missing " + field); };
  if (j.size() != 9) return Status::Corruption("manifest: unexpected fields");
  if (!j.contains("format") || j["format"] != "checkpoint-manifest") return bad("format");
  Manifest m;
  uint64_t v = 0;
  if (!j.contains("format_version") || !IsU64(j["format_version"], &v)) return bad("format_version");
  if (v != 1) return Status::NotSupported("manifest format version " + std::to_string(v) + " is not supported");
  m.format_version = static_cast<uint32_t>(v);
  if (!j.contains("chunker_version") || !IsU64(j["chunker_version"], &v) || v != 1) return bad("chunker_version");
  m.chunker_version = 1;
  if (!j.contains("hash") || !j["hash"].is_string()) return bad("hash");
  auto kind = ParseHashKind(j["hash"].get<std::string>());
  if (!kind) return bad("hash");
  m.hash = *kind;
  if (!j.contains("chunk_size") || !IsU64(j["chunk_size"], &m.chunk_size) ||
      m.chunk_size < kMinChunkSize || m.chunk_size > kMaxChunkSize) {
    return bad("chunk_size");
  }
  if (!j.contains("height") || !IsU64(j["height"], &m.height)) return bad("height");
  if (!j.contains("root") || !IsHash(j["root"], &m.root)) return bad("root");
  if (!j.contains("leaves") || !IsU64(j["leaves"], &m.leaves)) return bad("leaves");
  if (!j.contains("chunks") || !j["chunks"].is_array() || j["chunks"].empty() ||
      j["chunks"].size() > kMaxChunks) {
    return bad("chunks");
  }
  // A chunk above chunk_size holds one leaf and its proof; 64 MiB bounds any
  // honest proof (the deepest spine of maximal keys).
  const uint64_t max_raw = std::max<uint64_t>(m.chunk_size, kMaxValueBytes) + (64ull << 20);
  uint64_t leaves = 0;
  for (const json& c : j["chunks"]) {
    const std::string where = "chunks[" + std::to_string(m.chunks.size()) + "].";
    ManifestChunk mc;
    if (!c.is_object() || c.size() != 4) return bad(where + "fields");
    if (!c.contains("digest") || !IsHash(c["digest"], &mc.digest)) return bad(where + "digest");
    if (!c.contains("leaves") || !IsU64(c["leaves"], &mc.leaves)) return bad(where + "leaves");
    if (!c.contains("raw_size") || !IsU64(c["raw_size"], &mc.raw_size) || mc.raw_size > max_raw) {
      return bad(where + "raw_size");
    }
    if (!c.contains("lo") || !c["lo"].is_string()) return bad(where + "lo");
    const std::string& hex = c["lo"].get_ref<const std::string&>();
    auto lo = ParseHex(hex);
    if (!lo || lo->size() > kMaxKeyBytes + 1 || hex != ToHex(*lo)) return bad(where + "lo");
    mc.lo = std::move(*lo);
    if (m.chunks.empty() ? !mc.lo.empty() : !(m.chunks.back().lo < mc.lo)) {
      return Status::Corruption("manifest: chunk intervals do not increase from the empty key at " + where + "lo");
    }
    if (leaves + mc.leaves < leaves) return bad(where + "leaves");
    leaves += mc.leaves;
    m.chunks.push_back(std::move(mc));
  }
  if (leaves != m.leaves) return Status::Corruption("manifest: leaves do not add up");
  if (EncodeManifest(m) != bytes) return Status::Corruption("manifest is not in canonical form");
  *out = std::move(m);
  return Status::OK();
}

Hash ManifestId(std::string_view bytes) { return HashBytes(HashKind::kSha256, bytes); }

}  // namespace checkpoint
