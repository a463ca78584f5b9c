// The manifest's one spelling, written and read by hand (docs/FORMAT.md §4).
//
// The parser is a scanner of exactly the bytes EncodeManifest writes: no DOM,
// no recursion, one pass. Memory is the Manifest it fills (at most ~0.75 ×
// the file: the chunk vector is reserved once from the file size, which
// bounds the chunk count) and time is linear in the file.
#include "checkpoint/manifest.h"

#include <algorithm>
#include <new>

#include "checkpoint/limits.h"

namespace checkpoint {
namespace {

constexpr uint64_t kMinChunkSize = 1024;
constexpr uint64_t kMaxChunkSize = 1ull << 32;
// The shortest chunk entry, separator included:
// {"digest":"<64 hex>","leaves":0,"lo":"","raw_size":0},
constexpr uint64_t kMinChunkEntryBytes = 110;
constexpr std::string_view kVersionAt = ",\"format\":\"checkpoint-manifest\",\"format_version\":";

class Scanner {
 public:
  explicit Scanner(std::string_view in) : in_(in) {}

  size_t pos() const { return pos_; }
  bool done() const { return pos_ == in_.size(); }
  bool Peek(char c) const { return pos_ < in_.size() && in_[pos_] == c; }

  // Consumes `s` if the input continues with it.
  bool Lit(std::string_view s) {
    if (in_.compare(pos_, s.size(), s) != 0) return false;
    pos_ += s.size();
    return true;
  }

  // A u64 as written by EncodeManifest: digits, no leading zero, no overflow.
  bool U64(uint64_t* out) {
    const size_t start = pos_;
    uint64_t v = 0;
    while (pos_ < in_.size() && in_[pos_] >= '0' && in_[pos_] <= '9') {
      const uint64_t d = static_cast<uint64_t>(in_[pos_] - '0');
      if (v > (UINT64_MAX - d) / 10) return false;
      v = v * 10 + d;
      ++pos_;
    }
    if (pos_ == start || (in_[start] == '0' && pos_ - start > 1)) return false;
    *out = v;
    return true;
  }

  // Lowercase hex of at most `max_bytes` bytes, up to (not including) '"'.
  bool Hex(size_t max_bytes, std::string* out) {
    const size_t end = in_.find('"', pos_);
    if (end == std::string_view::npos) return false;
    const size_t n = end - pos_;
    if (n % 2 != 0 || n / 2 > max_bytes) return false;
    out->resize(n / 2);
    for (size_t i = 0; i < n / 2; ++i) {
      const int hi = Nibble(in_[pos_ + 2 * i]), lo = Nibble(in_[pos_ + 2 * i + 1]);
      if (hi < 0 || lo < 0) return false;
      (*out)[i] = static_cast<char>(hi << 4 | lo);
    }
    pos_ = end;
    return true;
  }

