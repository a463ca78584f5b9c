// Delta chunks against the oracle: byte 0 picks the base and target heights
// of a small fixed history, the rest is a delta chunk's canonical encoding.
// Whatever the verifier accepts must list exactly the differences between
// the two heights in the interval it proves, and the chunk's own change
// items must be that list (no no-op slipped past the reported changes).
#include <cstdio>
#include <cstdlib>

#include "chunk/format.h"
#include "delta_fixture.h"

using namespace checkpoint;
using namespace checkpoint::delta_fuzz;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static World* world = new World();
  if (size < 1) return 0;
  const auto [from, to] = Heights(*world, data[0]);
  const std::string_view chunk(reinterpret_cast<const char*>(data + 1), size - 1);
  NodeReader reader = world->Reader();
  std::vector<Change> seen;
  DeltaChunkInfo info;
  Status s = VerifyDeltaChunk(chunk, world->db->hash_kind(), world->RootHash(to), &reader,
                              world->Root(from), &info,
                              [&](std::string_view k, std::string_view v, bool del) {
                                seen.push_back({std::string(k), std::string(v), del});
                              });
  if (!s.ok()) return 0;
  std::vector<Change> items;
  ChunkDecoder decoder(chunk, /*delta=*/true);
  ChunkHeader header;
  if (!decoder.Header(&header).ok()) std::abort();
  DecodedItem d;
  while (decoder.Next(&d)) {
    if (d.tag == ChunkItem::kPut || d.tag == ChunkItem::kDelete)
      items.push_back({std::string(d.key), std::string(d.value), d.tag == ChunkItem::kDelete});
  }
  const std::vector<Change> truth = Truth(*world, from, to, info.interval);
  if (seen != truth || items != truth) {
    std::fprintf(stderr, "delta oracle: accepted %zu changes, truth has %zu (heights %llu->%llu)\n",
                 items.size(), truth.size(), static_cast<unsigned long long>(from),
                 static_cast<unsigned long long>(to));
    std::abort();
  }
  return 0;
}
