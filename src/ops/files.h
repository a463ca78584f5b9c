// File helpers with the durability the store needs: write + fsync, fsync of
// directories, bounded reads. Errors name the path and the errno text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "checkpoint/status.h"

namespace checkpoint {

// Creates (or truncates) `path`, writes `data`, fsyncs, closes.
Status WriteFileSynced(const std::string& path, std::string_view data);
Status FsyncDir(const std::string& dir);
// Reads a whole file, failing if it is larger than `max_bytes`.
Status ReadFileBounded(const std::string& path, uint64_t max_bytes, std::string* out);
Status MakeDir(const std::string& dir);  // parents too; fine if it exists
// Removes a tree; ignores what is already gone.
void RemoveTree(const std::string& path);

}  // namespace checkpoint
