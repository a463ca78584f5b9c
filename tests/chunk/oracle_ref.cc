// The independent reference verifier (tests/ref, written from FORMAT.md
// alone) as an oracle verifier, for differential runs against VerifyChunk.
#include "../ref/ref_verifier.h"
#include "oracle.h"

namespace checkpoint::oracle {

Verdict ReferenceVerifier(std::string_view canonical, HashKind kind, const Hash& root) {
  const refv::RefResult r = refv::RefVerifyChunk(
      canonical, kind == HashKind::kSha256 ? "sha256" : "sha512_256",
      std::string_view(reinterpret_cast<const char*>(root.data()), root.size()));
  Verdict v;
  v.ok = r.ok;
  v.reason = r.reason;
  v.lo = r.lo;
  v.has_hi = r.has_hi;
  v.hi = r.hi;
  for (const auto& [k, val] : r.leaves) v.leaves[k] = val;
  return v;
}

}  // namespace checkpoint::oracle
