// StateDbImpl: the StateDb on a NodeStore. Internal header.
#pragma once

#include <map>
#include <mutex>

#include "checkpoint/state_db.h"
#include "state/state_db_internal.h"
#include "store/node_store.h"
#include "trie/node.h"

namespace checkpoint {

class StateDbImpl : public StateDb {
 public:
  // `store` may be a non-owning pointer (OpenOnStore); views share it.
  StateDbImpl(std::shared_ptr<NodeStore> store, const StateDbOptions& options)
      : store_(std::move(store)), options_(options) {}

  // Reads the schema, rolls back an interrupted commit, finishes an
  // interrupted prune, loads the heights.
  Status Init();

  HashKind hash_kind() const override { return hash_; }
  Status Commit(uint64_t height, const WriteLog& log) override;
  Status Commit(uint64_t height, UpdateSource* updates) override {
    return Commit(height, updates, nullptr);
  }
  // Reads the latest height's nodes through `cache` (may be null).
  Status Commit(uint64_t height, UpdateSource* updates, const RecordCache* cache);
  std::vector<HeightInfo> Heights() const override;
  std::optional<uint64_t> LatestHeight() const override;
  Result<std::unique_ptr<StateView>> View(uint64_t height) override;
  Status Prune(uint64_t below) override;
  Status Compact() override { return store_->CompactAll(); }

  NodeStore* store() { return store_.get(); }
  const std::shared_ptr<NodeStore>& shared_store() { return store_; }
  const StateDbOptions& options() const { return options_; }
  // The root of `height`, or NotFound with the reason.
  Result<NodeRef> RootOf(uint64_t height) const;
  Result<PinnedHeight> Pin(uint64_t height);
  Result<PinnedHeight> Pin(uint64_t height, uint64_t base, NodeRef* base_root);
  // Corruption unless every height's root record, and the records the root
  // names, are present: 1 to 4 point reads per height. Run on read-only
  // opens, where a view that raced the writer's flush can lack records.
  Status CheckRootRecords();
  // Adds a committed root (called by the commit job after its last batch).
  void Publish(uint64_t height, const NodeRef& root);

 private:
  Status RollBackInterruptedCommit();
  Status LoadRoots();
  uint64_t StaleBound() const;
  Status DeleteStaleUpTo(uint64_t height);

  std::shared_ptr<NodeStore> store_;
  StateDbOptions options_;
  HashKind hash_ = HashKind::kSha256;

  std::mutex write_mu_;          // one commit or prune at a time
  mutable std::mutex roots_mu_;  // guards roots_ and pruned_below_
  std::map<uint64_t, NodeRef> roots_;
  uint64_t pruned_below_ = 0;
};

// Runs one commit; defined in commit.cc.
Status RunCommit(StateDbImpl* db, uint64_t height, const NodeRef& old_root, bool base_empty,
                 UpdateSource* updates, const RecordCache* cache);

// A view of one height; defined in state_view.cc.
std::unique_ptr<StateView> NewStateView(std::shared_ptr<NodeStore> store,
                                        std::shared_ptr<const StoreSnapshot> snapshot,
                                        HashKind kind, uint64_t height, const NodeRef& root);

}  // namespace checkpoint
