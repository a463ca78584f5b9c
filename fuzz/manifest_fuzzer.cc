// A manifest from a stranger: strict parse; anything accepted must be the one
// canonical spelling of its content.
#include <cstdint>
#include <string>

#include "checkpoint/manifest.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  checkpoint::Manifest m;
  if (checkpoint::ParseManifest(bytes, &m).ok() && checkpoint::EncodeManifest(m) != bytes) {
    __builtin_trap();  // two spellings of one content would give two ids
  }
  return 0;
}
