// The chunk codec: file framing, the canonical encoding's writers and its
// strict decoder (docs/FORMAT.md §3).
#include "chunk/format.h"

#include <zstd.h>

#include <cstring>
#include <new>

#include "checkpoint/chunk.h"
#include "checkpoint/limits.h"

namespace checkpoint {

void AppendChunkHeader(std::string* dst, std::string_view lo, const std::string* hi) {
  PutFixed32LE(dst, static_cast<uint32_t>(lo.size()));
  dst->append(lo);
  dst->push_back(hi ? 1 : 0);
  if (hi) {
    PutFixed32LE(dst, static_cast<uint32_t>(hi->size()));
    dst->append(*hi);
  }
}

void AppendLeafItem(std::string* dst, std::string_view key, std::string_view value) {
  dst->push_back(static_cast<char>(ChunkItem::kLeaf));
  PutFixed32LE(dst, static_cast<uint32_t>(key.size()));
  dst->append(key);
  PutFixed32LE(dst, static_cast<uint32_t>(value.size()));
  dst->append(value);
}

void AppendStubItem(std::string* dst, ChunkItem tag, BitString* prev, const BitString& path,
                    const Hash& hash) {
  const uint32_t shared = CommonPrefixBits(prev->bytes, prev->bits, path.bytes, path.bits);
  const BitString rest = BitSlice(path.bytes, shared, path.bits);
  dst->push_back(static_cast<char>(tag));
  PutFixed16LE(dst, static_cast<uint16_t>(shared));
  PutFixed16LE(dst, static_cast<uint16_t>(rest.bits));
  dst->append(rest.bytes);
  dst->append(reinterpret_cast<const char*>(hash.data()), hash.size());
  *prev = path;
}

void AppendChangeItem(std::string* dst, std::string_view key, std::string_view value,
                      bool is_delete) {
  dst->push_back(static_cast<char>(is_delete ? ChunkItem::kDelete : ChunkItem::kPut));
  PutFixed32LE(dst, static_cast<uint32_t>(key.size()));
  dst->append(key);
  if (is_delete) return;
  PutFixed32LE(dst, static_cast<uint32_t>(value.size()));
  dst->append(value);
}

uint64_t StubBytesAfter(const BitString& prev, const BitString& path) {
  return StubItemBytes(path.bits - CommonPrefixBits(prev.bytes, prev.bits, path.bytes, path.bits));
}

std::string Boundary(std::string_view last, std::string_view first) {
  const uint32_t lcp = CommonPrefixBits(last, static_cast<uint32_t>(last.size() * 8), first,
                                        static_cast<uint32_t>(first.size() * 8));
  return BitPrefix(first, lcp + 1).bytes;
}

std::string RegionStart(const BitString& region) { return region.bytes; }

std::string RegionEnd(const BitString& region, bool* unbounded) {
  // Drop trailing 1 bits, then set the last remaining 0 bit: the smallest
  // byte string above every extension of the region.
  uint32_t n = region.bits;
  while (n % 8 != 0 && region.Bit(n - 1)) --n;
  if (n % 8 == 0) {
    while (n >= 8 && static_cast<uint8_t>(region.bytes[n / 8 - 1]) == 0xff)
      n -= 8;  // whole bytes of ones
    while (n > 0 && region.Bit(n - 1)) --n;
  }
  *unbounded = n == 0;
  if (n == 0) return {};
  BitString end = BitPrefix(region.bytes, n);
  end.bytes[(n - 1) / 8] = static_cast<char>(end.bytes[(n - 1) / 8] | (0x80 >> ((n - 1) % 8)));
  return end.bytes;
}

namespace {

constexpr uint32_t kMaxBoundaryBytes = kMaxKeyBytes + 1;

// `path` cut to its first `bits` bits, in place.
void TruncateBits(BitString* path, uint32_t bits) {
  path->bytes.resize(BytesForBits(bits));
  path->bits = bits;
  if (bits % 8 != 0)
    path->bytes.back() = static_cast<char>(path->bytes.back() & (0xff << (8 - bits % 8)));
}

}  // namespace

Status ChunkDecoder::Header(ChunkHeader* out) {
  uint32_t n = r_.U32LE();
  if (!r_.ok() || n > kMaxBoundaryBytes) return status_ = Status::Corruption("bad interval start");
  out->lo = std::string(r_.Bytes(n));
  const uint8_t has_hi = r_.U8();
  if (!r_.ok() || has_hi > 1) return status_ = Status::Corruption("bad interval end flag");
  out->has_hi = has_hi == 1;
  if (out->has_hi) {
    n = r_.U32LE();
    if (!r_.ok() || n > kMaxBoundaryBytes) return status_ = Status::Corruption("bad interval end");
    out->hi = std::string(r_.Bytes(n));
  }
  if (!r_.ok()) return status_ = Status::Corruption("truncated interval");
  if (out->has_hi && !(out->lo < out->hi))
    return status_ = Status::InvalidArgument("empty interval");
  return Status::OK();
}

bool ChunkDecoder::Fail(const char* what) {
  status_ = Status::Corruption("item " + std::to_string(index_) + ": " + what);
  return false;
}

bool ChunkDecoder::Next(DecodedItem* item) {
  if (!status_.ok() || r_.empty()) return false;
  if (started_) ++index_;
  started_ = true;
  const size_t start = r_.remaining();
  const uint8_t tag = r_.U8();
  if (tag == static_cast<uint8_t>(ChunkItem::kLeaf)) {
    const uint32_t klen = r_.U32LE();
    if (!r_.ok() || klen == 0 || klen > kMaxKeyBytes) return Fail("bad key length");
    item->key = r_.Bytes(klen);
    const uint32_t vlen = r_.U32LE();
    if (!r_.ok() || vlen > kMaxValueBytes) return Fail("bad value length");
    item->value = r_.Bytes(vlen);
    if (!r_.ok()) return Fail("truncated value");
    path_ = BitString::FromKey(item->key);
  } else if (tag == static_cast<uint8_t>(ChunkItem::kStub) ||
             tag == static_cast<uint8_t>(ChunkItem::kLeafStub)) {
    // Front-coded: exactly the `shared` bits common with the previous path, then `rest`.
    const uint16_t shared = r_.U16LE();
    const uint16_t rest_bits = r_.U16LE();
    if (!r_.ok() || shared > path_.bits || rest_bits == 0 ||
        static_cast<uint32_t>(shared) + rest_bits > kMaxKeyBytes * 8) {
      return Fail("bad stub path length");
    }
    const BitString rest{std::string(r_.Bytes(BytesForBits(rest_bits))), rest_bits};
    r_.Copy(item->hash.data(), item->hash.size());
    if (!r_.ok()) return Fail("truncated stub");
    if (!LowBitsClear(rest.bytes, rest.bits)) return Fail("stub padding bits set");
    if (shared < path_.bits && path_.Bit(shared) == rest.Bit(0))
      return Fail("stub path not front-coded canonically");
    TruncateBits(&path_, shared);
    AppendBits(&path_, rest);
    if (tag == static_cast<uint8_t>(ChunkItem::kLeafStub) && path_.bits % 8 != 0) {
      return Fail("slot leaf key is not whole bytes");
    }
    item->key = {};
    item->value = {};
  } else if (delta_ && (tag == static_cast<uint8_t>(ChunkItem::kPut) ||
                        tag == static_cast<uint8_t>(ChunkItem::kDelete))) {
    const uint32_t klen = r_.U32LE();
    if (!r_.ok() || klen == 0 || klen > kMaxKeyBytes) return Fail("bad key length");
    item->key = r_.Bytes(klen);
    item->value = {};
    if (tag == static_cast<uint8_t>(ChunkItem::kPut)) {
      const uint32_t vlen = r_.U32LE();
      if (!r_.ok() || vlen > kMaxValueBytes) return Fail("bad value length");
      item->value = r_.Bytes(vlen);
    }
    if (!r_.ok()) return Fail("truncated change");
    path_ = BitString::FromKey(item->key);
  } else {
    return Fail("unknown item type");
  }
  item->tag = static_cast<ChunkItem>(tag);
  item->bytes = start - r_.remaining();
  return true;
}

uint64_t MaxChunkFileBytes(uint64_t raw_size) {
  return ZSTD_compressBound(raw_size) + kChunkFileHeaderBytes;
}

Status DecodeChunkFile(std::string_view file, uint64_t max_raw_bytes, std::string* canonical,
                       uint32_t expected_version) {
  if (file.size() < kChunkFileHeaderBytes ||
      std::memcmp(file.data(), kChunkFileMagic, sizeof(kChunkFileMagic)) != 0) {
    return Status::Corruption("not a chunk file (bad magic)");
  }
  Reader r(file.substr(8, 4));
  const uint32_t version = r.U32LE();
  if (version != expected_version) {
    return version == kChunkFormatVersion || version == kDeltaChunkFormatVersion
               ? Status::Corruption("chunk format version " + std::to_string(version) +
                                    " where the manifest calls for " +
                                    std::to_string(expected_version))
               : Status::NotSupported("chunk format version " + std::to_string(version) +
                                      " is not supported");
  }
  std::string_view frame = file.substr(kChunkFileHeaderBytes);
  const unsigned long long declared = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (declared == ZSTD_CONTENTSIZE_ERROR || declared == ZSTD_CONTENTSIZE_UNKNOWN) {
    return Status::Corruption("chunk: bad zstd frame header");
  }
  if (declared > max_raw_bytes) {
    return Status::Corruption("chunk: declares " + std::to_string(declared) +
                              " bytes, more than the " + std::to_string(max_raw_bytes) +
                              " allowed");
  }
  const size_t frame_size = ZSTD_findFrameCompressedSize(frame.data(), frame.size());
  if (ZSTD_isError(frame_size) || frame_size != frame.size()) {
    return Status::Corruption("chunk: truncated zstd frame or trailing bytes");
  }
  canonical->resize(declared);
  const size_t got =
      ZSTD_decompress(canonical->data(), canonical->size(), frame.data(), frame.size());
  if (ZSTD_isError(got) || got != declared) {
    return Status::Corruption(
        std::string("chunk: zstd: ") +
        (ZSTD_isError(got) ? ZSTD_getErrorName(got) : "size differs from the frame header"));
  }
  return Status::OK();
}

namespace {

// Magic and version before the frame of `frame_bytes`; returns the file's size.
size_t FrameChunkFile(char* dst, uint32_t version, size_t frame_bytes) {
  std::string header(kChunkFileMagic, sizeof(kChunkFileMagic));
  PutFixed32LE(&header, version);
  std::memcpy(dst, header.data(), kChunkFileHeaderBytes);
  return kChunkFileHeaderBytes + frame_bytes;
}

}  // namespace

std::string EncodeChunkFile(std::string_view canonical, int zstd_level, uint32_t version) {
  std::string out(MaxChunkFileBytes(canonical.size()), '\0');
  const size_t n =
      ZSTD_compress(out.data() + kChunkFileHeaderBytes, out.size() - kChunkFileHeaderBytes,
                    canonical.data(), canonical.size(), zstd_level);
  out.resize(FrameChunkFile(out.data(), version, ZSTD_isError(n) ? 0 : n));
  return out;
}

ChunkFileEncoder::ChunkFileEncoder(int zstd_level) : level_(zstd_level), cctx_(ZSTD_createCCtx()) {
  if (!cctx_) throw std::bad_alloc();
}

ChunkFileEncoder::~ChunkFileEncoder() { ZSTD_freeCCtx(cctx_); }

Status ChunkFileEncoder::Encode(std::string_view canonical, uint32_t version, AlignedBuffer* out) {
  const size_t bound = MaxChunkFileBytes(canonical.size());
  if (out->capacity() < bound) *out = AlignedBuffer(bound);
  const size_t n = ZSTD_compressCCtx(cctx_, out->data() + kChunkFileHeaderBytes,
                                     out->capacity() - kChunkFileHeaderBytes, canonical.data(),
                                     canonical.size(), level_);
  if (ZSTD_isError(n)) return Status::IOError(std::string("zstd: ") + ZSTD_getErrorName(n));
  out->set_size(FrameChunkFile(out->data(), version, n));
  return Status::OK();
}

}  // namespace checkpoint
