// Produces one chunk's canonical encoding from its plan: the stubs left of
// its first unit, every leaf of its units (a forward scan of the store), and
// the stubs right of its last unit. Thread-compatible: one NodeReader each.
#pragma once

#include <string>

#include "chunk/partition.h"

namespace checkpoint {

// Appends chunk `index`'s canonical bytes to *out. Fails with Corruption if
// the store's contents disagree with the statistics the plan came from.
Status ProduceChunk(const Partition& p, size_t index, NodeReader* reader, std::string* out);

}  // namespace checkpoint
