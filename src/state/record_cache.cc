#include "state/record_cache.h"

#include <algorithm>

namespace checkpoint {

void RecordLog::Add(std::string_view record_key, std::string_view value) {
  if (overflowed_) return;
  if (bytes() + record_key.size() + value.size() + sizeof(Entry) > limit_) {
    overflowed_ = true;
    std::string().swap(arena_);
    std::vector<Entry>().swap(entries_);
    return;
  }
  entries_.push_back({arena_.size(), static_cast<uint32_t>(record_key.size()),
                      static_cast<uint32_t>(value.size())});
  arena_.append(record_key);
  arena_.append(value);
}

std::string_view RecordCache::Ref::key() const {
  return {log->arena_.data() + entry->key_offset, entry->key_size};
}

void RecordCache::Keep(RecordLog&& log) {
  std::lock_guard<std::mutex> lock(mu_);
  if (sealed_ || log.overflowed() || bytes_ + log.bytes() > budget_) return;
  bytes_ += log.bytes();
  logs_.push_back(std::move(log));
}

size_t RecordCache::Remaining() {
  std::lock_guard<std::mutex> lock(mu_);
  return budget_ - bytes_;
}

void RecordCache::Seal() {
  std::lock_guard<std::mutex> lock(mu_);
  if (sealed_) return;
  sealed_ = true;
  size_t n = 0;
  for (const RecordLog& log : logs_) n += log.entries_.size();
  sorted_.reserve(n);
  for (const RecordLog& log : logs_) {
    for (const RecordLog::Entry& e : log.entries_) sorted_.push_back({&log, &e});
  }
  auto less = [](const Ref& a, const Ref& b) { return a.key() < b.key(); };
  std::sort(sorted_.begin(), sorted_.end(), less);
  // Checks of neighbouring chunks read their shared ancestors each.
  sorted_.erase(std::unique(sorted_.begin(), sorted_.end(),
                            [](const Ref& a, const Ref& b) { return a.key() == b.key(); }),
                sorted_.end());
}

bool RecordCache::Find(std::string_view record_key, size_t* cursor, std::string_view* value) const {
  size_t i = *cursor;
  if (i > 0 && i <= sorted_.size() && sorted_[i - 1].key() >= record_key) i = 0;  // went back
  // A few steps forward, else a binary search over the rest.
  for (int step = 0; step < 8 && i < sorted_.size() && sorted_[i].key() < record_key; ++step) ++i;
  if (i < sorted_.size() && sorted_[i].key() < record_key) {
    i = std::lower_bound(sorted_.begin() + i, sorted_.end(), record_key,
                         [](const Ref& r, std::string_view k) { return r.key() < k; }) -
        sorted_.begin();
  }
  *cursor = i;
  if (i == sorted_.size() || sorted_[i].key() != record_key) return false;
  const RecordLog::Entry& e = *sorted_[i].entry;
  *value = {sorted_[i].log->arena_.data() + e.key_offset + e.key_size, e.value_size};
  *cursor = i + 1;
  return true;
}

}  // namespace checkpoint
