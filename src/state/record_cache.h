// RecordLog and RecordCache: node records one walk read, kept for another
// walk over the same records. A delta's chunk checks read the base's nodes on
// every changed path, and its commit then reads the same nodes again; through
// the cache the second walk finds them in memory instead of Seeking the store.
//
// A record never changes once written (its key holds its height), so a value
// read once stays true for as long as the record exists. Each check logs its
// reads alone (no lock a read); the cache keeps whole logs while they fit its
// budget, then sorts them once. Lookups in ascending key order, as a pre-order
// walk makes them, cost a step of a cursor each.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace checkpoint {

class RecordLog {
 public:
  // A log that would pass `limit` bytes empties and stops: no cache would
  // keep it, so it costs no more copying.
  explicit RecordLog(size_t limit = SIZE_MAX) : limit_(limit) {}
  void Add(std::string_view record_key, std::string_view value);
  size_t bytes() const { return arena_.size() + entries_.size() * sizeof(Entry); }
  bool overflowed() const { return overflowed_; }

 private:
  friend class RecordCache;
  struct Entry {
    uint64_t key_offset;
    uint32_t key_size, value_size;  // the value follows the key in arena_
  };
  size_t limit_;
  bool overflowed_ = false;
  std::string arena_;
  std::vector<Entry> entries_;
};

class RecordCache {
 public:
  explicit RecordCache(size_t budget_bytes) : budget_(budget_bytes) {}
  RecordCache(const RecordCache&) = delete;
  RecordCache& operator=(const RecordCache&) = delete;

  // Keeps `log` whole if it fits what is left of the budget (and the cache
  // is not sealed), else drops it. Thread-safe.
  void Keep(RecordLog&& log);
  // What is left of the budget: a limit for the next log.
  size_t Remaining();
  // Sorts what was kept, once; Find needs it. Not concurrent with Keep.
  void Seal();
  // The value of `record_key`, valid while the cache lives. *cursor (start
  // at 0) makes ascending lookups cheap; any order is correct.
  bool Find(std::string_view record_key, size_t* cursor, std::string_view* value) const;

 private:
  struct Ref {
    const RecordLog* log;
    const RecordLog::Entry* entry;
    std::string_view key() const;
  };
  std::mutex mu_;
  std::vector<RecordLog> logs_;
  size_t bytes_ = 0;
  const size_t budget_;
  bool sealed_ = false;
  std::vector<Ref> sorted_;  // by key, one per key
};

}  // namespace checkpoint
