// RecordCache: node records one walk read, kept for another walk over the same
// records. A delta's chunk checks read the base's nodes on every changed
// path, and its commit then reads the same nodes again; through a cache the
// second walk costs a hash lookup a node instead of a store Seek.
//
// A record never changes once written (its key holds its height), so a value
// read once stays true for as long as the record exists. Bounded: once the
// budget is spent it takes nothing more (a large delta's commit reads the
// rest from the store). Thread-safe.
#pragma once

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace checkpoint {

class RecordCache {
 public:
  explicit RecordCache(size_t budget_bytes) : budget_(budget_bytes) {}
  RecordCache(const RecordCache&) = delete;
  RecordCache& operator=(const RecordCache&) = delete;

  void Put(std::string_view record_key, std::string_view value);
  // Copies the value into *value; false when it is not cached.
  bool Get(const std::string& record_key, std::string* value) const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::string> records_;
  size_t bytes_ = 0;
  const size_t budget_;
};

}  // namespace checkpoint
