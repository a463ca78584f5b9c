// WriteLog: the puts and deletes that turn one height into the next.
//
// Within one log the last operation on a key wins; deleting an absent key is
// not an error. Keys are 1..8191 bytes, values 0..64 MiB. Entries live in one
// arena, so a log of millions of small entries costs little beyond its bytes.
// Not thread-safe.
#pragma once

#include <cstdint>
#include <istream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "checkpoint/status.h"

namespace checkpoint {

struct Update {
  std::string_view key;
  std::string_view value;  // empty for a delete
  bool is_delete = false;
};

// A stream of updates in strictly increasing key order (bytewise). What a
// commit consumes; lets a producer stream a huge height without holding it.
class UpdateSource {
 public:
  virtual ~UpdateSource() = default;
  // Fills *out and returns true, or returns false at the end. `out` stays
  // valid until the next call.
  virtual bool Next(Update* out) = 0;
  // Why the stream ended early, if it did.
  virtual Status status() const { return Status::OK(); }
};

class WriteLog {
 public:
  Status Put(std::string_view key, std::string_view value);
  Status Delete(std::string_view key);
  // Number of operations added (before last-wins folding).
  size_t size() const { return entries_.size(); }

  // Parses the text format (DESIGN §10): `put KEYHEX [VALUEHEX]` or
  // `del KEYHEX` per line; blank lines, `#` comments and CRLF allowed. A bad
  // line fails the whole parse with "line N: …".
  static Result<WriteLog> Parse(std::istream& in);

  // Sorted, last-write-wins view. REQUIRES: the log is not changed while the
  // source is in use.
  std::unique_ptr<UpdateSource> Sorted() const;

 private:
  struct Entry {
    uint64_t offset;
    uint32_t key_size;
    uint32_t value_size;
    bool is_delete;
  };
  std::string_view KeyOf(const Entry& e) const { return {arena_.data() + e.offset, e.key_size}; }
  std::string_view ValueOf(const Entry& e) const {
    return {arena_.data() + e.offset + e.key_size, e.value_size};
  }
  Status Add(std::string_view key, std::string_view value, bool is_delete);

  std::string arena_;
  std::vector<Entry> entries_;
};

// Formats one put line: "put KEYHEX VALUEHEX" (lowercase; no value field when empty).
std::string FormatPutLine(std::string_view key, std::string_view value);

}  // namespace checkpoint