  bool HashHex(Hash* out) {
    if (in_.size() - pos_ < 2 * out->size() + 1 || in_[pos_ + 2 * out->size()] != '"') return false;
    for (size_t i = 0; i < out->size(); ++i) {
      const int hi = Nibble(in_[pos_ + 2 * i]), lo = Nibble(in_[pos_ + 2 * i + 1]);
      if (hi < 0 || lo < 0) return false;
      (*out)[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    pos_ += 2 * out->size();
    return true;
  }

  // A short name of [a-z0-9_] up to '"'.
  bool Name(std::string_view* out) {
    const size_t start = pos_;
    while (pos_ < in_.size() && pos_ - start < 16 &&
           ((in_[pos_] >= 'a' && in_[pos_] <= 'z') || (in_[pos_] >= '0' && in_[pos_] <= '9') ||
            in_[pos_] == '_')) {
      ++pos_;
    }
    *out = in_.substr(start, pos_ - start);
    return Peek('"');
  }

 private:
  static int Nibble(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;  // uppercase is another spelling
  }

  std::string_view in_;
  size_t pos_ = 0;
};

Status Bad(const std::string& field) {
  return Status::Corruption("manifest: bad or missing " + field);
}

Status NotCanonical(const Scanner& s, std::string_view expected) {
  return Status::Corruption("manifest is not in canonical form: at byte " +
                            std::to_string(s.pos()) + " expected " + std::string(expected));
}

std::string Where(size_t index, const char* field) {
  return "chunks[" + std::to_string(index) + "]." + field;
}

// A manifest of another version may differ in any field; say so rather than
// name the first field this build does not know. Only the canonical place of
// the version counts (in a manifest this build accepts it says 1).
Status SniffVersion(std::string_view bytes) {
  const size_t at = bytes.rfind(kVersionAt);
  if (at == std::string_view::npos) return Status::OK();
  Scanner s(bytes.substr(at + kVersionAt.size()));
  uint64_t v = 0;
  if (s.U64(&v) && !IsKnownFormatVersion(v)) {
    return Status::NotSupported("manifest format version " + std::to_string(v) +
                                " is not supported");
  }
  return Status::OK();
}

Status Scan(std::string_view bytes, Manifest* out) {
  CHECKPOINT_RETURN_IF_ERROR(SniffVersion(bytes));
  Scanner s(bytes);
  Manifest m;
  // Each step: the literal up to a value, then the value. A literal that does
  // not match is another spelling (or not a manifest at all).
  auto lit = [&s](std::string_view l) { return s.Lit(l); };
  if (!lit("{\"")) return NotCanonical(s, "{\"");
  if (lit("base\":{\"height\":")) {
    ManifestBase& b = m.base.emplace();
    if (!s.U64(&b.height)) return Bad("base.height");
    if (lit(",\"id\":\"")) {
      if (!s.HashHex(&b.id.emplace())) return Bad("base.id");
      if (!lit("\"")) return NotCanonical(s, "\"");
    }
    if (!lit(",\"root\":\"")) return NotCanonical(s, ",\"root\":\"");
    if (!s.HashHex(&b.root)) return Bad("base.root");
    if (!lit("\"},\"")) return NotCanonical(s, "\"},\"");
  }
  if (!lit("chunk_size\":")) return NotCanonical(s, "{\"chunk_size\":");
  if (!s.U64(&m.chunk_size) || m.chunk_size < kMinChunkSize || m.chunk_size > kMaxChunkSize) {
    return Bad("chunk_size");
  }
  uint64_t v = 0;
  if (!lit(",\"chunker_version\":")) return NotCanonical(s, ",\"chunker_version\":");
  if (!s.U64(&v) || v != kManifestChunkerVersion) return Bad("chunker_version");
  m.chunker_version = kManifestChunkerVersion;
  if (!lit(",\"chunks\":[")) return NotCanonical(s, ",\"chunks\":[");
  if (s.Peek(']')) return Bad("chunks");
  const uint64_t max_raw = MaxRawChunkBytes(m.chunk_size);
  // Every entry takes at least kMinChunkEntryBytes of the file: that bounds
  // the count, so one reservation serves (untouched capacity costs no memory).
  const size_t max_chunks = bytes.size() / kMinChunkEntryBytes + 1;
  m.chunks.reserve(max_chunks);
  uint64_t leaves = 0;
  do {
    const size_t i = m.chunks.size();
    if (i == max_chunks) return Bad("chunks");
    ManifestChunk& mc = m.chunks.emplace_back();
    if (!lit("{\"digest\":\"")) return NotCanonical(s, "{\"digest\":\"");
    if (!s.HashHex(&mc.digest)) return Bad(Where(i, "digest"));
    if (!lit("\",\"leaves\":")) return NotCanonical(s, "\",\"leaves\":");
    if (!s.U64(&mc.leaves)) return Bad(Where(i, "leaves"));
    if (!lit(",\"lo\":\"")) return NotCanonical(s, ",\"lo\":\"");
    if (!s.Hex(kMaxKeyBytes + 1, &mc.lo)) return Bad(Where(i, "lo"));
    if (!lit("\",\"raw_size\":")) return NotCanonical(s, "\",\"raw_size\":");
    if (!s.U64(&mc.raw_size) || mc.raw_size > max_raw) return Bad(Where(i, "raw_size"));
    if (!lit("}")) return NotCanonical(s, "}");
    if (i == 0 ? !mc.lo.empty() : !(m.chunks[i - 1].lo < mc.lo)) {
      return Status::Corruption("manifest: chunk intervals do not increase from the empty key at " +
                                Where(i, "lo"));
    }
    if (leaves + mc.leaves < leaves) return Bad(Where(i, "leaves"));
    leaves += mc.leaves;
  } while (lit(","));
  if (!lit("]")) return NotCanonical(s, "]");
  if (!lit(kVersionAt)) return NotCanonical(s, kVersionAt);
  if (!s.U64(&v)) return Bad("format_version");
  if (!IsKnownFormatVersion(v)) {
    return Status::NotSupported("manifest format version " + std::to_string(v) +
                                " is not supported");
  }
  m.format_version = static_cast<uint32_t>(v);
  if (m.base && m.format_version < kDeltaFormatVersion)
    return Status::Corruption("manifest: a base needs format version 2");
  if (!lit(",\"hash\":\"")) return NotCanonical(s, ",\"hash\":\"");
  std::string_view name;
  std::optional<HashKind> kind;
  if (!s.Name(&name) || !(kind = ParseHashKind(name)) || HashKindName(*kind) != name)
    return Bad("hash");
  m.hash = *kind;
  if (!lit("\",\"height\":")) return NotCanonical(s, "\",\"height\":");
  if (!s.U64(&m.height)) return Bad("height");
  if (m.height == UINT64_MAX) return Status::Corruption("manifest: height 2^64-1 is reserved");
  if (!lit(",\"leaves\":")) return NotCanonical(s, ",\"leaves\":");
  if (!s.U64(&m.leaves)) return Bad("leaves");
  if (!lit(",\"root\":\"")) return NotCanonical(s, ",\"root\":\"");
  if (!s.HashHex(&m.root)) return Bad("root");
  if (!lit("\"}\n") || !s.done()) return NotCanonical(s, "\"}\\n and the end");
  if (leaves != m.leaves) return Status::Corruption("manifest: leaves do not add up");
  if (m.base && m.base->height > m.height)
    return Status::Corruption("manifest: the base is above the height");
  if (m.base && m.base->height == m.height && m.base->root != m.root)
    return Status::Corruption("manifest: the base is the height, with another root");
  *out = std::move(m);
  return Status::OK();
}

void PutU64(std::string* out, uint64_t v) {
  char buf[20];
  size_t n = 0;
  do buf[n++] = static_cast<char>('0' + v % 10);
  while ((v /= 10) != 0);
  while (n > 0) out->push_back(buf[--n]);
}

}  // namespace

uint64_t MaxRawChunkBytes(uint64_t chunk_size) {
  // A chunk above chunk_size holds one leaf and its proof; 64 MiB bounds any
  // honest proof (the deepest spine of maximal keys).
  return std::max<uint64_t>(chunk_size, kMaxValueBytes) + (64ull << 20);
}

std::string EncodeManifest(const Manifest& m) {
  // Keys sorted, no spaces: the one spelling. Entries are ~130 bytes + 2|lo|.
  std::string out;
  out.reserve(300 + m.chunks.size() * 140);
  out += "{";
  if (m.base) {
    out += "\"base\":{\"height\":";
    PutU64(&out, m.base->height);
    if (m.base->id) {
      out += ",\"id\":\"";
      out += ToHex(*m.base->id);
      out += "\"";
    }
    out += ",\"root\":\"";
    out += ToHex(m.base->root);
    out += "\"},";
  }
  out += "\"chunk_size\":";
  PutU64(&out, m.chunk_size);
  out += ",\"chunker_version\":";
  PutU64(&out, m.chunker_version);
  out += ",\"chunks\":[";
  for (size_t i = 0; i < m.chunks.size(); ++i) {
    const ManifestChunk& c = m.chunks[i];
    out += i ? ",{\"digest\":\"" : "{\"digest\":\"";
    out += ToHex(c.digest);
    out += "\",\"leaves\":";
    PutU64(&out, c.leaves);
    out += ",\"lo\":\"";
    out += ToHex(c.lo);
    out += "\",\"raw_size\":";
    PutU64(&out, c.raw_size);
    out += "}";
  }
  out += "],\"format\":\"checkpoint-manifest\",\"format_version\":";
  PutU64(&out, m.format_version);
  out += ",\"hash\":\"";
  out += HashKindName(m.hash);
  out += "\",\"height\":";
  PutU64(&out, m.height);
  out += ",\"leaves\":";
  PutU64(&out, m.leaves);
  out += ",\"root\":\"";
  out += ToHex(m.root);
  out += "\"}\n";
  return out;
}

Status ParseManifest(std::string_view bytes, Manifest* out) {
  if (bytes.size() > kMaxManifestBytes) {
    return Status::Corruption("manifest is too large: " + std::to_string(bytes.size()) +
                              " bytes, at most " + std::to_string(kMaxManifestBytes));
  }
  try {
    return Scan(bytes, out);
  } catch (const std::bad_alloc&) {
    return Status::IOError("out of memory reading a manifest of " + std::to_string(bytes.size()) +
                           " bytes");
  }
}

Hash ManifestId(std::string_view bytes) { return HashBytes(HashKind::kSha256, bytes); }

}  // namespace checkpoint
