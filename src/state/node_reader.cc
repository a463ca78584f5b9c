#include "state/node_reader.h"

#include "checkpoint/hash.h"
#include "trie/record_key.h"

namespace checkpoint {
namespace {
// Beyond this many Next()s a Seek is cheaper: it skips long runs of records
// that belong to other heights.
constexpr int kMaxSteps = 8;
}  // namespace

Status NodeReader::Read(const std::string& record_key, std::string_view* value) {
  if (cache_ && cache_->Find(record_key, &cache_cursor_, value)) return Status::OK();
  if (mode_ == Mode::kPointLookup || mode_ == Mode::kByHash) {
    Status s = store_->Get(Column::kNodes, record_key, &buf_, snapshot_.get());
    if (s.IsNotFound()) return Status::Corruption("missing node record");
    *value = buf_;
    return s;
  }
  if (!it_) {
    // Measured on 10 M keys: a full walk (create, 2 threads) takes 0.91×
    // the time with a readahead growing to 2 MiB per file than with a fixed
    // 2 MiB, whose first read of every level's file at each chunk's Seek
    // mostly went unused; a sparse walk (a diff of 300 k changes, or of 3 k)
    // is best with a fixed 256 KiB (growing: 1.15×), where each far Seek
    // copies a whole buffer.
    it_ = store_->NewIterator(Column::kNodes, snapshot_.get(),
                              mode_ == Mode::kScan ? NodeStore::kGrowingReadahead : 256 << 10);
  }
  // One three-way comparison a record: a walk in key order mostly finds
  // the record it wants one Next() away.
  bool found = false;
  if (it_->Valid()) {
    int c = it_->key().compare(record_key);
    for (int step = 0; c < 0 && step < kMaxSteps; ++step) {
      it_->Next();
      if (!it_->Valid()) break;
      c = it_->key().compare(record_key);
    }
    found = c == 0;  // a step that ran off the end left c < 0
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
  *value = it_->value();
  if (log_) log_->Add(record_key, *value);
  return Status::OK();
}

Status NodeReader::ReadInternal(const BitString& path, const NodeRef& ref, InternalNode* out) {
  const uint64_t height = ref.height;
  key_.clear();
  if (mode_ == Mode::kByHash) {
    key_.assign(reinterpret_cast<const char*>(ref.hash.data()), ref.hash.size());
  } else {
    AppendRecordKey(&key_, path.bytes, path.bits, RecordTag::kInternal, height);
  }
  std::string_view value;
  Status s = Read(key_, &value);
  if (s.ok()) s = DecodeInternalNode(value, path, out);
  if (s.ok() && out->label_bits != ref.bits.bits) {
    s = Status::Corruption("label length differs from the parent's");
  }
  if (!s.ok()) {
    return s.WithContext("internal node at path " + ToHexAbbrev(path.bytes) + "/" +
                         std::to_string(path.bits) + " height " + std::to_string(height));
  }
  return s;
}

Status NodeReader::ReadLeafValue(std::string_view key, uint64_t height, std::string* value) {
  std::string_view v;
  Status s = ReadLeafValue(key, height, &v);
  if (s.ok()) value->assign(v);
  return s;
}

Status NodeReader::ReadLeaf(const NodeRef& leaf, std::string_view* value) {
  if (mode_ != Mode::kByHash) return ReadLeafValue(leaf.leaf_key(), leaf.height, value);
  key_.assign(reinterpret_cast<const char*>(leaf.hash.data()), leaf.hash.size());
  Status s = Read(key_, value);
  if (!s.ok()) return s.WithContext("leaf " + ToHex(leaf.leaf_key()));
  return s;
}

Status NodeReader::ReadLeafValue(std::string_view key, uint64_t height, std::string_view* value) {
  if (mode_ == Mode::kByHash)
    return Status::NotSupported("a hash-keyed store needs the leaf's hash");
  key_.clear();
  AppendRecordKey(&key_, key, static_cast<uint32_t>(key.size() * 8), RecordTag::kLeaf, height);
  Status s = Read(key_, value);
  if (!s.ok()) {
    return s.WithContext("leaf " + ToHex(key) + " height " + std::to_string(height));
  }
  return s;
}

}  // namespace checkpoint
