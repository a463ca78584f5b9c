// RecordLog and RecordCache: node records one walk read, kept for another
// walk over the same records. A delta's chunk checks read the base's nodes on
// every changed path, and its commit then reads the same nodes again; through
// the cache the second walk finds them in memory instead of Seeking the store.
//
// A record never changes once written (its key holds its height), so a value
// read once stays true for as long as the record exists. Each check logs its
// reads alone (no lock a read); the cache keeps whole logs, then sorts them
// once. Lookups in ascending key order, as a pre-order walk makes them, cost a
// step of a cursor each.
//
// Memory: logs claim their memory from the cache's budget as they grow (in
// steps, twice what they hold: buffers grow by doubling), so logs being
// written and logs kept together stay within it, whatever the number of
// threads; a log refused more stops and empties, and so does every log after
// it. Sealing adds an index of 16 bytes a record.
#pragma once

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace checkpoint {

class RecordCache;

class RecordLog {
 public:
  explicit RecordLog(RecordCache* cache) : cache_(cache) {}
  ~RecordLog();  // returns its claim, unless the cache kept it
  RecordLog(const RecordLog&) = delete;
  RecordLog& operator=(const RecordLog&) = delete;

  void Add(std::string_view record_key, std::string_view value);
  size_t bytes() const { return arena_.size() + entries_.size() * sizeof(Entry); }
  bool overflowed() const { return overflowed_; }

 private:
  friend class RecordCache;
  struct Entry {
    uint64_t key_offset;
    uint32_t key_size, value_size;  // the value follows the key in arena_
  };
  void Drop();

  RecordCache* cache_;
  size_t claimed_ = 0;
  bool overflowed_ = false;
  std::string arena_;
  std::vector<Entry> entries_;
};

class RecordCache {
 public:
  explicit RecordCache(size_t budget_bytes) : budget_(budget_bytes) {}
  RecordCache(const RecordCache&) = delete;
  RecordCache& operator=(const RecordCache&) = delete;

  // Keeps what `log` holds (dropped once the cache is sealed, or when the log
  // overflowed). Thread-safe.
  void Keep(RecordLog* log);
  // Sorts what was kept, once; Find needs it. Thread-safe.
  void Seal();
  // The value of `record_key`, valid while the cache lives. *cursor (start
  // at 0) makes ascending lookups cheap; any order is correct.
  bool Find(std::string_view record_key, size_t* cursor, std::string_view* value) const;

 private:
  friend class RecordLog;
  struct Kept {
    std::string arena;
    std::vector<RecordLog::Entry> entries;
  };
  struct Ref {
    const Kept* log;
    const RecordLog::Entry* entry;
    std::string_view key() const;
  };
  // Grants `bytes` more of the budget, or nothing.
  bool Claim(size_t bytes);
  void Release(size_t bytes);

  std::mutex mu_;
  size_t claimed_ = 0;
  const size_t budget_;
  bool sealed_ = false;
  bool full_ = false;  // a claim was refused: refuse every later one
  std::vector<Kept> kept_;
  std::vector<Ref> sorted_;  // by key, one per key
};

}  // namespace checkpoint
