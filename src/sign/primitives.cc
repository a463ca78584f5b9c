#include "sign/primitives.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sodium.h>

#include <memory>

namespace checkpoint::sign_internal {
namespace {

using PkeyPtr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

// libsodium wants sodium_init() once before use (it picks the BLAKE2b code for
// the CPU); it is thread-safe and fails only without /dev/urandom, which the
// functions used here do not need, so the result only gates decoding.
bool SodiumReady() {
  static const bool ok = sodium_init() >= 0;
  return ok;
}

size_t Base64Len(size_t n) { return (n + 2) / 3 * 4; }

}  // namespace

std::string ToBase64(const uint8_t* data, size_t n) {
  SodiumReady();
  std::string out(Base64Len(n) + 1, '\0');  // sodium writes a NUL
  sodium_bin2base64(out.data(), out.size(), data, n, sodium_base64_VARIANT_ORIGINAL);
  out.pop_back();
  return out;
}

// Exactly n bytes in canonical padded base64: the length is checked before
// decoding, and libsodium rejects non-zero padding bits, so one file has one
// spelling.
bool FromBase64(std::string_view in, uint8_t* out, size_t n) {
  if (!SodiumReady() || in.size() != Base64Len(n)) return false;
  // libsodium 1.0.18 sign-extends chars, so 0xAF decodes as '/': take ASCII only.
  for (char c : in) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '+' || c == '/' || c == '=';
    if (!ok) return false;
  }
  size_t len = 0;
  const char* end = nullptr;
  return sodium_base642bin(out, n, in.data(), in.size(), nullptr, &len, &end,
                           sodium_base64_VARIANT_ORIGINAL) == 0 &&
         len == n && end == in.data() + in.size();
}

bool Ed25519Sign(const std::array<uint8_t, 32>& seed, const uint8_t* msg, size_t n,
                 uint8_t sig[64]) {
  PkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), 32),
              EVP_PKEY_free);
  MdCtxPtr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  size_t len = 64;
  return key && ctx && EVP_DigestSignInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
         EVP_DigestSign(ctx.get(), sig, &len, msg, n) == 1 && len == 64;
}

bool Ed25519Verify(const std::array<uint8_t, 32>& pk, const uint8_t* msg, size_t n,
                   const uint8_t sig[64]) {
  PkeyPtr key(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pk.data(), 32), EVP_PKEY_free);
  MdCtxPtr ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  return key && ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, nullptr, nullptr, key.get()) == 1 &&
         EVP_DigestVerify(ctx.get(), sig, 64, msg, n) == 1;
}

bool Ed25519Public(const std::array<uint8_t, 32>& seed, std::array<uint8_t, 32>& pk) {
  PkeyPtr key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), 32),
              EVP_PKEY_free);
  size_t len = 32;
  return key && EVP_PKEY_get_raw_public_key(key.get(), pk.data(), &len) == 1 && len == 32;
}

// minisign signs BLAKE2b-512 of the message, not the message ("ED" = prehashed).
bool Blake2b512(std::string_view message, uint8_t out[64]) {
  size_t len = 0;
  return EVP_Q_digest(nullptr, "BLAKE2B-512", nullptr, message.data(), message.size(), out, &len) ==
             1 &&
         len == 64;
}

void Blake2b256(std::initializer_list<std::span<const uint8_t>> parts, uint8_t out[32]) {
  SodiumReady();
  crypto_generichash_state st;
  crypto_generichash_init(&st, nullptr, 0, 32);
  for (auto part : parts) crypto_generichash_update(&st, part.data(), part.size());
  crypto_generichash_final(&st, out, 32);
  OPENSSL_cleanse(&st, sizeof st);  // it held secret key bytes
}

}  // namespace checkpoint::sign_internal
