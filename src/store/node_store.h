// NodeStore: the narrow seam between the state database and its storage.
//
// Three columns (meta, nodes, stale index); atomic multi-column batches;
// snapshots; forward iterators. RocksDB on disk is the real one; MemStore is
// for unit tests; FaultStore wraps either and fails on cue. Implementations
// are thread-safe: any thread may read, write and take snapshots.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/status.h"

namespace checkpoint {

enum class Column : uint8_t { kMeta = 0, kNodes = 1, kStale = 2 };
constexpr int kColumnCount = 3;

class WriteBatch {
 public:
  enum class Op : uint8_t { kPut, kDelete, kDeleteRange };
  struct Entry {
    Op op;
    Column column;
    std::string key;    // kDeleteRange: begin
    std::string value;  // kDeleteRange: end (exclusive)
  };

  void Put(Column c, std::string_view key, std::string_view value) {
    bytes_ += key.size() + value.size() + 16;
    entries_.push_back({Op::kPut, c, std::string(key), std::string(value)});
  }
  void Delete(Column c, std::string_view key) {
    bytes_ += key.size() + 16;
    entries_.push_back({Op::kDelete, c, std::string(key), {}});
  }
  void DeleteRange(Column c, std::string_view begin, std::string_view end) {
    bytes_ += begin.size() + end.size() + 16;
    entries_.push_back({Op::kDeleteRange, c, std::string(begin), std::string(end)});
  }
  void Clear() {
    entries_.clear();
    bytes_ = 0;
  }
  bool empty() const { return entries_.empty(); }
  size_t ApproximateBytes() const { return bytes_; }
  const std::vector<Entry>& entries() const { return entries_; }
  // Orders the entries by column and key, which makes RocksDB's memtable
  // inserts cheaper; puts of one key keep their order, so with only puts
  // the batch writes the same. REQUIRES: only puts.
  void SortPuts() {
    std::stable_sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
      return a.column != b.column ? a.column < b.column : a.key < b.key;
    });
  }

 private:
  std::vector<Entry> entries_;
  size_t bytes_ = 0;
};

// A consistent view; writes made after it was taken are invisible through it.
class StoreSnapshot {
 public:
  virtual ~StoreSnapshot() = default;
};

class StoreIterator {
 public:
  virtual ~StoreIterator() = default;
  virtual bool Valid() const = 0;
  virtual void Seek(std::string_view target) = 0;
  virtual void Next() = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  virtual Status status() const = 0;
};

// Sorted key/value pairs for one column, to be ingested as a table file.
// Views: the caller keeps the bytes alive until Stage returns.
struct SortedRun {
  Column column;
  std::vector<std::pair<std::string_view, std::string_view>> entries;  // strictly increasing keys
};

// Runs written out (RocksDB: table files beside the database), not yet part
// of the store; dropped, with their files, when destroyed uningested.
class StagedRuns {
 public:
  virtual ~StagedRuns() = default;
};

class NodeStore {
 public:
  virtual ~NodeStore() = default;
  static constexpr size_t kGrowingReadahead = ~size_t{0};
  // NotFound when absent. `snapshot` may be null (latest).
  virtual Status Get(Column c, std::string_view key, std::string* value,
                     const StoreSnapshot* snapshot = nullptr) = 0;
  // Atomic across columns; `sync` makes it durable before returning.
  virtual Status Write(const WriteBatch& batch, bool sync) = 0;
  // `readahead_bytes` > 0: a forward walk that reads files ahead that far
  // on its own and does not fill the block cache; kGrowingReadahead: the
  // same, reading ahead more the longer the reads of a file stay sequential.
  virtual std::unique_ptr<StoreIterator> NewIterator(Column c,
                                                     const StoreSnapshot* snapshot = nullptr,
                                                     size_t readahead_bytes = 0) = 0;
  virtual std::shared_ptr<const StoreSnapshot> GetSnapshot() = 0;
  // Rewrites column `c` so that deleted data returns its space and its table
  // files merge.
  virtual Status Compact(Column c) = 0;
  Status CompactAll() {
    for (int c = 0; c < kColumnCount; ++c)
      CHECKPOINT_RETURN_IF_ERROR(Compact(static_cast<Column>(c)));
    return Status::OK();
  }
  // Writes `runs` out without adding them: the costly half of an ingestion,
  // which any number of threads may do at once.
  virtual Result<std::unique_ptr<StagedRuns>> Stage(const std::vector<SortedRun>& runs) = 0;
  // Adds every staged set at once, atomically across columns and sets
  // (RocksDB: one ingestion, one MANIFEST record). REQUIRES: the sets were
  // staged by this store; no key of theirs exists in the store or in two sets.
  virtual Status IngestStaged(std::vector<std::unique_ptr<StagedRuns>> sets) = 0;
};

