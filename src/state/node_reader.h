// NodeReader: reads node records of one snapshot.
//
// kScan keeps one store iterator and moves it forward to each record asked
// for (a few Next()s, else a Seek), so walking a subtree in key order is a
// forward scan of the store; it reads ahead 2 MiB and bypasses the block
// cache. kSparse does the same with 256 KiB, for walks that open a few
// paths and skip the rest (a diff, a commit, a delta check): there every
// Seek past the buffer copies a whole one to use a few records.
// kPointLookup does one Get per record: what one-lookup-per-node systems
// do, kept for measurement; kByHash does one Get per record from a store
// keyed by the node's hash, the layout those systems use (bench/ builds
// one; only ReadInternal and ReadLeaf work there). A reader may log what it
// reads from the store (kScan and kSparse), and look in a sealed RecordCache
// first. Not thread-safe.
#pragma once

#include <memory>
#include <string>

#include "state/record_cache.h"
#include "store/node_store.h"
#include "trie/node.h"

namespace checkpoint {

class NodeReader {
 public:
  enum class Mode { kScan, kSparse, kPointLookup, kByHash };

  // Holds the store: a reader (and what owns it) may outlive its StateDb.
  NodeReader(std::shared_ptr<NodeStore> store, std::shared_ptr<const StoreSnapshot> snapshot,
             Mode mode)
      : store_(std::move(store)), snapshot_(std::move(snapshot)), mode_(mode) {}

  // Both may be null; each must outlive the reader.
  void LogInto(RecordLog* log) { log_ = log; }
  void ReadThrough(const RecordCache* cache) {
    cache_ = cache;
    cache_cursor_ = 0;
  }

  // Reads the node `ref` names (its height; its label must match the
  // record's); `path` is the node's full bit path.
  Status ReadInternal(const BitString& path, const NodeRef& ref, InternalNode* out);
  Status ReadLeafValue(std::string_view key, uint64_t height, std::string* value);
  // The same without a copy: *value stays valid until the next read.
  Status ReadLeafValue(std::string_view key, uint64_t height, std::string_view* value);
  // The value of the leaf `leaf` names (in any mode).
  Status ReadLeaf(const NodeRef& leaf, std::string_view* value);

  uint64_t seeks() const { return seeks_; }

 private:
  // *value points into the iterator or buf_, valid until the next Read.
  Status Read(const std::string& record_key, std::string_view* value);

  std::shared_ptr<NodeStore> store_;
  std::shared_ptr<const StoreSnapshot> snapshot_;
  Mode mode_;
  RecordLog* log_ = nullptr;
  const RecordCache* cache_ = nullptr;
  size_t cache_cursor_ = 0;
  std::unique_ptr<StoreIterator> it_;
  std::string key_;
  std::string buf_;
  uint64_t seeks_ = 0;
};

}  // namespace checkpoint
