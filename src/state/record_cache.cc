#include "state/record_cache.h"

#include <algorithm>

namespace checkpoint {
namespace {
constexpr size_t kClaimStep = 1 << 20;
}  // namespace

RecordLog::~RecordLog() { Drop(); }

void RecordLog::Drop() {
  cache_->Release(claimed_);
  claimed_ = 0;
  std::string().swap(arena_);
  std::vector<Entry>().swap(entries_);
}

void RecordLog::Add(std::string_view record_key, std::string_view value) {
  if (overflowed_) return;
  const size_t need = 2 * (bytes() + record_key.size() + value.size() + sizeof(Entry));
  if (need > claimed_) {
    const size_t more = std::max(need - claimed_, kClaimStep);
    if (!cache_->Claim(more)) {
      overflowed_ = true;
      Drop();
      return;
    }
    claimed_ += more;
  }
  entries_.push_back({arena_.size(), static_cast<uint32_t>(record_key.size()),
                      static_cast<uint32_t>(value.size())});
  arena_.append(record_key);
  arena_.append(value);
}

bool RecordCache::Claim(size_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  // Once one log outgrew the budget the delta is too large for the cache to
  // matter: later logs stop at once instead of copying and then dropping.
  if (sealed_ || full_ || claimed_ + bytes > budget_) {
    full_ = true;
    return false;
  }
  claimed_ += bytes;
  return true;
}

void RecordCache::Release(size_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  claimed_ -= bytes;
}

std::string_view RecordCache::Ref::key() const {
  return {log->arena.data() + entry->key_offset, entry->key_size};
}

void RecordCache::Keep(RecordLog* log) {
  std::lock_guard<std::mutex> lock(mu_);
  if (sealed_ || log->overflowed_ || log->entries_.empty()) return;  // its destructor releases
  kept_.push_back({std::move(log->arena_), std::move(log->entries_)});
  log->claimed_ = 0;  // the cache holds the claim now
  log->arena_.clear();
  log->entries_.clear();
}

void RecordCache::Seal() {
  std::lock_guard<std::mutex> lock(mu_);
  if (sealed_) return;
  sealed_ = true;
  size_t n = 0;
  for (const Kept& log : kept_) n += log.entries.size();
  sorted_.reserve(n);
  for (const Kept& log : kept_) {
    for (const RecordLog::Entry& e : log.entries) sorted_.push_back({&log, &e});
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
  if (i > sorted_.size() || (i > 0 && sorted_[i - 1].key() >= record_key)) i = 0;  // went back
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
  *value = {sorted_[i].log->arena.data() + e.key_offset + e.key_size, e.value_size};
  *cursor = i + 1;
  return true;
}

}  // namespace checkpoint
