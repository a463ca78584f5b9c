#include "util/hasher.h"

#include <openssl/evp.h>

#include <cassert>
#include <cstdio>
#include <cstdlib>
#include <optional>

namespace checkpoint {
namespace {

// Fetched once: with OpenSSL 3, passing EVP_sha256() makes every init look
// the algorithm up again under a global lock, which dominated verification.
const EVP_MD* Digest(HashKind kind) {
  static EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  static EVP_MD* sha512_256 = EVP_MD_fetch(nullptr, "SHA2-512/256", nullptr);
  return kind == HashKind::kSha512_256 ? sha512_256 : sha256;
}

// One reusable context per thread: EVP_MD_CTX_new per message would cost an
// allocation per trie node.
EVP_MD_CTX* ThreadContext() {
  struct Holder {
    EVP_MD_CTX* ctx = EVP_MD_CTX_new();
    ~Holder() { EVP_MD_CTX_free(ctx); }
  };
  thread_local Holder holder;
  return holder.ctx;
}

// Whether a Hasher of this thread holds ThreadContext(): the rule in hasher.h.
thread_local bool context_in_use = false;

[[noreturn]] void Die(const char* what) {
  std::fprintf(stderr, "checkpoint: OpenSSL %s failed\n", what);
  std::abort();
}

}  // namespace

Hasher::Hasher(HashKind kind) {
  assert(!context_in_use && "two Hashers open at once on one thread (see hasher.h)");
  context_in_use = true;
  if (EVP_DigestInit_ex2(ThreadContext(), Digest(kind), nullptr) != 1) Die("digest init");
}

void Hasher::Update(const void* data, size_t size) {
  if (size != 0 && EVP_DigestUpdate(ThreadContext(), data, size) != 1) Die("digest update");
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
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ThreadContext(), out.data(), &len) != 1 || len != out.size()) {
    Die("digest final");
  }
  assert(open_ && "Hasher::Final called twice");
  open_ = false;
  context_in_use = false;
  return out;
}

Hasher::~Hasher() {
  if (open_) context_in_use = false;  // abandoned before Final()
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
