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
// Writes `data` and starts writing it back without waiting (many files then
// reach the disk in parallel); FsyncFile later makes it durable.
Status WriteFileStartSync(const std::string& path, std::string_view data);
Status FsyncFile(const std::string& path);
// Reads a whole file, failing if it is larger than `max_bytes`.
Status ReadFileBounded(const std::string& path, uint64_t max_bytes, std::string* out);
Status MakeDir(const std::string& dir);  // parents too; fine if it exists
// Removes a tree; ignores what is already gone.
void RemoveTree(const std::string& path);
// rename(2), with the error naming both paths.
Status RenamePath(const std::string& from, const std::string& to);

// Deterministic fault injection for crash tests: the n-th file operation
// (write, directory fsync, mkdir, rename; counting from 1) and every later one
// fail with IOError. 0 disarms. The CHECKPOINT_FAIL_FILE_OP environment
// variable arms it for a whole process (CLI tests).
void SetFileFaultForTesting(uint64_t n);

}  // namespace checkpoint
