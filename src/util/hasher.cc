// OpenSSL 3 marks the SHA-2 block functions deprecated in favour of EVP,
// whose per-call dispatch is what this file avoids (see hasher.h). They
// remain exported and tested (hasher_test compares every length with EVP).
#define OPENSSL_SUPPRESS_DEPRECATED
#include "util/hasher.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>

namespace checkpoint {
namespace {

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "checkpoint: OpenSSL %s failed\n", what);
  std::abort();
}

// FIPS 180-4, 5.3.6.2: SHA-512/256's initial hash value.
constexpr uint64_t kSha512_256Iv[8] = {
    0x22312194FC2BF72CULL, 0x9F555FA3C84C64C2ULL, 0x2393B86B6F53B151ULL, 0x963877195940EABDULL,
    0x96283EE2A88EFFE3ULL, 0xBE5E1E2553863992ULL, 0x2B0199FC2C85B8AAULL, 0x0EB72DDC81C52CA2ULL};

}  // namespace

Hasher::Hasher(HashKind kind) : kind_(kind) {
  if (kind_ == HashKind::kSha256) {
    if (SHA256_Init(&sha256_) != 1) Die("SHA-256 init");
    return;
  }
  // SHA512_Final emits md_len bytes of the state (28 and 32 are the
  // truncated variants it knows), so SHA-512 with this IV and md_len 32 is
  // SHA-512/256: OpenSSL's own sha512_256_init, which it does not export.
  if (SHA512_Init(&sha512_) != 1) Die("SHA-512/256 init");
  std::memcpy(sha512_.h, kSha512_256Iv, sizeof(kSha512_256Iv));
  sha512_.md_len = SHA256_DIGEST_LENGTH;
}

void Hasher::Update(const void* data, size_t size) {
  if (size == 0) return;
  const int ok = kind_ == HashKind::kSha256 ? SHA256_Update(&sha256_, data, size)
                                            : SHA512_Update(&sha512_, data, size);
  if (ok != 1) Die("digest update");
}

void Hasher::UpdateU16(uint16_t v) {
  const uint8_t b[2] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8)};
  Update(b, 2);
}

void Hasher::UpdateU32(uint32_t v) {
  const uint8_t b[4] = {static_cast<uint8_t>(v), static_cast<uint8_t>(v >> 8),
                        static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 24)};
  Update(b, 4);
}

Hash Hasher::Final() {
  Hash out{};
  const int ok = kind_ == HashKind::kSha256 ? SHA256_Final(out.data(), &sha256_)
                                            : SHA512_Final(out.data(), &sha512_);
  if (ok != 1) Die("digest final");
  return out;
}

std::string HashKindName(HashKind kind) {
  return kind == HashKind::kSha512_256 ? "sha512_256" : "sha256";
}

std::optional<HashKind> ParseHashKind(std::string_view name) {
  if (name == "sha256") return HashKind::kSha256;
  if (name == "sha512_256") return HashKind::kSha512_256;
  return std::nullopt;
}

Hash EmptyHash(HashKind kind) {
  static const Hash sha256 = HashBytes(HashKind::kSha256, {});
  static const Hash sha512_256 = HashBytes(HashKind::kSha512_256, {});
  return kind == HashKind::kSha512_256 ? sha512_256 : sha256;
}

Hash HashBytes(HashKind kind, std::string_view data) {
  Hasher h(kind);
  h.Update(data);
  return h.Final();
}

std::string ToHex(std::string_view bytes) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::string ToHexAbbrev(std::string_view bytes, size_t max_bytes) {
  if (bytes.size() <= max_bytes) return ToHex(bytes);
  return ToHex(bytes.substr(0, max_bytes)) + "…";
}

std::string ToHex(const Hash& hash) {
  return ToHex(std::string_view(reinterpret_cast<const char*>(hash.data()), hash.size()));
}

namespace {
int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
}  // namespace

std::optional<std::string> ParseHex(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  std::string out(hex.size() / 2, '\0');
  for (size_t i = 0; i < out.size(); ++i) {
    int hi = HexValue(hex[2 * i]), lo = HexValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<char>(hi << 4 | lo);
  }
  return out;
}

}  // namespace checkpoint
