// The soundness oracle under libFuzzer: the input is the stream of choices
// the structure-aware generator makes (state, interval, mutations), so
// coverage guidance explores forgeries, not byte noise. Any chunk the
// verifier accepts must be the canonical encoding of its interval holding
// exactly the state's leaves there (tests/chunk/oracle.h), and the
// independent reference verifier (tests/ref) must agree on every chunk.
#include <cstdio>
#include <cstdlib>

#include "../tests/chunk/oracle.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace checkpoint::oracle;
  Choices choices(data, size);
  Stats stats;
  const std::string failure =
      RunRound(&choices, {ProductionVerifier, ReferenceVerifier}, 8, &stats);
  if (!failure.empty()) {
    std::fprintf(stderr, "soundness oracle: %s\n", failure.c_str());
    std::abort();
  }
  return 0;
}
