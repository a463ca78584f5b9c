#include "checkpoint/write_log.h"

#include <algorithm>
#include <functional>
#include <numeric>

#include "checkpoint/hash.h"
#include "checkpoint/limits.h"

namespace checkpoint {

Status WriteLog::Add(std::string_view key, std::string_view value, bool is_delete) {
  if (key.empty()) return Status::InvalidArgument("empty key");
  if (key.size() > kMaxKeyBytes) {
    return Status::InvalidArgument("key of " + std::to_string(key.size()) +
                                   " bytes is longer than " + std::to_string(kMaxKeyBytes));
  }
  if (value.size() > kMaxValueBytes) {
    return Status::InvalidArgument("value of " + std::to_string(value.size()) +
                                   " bytes is larger than 64 MiB");
  }
  entries_.push_back({arena_.size(), static_cast<uint32_t>(key.size()),
                      static_cast<uint32_t>(value.size()), is_delete});
  arena_.append(key);
  arena_.append(value);
  return Status::OK();
}

Status WriteLog::Put(std::string_view key, std::string_view value) {
  return Add(key, value, false);
}

Status WriteLog::Delete(std::string_view key) { return Add(key, {}, true); }

namespace {

class SortedLog : public UpdateSource {
 public:
  using Lookup = std::function<Update(uint32_t)>;
  SortedLog(std::vector<uint32_t> order, Lookup lookup)
      : order_(std::move(order)), lookup_(std::move(lookup)) {}
  bool Next(Update* out) override {
    if (pos_ >= order_.size()) return false;
    *out = lookup_(order_[pos_++]);
    return true;
  }

 private:
  std::vector<uint32_t> order_;
  Lookup lookup_;
  size_t pos_ = 0;
};

// Splits on spaces and tabs.
std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t j = i;
    while (j < line.size() && line[j] != ' ' && line[j] != '\t') ++j;
    if (j > i) out.push_back(line.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

std::unique_ptr<UpdateSource> WriteLog::Sorted() const {
  std::vector<uint32_t> order(entries_.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [this](uint32_t a, uint32_t b) {
    return KeyOf(entries_[a]) < KeyOf(entries_[b]);
  });
  // Keep the last operation per key (the last of each run, thanks to the stable sort).
  std::vector<uint32_t> last;
  last.reserve(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    if (i + 1 < order.size() && KeyOf(entries_[order[i]]) == KeyOf(entries_[order[i + 1]])) {
      continue;
    }
    last.push_back(order[i]);
  }
  return std::make_unique<SortedLog>(std::move(last), [this](uint32_t i) {
    const Entry& e = entries_[i];
    return Update{KeyOf(e), ValueOf(e), e.is_delete};
  });
}

Result<WriteLog> WriteLog::Parse(std::istream& in) {
  WriteLog log;
  std::string line;
  uint64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    auto fail = [&](const std::string& why) {
      return Status::InvalidArgument("line " + std::to_string(number) + ": " + why);
    };
    std::vector<std::string_view> f = Fields(line);
    if (f.empty() || f[0][0] == '#') continue;
    const bool is_put = f[0] == "put";
    if (!is_put && f[0] != "del") return fail("unknown operation '" + std::string(f[0]) + "'");
    if (f.size() < 2) return fail("missing key");
    if (f.size() > (is_put ? 3u : 2u)) return fail("too many fields");
    std::optional<std::string> key = ParseHex(f[1]);
    if (!key) return fail("key is not hex");
    std::optional<std::string> value = std::string();
    if (f.size() == 3) value = ParseHex(f[2]);
    if (!value) return fail("value is not hex");
    Status s = is_put ? log.Put(*key, *value) : log.Delete(*key);
    if (!s.ok()) return fail(s.message());
  }
  if (in.bad()) return Status::IOError("read error");
  return log;
}

std::string FormatPutLine(std::string_view key, std::string_view value) {
  std::string line;
  line.reserve(5 + 2 * (key.size() + value.size()));
  line.append("put ").append(ToHex(key));
  if (!value.empty()) line.append(" ").append(ToHex(value));
  return line;
}

}  // namespace checkpoint
