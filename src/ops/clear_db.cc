#include "ops/clear_db.h"

#include <filesystem>

#include "state/meta.h"
#include "state/state_db_internal.h"
#include "store/node_store.h"

namespace checkpoint {
namespace {

// Deletes every key of column `c`: one range for all keys below 0xff, then
// the few that start with 0xff one by one (a range needs an upper bound, and
// keys may be any bytes).
Status ClearColumn(NodeStore* store, Column c) {
  WriteBatch batch;
  batch.DeleteRange(c, {}, "\xff");
  CHECKPOINT_RETURN_IF_ERROR(store->Write(batch, false));
  batch.Clear();
  auto it = store->NewIterator(c);
  for (it->Seek("\xff"); it->Valid(); it->Next()) {
    batch.Delete(c, it->key());
    if (batch.ApproximateBytes() > (4 << 20)) {
      CHECKPOINT_RETURN_IF_ERROR(store->Write(batch, false));
      batch.Clear();
    }
  }
  CHECKPOINT_RETURN_IF_ERROR(it->status());
  return store->Write(batch, false);
}

}  // namespace

Result<std::unique_ptr<StateDb>> OpenClearing(const std::string& dir,
                                              const StateDbOptions& options) {
  std::error_code ec;
  if (!std::filesystem::exists(std::filesystem::symlink_status(dir, ec)))
    return StateDb::Open(dir, options);
  auto refuse = [&dir](const std::string& why) {
    return Status::InvalidArgument("--force clears only a state database not in use; " + dir +
                                   ": " + why);
  };
  RocksStoreOptions ro;
  ro.create_if_missing = false;  // an existing database of ours, or nothing
  ro.block_cache_bytes = options.block_cache_bytes;
  auto opened = OpenRocksStore(dir, ro);
  if (!opened.ok()) return refuse(opened.status().message());
  std::shared_ptr<NodeStore> store(std::move(opened).value());
  std::string schema;
  Status s = store->Get(Column::kMeta, kSchemaKey, &schema);
  if (s.IsNotFound()) return refuse("not a state database (no schema record)");
  CHECKPOINT_RETURN_IF_ERROR(s);
  // Holding the lock (the open above) from here to the restore's end.
  for (Column c : {Column::kNodes, Column::kStale, Column::kMeta}) {
    CHECKPOINT_RETURN_IF_ERROR(ClearColumn(store.get(), c).WithContext("clear " + dir));
  }
  WriteBatch sync;  // one synced write makes the clearing durable
  CHECKPOINT_RETURN_IF_ERROR(store->Write(sync, /*sync=*/true));
  CHECKPOINT_RETURN_IF_ERROR(store->CompactAll());  // give the space back now
  // An empty database: new schema and hash.
  auto db = OpenOnSharedStore(std::move(store), options);
  if (!db.ok()) return db.status().WithContext(dir);
  return db;
}

}  // namespace checkpoint
