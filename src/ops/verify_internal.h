// Verification of a checkpoint held anywhere (files, memory): what
// VerifyCheckpoint does once it has the bytes. Internal: the mutation suite
// runs thousands of damaged checkpoints through it without touching disk.
#pragma once

#include <functional>
#include <string>

#include "checkpoint/verify.h"

namespace checkpoint {

// Returns chunk i's file bytes (see ReadChunkFile), NotFound when there is none.
using ChunkReader = std::function<Result<std::string>(const Manifest& m, size_t index)>;

VerifyReport VerifyLoaded(const Result<std::string>& manifest_bytes, const ChunkReader& read_chunk,
                          const VerifyOptions& options);

}  // namespace checkpoint
