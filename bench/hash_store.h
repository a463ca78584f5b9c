// See hash_store.cc.
#pragma once

#include <cstdint>
#include <string>

#include "checkpoint/status.h"

namespace checkpoint {

// Copies `height` of the state database at db_dir into a new database at
// out_dir keyed by node hash; counts the node records in *records.
Status BuildHashStore(const std::string& db_dir, uint64_t height, const std::string& out_dir,
                      uint64_t* records);

}  // namespace checkpoint
