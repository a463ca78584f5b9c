// Byte coding helpers: fixed-width integers, varints, and a bounds-checked
// reader for bytes that came from outside (a database, a chunk, a file).
//
// The Reader never reads past its input and never trusts a length it has not
// checked against what remains; every failure is sticky and reported once.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace checkpoint {

inline void PutFixed64BE(std::string* dst, uint64_t v) {
  char buf[8];
  for (int i = 7; i >= 0; --i, v >>= 8) buf[i] = static_cast<char>(v & 0xff);
  dst->append(buf, 8);
}

inline uint64_t DecodeFixed64BE(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = v << 8 | static_cast<uint8_t>(p[i]);
  return v;
}

inline void PutFixed16LE(std::string* dst, uint16_t v) {
  dst->push_back(static_cast<char>(v & 0xff));
  dst->push_back(static_cast<char>(v >> 8));
}

inline void PutFixed32LE(std::string* dst, uint32_t v) {
  for (int i = 0; i < 4; ++i) dst->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

inline void PutVarint64(std::string* dst, uint64_t v) {
  while (v >= 0x80) {
    dst->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  dst->push_back(static_cast<char>(v));
}

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}

  bool ok() const { return ok_; }
  bool empty() const { return in_.empty(); }
  size_t remaining() const { return in_.size(); }

  uint8_t U8() {
    if (!Need(1)) return 0;
    uint8_t v = static_cast<uint8_t>(in_[0]);
    in_.remove_prefix(1);
    return v;
  }
  uint16_t U16LE() {
    if (!Need(2)) return 0;
    uint16_t v =
        static_cast<uint16_t>(static_cast<uint8_t>(in_[0]) | static_cast<uint8_t>(in_[1]) << 8);
    in_.remove_prefix(2);
    return v;
  }
  uint32_t U32LE() {
    if (!Need(4)) return 0;
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = v << 8 | static_cast<uint8_t>(in_[i]);
    in_.remove_prefix(4);
    return v;
  }
  uint64_t U64BE() {
    if (!Need(8)) return 0;
    uint64_t v = DecodeFixed64BE(in_.data());
    in_.remove_prefix(8);
    return v;
  }
  // Canonical LEB128: at most 10 bytes, no redundant trailing zero group.
  uint64_t Varint64() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (!Need(1)) return 0;
      uint8_t b = static_cast<uint8_t>(in_[0]);
      in_.remove_prefix(1);
      if (shift == 63 && b > 1) return Fail();
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        if (b == 0 && shift != 0) return Fail();  // non-minimal encoding
        return v;
      }
    }
    return Fail();
  }
  // REQUIRES: n was bounded by the caller; the reader checks only what remains.
  std::string_view Bytes(size_t n) {
    if (!Need(n)) return {};
    std::string_view v = in_.substr(0, n);
    in_.remove_prefix(n);
    return v;
  }
  void Copy(void* dst, size_t n) {
    std::string_view b = Bytes(n);
    if (ok_) std::memcpy(dst, b.data(), n);
  }

 private:
  bool Need(size_t n) {
    if (ok_ && in_.size() >= n) return true;
    ok_ = false;
    return false;
  }
  uint64_t Fail() {
    ok_ = false;
    return 0;
  }
  std::string_view in_;
  bool ok_ = true;
};

}  // namespace checkpoint