struct RocksStoreOptions {
  bool create_if_missing = false;
  // Secondary instance: a read-only view of a database another process may
  // keep writing; every table file is held open, so the view cannot be
  // pulled away by the writer's compactions. Default: false (primary).
  bool read_only = false;
  // With read_only: open the meta column alone. The view then reads root
  // records without opening (and reading the index of) any of the nodes'
  // table files, which an open of all columns does for every file; reads of
  // the other columns fail with NotSupported. Default: false.
  bool meta_only = false;
  // Block cache for data, index and filter blocks. Default: 64 MiB.
  size_t block_cache_bytes = 64 << 20;
  // Memtables of all columns together; a flush starts near it. Default: 64 MiB.
  size_t memtable_budget_bytes = 64 << 20;
};

// Opens RocksDB at `dir`. Fails with NotFound if there is no database there
// (and create_if_missing is false).
Result<std::unique_ptr<NodeStore>> OpenRocksStore(const std::string& dir,
                                                  const RocksStoreOptions& options);

// For unit tests only: everything in memory.
std::unique_ptr<NodeStore> NewMemStore();

// Forwards every call to `base`: a base for stores that change a few.
class StoreWrapper : public NodeStore {
 public:
  explicit StoreWrapper(NodeStore* base) : base_(base) {}

  Status Get(Column c, std::string_view key, std::string* value,
             const StoreSnapshot* snapshot) override {
    return base_->Get(c, key, value, snapshot);
  }
  Status Write(const WriteBatch& batch, bool sync) override { return base_->Write(batch, sync); }
  std::unique_ptr<StoreIterator> NewIterator(Column c, const StoreSnapshot* snapshot,
                                             size_t readahead_bytes) override {
    return base_->NewIterator(c, snapshot, readahead_bytes);
  }
  std::shared_ptr<const StoreSnapshot> GetSnapshot() override { return base_->GetSnapshot(); }
  Status Compact(Column c) override { return base_->Compact(c); }
  Result<std::unique_ptr<StagedRuns>> Stage(const std::vector<SortedRun>& runs) override {
    return base_->Stage(runs);
  }
  Status IngestStaged(std::vector<std::unique_ptr<StagedRuns>> sets) override {
    return base_->IngestStaged(std::move(sets));
  }

 protected:
  NodeStore* const base_;
};

// Wraps `base`; the n-th call to Write or IngestStaged (counting from 1) and
// every later one fail with IOError, without applying, once armed. For
// deterministic crash tests.
class FaultStore : public StoreWrapper {
 public:
  using StoreWrapper::StoreWrapper;
  void FailAtWrite(uint64_t n) { fail_at_ = n; }
  void Disarm() { fail_at_ = 0; }
  uint64_t writes() const { return writes_; }

  Status Write(const WriteBatch& batch, bool sync) override {
    if (Fails()) return Status::IOError("injected write failure");
    return base_->Write(batch, sync);
  }
  Status IngestStaged(std::vector<std::unique_ptr<StagedRuns>> sets) override {
    if (Fails()) return Status::IOError("injected ingest failure");
    return base_->IngestStaged(std::move(sets));
  }

 private:
  // Counted atomically: a restore ingests on a thread of its own.
  bool Fails() {
    const uint64_t n = ++writes_;
    const uint64_t at = fail_at_;
    return at != 0 && n >= at;
  }
  std::atomic<uint64_t> fail_at_{0};
  std::atomic<uint64_t> writes_{0};
};

}  // namespace checkpoint
