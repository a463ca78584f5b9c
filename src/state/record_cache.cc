#include "state/record_cache.h"

namespace checkpoint {
namespace {
// What an entry costs beyond its bytes: the node, the bucket, two strings.
constexpr size_t kEntryOverhead = 96;
}  // namespace

void RecordCache::Put(std::string_view record_key, std::string_view value) {
  const size_t cost = record_key.size() + value.size() + kEntryOverhead;
  std::lock_guard<std::mutex> lock(mu_);
  if (bytes_ + cost > budget_) return;
  if (records_.try_emplace(std::string(record_key), value).second) bytes_ += cost;
}

bool RecordCache::Get(const std::string& record_key, std::string* value) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = records_.find(record_key);
  if (it == records_.end()) return false;
  value->assign(it->second);
  return true;
}

}  // namespace checkpoint
