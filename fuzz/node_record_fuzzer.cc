// A damaged database is outside input too: record keys, internal node
// records and root records. The first byte splits the input into a key and a
// value.
#include <cstdint>
#include <string>

#include "trie/node.h"
#include "trie/record_key.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace checkpoint;
  if (size == 0) return 0;
  const size_t split = std::min<size_t>(data[0], size - 1);
  std::string_view key(reinterpret_cast<const char*>(data) + 1, split);
  std::string_view value(reinterpret_cast<const char*>(data) + 1 + split, size - 1 - split);
  RecordKey rk;
  if (DecodeRecordKey(key, &rk).ok()) {
    // Round trip: the strict decoder accepts only what the encoder writes.
    if (EncodeRecordKey(rk.path.bytes, rk.path.bits, rk.tag, rk.height) != key) __builtin_trap();
    InternalNode node;
    if (DecodeInternalNode(value, rk.path, &node).ok()) {
      (void)InternalHash(HashKind::kSha256, rk.path, node);
    }
  }
  NodeRef ref;
  (void)DecodeNodeRef(value, &ref);
  return 0;
}
