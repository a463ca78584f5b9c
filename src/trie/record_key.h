// Record keys of the node store: where a trie node lives in RocksDB.
//
// A record key is  escaped(path bytes) ‖ 0x00 ‖ last ‖ tag ‖ u64be height.
// Path bytes are the node's bit path (an internal node: the bits from the root
// through its label; a leaf: its full key), the last partial byte padded with
// zeros; each 0x00 byte is escaped as 0x00 0xFF; `last` is how many bits of
// the last path byte count (1..8, and 0 only for the empty path). With this
// spelling the bytewise order of record keys is the trie's pre-order: an
// ancestor sorts before its descendants, a left subtree before a right one,
// and all versions of one node sit together, oldest first. See docs/STORAGE.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "checkpoint/status.h"
#include "util/bits.h"

namespace checkpoint {

enum class RecordTag : uint8_t { kInternal = 1, kLeaf = 2 };

struct RecordKey {
  BitString path;
  RecordTag tag = RecordTag::kInternal;
  uint64_t height = 0;
};

void AppendRecordKey(std::string* dst, std::string_view path_bytes, uint32_t path_bits,
                     RecordTag tag, uint64_t height);
std::string EncodeRecordKey(std::string_view path_bytes, uint32_t path_bits, RecordTag tag,
                            uint64_t height);
inline std::string LeafRecordKey(std::string_view key, uint64_t height) {
  return EncodeRecordKey(key, static_cast<uint32_t>(key.size() * 8), RecordTag::kLeaf, height);
}

// Strict: rejects any spelling AppendRecordKey would not produce.
Status DecodeRecordKey(std::string_view in, RecordKey* out);

}  // namespace checkpoint
