// A manifest from a stranger: strict parse; anything accepted must be the one
// canonical spelling of its content, and no more chunks than the file can hold
// (every entry takes at least 110 bytes: the scanner reserves by that bound).
#include <cstdint>
#include <string>

#include "checkpoint/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  checkpoint::Manifest m;
  if (!checkpoint::ParseManifest(bytes, &m).ok()) return 0;
  if (checkpoint::EncodeManifest(m) != bytes)
    __builtin_trap();  // two spellings of one content would give two ids
  if (m.chunks.empty() || m.chunks.size() > size / 110) __builtin_trap();
  return 0;
}
