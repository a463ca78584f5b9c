// The Hasher (OpenSSL's SHA-2 block functions, SHA-512/256 by its IV) against
// OpenSSL's EVP digests: every length around the block sizes, split into
// updates at random points, and the standard's own vectors.
#include "util/hasher.h"

#include <openssl/evp.h>

#include <catch2/catch.hpp>
#include <random>

namespace checkpoint {
namespace {

Hash Evp(HashKind kind, std::string_view data) {
  Hash out{};
  unsigned int len = 0;
  const EVP_MD* md = kind == HashKind::kSha256 ? EVP_sha256() : EVP_sha512_256();
  REQUIRE(EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) == 1);
  REQUIRE(len == out.size());
  return out;
}

TEST_CASE("Hasher equals OpenSSL's EVP digests at every length, however it is fed",
          "[unit][hasher]") {
  std::mt19937_64 rng(7);
  for (HashKind kind : {HashKind::kSha256, HashKind::kSha512_256}) {
    for (size_t n = 0; n <= 600; ++n) {
      std::string data(n, '\0');
      for (char& c : data) c = static_cast<char>(rng());
      Hasher h(kind);
      size_t at = 0;
      while (at < n) {
        const size_t step = std::min<size_t>(n - at, rng() % 140);
        h.Update(data.data() + at, step);
        at += step;
      }
      INFO(HashKindName(kind) << " length " << n);
      REQUIRE(h.Final() == Evp(kind, data));
      REQUIRE(HashBytes(kind, data) == Evp(kind, data));
    }
  }
}

TEST_CASE("Hasher gives FIPS 180-4's example digests", "[unit][hasher]") {
  REQUIRE(ToHex(HashBytes(HashKind::kSha256, "abc")) ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  REQUIRE(ToHex(HashBytes(HashKind::kSha512_256, "abc")) ==
          "53048e2681941ef99b2e29b76b4c7dabe4c2d0c634fc6d46e0e2f13107e7af23");
  // Two Hashers open at once on one thread (the old EVP one forbade it).
  Hasher a(HashKind::kSha512_256), b(HashKind::kSha256);
  a.Update("ab", 2);
  b.Update("abc", 3);
  a.Update("c", 1);
  REQUIRE(a.Final() == HashBytes(HashKind::kSha512_256, "abc"));
  REQUIRE(b.Final() == HashBytes(HashKind::kSha256, "abc"));
}

}  // namespace
}  // namespace checkpoint
