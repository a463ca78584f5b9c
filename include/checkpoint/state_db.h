// StateDb: a versioned Merkle trie on disk (DESIGN §4, §5).
//
// Each committed height is a complete key/value state with a root hash;
// heights share unchanged nodes. A height becomes visible only when its root
// record is written; an interrupted commit is rolled back at the next open.
//
// Thread-safety: one writer at a time (Commit and Prune serialize on an
// internal mutex); any number of readers through StateViews, which hold a
// storage snapshot and are not disturbed by later commits or prunes.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/hash.h"
#include "checkpoint/status.h"
#include "checkpoint/write_log.h"

namespace checkpoint {

class NodeStore;

struct StateDbOptions {
  // Create the database when the directory does not hold one. Default: false.
  bool create_if_missing = false;
  // Hash function of a new database; an existing one keeps its own.
  // Default: sha256.
  HashKind hash = HashKind::kSha256;
  // Open as a read-only view (a RocksDB secondary) that another process may
  // keep writing to: heights committed after the open are not seen, and the
  // files are held open so the writer's prunes cannot pull the view away.
  // Default: false.
  bool read_only = false;
  // Bytes a multi-batch commit writes per batch (held ~2.5× over in memory,
  // twice: one batch is written while the next fills). Default: 8 MiB.
  size_t batch_bytes = 8 << 20;
  // RocksDB block cache. Default: 64 MiB.
  size_t block_cache_bytes = 64 << 20;
};

struct HeightInfo {
  uint64_t height = 0;
  Hash root{};
  uint64_t leaves = 0;
  uint64_t key_bytes = 0;
  uint64_t value_bytes = 0;
};

// An ordered cursor over one height's keys. Not thread-safe.
class StateIterator {
 public:
  virtual ~StateIterator() = default;
  virtual void SeekToFirst() = 0;
  // Positions at the first key >= target.
  virtual void Seek(std::string_view target) = 0;
  virtual bool Valid() const = 0;
  // REQUIRES: Valid().
  virtual void Next() = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  // Not OK when the walk hit a damaged or missing record; Valid() is then false.
  virtual Status status() const = 0;
};

// One height's state. Safe to use from one thread at a time; make one per thread.
class StateView {
 public:
  virtual ~StateView() = default;
  virtual uint64_t height() const = 0;
  virtual const Hash& root() const = 0;
  // NotFound when the key is absent at this height.
  virtual Status Get(std::string_view key, std::string* value) = 0;
  virtual std::unique_ptr<StateIterator> NewIterator() = 0;
};

class StateDb {
 public:
  virtual ~StateDb() = default;

  // Opens the database in `dir`. Errors: NotFound (nothing there and
  // create_if_missing is false), InvalidArgument (not a state database),
  // NotSupported (a newer schema).
  static Result<std::unique_ptr<StateDb>> Open(const std::string& dir,
                                               const StateDbOptions& options);
  // For tests: a database on a caller-owned store (in memory or fault-injecting).
  static Result<std::unique_ptr<StateDb>> OpenOnStore(NodeStore* store,
                                                      const StateDbOptions& options);

  virtual HashKind hash_kind() const = 0;

  // Applies `log` to the latest height and makes the result `height`.
  // REQUIRES: height > every committed height.
  virtual Status Commit(uint64_t height, const WriteLog& log) = 0;
  // The same from a stream of updates in strictly increasing key order.
  virtual Status Commit(uint64_t height, UpdateSource* updates) = 0;

  // Retained heights, ascending.
  virtual std::vector<HeightInfo> Heights() const = 0;
  virtual std::optional<uint64_t> LatestHeight() const = 0;

  // A reader of `height`. NotFound("height N was pruned") or NotFound("no height N").
  virtual Result<std::unique_ptr<StateView>> View(uint64_t height) = 0;

  // Drops every height below `below` and every node no retained height
  // reaches. REQUIRES: below <= the latest height. Space returns after Compact().
  virtual Status Prune(uint64_t below) = 0;
  virtual Status Compact() = 0;
};

}  // namespace checkpoint
