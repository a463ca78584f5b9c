// A chunk file from a stranger: magic, version, zstd frame (capped), then the
// canonical encoding and its proof against a fixed root.
#include <cstdint>
#include <string>

#include "checkpoint/chunk.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string canonical;
  std::string_view file(reinterpret_cast<const char*>(data), size);
  if (!checkpoint::DecodeChunkFile(file, 1 << 20, &canonical).ok()) return 0;
  checkpoint::Hash root{};
  (void)checkpoint::VerifyChunk(canonical, checkpoint::HashKind::kSha256, root);
  return 0;
}
