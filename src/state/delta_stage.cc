#include "state/delta_stage.h"

#include "state/meta.h"
#include "state/state_db_impl.h"

namespace checkpoint {
namespace {

std::string StagedKey(uint64_t index) {
  std::string k(1, kDeltaStagePrefix);
  PutFixed64BE(&k, index);
  return k;
}

class DeltaStageImpl : public DeltaStage {
 public:
  explicit DeltaStageImpl(StateDbImpl* db) : store_(db->store()) {}

  Status Begin(const Hash& id, uint64_t height, uint64_t chunks, std::vector<bool>* in) override {
    std::string expected(reinterpret_cast<const char*>(id.data()), id.size());
    PutFixed64BE(&expected, height);
    PutFixed64BE(&expected, chunks);
    std::string marker;
    Status s = store_->Get(Column::kMeta, kDeltaKey, &marker);
    if (s.ok() && marker != expected) {
      // Another delta's staging (applied since, failed, or given up): none of
      // it is visible state, and only this process has the database open.
      CHECKPOINT_RETURN_IF_ERROR(End());
      s = Status::NotFound("");
    }
    if (s.IsNotFound()) {
      WriteBatch b;
      b.Put(Column::kMeta, kDeltaKey, expected);
      return store_->Write(b, /*sync=*/true);
    }
    CHECKPOINT_RETURN_IF_ERROR(s);
    auto it = store_->NewIterator(Column::kMeta);
    for (it->Seek(std::string(1, kDeltaStagePrefix));
         it->Valid() && it->key()[0] == kDeltaStagePrefix; it->Next()) {
      if (it->key().size() != 9) return Status::Corruption("bad delta stage key");
      const uint64_t index = DecodeFixed64BE(it->key().data() + 1);
      if (index >= in->size()) return Status::Corruption("a staged delta chunk beyond the last");
      (*in)[index] = true;
    }
    return it->status();
  }

  Status Stage(uint64_t index, std::string_view canonical) override {
    WriteBatch b;
    b.Put(Column::kMeta, StagedKey(index), canonical);
    return store_->Write(b, /*sync=*/false);
  }

  Status Read(uint64_t index, std::string* canonical) override {
    Status s = store_->Get(Column::kMeta, StagedKey(index), canonical);
    return s.IsNotFound()
               ? Status::Corruption("delta chunk " + std::to_string(index) + " is not staged")
               : s;
  }

  Status End() override {
    WriteBatch b;
    b.Delete(Column::kMeta, kDeltaKey);
    b.DeleteRange(Column::kMeta, std::string(1, kDeltaStagePrefix),
                  std::string(1, kDeltaStagePrefix + 1));
    return store_->Write(b, /*sync=*/true);
  }

 private:
  NodeStore* store_;
};

}  // namespace

std::unique_ptr<DeltaStage> NewDeltaStage(StateDb* db) {
  return std::make_unique<DeltaStageImpl>(static_cast<StateDbImpl*>(db));
}

}  // namespace checkpoint
