// The manifest's hand-written scanner and encoder (src/manifest/manifest.cc)
// against the DOM parser they replaced, kept here as the reference: the same
// bytes, the same acceptance, and memory bounded by the file, not by its
// nesting or its chunk count.
#include "checkpoint/manifest.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <nlohmann/json.hpp>
#include <random>

#include "../heap_peak.h"
#include "checkpoint/limits.h"

namespace checkpoint {
namespace {

using json = nlohmann::json;

// The parser and encoder before the scanner (a DOM parse, then a re-encode
// compared with the input), verbatim but for the size cap.
std::string ReferenceEncode(const Manifest& m) {
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
  return j.dump() + "\n";
}

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

Status ReferenceParse(std::string_view bytes, Manifest* out) {
  if (bytes.size() > kMaxManifestBytes) return Status::Corruption("manifest is too large");
  json j = json::parse(bytes.begin(), bytes.end(), nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object())
    return Status::Corruption("manifest is not a JSON object");
  auto bad = [](const std::string& field) {
    return Status::Corruption("manifest: bad or missing " + field);
  };
  if (j.size() != 9) return Status::Corruption("manifest: unexpected fields");
  if (!j.contains("format") || j["format"] != "checkpoint-manifest") return bad("format");
  Manifest m;
  uint64_t v = 0;
  if (!j.contains("format_version") || !IsU64(j["format_version"], &v))
    return bad("format_version");
  if (v != 1)
    return Status::NotSupported("manifest format version " + std::to_string(v) +
                                " is not supported");
  m.format_version = static_cast<uint32_t>(v);
  if (!j.contains("chunker_version") || !IsU64(j["chunker_version"], &v) || v != 1)
    return bad("chunker_version");
  if (!j.contains("hash") || !j["hash"].is_string()) return bad("hash");
  auto kind = ParseHashKind(j["hash"].get<std::string>());
  if (!kind) return bad("hash");
  m.hash = *kind;
  if (!j.contains("chunk_size") || !IsU64(j["chunk_size"], &m.chunk_size) || m.chunk_size < 1024 ||
      m.chunk_size > (1ull << 32)) {
    return bad("chunk_size");
  }
  if (!j.contains("height") || !IsU64(j["height"], &m.height)) return bad("height");
  if (m.height == UINT64_MAX) return bad("height");  // reserved (added after this parser)
  if (!j.contains("root") || !IsHash(j["root"], &m.root)) return bad("root");
  if (!j.contains("leaves") || !IsU64(j["leaves"], &m.leaves)) return bad("leaves");
  if (!j.contains("chunks") || !j["chunks"].is_array() || j["chunks"].empty()) return bad("chunks");
  const uint64_t max_raw = std::max<uint64_t>(m.chunk_size, kMaxValueBytes) + (64ull << 20);
  uint64_t leaves = 0;
  for (const json& c : j["chunks"]) {
    ManifestChunk mc;
    if (!c.is_object() || c.size() != 4) return bad("fields");
    if (!c.contains("digest") || !IsHash(c["digest"], &mc.digest)) return bad("digest");
    if (!c.contains("leaves") || !IsU64(c["leaves"], &mc.leaves)) return bad("leaves");
    if (!c.contains("raw_size") || !IsU64(c["raw_size"], &mc.raw_size) || mc.raw_size > max_raw)
      return bad("raw_size");
    if (!c.contains("lo") || !c["lo"].is_string()) return bad("lo");
    const std::string& hex = c["lo"].get_ref<const std::string&>();
    auto lo = ParseHex(hex);
    if (!lo || lo->size() > kMaxKeyBytes + 1 || hex != ToHex(*lo)) return bad("lo");
    mc.lo = std::move(*lo);
    if (m.chunks.empty() ? !mc.lo.empty() : !(m.chunks.back().lo < mc.lo))
      return Status::Corruption("order");
    if (leaves + mc.leaves < leaves) return bad("leaves");
    leaves += mc.leaves;
    m.chunks.push_back(std::move(mc));
  }
  if (leaves != m.leaves) return Status::Corruption("manifest: leaves do not add up");
  if (ReferenceEncode(m) != bytes) return Status::Corruption("manifest is not in canonical form");
  *out = std::move(m);
  return Status::OK();
}

Manifest Sample(std::mt19937_64& rng, size_t chunks) {
  Manifest m;
  m.hash = rng() % 2 ? HashKind::kSha256 : HashKind::kSha512_256;
  m.chunk_size = 1024 + rng() % (8 << 20);
  m.height = rng() % 3 == 0 ? UINT64_MAX - 1 : rng() % 1000;  // 2^64-1 is reserved
  for (auto& b : m.root) b = static_cast<uint8_t>(rng());
  std::string lo;
  for (size_t i = 0; i < chunks; ++i) {
    ManifestChunk c;
    c.lo = lo;
    for (auto& b : c.digest) b = static_cast<uint8_t>(rng());
    c.leaves = rng() % 5 == 0 ? 0 : rng() % 100000;
    c.raw_size = rng() % 4 == 0 ? 0 : rng() % (m.chunk_size + 1);
    m.leaves += c.leaves;
    m.chunks.push_back(c);
    lo.push_back(static_cast<char>(rng() % 3 == 0 ? 0 : rng() % 256));  // a longer lo sorts after
  }
  return m;
}

TEST_CASE("manifest: the encoder writes the bytes the DOM encoder wrote", "[unit]") {
  std::mt19937_64 rng(1);
  for (int i = 0; i < 300; ++i) {
    Manifest m = Sample(rng, 1 + i % 7);
    if (i % 10 == 0) m.chunks[0].leaves = UINT64_MAX, m.leaves = UINT64_MAX;  // one big count
    const std::string bytes = EncodeManifest(m);
    REQUIRE(bytes == ReferenceEncode(m));
    Manifest back;
    const Status s = ParseManifest(bytes, &back);
    INFO(bytes << " " << s.message());
    if (i % 10 == 0) continue;  // the sums of the samples overflow there: both refuse
    REQUIRE(s.ok());
    REQUIRE(back == m);
  }
}

// Every one-byte substitution, deletion and insertion of a small manifest:
// the scanner accepts exactly what the DOM parser accepted, and refuses an
// unknown format version as NotSupported whenever the DOM parser did.
TEST_CASE("manifest: the scanner accepts exactly what the DOM parser accepted", "[unit]") {
  std::mt19937_64 rng(2);
  const std::string chars = "019afAz\"',: {}[]\n\r\\-.e+";
  size_t tried = 0, accepted = 0;
  for (int round = 0; round < 3; ++round) {
    Manifest m = Sample(rng, 1 + round);
    m.chunk_size = 1000 + 24 + round;  // "1024": a mutation can leave the range on either side
    for (auto& c : m.chunks) c.raw_size = c.raw_size % 100;
    const std::string good = EncodeManifest(m);
    auto check = [&](const std::string& s) {
      ++tried;
      Manifest a, b;
      const Status got = ParseManifest(s, &a), want = ReferenceParse(s, &b);
      INFO(s << "\nscanner: " << got.message() << "\nreference: " << want.message());
      REQUIRE(got.ok() == want.ok());
      if ((want.code() == Status::Code::kNotSupported))
        REQUIRE((got.code() == Status::Code::kNotSupported));
      if (got.ok()) {
        ++accepted;
        REQUIRE(a == b);
        REQUIRE(EncodeManifest(a) == s);
      }
    };
    check(good);
    for (size_t pos = 0; pos <= good.size(); ++pos) {
      if (pos < good.size()) check(good.substr(0, pos) + good.substr(pos + 1));
      for (char c : chars) {
        if (pos < good.size()) {
          std::string s = good;
          s[pos] = c;
          check(s);
        }
        check(good.substr(0, pos) + c + good.substr(pos));
      }
    }
  }
  INFO(tried << " tried, " << accepted << " accepted");
  REQUIRE(tried > 50000);
  REQUIRE(accepted > 10);  // digit edits of heights, digests, …: still valid manifests
}

TEST_CASE("manifest: respellings and bad fields are refused", "[unit]") {
  std::mt19937_64 rng(3);
  Manifest m = Sample(rng, 3);
  const std::string good = EncodeManifest(m);
  Manifest out;
  REQUIRE(ParseManifest(good, &out).ok());
  auto refused = [&](std::string from, std::string to) {
    std::string s = good;
    const size_t pos = s.find(from);
    REQUIRE(pos != std::string::npos);
    s.replace(pos, from.size(), to);
    Manifest o;
    INFO(s);
    REQUIRE(!ParseManifest(s, &o).ok());
    REQUIRE(!ReferenceParse(s, &o).ok());
  };
  refused("{\"chunk_size\"", "{ \"chunk_size\"");
  refused("\"chunker_version\":1", "\"chunker_version\":01");
  refused("\"chunker_version\":1", "\"chunker_version\":1.0");
  refused("\"chunker_version\":1", "\"chunker_version\":1e0");
  refused("\"chunker_version\":1", "\"chunker_version\":2");
  refused("\"format\":\"checkpoint-manifest\"", "\"format\":\"checkpoint-manifesT\"");
  refused("\"hash\":\"sha", "\"hash\":\"SHA");
  refused("\"hash\":\"sha", "\"hash\":\"\\u0073ha");
  refused("\"lo\":\"\"", "\"lo\":\"0\"");
  refused(",\"lo\":\"\"", "");
  refused("\"leaves\":", "\"leaves\":18446744073709551616,\"x\":");
  refused("\n", "");
  refused("\n", "\r\n");
  refused("\n", "\n\n");
  refused("}],", "},],");
  std::string v3 = good;
  v3.replace(v3.find("\"format_version\":1"), 18, "\"format_version\":3");
  REQUIRE(ParseManifest(v3, &out).code() == Status::Code::kNotSupported);
  // A version-3 manifest whose chunks this build does not know: still "not supported".
  std::string v3_shape = v3;
  v3_shape.replace(v3_shape.find("\"digest\""), 8, "\"digest2\"");
  REQUIRE(ParseManifest(v3_shape, &out).code() == Status::Code::kNotSupported);
  // Version 2 reads a full checkpoint's manifest too, and names a base for a delta.
  std::string v2 = good;
  v2.replace(v2.find("\"format_version\":1"), 18, "\"format_version\":2");
  REQUIRE(ParseManifest(v2, &out).ok());
  REQUIRE(!out.is_delta());
  Manifest delta = out;
  delta.base = ManifestBase{delta.height, delta.root, std::nullopt};  // F = H: an empty delta
  REQUIRE(ParseManifest(EncodeManifest(delta), &out).ok());
  REQUIRE(out == delta);
  delta.base->id = Hash{};
  REQUIRE(ParseManifest(EncodeManifest(delta), &out).ok());
  REQUIRE(out == delta);
  const std::string with_base = EncodeManifest(delta);
  REQUIRE(with_base.rfind("{\"base\":{\"height\":", 0) == 0);
  std::string base_v1 = with_base;
  base_v1.replace(base_v1.find("\"format_version\":2"), 18, "\"format_version\":1");
  REQUIRE(ParseManifest(base_v1, &out).IsCorruption());  // a base needs version 2
  delta.base->height = delta.height + 1;
  REQUIRE(ParseManifest(EncodeManifest(delta), &out).IsCorruption());  // base above the height
  delta.base->height = delta.height;                                   // F = H with another root
  delta.base->root[0] ^= 7;
  REQUIRE(ParseManifest(EncodeManifest(delta), &out).IsCorruption());
  std::string spaced = with_base;
  spaced.replace(spaced.find("{\"height\""), 1, "{ ");
  REQUIRE(ParseManifest(spaced, &out).IsCorruption());
  // One byte over the cap: refused before anything is read.
  std::string huge(kMaxManifestBytes + 1, ' ');
  const Status s = ParseManifest(huge, &out);
  REQUIRE(s.IsCorruption());
  REQUIRE(s.message().find("too large") != std::string::npos);
}

// The DOM took 3.1 GB and 8-25 s for 40 MiB of '[' and ~13 x the file for a
// long manifest (3.2 GB for 2 M chunks), and threw bad_alloc under a limit.
TEST_CASE("manifest: memory is bounded by the file, not by its nesting or chunk count", "[unit]") {
  Manifest out;
  {
    const std::string deep(40 << 20, '[');
    Status s;
    const auto start = std::chrono::steady_clock::now();
    const int64_t peak = test::PeakDuring([&] { s = ParseManifest(deep, &out); });
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    REQUIRE(s.IsCorruption());
    INFO("40 MiB of '[': " << peak << " bytes, " << seconds << " s");
    REQUIRE(peak < (64 << 10));
    REQUIRE(seconds < 2);  // a scan that stops at byte 0; the DOM took 8 s or more
  }
  {
    // A valid manifest near the cap: every entry as short as one can be.
    auto make = [](size_t n) {
      Manifest m;
      m.chunk_size = 1024;
      m.chunks.resize(n);
      for (size_t i = 0; i < n; ++i) {
        ManifestChunk& c = m.chunks[i];
        if (i) c.lo = {static_cast<char>(i >> 16), static_cast<char>(i >> 8), static_cast<char>(i)};
        c.digest[0] = static_cast<uint8_t>(i);
        c.leaves = 1;
        c.raw_size = 1000;
      }
      m.leaves = n;
      return EncodeManifest(m);
    };
    const size_t n = (kMaxManifestBytes - 400) / 120;
    std::string bytes = make(n);
    REQUIRE(bytes.size() <= kMaxManifestBytes);
    Status s;
    const int64_t peak = test::PeakDuring([&] { s = ParseManifest(bytes, &out); });
    REQUIRE(s.ok());
    REQUIRE(out.chunks.size() == n);
    INFO(n << " chunks, " << bytes.size() << " bytes: parsing allocated " << peak);
    REQUIRE(static_cast<uint64_t>(peak) <= bytes.size());  // the DOM: ~13 x
    // A few thousand entries more: over the cap, refused before any parsing.
    bytes = make(n + (kMaxManifestBytes - bytes.size()) / 100 + 10);
    REQUIRE(bytes.size() > kMaxManifestBytes);
    REQUIRE(ParseManifest(bytes, &out).IsCorruption());
  }
}

}  // namespace
}  // namespace checkpoint
