// MemStore: an in-memory NodeStore for unit tests. Snapshots share the maps
// and writes copy them while a snapshot or iterator still holds them.
#include <array>
#include <map>
#include <mutex>

#include "store/node_store.h"

namespace checkpoint {
namespace {

using Maps = std::array<std::map<std::string, std::string, std::less<>>, kColumnCount>;

class MemSnapshot : public StoreSnapshot {
 public:
  explicit MemSnapshot(std::shared_ptr<const Maps> maps) : maps(std::move(maps)) {}
  std::shared_ptr<const Maps> maps;
};

class MemIterator : public StoreIterator {
 public:
  MemIterator(std::shared_ptr<const Maps> maps, Column c)
      : maps_(std::move(maps)), map_(&(*maps_)[static_cast<int>(c)]), it_(map_->end()) {}
  bool Valid() const override { return it_ != map_->end(); }
  void Seek(std::string_view target) override { it_ = map_->lower_bound(target); }
  void Next() override { ++it_; }
  std::string_view key() const override { return it_->first; }
  std::string_view value() const override { return it_->second; }
  Status status() const override { return Status::OK(); }

 private:
  std::shared_ptr<const Maps> maps_;
  const std::map<std::string, std::string, std::less<>>* map_;
  std::map<std::string, std::string, std::less<>>::const_iterator it_;
};

struct MemStaged : public StagedRuns {
  WriteBatch batch;
};

class MemStore : public NodeStore {
 public:
  Status Get(Column c, std::string_view key, std::string* value,
             const StoreSnapshot* snapshot) override {
    std::shared_ptr<const Maps> maps = View(snapshot);
    const auto& m = (*maps)[static_cast<int>(c)];
    auto it = m.find(key);
    if (it == m.end()) return Status::NotFound("not found");
    *value = it->second;
    return Status::OK();
  }

  Status Write(const WriteBatch& batch, bool) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (maps_.use_count() > 1) maps_ = std::make_shared<Maps>(*maps_);  // copy on write
    for (const auto& e : batch.entries()) {
      auto& m = (*maps_)[static_cast<int>(e.column)];
      switch (e.op) {
        case WriteBatch::Op::kPut:
          m[e.key] = e.value;
          break;
        case WriteBatch::Op::kDelete:
          m.erase(e.key);
          break;
        case WriteBatch::Op::kDeleteRange:
          m.erase(m.lower_bound(e.key), m.lower_bound(e.value));
          break;
      }
    }
    return Status::OK();
  }

  std::unique_ptr<StoreIterator> NewIterator(Column c, const StoreSnapshot* snapshot,
                                             size_t) override {
    return std::make_unique<MemIterator>(View(snapshot), c);
  }

  std::shared_ptr<const StoreSnapshot> GetSnapshot() override {
    return std::make_shared<MemSnapshot>(View(nullptr));
  }

  Status Compact(Column) override { return Status::OK(); }

  Result<std::unique_ptr<StagedRuns>> Stage(const std::vector<SortedRun>& runs) override {
    auto staged = std::make_unique<MemStaged>();
    for (const SortedRun& run : runs) {
      for (const auto& [k, v] : run.entries) staged->batch.Put(run.column, k, v);
    }
    return std::unique_ptr<StagedRuns>(std::move(staged));
  }

  Status IngestStaged(std::vector<std::unique_ptr<StagedRuns>> sets) override {
    WriteBatch all;
    for (const auto& set : sets) {
      for (const WriteBatch::Entry& e : static_cast<const MemStaged&>(*set).batch.entries())
        all.Put(e.column, e.key, e.value);
    }
    return Write(all, true);
  }

 private:
  std::shared_ptr<const Maps> View(const StoreSnapshot* snapshot) {
    if (snapshot) return static_cast<const MemSnapshot*>(snapshot)->maps;
    std::lock_guard<std::mutex> lock(mu_);
    return maps_;
  }

  std::mutex mu_;
  std::shared_ptr<Maps> maps_ = std::make_shared<Maps>();
};

}  // namespace

std::unique_ptr<NodeStore> NewMemStore() { return std::make_unique<MemStore>(); }

}  // namespace checkpoint
