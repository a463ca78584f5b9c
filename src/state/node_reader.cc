#include "state/node_reader.h"

#include "checkpoint/hash.h"
#include "trie/record_key.h"

namespace checkpoint {
namespace {
// Beyond this many Next()s a Seek is cheaper: it skips long runs of records
// that belong to other heights.
constexpr int kMaxSteps = 8;
}  // namespace

Status NodeReader::Read(const std::string& record_key, std::string* value) {
  if (mode_ == Mode::kPointLookup) {
    Status s = store_->Get(Column::kNodes, record_key, value, snapshot_.get());
    if (s.IsNotFound()) return Status::Corruption("missing node record");
    return s;
  }
  if (!it_) it_ = store_->NewIterator(Column::kNodes, snapshot_.get());
  bool found = false;
  if (it_->Valid() && it_->key() <= record_key) {
    for (int step = 0; step < kMaxSteps && it_->Valid() && it_->key() < record_key; ++step) {
      it_->Next();
    }
    found = it_->Valid() && it_->key() == record_key;
  }
  if (!found) {
    ++seeks_;
    it_->Seek(record_key);
    found = it_->Valid() && it_->key() == record_key;
  }
  if (!found) {
    CHECKPOINT_RETURN_IF_ERROR(it_->status());
    return Status::Corruption("missing node record");
  }
  value->assign(it_->value());
  return Status::OK();
}

Status NodeReader::ReadInternal(const BitString& path, uint64_t height, InternalNode* out) {
  key_.clear();
  AppendRecordKey(&key_, path.bytes, path.bits, RecordTag::kInternal, height);
  std::string value;
  Status s = Read(key_, &value);
  if (s.ok()) s = DecodeInternalNode(value, path, out);
  if (!s.ok()) {
    return s.WithContext("internal node at path " + ToHex(path.bytes) + "/" +
                         std::to_string(path.bits) + " height " + std::to_string(height));
  }
  return s;
}

Status NodeReader::ReadLeafValue(std::string_view key, uint64_t height, std::string* value) {
  key_ = LeafRecordKey(key, height);
  Status s = Read(key_, value);
  if (!s.ok()) {
    return s.WithContext("leaf " + ToHex(key) + " height " + std::to_string(height));
  }
  return s;
}

}  // namespace checkpoint
