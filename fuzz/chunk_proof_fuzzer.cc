// A chunk's canonical encoding (the proof itself), checked against the root
// of the state the seed chunks came from, so mutations of real chunks reach
// deep into the rebuild and the interval checks. The first byte picks the
// hash function. The reference verifier judges every input too.
#include <cstdint>
#include <string>

#include "../tests/ref/ref_verifier.h"
#include "checkpoint/chunk.h"

namespace {
// The sha256 root of the seed state (fuzz/make_seeds.sh).
const char kSeedRoot[] = "9fbadd6148f9b8e0e1f799f5b7ae8f111459d318599d9a89c266dba72fe42f6c";
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  using namespace checkpoint;
  Hash root{};
  if (auto bytes = ParseHex(kSeedRoot); bytes && bytes->size() == 32) {
    std::copy(bytes->begin(), bytes->end(), root.begin());
  }
  const HashKind kind = data[0] & 1 ? HashKind::kSha512_256 : HashKind::kSha256;
  std::string_view canonical(reinterpret_cast<const char*>(data) + 1, size - 1);
  ChunkInfo info;
  uint64_t leaves = 0;
  Status s = VerifyChunk(canonical, kind, root, &info,
                         [&](std::string_view, std::string_view) { ++leaves; });
  if (s.ok() && leaves != info.leaves) __builtin_trap();
  // The independent reference verifier (tests/ref) must agree, byte flip for byte flip.
  const refv::RefResult ref = refv::RefVerifyChunk(
      canonical, kind == HashKind::kSha256 ? "sha256" : "sha512_256",
      std::string_view(reinterpret_cast<const char*>(root.data()), root.size()));
  if (ref.ok != s.ok() || (s.ok() && ref.leaves.size() != leaves)) __builtin_trap();
  return 0;
}
