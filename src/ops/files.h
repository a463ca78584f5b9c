// File helpers with the durability the store needs: write + fsync, fsync of
// directories, bounded reads. Errors name the path and the errno text.
//
// Hostile trees (DESIGN §8): a file is opened relative to its directory and
// never through a symbolic link in its last component (O_NOFOLLOW), never
// blocking on a FIFO (O_NONBLOCK, then S_ISREG), and a file this tool
// creates is created exclusively (O_EXCL), so nothing is written through a
// link or into a device someone planted. The directories a caller names may
// be links (an operator's store on another disk); what the tool makes in
// them is not followed.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "checkpoint/status.h"
#include "util/aligned_buffer.h"

namespace checkpoint {

// Opens the regular file `path` (O_CREAT in `flags` makes it if missing)
// relative to its directory without following a link and without blocking;
// the caller owns *fd. NotFound when absent; IOError for a link, FIFO,
// directory or device, or any other failure.
Status OpenRegularFile(const std::string& path, int flags, int* fd);
// Creates (or truncates) the regular file `path`, writes `data`, fsyncs,
// closes. A link, FIFO or device at `path` is refused.
Status WriteFileSynced(const std::string& path, std::string_view data);
// Creates `path`, which must not exist (O_EXCL), with `mode` (before the
// umask), writes `data`, fsyncs.
Status WriteNewFileSynced(const std::string& path, std::string_view data, mode_t mode = 0644);
// Replaces `path` atomically: writes a temporary beside it (`tmp_name`, or
// NAME.tmp.PID; a stale one is unlinked, never followed), fsyncs, renames over
// `path`, fsyncs the directory; the temporary is removed on failure. Refuses
// (InvalidArgument) when `path` exists and is not a regular file.
Status ReplaceFileAtomically(const std::string& path, std::string_view data,
                             const std::string& tmp_name = "");
// OK when nothing is at `path` or a regular file (not a link to one) is;
// InvalidArgument "PATH is not a regular file" otherwise.
Status RequireRegularOrAbsent(const std::string& path);
Status FsyncDir(const std::string& dir);
// Creates the new file `path` (O_EXCL), writes `data` and starts writing it
// back without waiting (many files then reach the disk in parallel);
// FsyncFile later makes it durable.
Status WriteFileStartSync(const std::string& path, std::string_view data);
// Creates the new file `path` (O_EXCL) past the page cache (O_DIRECT, where
// the file system allows it) from the buffer itself, and fsyncs it: for files
// this process will not read again (copying them into the page cache cost
// create's writer thread most of a core on this host), written on a thread
// that can wait for the disk. Zeroes the buffer from size() to the end of its
// last 4096-byte block. REQUIRES: data->size() <= data->capacity().
Status WriteFileUncachedSynced(const std::string& path, AlignedBuffer* data);
Status FsyncFile(const std::string& path);
// Reads a whole regular file, failing if it is larger than `max_bytes`:
// NotFound when absent, Corruption when too large, IOError when it cannot be
// read or is not a regular file (a directory, FIFO, device or link).
Status ReadFileBounded(const std::string& path, uint64_t max_bytes, std::string* out);
// DIR/manifest.json, bounded by kMaxManifestBytes (the parser's own cap).
Status ReadManifestFile(const std::string& dir, std::string* out);
Status MakeDir(const std::string& dir);  // parents too; fine if it exists
// mkdir(2): fails if anything (a link too) is already at `dir`.
Status MakeNewDir(const std::string& dir);
// Removes a tree; ignores what is already gone.
void RemoveTree(const std::string& path);
// rename(2), with the error naming both paths.
Status RenamePath(const std::string& from, const std::string& to);
// Swaps two existing paths in one step (renameat2 RENAME_EXCHANGE): readers
// see the old entry or the new one, never neither.
Status ExchangePaths(const std::string& a, const std::string& b);

// Deterministic fault injection for crash tests: the n-th file operation
// (write, directory fsync, mkdir, rename; counting from 1) and every later one
// fail with IOError. 0 disarms. The CHECKPOINT_FAIL_FILE_OP environment
// variable arms it for a whole process (CLI tests).
void SetFileFaultForTesting(uint64_t n);

}  // namespace checkpoint
