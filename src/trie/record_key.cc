#include "trie/record_key.h"

#include <cstring>

#include "util/coding.h"

namespace checkpoint {

void AppendRecordKey(std::string* dst, std::string_view path_bytes, uint32_t path_bits,
                     RecordTag tag, uint64_t height) {
  dst->reserve(dst->size() + path_bytes.size() + 12);
  // Copy runs between zero bytes whole; zero bytes are rare in real keys.
  while (!path_bytes.empty()) {
    const void* zero = std::memchr(path_bytes.data(), 0, path_bytes.size());
    size_t run = zero ? static_cast<size_t>(static_cast<const char*>(zero) - path_bytes.data())
                      : path_bytes.size();
    dst->append(path_bytes.data(), run);
    if (!zero) break;
    dst->append("\0\xff", 2);
    path_bytes.remove_prefix(run + 1);
  }
  dst->push_back('\0');
  dst->push_back(static_cast<char>(path_bits == 0 ? 0 : (path_bits - 1) % 8 + 1));
  dst->push_back(static_cast<char>(tag));
  PutFixed64BE(dst, height);
}

std::string EncodeRecordKey(std::string_view path_bytes, uint32_t path_bits, RecordTag tag,
                            uint64_t height) {
  std::string out;
  AppendRecordKey(&out, path_bytes, path_bits, tag, height);
  return out;
}

Status DecodeRecordKey(std::string_view in, RecordKey* out) {
  out->path.bytes.clear();
  size_t i = 0;
  for (;;) {
    if (i >= in.size()) return Status::Corruption("record key: unterminated path");
    char c = in[i++];
    if (c != '\0') {
      out->path.bytes.push_back(c);
      continue;
    }
    if (i >= in.size()) return Status::Corruption("record key: truncated escape");
    uint8_t next = static_cast<uint8_t>(in[i++]);
    if (next == 0xff) {
      out->path.bytes.push_back('\0');
      continue;
    }
    if (next > 8 || (next == 0) != out->path.bytes.empty()) {
      return Status::Corruption("record key: bad bit count");
    }
    out->path.bits =
        out->path.bytes.empty() ? 0 : static_cast<uint32_t>(out->path.bytes.size() - 1) * 8 + next;
    break;
  }
  if (in.size() - i != 9) return Status::Corruption("record key: bad length");
  uint8_t tag = static_cast<uint8_t>(in[i]);
  if (tag != static_cast<uint8_t>(RecordTag::kInternal) &&
      tag != static_cast<uint8_t>(RecordTag::kLeaf)) {
    return Status::Corruption("record key: unknown tag");
  }
  if (!LowBitsClear(out->path.bytes, out->path.bits)) {
    return Status::Corruption("record key: padding bits set");
  }
  if (out->path.bits > 8191 * 8) return Status::Corruption("record key: path too long");
  if (tag == static_cast<uint8_t>(RecordTag::kLeaf) &&
      (out->path.bits == 0 || out->path.bits % 8 != 0)) {
    return Status::Corruption("record key: a leaf key must be whole bytes");
  }
  out->tag = static_cast<RecordTag>(tag);
  out->height = DecodeFixed64BE(in.data() + i + 1);
  return Status::OK();
}

}  // namespace checkpoint
