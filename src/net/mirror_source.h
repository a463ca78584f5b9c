// The mirror source's internal face: mirrors that could not even be found
// (a store whose index did not answer) are kept, so reports name them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "checkpoint/source.h"

namespace checkpoint::net {

struct MirrorSpec {
  std::string location;  // a checkpoint directory: http(s)/file URL or path
  std::string error;     // non-empty: unusable, and why (reported, never asked)
};

std::unique_ptr<ChunkSource> NewMirrorSource(const std::vector<MirrorSpec>& mirrors,
                                             const HttpOptions& options);

}  // namespace checkpoint::net
