// Status and Result: the error type of every checkpoint API.
//
// A Status is either OK or carries a code and a one-line message meant for a
// human ("chunk 17: digest mismatch"). Result<T> holds a value or a non-OK
// Status. Both are cheap to move and safe to use from any thread.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace checkpoint {

class [[nodiscard]] Status {
 public:
  enum class Code {
    kOk,
    kNotFound,
    kCorruption,
    kInvalidArgument,
    kIOError,
    kNotSupported,
    kBusy,       // a lock another process holds
    kCancelled,  // stopped on request (SIGINT/SIGTERM), after cleaning up
    kUntrusted,  // well-formed, but not vouched for by the configured anchors
  };

  Status() = default;
  static Status OK() { return Status(); }
  static Status NotFound(std::string msg) { return Status(Code::kNotFound, std::move(msg)); }
  static Status Corruption(std::string msg) { return Status(Code::kCorruption, std::move(msg)); }
  static Status InvalidArgument(std::string msg) {
    return Status(Code::kInvalidArgument, std::move(msg));
  }
  static Status IOError(std::string msg) { return Status(Code::kIOError, std::move(msg)); }
  static Status NotSupported(std::string msg) {
    return Status(Code::kNotSupported, std::move(msg));
  }
  static Status Busy(std::string msg) { return Status(Code::kBusy, std::move(msg)); }
  static Status Cancelled(std::string msg) { return Status(Code::kCancelled, std::move(msg)); }
  static Status Untrusted(std::string msg) { return Status(Code::kUntrusted, std::move(msg)); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsIOError() const { return code_ == Code::kIOError; }
  bool IsBusy() const { return code_ == Code::kBusy; }
  bool IsCancelled() const { return code_ == Code::kCancelled; }
  bool IsUntrusted() const { return code_ == Code::kUntrusted; }
  const std::string& message() const { return message_; }
  // "OK" or the message alone; callers add their own "checkpoint: " prefix.
  std::string ToString() const { return ok() ? "OK" : message_; }

  // Prefixes the message with context: "height 7: " + message.
  Status WithContext(const std::string& context) const {
    return ok() ? *this : Status(code_, context + ": " + message_);
  }

 private:
  Status(Code code, std::string msg) : code_(code), message_(std::move(msg)) {}
  Code code_ = Code::kOk;
  std::string message_;
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit on purpose
  Result(Status status) : status_(std::move(status)) {}  // NOLINT
  bool ok() const { return status_.ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace checkpoint

#define CHECKPOINT_RETURN_IF_ERROR(expr) \
  do {                                   \
    ::checkpoint::Status _st = (expr);   \
    if (!_st.ok()) return _st;           \
  } while (0)

#define CHECKPOINT_CONCAT_INNER(a, b) a##b
#define CHECKPOINT_CONCAT(a, b) CHECKPOINT_CONCAT_INNER(a, b)
#define CHECKPOINT_ASSIGN_OR_RETURN(lhs, expr)          \
  auto CHECKPOINT_CONCAT(_res_, __LINE__) = (expr);     \
  if (!CHECKPOINT_CONCAT(_res_, __LINE__).ok())         \
    return CHECKPOINT_CONCAT(_res_, __LINE__).status(); \
  lhs = std::move(CHECKPOINT_CONCAT(_res_, __LINE__)).value()
