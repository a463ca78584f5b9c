// The primitives under the minisign formats: Ed25519 and BLAKE2b-512 from
// OpenSSL; BLAKE2b-256 and strict base64 from libsodium (OpenSSL 3.0 has no
// unkeyed BLAKE2b-256). Internal to src/sign.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace checkpoint::sign_internal {

std::string ToBase64(const uint8_t* data, size_t n);
// Exactly n bytes in canonical padded base64 (one spelling per content).
bool FromBase64(std::string_view in, uint8_t* out, size_t n);

bool Ed25519Sign(const std::array<uint8_t, 32>& seed, const uint8_t* msg, size_t n,
                 uint8_t sig[64]);
bool Ed25519Verify(const std::array<uint8_t, 32>& pk, const uint8_t* msg, size_t n,
                   const uint8_t sig[64]);
bool Ed25519Public(const std::array<uint8_t, 32>& seed, std::array<uint8_t, 32>& pk);

bool Blake2b512(std::string_view message, uint8_t out[64]);
// Unkeyed BLAKE2b with a 32-byte digest over the concatenated parts.
void Blake2b256(std::initializer_list<std::span<const uint8_t>> parts, uint8_t out[32]);

}  // namespace checkpoint::sign_internal
