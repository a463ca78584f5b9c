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

int HexDigit(int c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// One line of a write log, read field by field straight from the stream and
// decoded as it comes: no field ever holds more than the longest legal one,
// so a giant line (1 GB of key) fails after 16 KiB, not after buffering it.
struct Line {
  std::string op;     // "put" or "del"; longer is refused at once
  std::string key;    // decoded
  std::string value;  // decoded
  size_t fields = 0;  // fields seen
  std::string error;  // set: the line is malformed
};

constexpr size_t kMaxOpChars = 16;  // enough to quote a wrong operation

// Reads the next line into *line; false at the end of input. Stops reading
// at the first error (the whole log is refused anyway).
bool ReadLine(std::streambuf* in, Line* line) {
  *line = Line();
  bool any = false, comment = false, in_field = false, half = false;
  int high = 0;
  auto end_field = [&]() {
    if (!in_field) return;
    in_field = false;
    if (half) line->error = line->fields == 2 ? "key is not hex" : "value is not hex";
  };
  for (;;) {
    const int c = in->sbumpc();
    if (c == std::char_traits<char>::eof()) {
      if (any && !comment && line->error.empty()) end_field();
      return any;
    }
    any = true;
    if (c == '\n') {
      if (!comment) end_field();
      return true;
    }
    if (comment) continue;
    if (c == '\r') {
      const int next = in->sgetc();
      if (next == '\n' || next == std::char_traits<char>::eof()) continue;  // CRLF ending
    }
    if (c == ' ' || c == '\t') {
      end_field();
      if (!line->error.empty()) return true;
      continue;
    }
    if (!in_field) {
      if (line->fields == 0 && c == '#') {
        comment = true;
        continue;
      }
      if (line->fields == 1 && line->op != "put" && line->op != "del") {
        line->error = "unknown operation '" + line->op + "'";
        return true;
      }
      if (line->fields == (line->op == "put" ? 3u : 2u)) {
        line->error = "too many fields";
        return true;
      }
      in_field = true;
      half = false;
      ++line->fields;
    }
    if (line->fields == 1) {
      if (line->op.size() >= kMaxOpChars) {
        line->error = "unknown operation '" + line->op + "...'";
        return true;
      }
      line->op.push_back(static_cast<char>(c));
      continue;
    }
    const bool is_key = line->fields == 2;
    const int d = HexDigit(c);
    if (d < 0) {
      line->error = is_key ? "key is not hex" : "value is not hex";
      return true;
    }
    if (!half) {
      high = d;
      half = true;
      continue;
    }
    half = false;
    std::string& out = is_key ? line->key : line->value;
    if (out.size() >= (is_key ? kMaxKeyBytes : kMaxValueBytes)) {
      line->error = is_key ? "key is longer than " + std::to_string(kMaxKeyBytes) + " bytes"
                           : "value is larger than 64 MiB";
      return true;
    }
    out.push_back(static_cast<char>(high << 4 | d));
  }
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
  Line line;
  uint64_t number = 0;
  std::streambuf* buf = in.rdbuf();
  while (buf && ReadLine(buf, &line)) {
    ++number;
    auto fail = [&](const std::string& why) {
      return Status::InvalidArgument("line " + std::to_string(number) + ": " + why);
    };
    if (!line.error.empty()) return fail(line.error);
    if (line.fields == 0) continue;  // blank or a comment
    const bool is_put = line.op == "put";
    if (!is_put && line.op != "del") return fail("unknown operation '" + line.op + "'");
    if (line.fields < 2) return fail("missing key");
    Status s = is_put ? log.Put(line.key, line.value) : log.Delete(line.key);
    if (!s.ok()) return fail(s.message());
  }
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
